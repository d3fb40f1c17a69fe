package memory_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/memory"
)

// savedScript prints, for each torchvision model named on the command
// line, the bytes of the distinct storages autograd saves in one training
// forward at batch 2 (torch.autograd.graph.saved_tensors_hooks), weights,
// buffers and the input left out; dropout off, as in the ONNX exports
// (on the CPU its mask is a float tensor; CUDA's native_dropout keeps a
// bool one).
const savedScript = `
import sys, torch, torchvision
from torch.autograd.graph import saved_tensors_hooks
for name in sys.argv[1:]:
    kw = dict(aux_logits=False, init_weights=False) if name == "googlenet" else {}
    m = getattr(torchvision.models, name)(**kw)
    m.train()
    for d in m.modules():  # the ONNX exports have no dropout (exported in eval mode)
        if isinstance(d, torch.nn.Dropout) or type(d).__name__ == "StochasticDepth":
            d.p = 0.0
    x = torch.randn(2, 3, 224, 224)
    seen = {}
    def pack(t):
        st = t.untyped_storage() if hasattr(t, "untyped_storage") else t.storage()
        seen[st.data_ptr()] = st.nbytes()
        return t
    skip = {p.data_ptr() for p in m.parameters()} | {b.data_ptr() for b in m.buffers()} | {x.data_ptr()}
    with saved_tensors_hooks(pack, lambda t: t):
        m(x)
    print(name, sum(v for k, v in seen.items() if k not in skip))
`

// TestSavedAgainstTorch: what the rules keep for backward is what
// PyTorch's autograd keeps, measured on the CPU with saved-tensor hooks
// (Debian's torch 1.13; the rules are the same on CUDA). Optional: it
// needs python3 with torch and torchvision, and the reference ONNX files.
func TestSavedAgainstTorch(t *testing.T) {
	if os.Getenv("LAYERINFO_TORCH_TESTS") == "" {
		t.Skip("PyTorch runs for a minute on the CPU: LAYERINFO_TORCH_TESTS=1 runs it")
	}
	models := []string{"resnet50", "mobilenet_v2", "vgg16", "efficientnet_b0", "convnext_tiny",
		"googlenet", "squeezenet1_0", "resnext50_32x4d", "mnasnet1_0", "alexnet", "vgg11_bn"}
	for _, m := range models {
		if _, err := os.Stat(filepath.Join(referenceDir, "onnx", "torchvision__"+m+"__preserve.onnx")); err != nil {
			t.Skip("../shared/reference not present: ", err)
		}
	}
	// the python3 on PATH, else the system's (Debian's python3-torch)
	var out []byte
	err := exec.ErrNotFound
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if out, err = exec.Command(py, append([]string{"-c", savedScript}, models...)...).Output(); err == nil {
			break
		}
	}
	if err != nil {
		t.Skip("no python3 with torch and torchvision: ", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("python printed %q", line)
		}
		want, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		e := estimateAtBatch2(t, f[0])
		var got int64
		for _, L := range e.Layers {
			got += L.Saved
		}
		d := float64(got-want) / float64(want) * 100
		t.Logf("%-13s rules %d, torch %d: %+.3f%%", f[0], got, want, d)
		// Per-channel statistics are counted in allocator blocks (512
		// bytes): a few KB over.
		if d < 0 || d > 0.05 {
			t.Errorf("%s: the rules keep %d bytes, PyTorch %d (%+.3f%%)", f[0], got, want, d)
		}
	}
}

func estimateAtBatch2(t *testing.T, name string) *memory.Estimate {
	t.Helper()
	in, closeIn, err := layerinfo.File(filepath.Join(referenceDir, "onnx", "torchvision__"+name+"__preserve.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeIn()
	opt := layerinfo.Options{ONNX: layerinfo.ONNXOptions{InputShapes: map[string][]int64{"": {2, 3, 224, 224}}}}
	g, err := layerinfo.Load(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := layerinfo.Analyze(context.Background(), g, opt); err != nil {
		t.Fatal(err)
	}
	e, err := memory.Compute(g, memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
