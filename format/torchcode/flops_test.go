package torchcode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// TestReferenceFLOPs traces torchvision's model files (../shared/reference/
// torchcode) at 1x3x224x224 and compares the total FLOPs with PyTorch
// FlopCounterMode's torch_flops, recorded beside the same model's ONNX
// export in ../shared/reference/onnx (PyTorch 2.11, same input).
func TestReferenceFLOPs(t *testing.T) {
	dir := filepath.Join(reference, "torchcode")
	if _, err := os.Stat(filepath.Join(reference, "onnx")); err != nil {
		t.Skip("no reference data: ../shared/reference/onnx and torchcode are needed for this test")
	}
	for _, m := range []string{"alexnet", "googlenet", "mnasnet1_0", "mobilenet_v2", "resnet50", "shufflenet_v2_x1_0", "squeezenet1_0", "vgg11_bn", "vgg16"} {
		t.Run(m, func(t *testing.T) {
			var ref struct {
				TorchFLOPs int64 `json:"torch_flops"`
				Input      []int64
			}
			raw, err := os.ReadFile(filepath.Join(reference, "onnx", "torchvision__"+m+"__preserve.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			var e expected
			raw, err = os.ReadFile(filepath.Join(dir, m+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, e.File)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Decode(filepath.Base(path), src, Options{Entry: e.Entry, Dir: os.DirFS(filepath.Dir(path)), InputShapes: map[string][]int64{"": ref.Input}})
			if err != nil {
				t.Fatal(err)
			}
			if err := infer.Run(g, infer.Options{}); err != nil {
				t.Fatal(err)
			}
			r, err := stats.Build(g)
			if err != nil {
				t.Fatal(err)
			}
			if r.Totals.FLOPs == nil {
				t.Fatalf("FLOPs unknown; FlopCounterMode %d", ref.TorchFLOPs)
			}
			if *r.Totals.FLOPs != ref.TorchFLOPs {
				t.Errorf("FLOPs %d, FlopCounterMode %d (%+d)", *r.Totals.FLOPs, ref.TorchFLOPs, *r.Totals.FLOPs-ref.TorchFLOPs)
			}
			// With the batch left symbolic (N), every row's first axis
			// is N and the FLOPs are per example: the same total.
			sym := append([]int64{-1}, ref.Input[1:]...)
			g, err = Decode(filepath.Base(path), src, Options{Entry: e.Entry, Dir: os.DirFS(filepath.Dir(path)), InputShapes: map[string][]int64{"": sym}})
			if err != nil {
				t.Fatal(err)
			}
			if err := infer.Run(g, infer.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, n := range g.Nodes {
				for _, v := range n.Outputs {
					if len(v.Shape) == 0 || v.Shape[0].Known() {
						t.Errorf("batch N: row %s has output %v", n.Name, v.Shape)
					}
				}
			}
			if r, err = stats.Build(g); err != nil {
				t.Fatal(err)
			}
			if r.Totals.FLOPs == nil || *r.Totals.FLOPs != ref.TorchFLOPs {
				t.Errorf("batch N: FLOPs per example %v, FlopCounterMode %d at batch 1", r.Totals.FLOPs, ref.TorchFLOPs)
			}
		})
	}
}
