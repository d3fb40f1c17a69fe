package onnx

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// oracle is the part of a fixture's JSON the analysis is checked against:
// what PyTorch and ONNX themselves computed.
type oracle struct {
	TorchFLOPs *int64 `json:"torch_flops"`
	ONNX       struct {
		Initializers []struct {
			Name     string `json:"name"`
			DType    string `json:"dtype"`
			Elements int64  `json:"elements"`
		} `json:"initializers"`
		Nodes []struct {
			Name         string   `json:"name"`
			Op           string   `json:"op"`
			Inputs       []string `json:"inputs"`
			Outputs      []string `json:"outputs"`
			OutputShapes [][]any  `json:"output_shapes"`
		} `json:"nodes"`
	} `json:"onnx"`
}

// wantParams applies the definitions to the reference lists:
// params = elements of every initializer some node consumes, each once;
// trainable = the floating-point ones less BatchNormalization's inputs 3
// and 4.
func (o *oracle) wantParams() (params, trainable int64) {
	consumed := map[string]bool{}
	bnStats := map[string]bool{}
	for _, n := range o.ONNX.Nodes {
		for i, in := range n.Inputs {
			consumed[in] = true
			if n.Op == "BatchNormalization" && (i == 3 || i == 4) {
				bnStats[in] = true
			}
		}
	}
	floats := map[string]bool{"FLOAT": true, "FLOAT16": true, "DOUBLE": true, "BFLOAT16": true}
	seen := map[string]bool{}
	for _, t := range o.ONNX.Initializers {
		if !consumed[t.Name] || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		params += t.Elements
		if floats[t.DType] && !bnStats[t.Name] {
			trainable += t.Elements
		}
	}
	return params, trainable
}

// analyse reads, builds and infers one model file.
func analyse(t testing.TB, path string, opt Options) (*graph.Graph, *stats.Report) {
	t.Helper()
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := Build(path, f.Model, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	return g, r
}

// TestReferenceAnalysis checks every reference model: parameter totals
// exactly, every output shape wherever ONNX's own inference gave a
// number, and FLOPs within 0.5% of PyTorch's FlopCounterMode.
func TestReferenceAnalysis(t *testing.T) {
	var table []string
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".onnx")
		t.Run(name, func(t *testing.T) {
			var ref oracle
			js, err := os.ReadFile(strings.TrimSuffix(path, ".onnx") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &ref); err != nil {
				t.Fatal(err)
			}
			g, r := analyse(t, path, Options{})

			wantP, wantT := ref.wantParams()
			if r.Totals.Params != wantP || r.Totals.TrainableParams != wantT || r.Totals.NonTrainableParams != wantP-wantT {
				t.Errorf("params %d (trainable %d, non-trainable %d), want %d (%d, %d)",
					r.Totals.Params, r.Totals.TrainableParams, r.Totals.NonTrainableParams, wantP, wantT, wantP-wantT)
			}

			byOutput := map[string]*graph.Value{}
			for _, n := range g.Nodes {
				for _, v := range n.Outputs {
					if v.Name != "" {
						byOutput[v.Name] = v
					}
				}
			}
			matched, total, resolved, symbolic := 0, 0, 0, 0
			for _, n := range ref.ONNX.Nodes {
				for i, want := range n.OutputShapes {
					if i >= len(n.Outputs) || want == nil {
						continue
					}
					v := byOutput[n.Outputs[i]]
					if v == nil {
						t.Errorf("node %s: no value %s", n.Name, n.Outputs[i])
						continue
					}
					if len(v.Shape) != len(want) || v.Shape == nil {
						t.Errorf("node %s (%s) output %s: shape %v, want %v", n.Name, n.Op, v.Name, v.Shape, want)
						continue
					}
					ok, sym, res := true, false, true
					for a, w := range want {
						switch w := w.(type) {
						case float64:
							if !v.Shape[a].Known() || v.Shape[a].Size != int64(w) {
								ok = false
							}
						default:
							sym = true
							res = res && v.Shape[a].Known()
						}
					}
					if sym {
						// ONNX gave up here; the inputs are concrete, so
						// folding the shape computations must not.
						symbolic++
						if res {
							resolved++
						} else {
							t.Errorf("node %s (%s) output %s: shape %s left unknown (ONNX: %v)", n.Name, n.Op, v.Name, v.Shape, want)
						}
					} else {
						total++
						if ok {
							matched++
						}
					}
					if !ok {
						t.Errorf("node %s (%s) output %s: shape %s, want %v (%s)", n.Name, n.Op, v.Name, v.Shape, want,
							strings.Join(v.Producer.ShapeWhy(), "; "))
					}
				}
			}
			ratio := "n/a"
			if ref.TorchFLOPs != nil {
				if r.Totals.FLOPs == nil {
					t.Errorf("FLOPs unknown, want %d (%v)", *ref.TorchFLOPs, r.Notes)
				} else {
					q := float64(*r.Totals.FLOPs) / float64(*ref.TorchFLOPs)
					ratio = fmt.Sprintf("%.5f", q)
					if math.Abs(q-1) > 0.005 {
						t.Errorf("FLOPs %d, PyTorch counts %d (ratio %.4f)", *r.Totals.FLOPs, *ref.TorchFLOPs, q)
					}
				}
			}
			table = append(table, fmt.Sprintf("| %s | %v | %d/%d | %d/%d | %s |", name,
				r.Totals.Params == wantP && r.Totals.TrainableParams == wantT, matched, total, resolved, symbolic, ratio))
		})
	}
	t.Logf("\n| fixture | params exact | shapes matched/concrete | ONNX-symbolic resolved | FLOPs / torch |\n|---|---|---|---|---|\n%s",
		strings.Join(table, "\n"))
}
