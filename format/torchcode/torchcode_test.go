package torchcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/stats"
)

const reference = "../../../shared/reference"

type expected struct {
	File, Entry, Error string
	Params             int64
	Trainable          int64 `json:"trainable_params"`
	Buffers            int64
	Layers             [][]any
	NotCalled          [][]any `json:"not_called"`
	LayersBeforeError  [][]any `json:"layers_before_error"`
	InputShape         []int64 `json:"input_shape"`
	InputDtype         string  `json:"input_dtype"`
	ErrorModule        string  `json:"error_module"`
}

// TestReference builds every model of ../shared/reference/torchcode (the
// torchvision 0.14 model files verbatim, and the small own models) with
// the entry PyTorch used, and compares with what PyTorch recorded:
// params (model.parameters(), a tied tensor once), trainable params and
// buffer elements as totals of the report (params = parameters +
// buffers; non-trainable = buffers + frozen parameters), and each row
// module's own parameters (recurse=False; a tied tensor in both rows),
// keyed by path, against the expected layers and not_called rows.
func TestReference(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(reference, "torchcode", "*.expected.json"))
	if len(cases) == 0 {
		t.Skip("no reference data: ../shared/reference/torchcode is needed for this test")
	}
	sort.Strings(cases)
	for _, c := range cases {
		raw, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		var e expected
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(c), ".expected.json")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(reference, "torchcode", e.File)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{Entry: e.Entry, Dir: os.DirFS(filepath.Dir(path))}
			b, run, err := build(filepath.Base(e.File), src, opt)
			if run != nil {
				defer run.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			g, err := b.graph(e.File, nil)
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
			tot := r.Totals
			// params is model.parameters(), buffers apart, as PyTorch
			// and torchinfo count them.
			if tot.Params != e.Params || tot.TrainableParams != e.Trainable || tot.NonTrainableParams != e.Params-e.Trainable || tot.Buffers != e.Buffers {
				t.Errorf("totals: params %d (trainable %d, non-trainable %d), buffers %d; PyTorch: %d parameters (%d trainable) + %d buffer elements",
					tot.Params, tot.TrainableParams, tot.NonTrainableParams, tot.Buffers, e.Params, e.Trainable, e.Buffers)
			}
			if tot.FLOPs != nil {
				t.Errorf("FLOPs %d, want unknown (no trace)", *tot.FLOPs)
			}
			if len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, "\n"), NotTraced) {
				t.Errorf("no note says forward was not traced: %q", r.Notes)
			}
			for _, l := range r.Layers {
				for _, s := range l.OutputShapes {
					if s != nil {
						t.Errorf("row %s: output shape %v, want unknown (no trace)", l.Name, *s)
					}
				}
			}
			// Own parameters of each row module, by path.
			want := map[string]int64{}
			rows := append(append([][]any{}, e.Layers...), e.NotCalled...)
			if e.Error != "" {
				rows = append(rows, e.LayersBeforeError...)
			}
			for _, r := range rows {
				want[r[0].(string)] = int64(r[len(r)-1].(float64))
			}
			got := map[string]int64{}
			for _, r := range b.rows {
				n := int64(0)
				for _, s := range stateOf(r.o).params {
					if x, ok := s.val.(*Tensor); ok {
						n += x.Numel()
					}
				}
				got[r.path] = n
			}
			if e.Error != "" {
				// The shape-bug case: forward stopped early, so only the
				// rows before the error were recorded.
				for p, w := range want {
					if g, ok := got[p]; !ok || g != w {
						t.Errorf("row %q: %d own params (present %v), PyTorch %d", p, g, ok, w)
					}
				}
			} else {
				for p, w := range want {
					if g, ok := got[p]; !ok || g != w {
						t.Errorf("row %q: %d own params (present %v), PyTorch %d", p, g, ok, w)
					}
				}
				for p := range got {
					if _, ok := want[p]; !ok {
						t.Errorf("row %q is not a row of PyTorch's", p)
					}
				}
			}
			t.Logf("%s: %d rows; params %d, trainable %d, buffers %d", e.Entry, len(b.rows), tot.Params, tot.TrainableParams, tot.Buffers)
		})
	}
}

// flatShapes is a recorded output (a shape, or nested tuples of shapes
// and nulls) as its list of shapes.
func flatShapes(v any) [][]int64 {
	xs, ok := v.([]any)
	if !ok {
		return nil
	}
	if len(xs) == 0 {
		return [][]int64{{}}
	}
	if _, num := xs[0].(float64); num {
		s := make([]int64, len(xs))
		for i, x := range xs {
			s[i] = int64(x.(float64))
		}
		return [][]int64{s}
	}
	var out [][]int64
	for _, x := range xs {
		out = append(out, flatShapes(x)...)
	}
	return out
}

// TestReferenceTrace traces every model of ../shared/reference/torchcode
// on the input PyTorch ran it on and compares, in call order, each row
// module call PyTorch's forward hooks recorded: the module path, its
// class, its output shapes and its own parameters (recurse=False). The
// shape-bug case must fail at the module PyTorch failed in, after the
// same rows.
func TestReferenceTrace(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(reference, "torchcode", "*.expected.json"))
	if len(cases) == 0 {
		t.Skip("no reference data: ../shared/reference/torchcode is needed for this test")
	}
	sort.Strings(cases)
	exact := 0
	for _, c := range cases {
		raw, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		var e expected
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(c), ".expected.json")
		ok := t.Run(name, func(t *testing.T) {
			path := filepath.Join(reference, "torchcode", e.File)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{Entry: e.Entry, Dir: os.DirFS(filepath.Dir(path)),
				InputShapes: map[string][]int64{"": e.InputShape}, InputTypes: map[string]string{"": e.InputDtype}}
			b, run, err := build(filepath.Base(e.File), src, opt)
			if run != nil {
				defer run.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			ins, from, err := b.inputs(opt)
			if err != nil {
				t.Fatal(err)
			}
			g, tr, err := b.trace(run, b.t, e.File, opt, ins, from)
			want := e.Layers
			if e.Error != "" {
				want = e.LayersBeforeError
				var p *Partial
				if !errors.As(err, &p) {
					t.Fatalf("want a shape error at %s (PyTorch: %s), got %v", e.ErrorModule, e.Error, err)
				}
				if !strings.Contains(err.Error(), "layer "+e.ErrorModule+" (") {
					t.Errorf("error %q is not at module %s", err, e.ErrorModule)
				}
				t.Logf("error: %v (PyTorch: %s)", err, e.Error)
				g = p.Graph
			} else if err != nil {
				t.Fatal(err)
			}
			if err := g.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(tr.calls) != len(want) {
				t.Errorf("%d row calls, PyTorch %d", len(tr.calls), len(want))
			}
			for i := 0; i < min(len(tr.calls), len(want)); i++ {
				w, got := want[i], tr.calls[i]
				var shapes [][]int64
				for _, v := range got.node.Outputs {
					if v.Shape == nil {
						shapes = append(shapes, nil)
						continue
					}
					shapes = append(shapes, dims(v.Shape))
				}
				own := int64(0)
				for _, s := range stateOf(pathModule(b, got.path)).params {
					if x, ok := s.val.(*Tensor); ok {
						own += x.Numel()
					}
				}
				wantShapes := flatShapes(w[2])
				if got.path != w[0].(string) || got.class != w[1].(string) || fmt.Sprint(shapes) != fmt.Sprint(wantShapes) || own != int64(w[3].(float64)) {
					t.Errorf("call %d: %s (%s) %v, %d own params; PyTorch %s (%s) %v, %v", i, got.path, got.class, shapes, own, w[0], w[1], wantShapes, w[3])
					if i > 3 {
						break
					}
				}
			}
			if err := infer.Run(g, infer.Options{}); err != nil {
				t.Fatal(err)
			}
			r, err := stats.Build(g)
			if err != nil {
				t.Fatal(err)
			}
			if e.Error == "" && (r.Totals.Params != e.Params || r.Totals.TrainableParams != e.Trainable || r.Totals.Buffers != e.Buffers) {
				t.Errorf("traced totals: params %d, trainable %d, buffers %d; PyTorch %d, %d, %d", r.Totals.Params, r.Totals.TrainableParams, r.Totals.Buffers, e.Params, e.Trainable, e.Buffers)
			}
		})
		if ok {
			exact++
		}
	}
	t.Logf("%d of %d cases exact on every row", exact, len(cases))
}

// pathModule is the module at path in b's model.
func pathModule(b *built, path string) *pyhost.Instance {
	var found *pyhost.Instance
	walk(b.model, func(o *pyhost.Instance, p string) error {
		if p == path && found == nil {
			found = o
		}
		return nil
	})
	return found
}
