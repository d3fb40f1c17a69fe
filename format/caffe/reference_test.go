package caffe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// refDir is ../shared/reference/caffe: Caffe prototxts from BVLC's zoo
// and deep-residual-networks with what Caffe builds from them (read in
// place, never copied here).
const refDir = "../../../shared/reference/caffe"

type refBlob struct {
	Blob     string  `json:"blob"`
	Shape    []int64 `json:"shape"`
	Elements int64   `json:"elements"`
	LRMult   float64 `json:"lr_mult"`
	Shared   string  `json:"shared_with"`
}

type refLayer struct {
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	TopShapes [][]int64 `json:"top_shapes"`
	Blobs     []refBlob `json:"blobs"`
}

type refNet struct {
	Phase      string              `json:"phase"`
	InputShape []int64             `json:"input_shape"`
	Inputs     map[string][]int64  `json:"inputs"`
	Given      map[string][]int64  `json:"given_inputs"`
	Params     int64               `json:"params"`
	Learnable  int64               `json:"learnable_params"`
	Layers     [][]json.RawMessage `json:"layers"`
	LayerBlobs []refLayer          `json:"layer_blobs"`
	TestPhase  *refNet             `json:"test_phase"`
}

func refFiles(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(refDir, "*.prototxt"))
	if len(files) == 0 {
		t.Skipf("no Caffe reference files in %s (../shared/reference is not here): skipped", refDir)
	}
	return files
}

// analyse decodes, validates and infers a file as the CLI does.
func analyse(t *testing.T, path string, opt Options) (*graph.Graph, *stats.Report) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Format{Options: opt}.Decode(context.Background(), format.Input{Name: path, R: strings.NewReader(string(src)), Size: int64(len(src))})
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
	return g, r
}

func dims(s graph.Shape) string {
	if s == nil {
		return "?"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func want(xs []int64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestReference: every layer's name, type, top shapes and blobs (shape,
// elements, learnable or not), and both totals, as Caffe builds them.
func TestReference(t *testing.T) {
	for _, path := range refFiles(t) {
		base := strings.TrimSuffix(filepath.Base(path), ".prototxt")
		t.Run(base, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(refDir, base+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref refNet
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			opt := Options{Phase: ref.Phase, InputShapes: ref.Given}
			checkNet(t, path, opt, &ref)
			if ref.TestPhase != nil {
				t.Run("TEST", func(t *testing.T) {
					checkNet(t, path, Options{Phase: "TEST", InputShapes: ref.Given}, ref.TestPhase)
				})
			}
		})
	}
}

func checkNet(t *testing.T, path string, opt Options, ref *refNet) {
	g, r := analyse(t, path, opt)
	if len(g.Nodes) != len(ref.LayerBlobs) {
		var names []string
		for _, n := range g.Nodes {
			names = append(names, n.Name)
		}
		t.Fatalf("%d layers, Caffe %d: %v", len(g.Nodes), len(ref.LayerBlobs), names)
	}
	var params, learnable int64
	for i, wl := range ref.LayerBlobs {
		n := g.Nodes[i]
		if n.Name != wl.Name || n.Type != wl.Type {
			t.Errorf("layer %d: %s (%s), Caffe %s (%s)", i, n.Name, n.Type, wl.Name, wl.Type)
			continue
		}
		if len(n.Outputs) != len(wl.TopShapes) {
			t.Errorf("layer %s: %d tops, Caffe %d", n.Name, len(n.Outputs), len(wl.TopShapes))
			continue
		}
		for k, v := range n.Outputs {
			if got, w := dims(v.Shape), want(wl.TopShapes[k]); got != w {
				t.Errorf("layer %s top %d: %s, Caffe %s", n.Name, k, got, w)
			}
		}
		var own []*graph.Param
		for _, p := range n.Params {
			if p.Owner == n {
				own = append(own, p)
			}
		}
		var wantBlobs []refBlob
		for _, b := range wl.Blobs {
			if b.Shared == "" {
				wantBlobs = append(wantBlobs, b)
			}
		}
		if len(own) != len(wantBlobs) {
			t.Errorf("layer %s: %d blobs, Caffe %d", n.Name, len(own), len(wantBlobs))
			continue
		}
		for k, p := range own {
			wb := wantBlobs[k]
			if got, w := dims(p.Shape), want(wb.Shape); got != w {
				t.Errorf("layer %s blob %d (%s): %s, Caffe %s %s", n.Name, k, p.Role, got, wb.Blob, w)
			}
			if p.Trainable != (wb.LRMult != 0) {
				t.Errorf("layer %s blob %s: trainable %v, Caffe lr_mult %v", n.Name, p.Role, p.Trainable, wb.LRMult)
			}
			v, _ := p.Numel().Value()
			if v != wb.Elements {
				t.Errorf("layer %s blob %s: %d elements, Caffe %d", n.Name, p.Role, v, wb.Elements)
			}
			params += v
			if p.Trainable {
				learnable += v
			}
		}
	}
	if params != ref.Params || learnable != ref.Learnable {
		t.Errorf("graph totals: %d params, %d learnable; Caffe %d, %d", params, learnable, ref.Params, ref.Learnable)
	}
	if r.Totals.Params != ref.Params || r.Totals.TrainableParams != ref.Learnable || r.Totals.NonTrainableParams != ref.Params-ref.Learnable {
		t.Errorf("report totals: %d params (%d trainable, %d not); Caffe %d (%d learnable)",
			r.Totals.Params, r.Totals.TrainableParams, r.Totals.NonTrainableParams, ref.Params, ref.Learnable)
	}
	// The rows as the reference lists them: name, type, top shapes, blob elements.
	for i, row := range ref.Layers {
		if i >= len(r.Layers) {
			break
		}
		var elems int64
		if err := json.Unmarshal(row[3], &elems); err != nil {
			t.Fatal(err)
		}
		if r.Layers[i].Params != elems {
			t.Errorf("row %d (%s): %d params, Caffe %d", i, r.Layers[i].Name, r.Layers[i].Params, elems)
		}
	}
}
