package stats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// TestShapeJSON: dims read back exactly, past float64's 2^53 too; null
// is an unknown dim, a string a named one, [] a scalar; what is not a
// size is an error.
func TestShapeJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want graph.Shape
	}{
		{`[]`, graph.Shape{}},
		{`[null, 3, "seq"]`, graph.Shape{graph.Unknown(), graph.D(3), graph.Symbol("seq")}},
		// 2^53+1 = 9007199254740993 is not a float64; MaxInt64 is the largest size.
		{`[9007199254740993, 9223372036854775807, 0]`, graph.Shape{graph.D(9007199254740993), graph.D(9223372036854775807), graph.D(0)}},
	} {
		var s Shape
		if err := json.Unmarshal([]byte(c.in), &s); err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if s == nil || !s.Dims().Equal(c.want) || len(s) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.in, s, c.want)
		}
		for i := range c.want {
			if s[i] != c.want[i] {
				t.Errorf("%s: dim %d = %+v, want %+v", c.in, i, s[i], c.want[i])
			}
		}
		out, err := json.Marshal(s)
		if err != nil || string(out) != strings.ReplaceAll(c.in, " ", "") {
			t.Errorf("%s: marshals back as %s, %v", c.in, out, err)
		}
	}
	for _, in := range []string{`[-1]`, `[1.5]`, `[1e3]`, `[9223372036854775808]`, `[true]`, `[[1]]`, `[""]`, `{}`, `3`} {
		var s Shape
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("%s: read as %v, want an error", in, s)
		}
	}
	// Where the rank may be unknown, null stays nil and [] an empty shape.
	var shapes []*Shape
	if err := json.Unmarshal([]byte(`[null, []]`), &shapes); err != nil {
		t.Fatal(err)
	}
	if len(shapes) != 2 || shapes[0] != nil || shapes[1] == nil || *shapes[1] == nil || len(*shapes[1]) != 0 {
		t.Errorf("[null, []] read as %v", shapes)
	}
}

// roundTrip marshals r, reads it back and marshals again: the bytes must
// be the same, and the report read back is returned.
func roundTrip(t *testing.T, r *Report) *Report {
	t.Helper()
	first, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(first, &back); err != nil {
		t.Fatalf("reading back: %v\n%s", err, first)
	}
	second, err := json.MarshalIndent(&back, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("marshal → unmarshal → marshal differs:\n--- first ---\n%s\n--- second ---\n%s", first, second)
	}
	return &back
}

// TestReportRoundTrip: a report with shared weights, unknown FLOPs, a
// failed node and unknown parameter bytes reads back to the same JSON,
// with its unknowns still nil, its outputs as Tensors and its asks.
func TestReportRoundTrip(t *testing.T) {
	g := tiedGraph()
	g.AddAsk(graph.Ask{What: "the shape of input x", Option: "input-shape", Value: "x=…"})
	g.AddAsk(graph.Ask{What: "the shape of input x", Option: "input-shape", Value: "x=…"})
	r, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	r.Model.Inputs = []Tensor{{Name: "input", Shape: ShapeOf(graph.Shape{graph.Unknown(), graph.D(784)}), DType: "float32"}, {Name: "mask", DType: "bool"}}
	back := roundTrip(t, r)
	if mi := back.Model.Inputs; len(mi) != 2 || mi[0].Name != "input" || mi[0].DType != "float32" || mi[0].Shape == nil || len(*mi[0].Shape) != 2 || mi[1].Shape != nil {
		t.Errorf("model inputs read back %+v", mi)
	}
	if ts := back.Layers[0].Tensors; len(ts) != 1 || ts[0].Shape == nil || ts[0].Shape.Dims().String() != r.Layers[0].Tensors[0].Shape.Dims().String() {
		t.Errorf("tensors read back %+v", ts)
	}
	if a := back.Asks; len(a) != 1 || a[0] != (Ask{What: "the shape of input x", Option: "input-shape", Value: "x=…"}) {
		t.Errorf("asks read back %+v, want the one ask (added twice)", a)
	}

	g = tiedGraph()
	g.Nodes[1].Done = false
	g.Nodes[1].Outputs[0].Shape = nil
	g.Nodes[2].Params[1].DType = "string"
	r, err = Build(g)
	if err != nil {
		t.Fatal(err)
	}
	back = roundTrip(t, r)
	if back.Totals.FLOPs != nil || back.Totals.ParamBytes != nil || back.Layers[1].FLOPs != nil || back.Layers[1].OutputShapes[0] != nil {
		t.Errorf("an unknown read back as a value: %+v", back.Totals)
	}
	if lb := back.Totals.FLOPsLowerBound; lb == nil || *lb != 313600 {
		t.Errorf("lower bound %v", lb)
	}
}

// TestReportCheck: a report whose totals do not add up, or of another
// schema version, is refused with what is wrong.
func TestReportCheck(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Report)
		want   string
	}{
		{"version", func(r *Report) { r.SchemaVersion = 2 }, "schema_version 2, this reader knows 1"},
		{"no version", func(r *Report) { r.SchemaVersion = 0 }, "schema_version 0"},
		{"total params", func(r *Report) { r.Totals.Params++; r.Totals.TrainableParams++ }, "totals.params is 79685, the layers add up to 79684"},
		{"row split", func(r *Report) { r.Layers[1].TrainableParams-- }, "layers[1] (bn): trainable_params + non_trainable_params is 399, params is 400"},
		{"negative", func(r *Report) { r.Layers[0].FLOPs = new(int64); *r.Layers[0].FLOPs = -1 }, "layers[0] (dense1): flops is -1"},
		{"total FLOPs", func(r *Report) { *r.Totals.FLOPs = 1 }, "totals.flops is 1, the layers add up to 313600"},
		{"FLOPs null", func(r *Report) { r.Totals.FLOPs = nil }, "totals.flops is null, but every layer's is known"},
		{"FLOPs known", func(r *Report) { r.Layers[1].FLOPs = nil }, "totals.flops is 313600, but some layer's is null"},
		{"lower bound", func(r *Report) {
			r.Layers[1].FLOPs, r.Totals.FLOPs = nil, nil
			r.Totals.FLOPsLowerBound = new(int64)
		}, "totals.flops_lower_bound is 0, the known layers add up to 313600"},
		{"other ops", func(r *Report) { r.Totals.OtherOps = new(int64) }, "totals.other_ops is 0, but no layer counts other operations"},
		{"bytes", func(r *Report) { *r.Totals.ParamBytes = 4 }, "totals.param_bytes is 4, param_bytes_by_dtype adds up to 318736"},
		{"prints", func(r *Report) { r.Model.Prints.Value = 79684 }, "framework_prints.value is 79684, totals.trainable_params is 79484"},
		{"ask", func(r *Report) { r.Asks = []Ask{{What: "the sequence length"}} }, "asks[0] has no what or no option"},
		{"overflow", func(r *Report) {
			r.Layers[0].Params, r.Layers[0].TrainableParams = 1<<62, 1<<62
			r.Layers[2].Params, r.Layers[2].TrainableParams = 1<<62, 1<<62
			// 2^62 = 4611686018427387904; with bn's 400 before dense2: 4611686018427388304.
		}, "the layers' parameters: 4611686018427388304+4611686018427387904: integer overflow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Build(tiedGraph())
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Check(); err != nil {
				t.Fatalf("Build's report fails its check: %v", err)
			}
			c.change(r)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back Report
			err = json.Unmarshal(b, &back)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("read back: %v, want an error with %q", err, c.want)
			}
		})
	}
}

// FuzzReportJSON: reading any bytes as a report never panics; what reads
// without error passes Check and is stable: its JSON reads back and
// writes the same bytes again.
func FuzzReportJSON(f *testing.F) {
	for _, g := range []*graph.Graph{tiedGraph(), {Format: "spec"}} {
		r, err := Build(g)
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema_version":1,"layers":[{"output_shapes":[null,[],[1,"n",null]],"flops":null}],"totals":{"flops":null}}`))
	f.Add([]byte(`{"schema_version":1,"layers":[{"params":-1,"trainable_params":-1}],"totals":{"params":-1,"trainable_params":-1,"flops":0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		if err := r.Check(); err != nil {
			t.Fatalf("read without error but fails Check: %v", err)
		}
		first, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("its own JSON does not read back: %v\n%s", err, first)
		}
		second, err := json.Marshal(&back)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("unstable:\n%s\n%s", first, second)
		}
	})
}
