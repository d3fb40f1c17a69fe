package keras

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

func analyseCode(t *testing.T, name string, src []byte, opt CodeOptions) *stats.Report {
	t.Helper()
	g, err := DecodeCode(name, src, opt)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatalf("infer: %v", err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	return r
}

// TestReferenceCode: every script of keras/code gives its model's
// totals and, layer by layer in order, the output shape, the parameter
// counts and the weight shapes of the JSON of the same name (names
// where the script gives them: Sequential models' automatic names are
// Python Keras's, the reference's TF.js's).
func TestReferenceCode(t *testing.T) {
	scripts, _ := filepath.Glob(filepath.Join(refDir, "code", "*.py"))
	if len(scripts) == 0 {
		t.Skipf("no Keras reference code at %s/code (the shared reference folder is beside the checkout)", refDir)
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".py")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want refModel
			loadRef(t, filepath.Join(refDir, name+".expected.json"), &want)
			r := analyseCode(t, path, src, CodeOptions{})
			got := r.Totals
			if got.Params != want.Total || got.TrainableParams != want.Trainable || got.NonTrainableParams != want.NonTrainable {
				t.Errorf("totals %d (trainable %d, non-trainable %d), Keras %d (%d, %d)",
					got.Params, got.TrainableParams, got.NonTrainableParams, want.Total, want.Trainable, want.NonTrainable)
			}
			if len(r.Layers) != len(want.Layers) {
				var names []string
				for _, l := range r.Layers {
					names = append(names, l.Name)
				}
				t.Fatalf("%d layers %v, Keras %d", len(r.Layers), names, len(want.Layers))
			}
			named := strings.Contains(string(src), "name=")
			for i, wl := range want.Layers {
				gl := r.Layers[i]
				if gl.Type != wl.Class || named && gl.Name != wl.Name {
					t.Errorf("layer %d: %s (%s), Keras %s (%s)", i, gl.Name, gl.Type, wl.Name, wl.Class)
				}
				if g, w := reportShapeText(gl), refShapeText(wl.OutputShape); g != w {
					t.Errorf("layer %s: output %s, Keras %s", wl.Name, g, w)
				}
				if gl.Params != wl.Params || gl.TrainableParams != wl.Trainable || gl.NonTrainableParams != wl.NonTrainable {
					t.Errorf("layer %s: params %d (%d, %d), Keras %d (%d, %d)", wl.Name,
						gl.Params, gl.TrainableParams, gl.NonTrainableParams, wl.Params, wl.Trainable, wl.NonTrainable)
				}
				if len(gl.Weights) != len(wl.Weights) {
					t.Errorf("layer %s: %d weights, Keras %d", wl.Name, len(gl.Weights), len(wl.Weights))
					continue
				}
				for j, ww := range wl.Weights {
					if g, w := shapeOfWeight(gl.Weights[j]), dimsText(ww.Shape); g != w {
						t.Errorf("layer %s weight %d: %s, Keras %s", wl.Name, j, g, w)
					}
				}
			}
		})
	}
}
