package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// refDir is the shared reference data beside the checkout.
const refDir = "../../../shared/reference/hf"

// expected is the part of expected.json the tests read: what
// transformers itself reported for the model built from config.json.
type expected struct {
	Class  string `json:"class"`
	Counts struct {
		Params        int64 `json:"params"`
		Trainable     int64 `json:"trainable"`
		ExcludeEmbeds int64 `json:"num_parameters_exclude_embeddings"`
	} `json:"counts"`
	ByPrefix     map[string]int64   `json:"by_prefix"`
	TensorShapes map[string][]int64 `json:"tensor_shapes"`
}

func fixtures(t testing.TB) []string {
	dirs, _ := filepath.Glob(filepath.Join(refDir, "*", "expected.json"))
	if len(dirs) == 0 {
		t.Skipf("no reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

// params is every parameter of an inferred graph, once, by name.
func params(g *graph.Graph) (map[string]*graph.Param, int64, int64) {
	seen := map[string]*graph.Param{}
	var total, trainable int64
	for _, nd := range g.Nodes {
		for _, p := range nd.Params {
			if p.Owner != nd {
				continue
			}
			seen[p.Name] = p
			v, _ := p.Numel().Value()
			total += v
			if p.Trainable {
				trainable += v
			}
		}
	}
	return seen, total, trainable
}

func load(t *testing.T, path string, opt Options) *graph.Graph {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Decode(path, data, opt)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatalf("infer: %v", err)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return g
}

// TestReference builds every reference configuration, full and minimal,
// as the class transformers built, and compares the total, the trainable
// count, the count without embeddings, every tensor's name and shape and
// the totals by prefix with what transformers reported.
func TestReference(t *testing.T) {
	for _, dir := range fixtures(t) {
		var want expected
		raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"config.json", "config.min.json"} {
			t.Run(filepath.Base(dir)+"/"+file, func(t *testing.T) {
				// No class option: config.json names the class in
				// architectures, config.min.json does not and takes the
				// family's default, which must be the one transformers built.
				g := load(t, filepath.Join(dir, file), Options{})
				got, total, trainable := params(g)
				if g.Arch.Class != want.Class {
					t.Errorf("class %s, want %s", g.Arch.Class, want.Class)
				}
				if total != want.Counts.Params {
					t.Errorf("params %d, want %d (off by %d)", total, want.Counts.Params, total-want.Counts.Params)
				}
				if want.Counts.Trainable != 0 && trainable != want.Counts.Trainable {
					t.Errorf("trainable %d, want %d", trainable, want.Counts.Trainable)
				}
				if want.Counts.ExcludeEmbeds != 0 && total-g.Arch.EmbeddingParams != want.Counts.ExcludeEmbeds {
					t.Errorf("params without embeddings %d, want %d", total-g.Arch.EmbeddingParams, want.Counts.ExcludeEmbeds)
				}
				compareTensors(t, got, want.TensorShapes)
				compareRoots(t, got, want.ByPrefix)
			})
		}
	}
}

func compareTensors(t *testing.T, got map[string]*graph.Param, want map[string][]int64) {
	t.Helper()
	var missing, extra, wrong []string
	for name, shape := range want {
		p, ok := got[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if !p.Shape.Equal(graph.S(shape...)) {
			wrong = append(wrong, fmt.Sprintf("%s %s, want %v", name, p.Shape, shape))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	for _, l := range []struct {
		what  string
		names []string
	}{{"missing", missing}, {"not in transformers", extra}, {"wrong shape", wrong}} {
		sort.Strings(l.names)
		if len(l.names) > 0 {
			more := ""
			if len(l.names) > 8 {
				more = fmt.Sprintf(" … (%d in all)", len(l.names))
				l.names = l.names[:8]
			}
			t.Errorf("%s: %s%s", l.what, strings.Join(l.names, ", "), more)
		}
	}
}

// compareRoots checks the totals under each prefix transformers listed.
func compareRoots(t *testing.T, got map[string]*graph.Param, want map[string]int64) {
	t.Helper()
	for prefix, n := range want {
		var sum int64
		for name, p := range got {
			if name == prefix || strings.HasPrefix(name, prefix+".") {
				v, _ := p.Numel().Value()
				sum += v
			}
		}
		if sum != n {
			t.Errorf("by prefix %s: %d, want %d", prefix, sum, n)
		}
	}
}
