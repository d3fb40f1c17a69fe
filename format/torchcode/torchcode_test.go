package torchcode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
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
