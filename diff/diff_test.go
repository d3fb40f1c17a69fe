package diff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/diff"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

const ref = "../../shared/reference"

func needRef(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("reference data absent (%v): ../shared/reference is not checked out beside the repository", err)
	}
}

func analyze(t *testing.T, path string, opt layerinfo.Options) *stats.Report {
	t.Helper()
	in, closeFn, err := layerinfo.File(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	g, err := layerinfo.Load(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := layerinfo.Analyze(context.Background(), g, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func statuses(r *diff.Result) map[string]diff.Status {
	m := map[string]diff.Status{}
	for _, l := range r.Layers {
		name := ""
		if l.B != nil {
			name = l.B.Name
		} else {
			name = l.A.Name
		}
		m[name] = l.Status
	}
	return m
}

// The seed against itself with dense_num_units=512: exactly dense and
// output change, by the parameters Lasagne's formulas give.
func TestSeedDenseUnits(t *testing.T) {
	dir := filepath.Join(ref, "seed")
	needRef(t, dir)
	src, err := os.ReadFile(filepath.Join(dir, "mnist_nolearn.py"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("dense_num_units=256")) {
		t.Fatal("the seed no longer sets dense_num_units=256")
	}
	tmp := filepath.Join(t.TempDir(), "mnist_512.py")
	os.WriteFile(tmp, bytes.Replace(src, []byte("dense_num_units=256"), []byte("dense_num_units=512"), 1), 0o644)
	a := analyze(t, filepath.Join(dir, "mnist_nolearn.py"), layerinfo.Options{})
	b := analyze(t, tmp, layerinfo.Options{})
	res := diff.Compare(a, b)

	var exp struct {
		Layers []struct {
			Name   string
			Shape  []int64
			Params int64
		}
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &exp)
	params := map[string]int64{}
	var flat int64 = 1 // maxpool2's output, the dense layer's input
	for _, l := range exp.Layers {
		params[l.Name] = l.Params
		if l.Name == "maxpool2" {
			for _, d := range l.Shape {
				flat *= d
			}
		}
	}
	// Lasagne's DenseLayer: (inputs+1)*units.
	wantDense := (flat+1)*512 - params["dense"]
	wantOutput := (512+1)*10 - params["output"]
	want := map[string]diff.Status{"input": diff.Same, "conv2d1": diff.Same, "maxpool1": diff.Same, "conv2d2": diff.Same, "maxpool2": diff.Same, "dense": diff.Changed, "output": diff.Changed}
	got := statuses(res)
	if len(got) != len(want) {
		t.Errorf("layers %v, want %v", got, want)
	}
	for name, s := range want {
		if got[name] != s {
			t.Errorf("%s: %s, want %s", name, got[name], s)
		}
	}
	for _, l := range res.Layers {
		if l.A == nil || l.B == nil || l.By != "name" {
			t.Errorf("%+v: not paired by name", l)
			continue
		}
		switch l.A.Name {
		case "dense":
			if d := l.Changes.Params; d == nil || *d.D != wantDense {
				t.Errorf("dense params delta %+v, want %d", d, wantDense)
			}
			if l.Changes.OutputShapes == nil {
				t.Error("dense: output shape change not given")
			}
		case "output":
			if d := l.Changes.Params; d == nil || *d.D != wantOutput {
				t.Errorf("output params delta %+v, want %d", d, wantOutput)
			}
			if l.Changes.OutputShapes != nil {
				t.Error("output: its shape did not change")
			}
		}
	}
	if d := res.TotalsDelta.Params; d.D == nil || *d.D != wantDense+wantOutput || *d.D != 207_616 {
		t.Errorf("params delta %+v, want %d (+207,616 as the issue says)", d, wantDense+wantOutput)
	}
	if p := res.TotalsDelta.Params.Percent; p == nil || *p != float64(wantDense+wantOutput)*100/float64(217_706) {
		t.Errorf("percent %v", p)
	}
	if d := res.TotalsDelta.NonTrainableParams; *d.D != 0 || d.Changed() {
		t.Errorf("non-trainable delta %+v", d)
	}
	if !res.Differ() {
		t.Error("Differ() false")
	}
	if r := diff.Compare(a, a); r.Differ() || r.Count(diff.Same) != len(exp.Layers) {
		t.Errorf("a model against itself differs: %+v", r.Layers)
	}
}

// The seed as Lasagne code against the same net as a spec: paired by
// name, the spec's explicit flatten added, nothing else.
func TestLasagneAgainstSpec(t *testing.T) {
	a := analyze(t, "../examples/mnist_nolearn.py", layerinfo.Options{})
	b := analyze(t, "../examples/mnist_seed.yaml", layerinfo.Options{})
	res := diff.Compare(a, b)
	for _, l := range res.Layers {
		switch {
		case l.Status == diff.Added && l.B.Name == "flatten":
		case l.Status != diff.Same:
			t.Errorf("%s: %s %+v", l.B.Name, l.Status, l.Changes)
		}
	}
	if res.Count(diff.Added) != 1 || res.Count(diff.Same) != 7 {
		t.Errorf("added %d, same %d", res.Count(diff.Added), res.Count(diff.Same))
	}
	if *res.TotalsDelta.Params.D != 0 || *res.TotalsDelta.FLOPs.D != 0 {
		t.Errorf("totals differ: %+v", res.TotalsDelta)
	}
}

type onnxRef struct {
	TorchCounts struct {
		Params, Buffers int64
	} `json:"torch_counts"`
	TorchFLOPs int64 `json:"torch_flops"`
	ONNX       struct {
		Elements int64 `json:"float_initializer_elements"`
	}
}

// ResNet-50 against ResNeXt-50 (32x4d), both torchvision exports: the
// exporter names the nodes after the modules, so every layer pairs by
// name; the totals' deltas are those of torch's own counts.
func TestResNetAgainstResNeXt(t *testing.T) {
	dir := filepath.Join(ref, "onnx")
	needRef(t, dir)
	pa, pb := filepath.Join(dir, "torchvision__resnet50__preserve"), filepath.Join(dir, "torchvision__resnext50_32x4d__preserve")
	var ra, rb onnxRef
	readJSON(t, pa+".json", &ra)
	readJSON(t, pb+".json", &rb)
	res := diff.Compare(analyze(t, pa+".onnx", layerinfo.Options{}), analyze(t, pb+".onnx", layerinfo.Options{}))
	if n := res.Count(diff.Added) + res.Count(diff.Removed); n != 0 {
		t.Errorf("%d layers added or removed between two nets of the same layout", n)
	}
	td := res.TotalsDelta
	if want := rb.ONNX.Elements - ra.ONNX.Elements; *td.Params.D != want {
		t.Errorf("params delta %d, want %d (initializer elements)", *td.Params.D, want)
	}
	if want := rb.TorchCounts.Params - ra.TorchCounts.Params; *td.TrainableParams.D != want {
		t.Errorf("trainable delta %d, want %d (torch)", *td.TrainableParams.D, want)
	}
	if want := rb.TorchCounts.Buffers - ra.TorchCounts.Buffers; *td.NonTrainableParams.D != want {
		t.Errorf("non-trainable delta %d, want %d (torch's BN buffers, without num_batches_tracked)", *td.NonTrainableParams.D, want)
	}
	if want := rb.TorchFLOPs - ra.TorchFLOPs; *td.FLOPs.D != want {
		t.Errorf("FLOPs delta %d, want %d (torch)", *td.FLOPs.D, want)
	}
	// The grouped 3x3 convolutions: 32 groups of 4 channels at width 128
	// in layer1 (128*4*3*3) against 64*64*3*3.
	for _, l := range res.Layers {
		if l.A.Name == "/layer1/layer1.0/conv2/Conv" {
			if d := l.Changes.Params; d == nil || *d.A != 64*64*3*3 || *d.B != 128*(128/32)*3*3 {
				t.Errorf("layer1.0.conv2: %+v", d)
			}
		}
	}
}

// An export with BatchNorm kept against its twin with BatchNorm folded
// into the convolutions: every BN layer removed, its convolution gains a
// bias of its output channels, nothing added, FLOPs the same.
func TestPreserveAgainstEval(t *testing.T) {
	dir := filepath.Join(ref, "onnx")
	needRef(t, dir)
	pa, pb := filepath.Join(dir, "torchvision__resnet50__preserve"), filepath.Join(dir, "torchvision__resnet50__eval")
	var ra, rb onnxRef
	readJSON(t, pa+".json", &ra)
	readJSON(t, pb+".json", &rb)
	a := analyze(t, pa+".onnx", layerinfo.Options{})
	res := diff.Compare(a, analyze(t, pb+".onnx", layerinfo.Options{}))
	bn := 0
	for _, l := range a.Layers {
		if l.Type == "BatchNormalization" {
			bn++
		}
	}
	if bn == 0 || res.Count(diff.Removed) != bn || res.Count(diff.Added) != 0 {
		t.Errorf("removed %d, added %d; the preserve export has %d BatchNormalization nodes", res.Count(diff.Removed), res.Count(diff.Added), bn)
	}
	changed := 0
	for _, l := range res.Layers {
		switch l.Status {
		case diff.Removed:
			if l.A.Type != "BatchNormalization" {
				t.Errorf("removed %s (%s)", l.A.Name, l.A.Type)
			}
		case diff.Changed:
			changed++
			shape := *l.B.OutputShapes[0]
			if l.A.Type != "Conv" || l.Changes.Params == nil || *l.Changes.Params.D != shape[1].Size || l.Changes.FLOPs != nil {
				t.Errorf("changed %s (%s): %+v, want a bias of %d", l.A.Name, l.A.Type, l.Changes.Params, shape[1].Size)
			}
		}
	}
	if changed != bn {
		t.Errorf("%d convolutions gained a bias, want one per BN (%d)", changed, bn)
	}
	if want := rb.ONNX.Elements - ra.ONNX.Elements; *res.TotalsDelta.Params.D != want {
		t.Errorf("params delta %d, want %d", *res.TotalsDelta.Params.D, want)
	}
	if *res.TotalsDelta.FLOPs.D != 0 {
		t.Errorf("FLOPs delta %d, want 0", *res.TotalsDelta.FLOPs.D)
	}
}

func shape(dims ...int64) []*stats.Shape {
	s := make(stats.Shape, len(dims))
	for i, d := range dims {
		if d < 0 {
			s[i] = graph.Unknown()
		} else {
			s[i] = graph.D(d)
		}
	}
	return []*stats.Shape{&s}
}

func i64(v int64) *int64 { return &v }

func report(path, format string, layers ...stats.Layer) *stats.Report {
	r := &stats.Report{Model: stats.Model{Path: path, Format: format}, Layers: layers}
	for _, l := range layers {
		r.Totals.Params += l.Params
		r.Totals.TrainableParams += l.TrainableParams
		if l.ParamsUnknown {
			r.Totals.ParamsUnknown = true
		}
	}
	var f int64
	for _, l := range layers {
		if l.FLOPs == nil {
			return r
		}
		f += *l.FLOPs
	}
	r.Totals.FLOPs = &f
	return r
}

func layer(name, typ string, out []*stats.Shape, params int64, flops *int64) stats.Layer {
	return stats.Layer{Name: name, Type: typ, OutputShapes: out, Params: params, TrainableParams: params, FLOPs: flops}
}

// Module code against its ONNX export: names differ; the exporter's
// scopes give the module path, and what has no module pairs by
// structure.
func TestModuleAndStructure(t *testing.T) {
	a := report("net.py", "pytorch",
		layer("conv1", "Conv2d", shape(1, 8, 26, 26), 80, i64(86528)),
		layer("act", "ReLU", shape(1, 8, 26, 26), 0, i64(0)),
		layer("features.0.proj", "Linear", shape(1, 16), 86544, i64(173056)),
		layer("head", "Linear", shape(1, 10), 170, i64(320)),
	)
	b := report("net.onnx", "onnx",
		layer("/conv1/Conv", "Conv", shape(1, 8, 26, 26), 80, i64(86528)),
		layer("/Relu", "Relu", shape(1, 8, 26, 26), 0, i64(0)),
		layer("/features/features.0/proj/Gemm", "Gemm", shape(1, 16), 86544, i64(173056)),
		layer("/Flatten", "Flatten", shape(1, 16), 0, i64(0)),
		layer("node_7", "Gemm", shape(1, 12), 204, i64(384)),
	)
	res := diff.Compare(a, b)
	type row struct {
		a, b string
		s    diff.Status
		by   string
	}
	var got []row
	for _, l := range res.Layers {
		r := row{s: l.Status, by: l.By}
		if l.A != nil {
			r.a = l.A.Name
		}
		if l.B != nil {
			r.b = l.B.Name
		}
		got = append(got, r)
	}
	want := []row{
		{"conv1", "/conv1/Conv", diff.Same, "module"},
		{"act", "/Relu", diff.Same, "structure"},
		{"features.0.proj", "/features/features.0/proj/Gemm", diff.Same, "module"},
		{"", "/Flatten", diff.Added, ""},
		{"head", "node_7", diff.Changed, "structure"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	head := res.Layers[4].Changes
	if head.Type != nil || head.OutputShapes == nil || *head.Params.D != 34 || *head.FLOPs.D != 64 {
		t.Errorf("head's changes %+v", head)
	}
}

// A figure unknown on one side has an unknown delta: nil, null in the
// JSON and ? in the text, never 0.
func TestUnknown(t *testing.T) {
	u := layer("mystery", "Custom", []*stats.Shape{nil}, 0, nil)
	u.ParamsUnknown = true
	a := report("a.json", "keras", layer("d", "Dense", shape(-1, 4), 20, i64(32)), layer("mystery", "Custom", shape(-1, 4), 12, i64(8)))
	b := report("b.json", "keras", layer("d", "Dense", shape(-1, 4), 20, i64(32)), u)
	res := diff.Compare(a, b)
	m := res.Layers[1]
	if m.Status != diff.Changed || m.Changes.Params == nil || m.Changes.Params.D != nil || m.Changes.Params.B != nil || *m.Changes.Params.A != 12 {
		t.Fatalf("mystery: %+v %+v", m.Status, m.Changes.Params)
	}
	if res.TotalsDelta.Params.D != nil || res.TotalsDelta.Params.Percent != nil || res.TotalsDelta.FLOPs.D != nil {
		t.Errorf("totals delta %+v %+v", res.TotalsDelta.Params, res.TotalsDelta.FLOPs)
	}
	var js bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var out struct {
		A struct {
			Totals map[string]*int64
		}
		B struct {
			Totals map[string]*int64
		}
		TotalsDelta map[string]struct {
			A, B, Delta *int64
			Percent     *float64
		} `json:"totals_delta"`
	}
	if err := json.Unmarshal(js.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.B.Totals["params"] != nil || *out.A.Totals["params"] != 32 || out.TotalsDelta["params"].Delta != nil || out.TotalsDelta["flops"].Delta != nil {
		t.Errorf("JSON: %s", js.Bytes())
	}
	var txt bytes.Buffer
	res.WriteText(&txt)
	if !strings.Contains(txt.String(), "12 → ? (?)") || !strings.Contains(txt.String(), "params         32  ?  ?") {
		t.Errorf("text:\n%s", txt.String())
	}
}

// torchvision's resnet.py traced against its ONNX export: no name is the
// same, every module meets its exported node by module path, the
// residual additions and the flatten (shape-only code in PyTorch's
// forward, nodes in ONNX) are added, and the figures agree except where the conventions differ:
// BatchNorm's running statistics are buffers in PyTorch (not params) and
// non-trainable parameters in ONNX.
func TestTorchAgainstONNX(t *testing.T) {
	code := filepath.Join(ref, "torchcode", "torchvision", "resnet.py")
	onnx := filepath.Join(ref, "onnx", "torchvision__resnet50__preserve.onnx")
	needRef(t, code)
	needRef(t, onnx)
	a := analyze(t, code, layerinfo.Options{Python: layerinfo.PythonOptions{Entry: "resnet50()", InputShapes: map[string][]int64{"": {1, 3, 224, 224}}}})
	b := analyze(t, onnx, layerinfo.Options{})
	res := diff.Compare(a, b)
	if n := res.Count(diff.Removed); n != 0 {
		t.Errorf("%d PyTorch modules found no ONNX node", n)
	}
	for _, l := range res.Layers {
		switch l.Status {
		case diff.Added:
			if l.B.Type != "Add" && l.B.Type != "Flatten" { // shape-only code in forward
				t.Errorf("added %s (%s)", l.B.Name, l.B.Type)
			}
		case diff.Changed:
			c := l.Changes
			if l.A.Type != "BatchNorm2d" || c.OutputShapes != nil || c.FLOPs != nil || c.TrainableParams != nil ||
				*c.NonTrainableParams.D != l.A.Buffers-1 { // num_batches_tracked is no ONNX tensor
				t.Errorf("changed %s → %s: %+v", l.A.Name, l.B.Name, c)
			}
		}
		if l.A != nil && l.By != "module" {
			t.Errorf("%s paired by %q", l.A.Name, l.By)
		}
	}
	if *res.TotalsDelta.TrainableParams.D != 0 || *res.TotalsDelta.FLOPs.D != 0 {
		t.Errorf("trainable %+v, FLOPs %+v", res.TotalsDelta.TrainableParams, res.TotalsDelta.FLOPs)
	}
}

// Past the dynamic program's size (4M cells) the unpaired layers pair
// greedily in order, by kind: two 2,100-layer nets whose names all
// differ still pair every layer.
func TestLargeStructural(t *testing.T) {
	const n = 2100
	var la, lb []stats.Layer
	for i := range n {
		typ, p := "Conv2d", int64(10)
		if i%2 == 1 {
			typ, p = "ReLU", 0
		}
		la = append(la, layer(fmt.Sprintf("a%d", i), typ, shape(1, 8), p, i64(p)))
		otyp := map[string]string{"Conv2d": "Conv", "ReLU": "Relu"}[typ]
		lb = append(lb, layer(fmt.Sprintf("n%d", i), otyp, shape(1, 8), p, i64(p)))
	}
	res := diff.Compare(report("a", "pytorch", la...), report("b", "onnx", lb...))
	if res.Count(diff.Same) != n || res.Differ() {
		t.Errorf("same %d of %d", res.Count(diff.Same), n)
	}
	for i, l := range res.Layers {
		if l.By != "structure" || l.A.Name[1:] != l.B.Name[1:] {
			t.Fatalf("line %d: %s ↔ %s by %s", i, l.A.Name, l.B.Name, l.By)
		}
	}
}
