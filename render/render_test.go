package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

func shape(dims ...graph.Dim) *stats.Shape {
	s := stats.Shape(dims)
	return &s
}

func flops(n int64) *int64 { return &n }

func TestShapeText(t *testing.T) {
	for _, c := range []struct {
		in   *stats.Shape
		text string
		py   string
	}{
		{nil, "?", "(unknown)"},
		{shape(), "scalar", "()"},
		{shape(graph.Unknown(), graph.D(32), graph.D(24), graph.D(24)), "Nx32x24x24", "(None, 32, 24, 24)"},
		{shape(graph.Symbol("batch"), graph.Symbol("seq"), graph.D(768)), "batchxseqx768", "(batch, seq, 768)"},
		{shape(graph.D(1), graph.Unknown()), "1x?", "(1, None)"},
		{shape(graph.D(10)), "10", "(10,)"},
	} {
		if got := shapeText(c.in); got != c.text {
			t.Errorf("shapeText(%v) = %q, want %q", c.in, got, c.text)
		}
		if got := pyShape(c.in); got != c.py {
			t.Errorf("pyShape(%v) = %q, want %q", c.in, got, c.py)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 217706: "217,706", -1234567: "-1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func report() *stats.Report {
	pb := int64(0)
	return &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: "m.onnx", Format: "onnx"},
		Layers: []stats.Layer{
			{Name: "features.0.a_very_long_layer_name_that_goes_on", Type: "Conv", OutputShapes: []*stats.Shape{shape(graph.Symbol("batch"), graph.D(64), graph.D(112), graph.D(112))}, Params: 9408, TrainableParams: 9408, FLOPs: flops(236027904)},
			{Name: "custom", Type: "com.example.MyOp", OutputShapes: []*stats.Shape{nil}},
		},
		Totals: stats.Totals{Params: 9408, TrainableParams: 9408, ParamBytes: &pb},
	}
}

// TestTableWidth: on a narrow terminal the widest text column is cut with
// an ellipsis; numbers stay whole; without a width nothing is cut.
func TestTableWidth(t *testing.T) {
	var whole, narrow bytes.Buffer
	if err := Table(&whole, report()); err != nil {
		t.Fatal(err)
	}
	if err := TableWith(&narrow, report(), Options{Width: 60}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(whole.String(), "features.0.a_very_long_layer_name_that_goes_on") || strings.Contains(whole.String(), "…") {
		t.Errorf("whole table cut:\n%s", whole.String())
	}
	lines := strings.Split(narrow.String(), "\n")
	for _, l := range lines[3:7] { // header, rule, rows
		if n := len([]rune(l)); n > 60 {
			t.Errorf("%d columns, want ≤ 60: %q", n, l)
		}
	}
	if !strings.Contains(narrow.String(), "…") || !strings.Contains(narrow.String(), "236,027,904") || !strings.Contains(narrow.String(), "9,408") {
		t.Errorf("narrow table:\n%s", narrow.String())
	}
	// The header line says what the open sizes are; unknown is "?".
	if !strings.Contains(whole.String(), "batch is a size the model names but does not fix") {
		t.Errorf("no note on batch:\n%s", whole.String())
	}
	if !strings.Contains(lines[6], " ?") {
		t.Errorf("unknown shape or FLOPs not written ?: %q", lines[6])
	}
}

// TestJSONUnknown: a rank-unknown output is null, a scalar [], and the
// report reads back the same.
func TestJSONUnknown(t *testing.T) {
	r := report()
	r.Layers = append(r.Layers, stats.Layer{Name: "sum", Type: "ReduceSum", OutputShapes: []*stats.Shape{shape()}}, stats.Layer{Name: "ckpt"})
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back stats.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if s := back.Layers[1].OutputShapes; len(s) != 1 || s[0] != nil {
		t.Errorf("custom: %v, want [nil]", s)
	}
	if s := back.Layers[2].OutputShapes; len(s) != 1 || s[0] == nil || len(*s[0]) != 0 {
		t.Errorf("sum: %v, want a scalar", s)
	}
	if s := back.Layers[3].OutputShapes; s != nil {
		t.Errorf("ckpt: %v, want nil", s)
	}
	if s := back.Layers[0].OutputShapes[0].Dims(); !s.Equal(graph.Shape{graph.Symbol("batch"), graph.D(64), graph.D(112), graph.D(112)}) || s[0].Name != "batch" {
		t.Errorf("conv: %v", s)
	}
	for _, want := range []string{`"output_shapes": [
        null
      ]`, `"output_shapes": [
        []
      ]`, `"output_shapes": null`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, buf.String())
		}
	}
}

// TestAsks: each ask is a note after the report's notes, its option
// worded as Options.Option says — "the NAME option" by default, the
// caller's spelling (a CLI's flag) otherwise — in the table, the
// explanation and Markdown.
func TestAsks(t *testing.T) {
	r := report()
	r.Notes = []string{"input x has no declared shape: what depends on it is unknown"}
	r.Asks = []stats.Ask{{What: "the shape of input x", Option: "input-shape", Value: "x=…"}, {What: "another model type", Option: "model-type"}}
	flag := Options{Option: func(n string) string { return "--" + n }}
	for _, c := range []struct {
		name   string
		render func(*bytes.Buffer) error
		want   []string
	}{
		{"table", func(b *bytes.Buffer) error { return Table(b, r) }, []string{
			"note: input x has no declared shape: what depends on it is unknown\n" +
				"note: the input-shape option x=… gives the shape of input x\n" +
				"note: the model-type option gives another model type\n"}},
		{"table flags", func(b *bytes.Buffer) error { return TableWith(b, r, flag) }, []string{
			"note: --input-shape x=… gives the shape of input x\nnote: --model-type gives another model type\n"}},
		{"explain flags", func(b *bytes.Buffer) error { return ExplainWith(b, r, flag) }, []string{
			"unknown\nnote: --input-shape x=… gives the shape of input x\n"}},
		{"markdown", func(b *bytes.Buffer) error { return Markdown(b, r) }, []string{
			"\nNote: the input-shape option x=… gives the shape of input x\n"}},
		{"markdown flags", func(b *bytes.Buffer) error { return MarkdownWith(b, r, flag) }, []string{
			"\nNote: --input-shape x=… gives the shape of input x\n"}},
	} {
		var b bytes.Buffer
		if err := c.render(&b); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in\n%s", c.name, w, b.String())
			}
		}
	}
}
