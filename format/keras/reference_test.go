package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// refDir is the shared reference data beside the checkout: Keras models
// as JSON, .h5 and .keras files, with what Keras (TF.js 4.22 for the
// JSON, Keras 2.13 and 3.15 layouts for the files) reported of each.
const refDir = "../../../shared/reference/keras"

type refWeight struct {
	Name      string   `json:"name"`
	Shape     []*int64 `json:"shape"`
	Params    int64    `json:"params"`
	Trainable *bool    `json:"trainable"`
}

type refLayer struct {
	Name         string          `json:"name"`
	Class        string          `json:"class_name"`
	OutputShape  json.RawMessage `json:"output_shape"`
	Params       int64           `json:"params"`
	Trainable    int64           `json:"trainable_params"`
	NonTrainable int64           `json:"non_trainable_params"`
	Weights      []refWeight     `json:"weights"`
}

type refModel struct {
	Total        int64      `json:"total_params"`
	Trainable    int64      `json:"trainable_params"`
	NonTrainable int64      `json:"non_trainable_params"`
	Layers       []refLayer `json:"layers"`
}

func refModels(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(refDir, "*.expected.json"))
	var names []string
	for _, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), ".expected.json")
		if strings.Contains(n, ".") {
			continue // the weights-only file's, tested apart
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		t.Skipf("no Keras reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	return names
}

func loadRef(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// decodeFile reads a reference file the way Load would, by content.
func decodeFile(t *testing.T, path string) (*graph.Graph, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	head := make([]byte, 4096)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	switch {
	case strings.HasPrefix(string(head), string(hdf5Magic)):
		return DecodeH5(path, f, st.Size(), nil)
	case strings.HasPrefix(string(head), "PK"):
		return DecodeArchive(path, f, st.Size(), nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeJSON(path, data, nil)
}

func analyse(t *testing.T, path string) *stats.Report {
	t.Helper()
	g, err := decodeFile(t, path)
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

// shapeText writes a reference shape ([null, 28, 28, 1], or a list of
// them) and a report shape the same way.
func refShapeText(raw json.RawMessage) string {
	var one []*int64
	if json.Unmarshal(raw, &one) == nil {
		return dimsText(one)
	}
	var many [][]*int64
	if json.Unmarshal(raw, &many) == nil {
		var parts []string
		for _, s := range many {
			parts = append(parts, dimsText(s))
		}
		return strings.Join(parts, " ")
	}
	return string(raw)
}

func dimsText(s []*int64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d == nil {
			parts[i] = "None"
		} else {
			parts[i] = fmt.Sprint(*d)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func reportShapeText(l stats.Layer) string {
	var parts []string
	for _, s := range l.OutputShapes {
		if s == nil {
			parts = append(parts, "?")
			continue
		}
		ds := make([]string, len(*s))
		for i, d := range *s {
			ds[i] = d.String()
		}
		parts = append(parts, "("+strings.Join(ds, ", ")+")")
	}
	return strings.Join(parts, " ")
}

// TestReference: every model of the reference, as JSON, .h5 and .keras,
// gives Keras's totals and, layer by layer, its output shape, parameter
// counts and weight shapes.
func TestReference(t *testing.T) {
	for _, name := range refModels(t) {
		var want refModel
		loadRef(t, filepath.Join(refDir, name+".expected.json"), &want)
		for _, ext := range []string{".json", ".h5", ".keras"} {
			path := filepath.Join(refDir, name+ext)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			t.Run(name+ext, func(t *testing.T) {
				r := analyse(t, path)
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
				for i, wl := range want.Layers {
					gl := r.Layers[i]
					if gl.Name != wl.Name || gl.Type != wl.Class {
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
						gw := gl.Weights[j]
						if g, w := shapeOfWeight(gw), dimsText(ww.Shape); g != w || gw.Trainable != (ww.Trainable == nil || *ww.Trainable) {
							t.Errorf("layer %s weight %d: %s %s trainable %v, Keras %s %s", wl.Name, j, gw.Name, g, gw.Trainable, ww.Name, w)
						}
					}
				}
			})
		}
	}
}

func shapeOfWeight(w stats.Weight) string {
	ds := make([]string, len(w.Shape))
	for i, d := range w.Shape {
		ds[i] = d.String()
	}
	return "(" + strings.Join(ds, ", ") + ")"
}

// TestReferenceWeightsOnly: a save_weights file gives its layers in
// model order, each weight's name and shape, and the total.
func TestReferenceWeightsOnly(t *testing.T) {
	path := filepath.Join(refDir, "resnet_mini.keras2_weights.h5")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no Keras reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	var want struct {
		Total  int64 `json:"total_params"`
		Layers []struct {
			Name    string      `json:"name"`
			Params  int64       `json:"params"`
			Weights []refWeight `json:"weights"`
		} `json:"layers"`
	}
	loadRef(t, filepath.Join(refDir, "resnet_mini.keras2_weights.expected.json"), &want)
	r := analyse(t, path)
	if r.Totals.Params != want.Total {
		t.Errorf("total %d, Keras %d", r.Totals.Params, want.Total)
	}
	if len(r.Layers) != len(want.Layers) {
		t.Fatalf("%d layers, want %d", len(r.Layers), len(want.Layers))
	}
	for i, wl := range want.Layers {
		gl := r.Layers[i]
		if gl.Name != wl.Name || gl.Params != wl.Params || len(gl.Weights) != len(wl.Weights) {
			t.Errorf("layer %d: %s %d params %d weights, want %s %d %d", i, gl.Name, gl.Params, len(gl.Weights), wl.Name, wl.Params, len(wl.Weights))
			continue
		}
		for j, ww := range wl.Weights {
			gw := gl.Weights[j]
			if gw.Name+":0" != ww.Name || shapeOfWeight(gw) != dimsText(ww.Shape) {
				t.Errorf("layer %s weight %d: %s %s, want %s %s", wl.Name, j, gw.Name, shapeOfWeight(gw), ww.Name, dimsText(ww.Shape))
			}
		}
	}
}

// TestReferenceKeras3WeightsOnly: the model.weights.h5 of a .keras
// archive is what Keras 3's save_weights writes; alone it gives every
// layer's variables, adding up to the model's totals (the moving
// statistics told by the layers' class).
func TestReferenceKeras3WeightsOnly(t *testing.T) {
	path := filepath.Join(refDir, "resnet_mini.keras")
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Skipf("no Keras reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	defer z.Close()
	var data []byte
	for _, f := range z.File {
		if f.Name == "model.weights.h5" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var want refModel
	loadRef(t, filepath.Join(refDir, "resnet_mini.expected.json"), &want)
	g, err := DecodeH5("resnet_mini.weights.h5", bytes.NewReader(data), int64(len(data)), nil)
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
	if r.Totals.Params != want.Total || r.Totals.NonTrainableParams != want.NonTrainable || len(r.Layers) != len(want.Layers) {
		t.Errorf("%d params (%d non-trainable) in %d layers, Keras %d (%d) in %d", r.Totals.Params, r.Totals.NonTrainableParams, len(r.Layers),
			want.Total, want.NonTrainable, len(want.Layers))
	}
}
