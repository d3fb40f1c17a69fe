package hdf5

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The Keras model files of ../shared/reference/keras (README-files.md
// there), read in place: every .h5's model_config attribute must be the
// JSON beside it, and the weights (legacy .h5: model_weights/<layer>/<weight
// name> as the weight_names attributes list them; .keras: the datasets under
// layers/ of model.weights.h5) must add up to the total_params of
// <name>.expected.json, which the reference's generator computed.
const kerasRef = "../../../shared/reference/keras"

func kerasDir(t *testing.T) string {
	if _, err := os.Stat(kerasRef); err != nil {
		t.Skipf("%s is absent (%v): the Keras reference files are not checked", kerasRef, err)
	}
	return kerasRef
}

func totalParams(t *testing.T, path string) int64 {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		TotalParams *int64 `json:"total_params"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.TotalParams == nil {
		t.Fatalf("%s: no total_params (%v)", path, err)
	}
	return *e.TotalParams
}

func product(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

func stringsOf(t *testing.T, a *Attribute) []string {
	t.Helper()
	switch v := a.Value.(type) {
	case []string:
		return v
	case string:
		return []string{v}
	case []float64: // Keras writes an empty float64 array for no names
		if len(v) == 0 {
			return nil
		}
	}
	t.Fatalf("attribute %s is %s %#v, not strings", a.Name, a.DType, a.Value)
	return nil
}

// legacyWeights walks a Keras 2 weights group: layer_names, then each
// layer's weight_names, each a dataset path under the layer's group.
func legacyWeights(t *testing.T, g *Group) (total int64, lines []string) {
	a, err := g.Attr("layer_names")
	if err != nil || a == nil {
		t.Fatalf("%s: layer_names: %v, %v", g.Path(), a, err)
	}
	for _, layer := range stringsOf(t, a) {
		lg, err := g.Group(layer)
		if err != nil {
			t.Fatal(err)
		}
		wn, err := lg.Attr("weight_names")
		if err != nil || wn == nil {
			t.Fatalf("%s: weight_names: %v, %v", lg.Path(), wn, err)
		}
		for _, w := range stringsOf(t, wn) {
			d, err := lg.Dataset(w)
			if err != nil {
				t.Fatal(err)
			}
			if d.DType != "float32" {
				t.Errorf("%s: %s, the reference files hold float32", d.Path, d.DType)
			}
			total += product(d.Shape)
			lines = append(lines, d.Path+" "+jsonOf(d.Shape))
		}
	}
	return total, lines
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestKerasH5(t *testing.T) {
	dir := kerasDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.h5"))
	if len(files) == 0 {
		t.Fatalf("no .h5 files in %s", dir)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".h5")
		t.Run(name, func(t *testing.T) {
			f := openFile(t, path)
			root := f.Root()
			if strings.HasSuffix(name, ".keras2_weights") {
				// save_weights: the layers at the root, no model_config.
				if a, err := root.Attr("model_config"); a != nil || err != nil {
					t.Errorf("weights-only file has model_config %v (%v)", a, err)
				}
				exp := filepath.Join(dir, name+".expected.json")
				total, lines := legacyWeights(t, root)
				if want := totalParams(t, exp); total != want {
					t.Errorf("weights add up to %d, expected %d", total, want)
				}
				checkWeightList(t, exp, root)
				t.Logf("%d weights, %d params:\n%s", len(lines), total, strings.Join(lines, "\n"))
				return
			}
			a, err := root.Attr("model_config")
			if err != nil || a == nil {
				t.Fatalf("model_config: %v, %v", a, err)
			}
			s, ok := a.Value.(string)
			if !ok {
				t.Fatalf("model_config is %s %T", a.DType, a.Value)
			}
			want, err := os.ReadFile(filepath.Join(dir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			// model.to_json() (the .json) adds keras_version and backend
			// beside class_name and config; model.save() keeps those in
			// attributes of their own.
			var got, exp map[string]any
			if err := json.Unmarshal([]byte(s), &got); err != nil {
				t.Fatalf("model_config is not JSON: %v", err)
			}
			if err := json.Unmarshal(want, &exp); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"class_name", "config"} {
				if got[k] == nil || !reflect.DeepEqual(got[k], exp[k]) {
					t.Errorf("model_config's %s differs from %s.json's", k, name)
				}
			}
			// (The .json files were written by TensorFlow.js; the .h5 files
			// name Keras 2.13.1 and TensorFlow: only their presence is checked.)
			for _, k := range []string{"keras_version", "backend"} {
				if a, err := root.Attr(k); err != nil || a == nil || a.Value == "" {
					t.Errorf("root attribute %s = %v (%v)", k, a, err)
				} else if _, ok := a.Value.(string); !ok {
					t.Errorf("root attribute %s is %s %#v, not a string", k, a.DType, a.Value)
				}
			}
			mw, err := root.Group("model_weights")
			if err != nil {
				t.Fatal(err)
			}
			total, lines := legacyWeights(t, mw)
			if want := totalParams(t, filepath.Join(dir, name+".expected.json")); total != want {
				t.Errorf("model_weights add up to %d, expected total_params %d", total, want)
			}
			t.Logf("model_config %s, %d bytes; %d weights, %d params:\n%s", a.DType, len(s), len(lines), total, strings.Join(lines, "\n"))
		})
	}
}

// checkWeightList compares a weights-only file with the layers and weight
// shapes its expected.json lists.
func checkWeightList(t *testing.T, exp string, root *Group) {
	raw, err := os.ReadFile(exp)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Layers []struct {
			Name    string `json:"name"`
			Weights []struct {
				Name  string  `json:"name"`
				Shape []int64 `json:"shape"`
			} `json:"weights"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	a, _ := root.Attr("layer_names")
	names := stringsOf(t, a)
	if len(names) != len(e.Layers) {
		t.Fatalf("layer_names %v, expected %d layers", names, len(e.Layers))
	}
	for i, l := range e.Layers {
		if names[i] != l.Name {
			t.Errorf("layer %d is %q, expected %q", i, names[i], l.Name)
		}
		for _, w := range l.Weights {
			d, err := root.Dataset(l.Name + "/" + w.Name)
			if err != nil {
				t.Error(err)
				continue
			}
			if !reflect.DeepEqual(d.Shape, w.Shape) {
				t.Errorf("%s: shape %v, expected %v", d.Path, d.Shape, w.Shape)
			}
		}
	}
}

func TestKerasZip(t *testing.T) {
	dir := kerasDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.keras"))
	if len(files) == 0 {
		t.Fatalf("no .keras files in %s", dir)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".keras")
		t.Run(name, func(t *testing.T) {
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			var data []byte
			for _, e := range zr.File {
				if e.Name == "model.weights.h5" {
					rc, err := e.Open()
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
			if data == nil {
				t.Fatal("no model.weights.h5 in the archive")
			}
			f, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			layers, err := f.Root().Group("layers")
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			var lines []string
			var walk func(g *Group)
			walk = func(g *Group) {
				ms, err := g.Members()
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					switch m.Kind {
					case KindGroup:
						c, err := g.Group(m.Name)
						if err != nil {
							t.Fatal(err)
						}
						walk(c)
					case KindDataset:
						d, err := g.Dataset(m.Name)
						if err != nil {
							t.Fatal(err)
						}
						total += product(d.Shape)
						lines = append(lines, d.Path+" "+jsonOf(d.Shape))
					default:
						t.Errorf("%s/%s: %v", g.Path(), m.Name, m.Kind)
					}
				}
				// Keras 3 names each layer's vars group after the layer.
				if strings.HasSuffix(g.Path(), "/vars") {
					if a, err := g.Attr("name"); err != nil {
						t.Error(err)
					} else if a != nil {
						if _, ok := a.Value.(string); !ok {
							t.Errorf("%s: name attribute %s %#v", g.Path(), a.DType, a.Value)
						}
					}
				}
			}
			walk(layers)
			if want := totalParams(t, filepath.Join(dir, name+".expected.json")); total != want {
				t.Errorf("layers/ adds up to %d, expected total_params %d", total, want)
			}
			t.Logf("%d weights, %d params:\n%s", len(lines), total, strings.Join(lines, "\n"))
		})
	}
}
