package infer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// TestNoArithmetic infers every reference model, example and test file
// twice, with and without Options.NoArithmetic, and compares everything
// but the arithmetic text: every node's output shapes, types and
// constants, parameters, counts, FLOPs and other operations (value,
// knowledge, error text), notes and remarks, the errors, and the table
// and the arithmetic-free JSON rendered from each.
func TestNoArithmetic(t *testing.T) {
	var files []string
	for _, root := range []string{"../examples", "../format", "../../shared/reference"} {
		if _, err := os.Stat(root); err != nil {
			t.Logf("%s: %v (skipped)", root, err)
			continue
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.Contains(path, "/fuzz/") {
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".onnx", ".py", ".yaml", ".yml", ".json", ".ipynb", ".safetensors", ".gguf", ".pt", ".pth", ".ckpt", ".prototxt", ".h5", ".keras":
				if st, err := d.Info(); err == nil && st.Size() < 64<<20 {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Skip("no models found")
	}
	models := 0
	for _, path := range files {
		full, ferr := analyze(t, path, false)
		terse, terr := analyze(t, path, true)
		if full == nil && terse == nil {
			continue // not a model
		}
		if (full == nil) != (terse == nil) {
			t.Errorf("%s: loaded %v without NoArithmetic, %v with it", path, full != nil, terse != nil)
			continue
		}
		models++
		if errText(ferr) != errText(terr) {
			t.Errorf("%s: inference error\n%s\nwith NoArithmetic:\n%s", path, errText(ferr), errText(terr))
		}
		if err := sameGraph(full.g, terse.g); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if full.table != terse.table {
			t.Errorf("%s: table differs with NoArithmetic:\n%s\nwithout:\n%s", path, terse.table, full.table)
		}
		if full.json != terse.json {
			t.Errorf("%s: JSON without arithmetic differs:\n%s\nwithout NoArithmetic in inference:\n%s", path, terse.json, full.json)
		}
	}
	t.Logf("%d models of %d files compared", models, len(files))
}

type analysis struct {
	g           *graph.Graph
	table, json string
}

// analyze loads path and infers it; nil when it does not load. The
// report's text is rendered without arithmetic in both cases, so that
// only inference differs.
func analyze(t *testing.T, path string, noArith bool) (*analysis, error) {
	in, closeIn, err := layerinfo.File(path)
	if err != nil {
		return nil, nil
	}
	defer closeIn()
	g, err := layerinfo.Load(context.Background(), in, layerinfo.Options{})
	if err != nil {
		return nil, nil
	}
	a := &analysis{g: g}
	ierr := infer.Run(g, infer.Options{KeepGoing: true, NoArithmetic: noArith})
	for _, n := range g.Nodes {
		if noArith && len(n.ShapeWhy()) > 0 {
			t.Errorf("%s: node %s has ShapeWhy %q under NoArithmetic", path, n.Name, n.ShapeWhy())
		}
	}
	r, err := stats.BuildWith(g, stats.Options{NoArithmetic: true})
	if err != nil {
		a.table = "stats: " + err.Error()
		return a, ierr
	}
	var tb, jb bytes.Buffer
	if err := render.Table(&tb, r); err != nil {
		fmt.Fprintf(&tb, "error: %v", err)
	}
	if err := render.JSON(&jb, r); err != nil {
		fmt.Fprintf(&jb, "error: %v", err)
	}
	a.table, a.json = tb.String(), jb.String()
	if noArith {
		sameLazy(t, path, g, r, a.table)
	} else {
		sameLazyText(t, path, g)
	}
	return a, ierr
}

// sameLazyText renders g's complete report as JSON and explanation,
// made with every row and with stats.Options.LazyRows: the same bytes.
func sameLazyText(t *testing.T, path string, g *graph.Graph) {
	t.Helper()
	var texts [2]string
	for k, lazy := range []bool{false, true} {
		r, err := stats.BuildWith(g, stats.Options{LazyRows: lazy})
		if err != nil {
			texts[k] = "stats: " + err.Error()
			continue
		}
		var b bytes.Buffer
		if err := render.JSON(&b, r); err != nil {
			fmt.Fprintf(&b, "error: %v", err)
		}
		if err := render.Explain(&b, r); err != nil {
			fmt.Fprintf(&b, "error: %v", err)
		}
		texts[k] = b.String()
	}
	if texts[0] != texts[1] {
		t.Errorf("%s: JSON and explanation with LazyRows:\n%s\nwith every row:\n%s", path, texts[1], texts[0])
	}
}

// sameLazy builds g's report again with stats.Options.LazyRows and
// compares it with r, made with every row: each row AllLayers makes,
// the totals, notes and asks, and the table.
func sameLazy(t *testing.T, path string, g *graph.Graph, r *stats.Report, table string) {
	t.Helper()
	lazy, err := stats.BuildWith(g, stats.Options{NoArithmetic: true, LazyRows: true})
	if err != nil {
		t.Errorf("%s: LazyRows: %v", path, err)
		return
	}
	if lazy.Layers != nil || !lazy.LazyRows() || lazy.NumLayers() != len(r.Layers) {
		t.Errorf("%s: LazyRows: Layers %v, %d rows of %d", path, lazy.Layers != nil, lazy.NumLayers(), len(r.Layers))
	}
	rows := 0
	for i, l := range lazy.AllLayers() {
		if !reflect.DeepEqual(*l, r.Layers[i]) {
			t.Errorf("%s: row %d with LazyRows:\n%+v\nmade with the others:\n%+v", path, i, *l, r.Layers[i])
		}
		rows++
	}
	if rows != len(r.Layers) {
		t.Errorf("%s: LazyRows made %d rows of %d", path, rows, len(r.Layers))
	}
	r.Layers, lazy.Layers = nil, nil
	lr, er := *lazy, *r
	if !reflect.DeepEqual(lr.Totals, er.Totals) || !reflect.DeepEqual(lr.Notes, er.Notes) || !reflect.DeepEqual(lr.Asks, er.Asks) ||
		!reflect.DeepEqual(lr.Model, er.Model) || !reflect.DeepEqual(lr.Transformer, er.Transformer) {
		t.Errorf("%s: the report with LazyRows differs:\n%+v\nwith every row:\n%+v", path, lr, er)
	}
	var tb bytes.Buffer
	if err := render.Table(&tb, lazy); err != nil {
		fmt.Fprintf(&tb, "error: %v", err)
	}
	if tb.String() != table {
		t.Errorf("%s: table with LazyRows:\n%s\nwith every row:\n%s", path, tb.String(), table)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// sameGraph compares two inferred graphs but for their arithmetic text.
func sameGraph(a, b *graph.Graph) error {
	if len(a.Nodes) != len(b.Nodes) {
		return fmt.Errorf("%d nodes, %d with NoArithmetic", len(a.Nodes), len(b.Nodes))
	}
	if !reflect.DeepEqual(a.Notes, b.Notes) || !reflect.DeepEqual(a.Asks, b.Asks) {
		return fmt.Errorf("graph notes or asks differ: %q %v, %q %v", a.Notes, a.Asks, b.Notes, b.Asks)
	}
	for i, x := range a.Nodes {
		y := b.Nodes[i]
		if err := sameNode(x, y); err != nil {
			return fmt.Errorf("node %d (%s): %v", i, x.Name, err)
		}
	}
	return nil
}

func sameNode(x, y *graph.Node) error {
	if x.Name != y.Name || x.Type != y.Type || x.Done != y.Done {
		return fmt.Errorf("name, type or done: %s %s %v, %s %s %v", x.Name, x.Type, x.Done, y.Name, y.Type, y.Done)
	}
	if !reflect.DeepEqual(x.Notes(), y.Notes()) || !reflect.DeepEqual(x.Remarks(), y.Remarks()) {
		return fmt.Errorf("notes %q remarks %q, with NoArithmetic %q %q", x.Notes(), x.Remarks(), y.Notes(), y.Remarks())
	}
	for _, c := range []struct {
		what string
		a, b calc.Expr
	}{{"count", x.Count, y.Count}, {"FLOPs", x.FLOPs, y.FLOPs}, {"other operations", x.OtherOps, y.OtherOps}} {
		if err := sameValue(c.a, c.b); err != nil {
			return fmt.Errorf("%s: %v", c.what, err)
		}
	}
	if len(x.Outputs) != len(y.Outputs) {
		return fmt.Errorf("%d outputs, %d", len(x.Outputs), len(y.Outputs))
	}
	for i, v := range x.Outputs {
		w := y.Outputs[i]
		if v.Name != w.Name || !v.Shape.Equal(w.Shape) || (v.Shape == nil) != (w.Shape == nil) || v.DType != w.DType || !reflect.DeepEqual(v.Const, w.Const) {
			return fmt.Errorf("output %d: %s %v %s %v, with NoArithmetic %s %v %s %v", i, v.Name, v.Shape, v.DType, v.Const, w.Name, w.Shape, w.DType, w.Const)
		}
	}
	if len(x.Params) != len(y.Params) {
		return fmt.Errorf("%d params, %d", len(x.Params), len(y.Params))
	}
	for i, p := range x.Params {
		q := y.Params[i]
		if p.Name != q.Name || p.Role != q.Role || !p.Shape.Equal(q.Shape) || p.DType != q.DType || p.Trainable != q.Trainable ||
			p.Buffer != q.Buffer || p.Bytes != q.Bytes || (p.Owner == nil) != (q.Owner == nil) || p.Owner != nil && p.Owner.Name != q.Owner.Name {
			return fmt.Errorf("param %d: %+v, with NoArithmetic %+v", i, *p, *q)
		}
	}
	return nil
}

// sameValue compares what NoArithmetic keeps of an expression.
func sameValue(a, b calc.Expr) error {
	av, aok := a.Value()
	bv, bok := b.Value()
	if aok != bok || aok && av != bv || a.IsZero() != b.IsZero() || errText(a.Err()) != errText(b.Err()) ||
		errors.Is(a.Err(), calc.ErrOverflow) != errors.Is(b.Err(), calc.ErrOverflow) {
		return fmt.Errorf("%s (%v, error %v), with NoArithmetic %d (%v, error %v)", a.Equation(), aok, a.Err(), bv, bok, b.Err())
	}
	return nil
}
