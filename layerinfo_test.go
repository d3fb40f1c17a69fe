package layerinfo_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/format"
)

// reference is the shared reference data, next to the project checkout.
const reference = "../shared/reference"

func needReference(t *testing.T, path string) string {
	t.Helper()
	p := filepath.Join(reference, path)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not present (it lives beside the project checkout): %v", p, err)
	}
	return p
}

// TestSeed checks the seed network against the reference: every layer's
// shape, parameter count and formula, the output-size arithmetic, and the
// total nolearn printed.
func TestSeed(t *testing.T) {
	path := needReference(t, "seed/mnist_nolearn.py")
	var want struct {
		Layers []struct {
			Name    string  `json:"name"`
			Shape   []int64 `json:"shape"`
			Params  int64   `json:"params"`
			Formula string  `json:"formula"`
			Size    string  `json:"size"`
		} `json:"layers"`
		Total int64 `json:"total_params"`
	}
	data, err := os.ReadFile(filepath.Join(reference, "seed/expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	in, closeFn, err := layerinfo.File(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	g, err := layerinfo.Load(t.Context(), in, layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Model.Format != "nolearn" {
		t.Errorf("format %q, want nolearn", r.Model.Format)
	}
	if len(r.Layers) != len(want.Layers) {
		t.Fatalf("%d layers, want %d", len(r.Layers), len(want.Layers))
	}
	nospace := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	for i, w := range want.Layers {
		l := r.Layers[i]
		if l.Name != w.Name {
			t.Errorf("layer %d is %s, want %s", i, l.Name, w.Name)
		}
		shape := l.OutputShapes[0].Dims()
		if shape[0].Known() {
			t.Errorf("%s: batch axis %s, want None", w.Name, shape[0])
		}
		var got []int64
		for _, d := range shape[1:] {
			got = append(got, d.Size)
		}
		if !equal(got, w.Shape) {
			t.Errorf("%s: shape %v, want %v", w.Name, got, w.Shape)
		}
		if l.Params != w.Params || l.TrainableParams != w.Params {
			t.Errorf("%s: params %d (trainable %d), want %d", w.Name, l.Params, l.TrainableParams, w.Params)
		}
		wantFormula := w.Formula
		if w.Formula != "0" {
			wantFormula += " = " + itoa(w.Params)
		}
		if l.Explain.Params != wantFormula {
			t.Errorf("%s: params explained as %q, want %q", w.Name, l.Explain.Params, wantFormula)
		}
		if w.Size != "" && !strings.Contains(nospace(l.Explain.OutputShape), nospace(w.Size)) {
			t.Errorf("%s: output size explained as %q, want it to contain %q", w.Name, l.Explain.OutputShape, w.Size)
		}
	}
	if r.Totals.Params != want.Total || r.Totals.TrainableParams != want.Total || r.Totals.NonTrainableParams != 0 {
		t.Errorf("totals %+v, want %d trainable", r.Totals, want.Total)
	}
	if p := r.Model.Prints; p == nil || p.Value != want.Total || p.Which != "trainable_params" {
		t.Errorf("framework_prints %+v, want nolearn's trainable %d", p, want.Total)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestSniffConfigs: transformers configs, with model_type and without
// (Google's bert_config.json, GPT-2's n_embd), are hf's surest and spec
// does not claim them; Load reads them as hf.
func TestSniffConfigs(t *testing.T) {
	for _, path := range []string{"format/hf/testdata/uncased_L-12_H-768_A-12/bert_config.json", "format/hf/testdata/gpt2-small/config.json",
		"format/hf/testdata/roberta-base/config.json", "format/hf/testdata/t5-small/config.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name, head := filepath.Base(path), data[:min(len(data), format.HeadSize)]
		var hf format.Sure
		for _, f := range layerinfo.Formats() {
			s := f.Sniff(name, head)
			switch f.Name() {
			case "hf":
				hf = s
			case "spec":
				if s != format.No {
					t.Errorf("%s: spec says %v", path, s)
				}
			}
		}
		for _, f := range layerinfo.Formats() {
			if s := f.Sniff(name, head); f.Name() != "hf" && s >= hf {
				t.Errorf("%s: %s is as sure as hf (%v, %v)", path, f.Name(), s, hf)
			}
		}
		g, err := layerinfo.Load(t.Context(), layerinfo.Bytes(path, data), layerinfo.Options{})
		if err != nil || g.Format != "transformers" {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// TestFallback: Python code saved as mnist.yaml is tried as a spec first
// (the extension says maybe) and, that failing, read as Python (its
// Lasagne imports say maybe too), with a note saying so; the numbers are
// the seed's.
func TestFallback(t *testing.T) {
	src, err := os.ReadFile("examples/mnist_nolearn.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range layerinfo.Formats() {
		want := format.No
		switch f.Name() {
		case "spec", "python":
			want = format.Maybe
		}
		if s := f.Sniff("mnist.yaml", src); s != want {
			t.Errorf("%s says %v, want %v", f.Name(), s, want)
		}
	}
	g, err := layerinfo.Load(t.Context(), layerinfo.Bytes("mnist.yaml", src), layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Format != "nolearn" || !strings.Contains(strings.Join(g.Notes, "\n"), "read as python: as spec it could not be read: mnist.yaml") {
		t.Errorf("format %s, notes %q", g.Format, g.Notes)
	}
	r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
	if err != nil || r.Totals.TrainableParams != 217706 { // nolearn's printout of the seed network
		t.Errorf("%v, %+v", err, r)
	}
	// A spec is sure of a layers list with types.
	for _, c := range []struct {
		name, head string
		want       format.Sure
	}{
		{"m.yaml", "layers:\n  - type: dense\n", format.Likely},
		{"m.json", `{"layers": [{"type": "dense"}]}`, format.Likely},
		{"m.yaml", "name: x\n", format.Maybe},
		{"m.py", "layers:\n  - type: dense\n", format.No},
	} {
		for _, f := range layerinfo.Formats() {
			if f.Name() == "spec" && f.Sniff(c.name, []byte(c.head)) != c.want {
				t.Errorf("spec.Sniff(%q, %q) = %v, want %v", c.name, c.head, f.Sniff(c.name, []byte(c.head)), c.want)
			}
		}
	}
}
