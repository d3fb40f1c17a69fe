package stats

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// TestBuildNoArithmetic: without arithmetic the report has every number,
// shape, name, note and total of the complete one, and no Explain text.
func TestBuildNoArithmetic(t *testing.T) {
	g := tiedGraph()
	g.Nodes[1].SetShapeWhy([]string{"a", "b"})
	g.Nodes[2].Pos = graph.Pos{File: "ae.py", Line: 12, Col: 5}
	full, err := Build(g)
	if err != nil {
		t.Fatal(err)
	}
	terse, err := BuildWith(g, Options{NoArithmetic: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.NoArithmetic || !terse.NoArithmetic {
		t.Errorf("NoArithmetic: complete %v, without arithmetic %v", full.NoArithmetic, terse.NoArithmetic)
	}
	if full.Layers[1].Explain.OutputShape != "a; b" || full.Layers[2].Position != "ae.py:12:5" || full.Totals.Explain.Params == "" {
		t.Errorf("complete report: explain %q, position %q, totals %q", full.Layers[1].Explain.OutputShape, full.Layers[2].Position, full.Totals.Explain.Params)
	}
	for i := range full.Layers {
		if terse.Layers[i].Explain != (Explain{}) {
			t.Errorf("row %d: explain %+v without arithmetic", i, terse.Layers[i].Explain)
		}
		full.Layers[i].Explain = Explain{}
	}
	if terse.Totals.Explain != (TotalsExplain{}) {
		t.Errorf("totals explain %+v without arithmetic", terse.Totals.Explain)
	}
	full.Totals.Explain, full.NoArithmetic = TotalsExplain{}, true
	if !reflect.DeepEqual(full, terse) {
		t.Errorf("reports differ beyond the arithmetic:\n%+v\n%+v", full, terse)
	}
}

// TestBuildRowsApart: the rows' slices come from shared slabs, but
// appending to one row's never changes the next row's.
func TestBuildRowsApart(t *testing.T) {
	r, err := Build(tiedGraph())
	if err != nil {
		t.Fatal(err)
	}
	next := fmt.Sprint(r.Layers[1].Inputs, r.Layers[1].Tensors, r.Layers[1].Weights, *r.Layers[1].OutputShapes[0])
	l := &r.Layers[0]
	_ = append(l.Inputs, "x")
	_ = append(l.Tensors, Tensor{Name: "x"})
	_ = append(l.OutputShapes, nil)
	_ = append(l.Weights, Weight{Name: "x"})
	_ = append(*l.OutputShapes[0], graph.D(99))
	if got := fmt.Sprint(r.Layers[1].Inputs, r.Layers[1].Tensors, r.Layers[1].Weights, *r.Layers[1].OutputShapes[0]); got != next {
		t.Errorf("appending to row 0 changed row 1: %s, was %s", got, next)
	}
}

// TestAppendEquation: the report's copy of an expression's equation is
// calc's own Equation, for known, symbolic, negative, single-number and
// failed expressions.
func TestAppendEquation(t *testing.T) {
	big := calc.N(math.MaxInt64)
	for _, e := range []calc.Expr{
		{}, calc.N(0), calc.N(7), calc.N(-7), calc.N(1234567),
		calc.Add(calc.N(3), calc.N(4)), calc.Mul(calc.N(2), calc.Add(calc.N(3), calc.N(4))),
		calc.Sym("batch"), calc.Mul(calc.Sym("N"), calc.N(3)), calc.Paren(calc.N(5)),
		calc.Add(big, big), calc.Mul(big, calc.N(2)), calc.Sub(calc.N(2), calc.N(9)),
		calc.Label(calc.N(12), "12"), calc.Label(calc.N(12), "(12)"), calc.Label(calc.N(12), "twelve"),
	} {
		if got, want := string(appendEquation([]byte("x"), e)), "x"+e.Equation(); got != want {
			t.Errorf("appendEquation = %q, Equation %q", got, want)
		}
	}
}

// TestAppendPos: a row's position is graph.Pos's own String.
func TestAppendPos(t *testing.T) {
	for _, p := range []graph.Pos{
		{File: "m.py", Line: 12, Col: 5}, {File: "m.py", Line: 3}, {File: "n.ipynb", Cell: 3, Line: 4, Col: 2},
		{Line: 1}, {File: "a b.py", Line: 1000000, Col: 1}, {File: "m.yaml", Line: 2, Col: 7, Path: "layers[3]"},
	} {
		if got, want := string(appendPos(nil, p)), p.String(); got != want {
			t.Errorf("appendPos(%+v) = %q, String %q", p, got, want)
		}
	}
}

// TestNumel: the element count is graph's Numel's value, 0 where that is
// unknown (an unknown dim, past int64).
func TestNumel(t *testing.T) {
	for _, s := range []graph.Shape{
		nil, {}, {graph.D(3)}, {graph.D(784), graph.D(100)}, {graph.D(0), graph.D(math.MaxInt64)},
		{graph.D(math.MaxInt64), graph.D(2)}, {graph.D(1 << 32), graph.D(1 << 31)}, {graph.D(1 << 31), graph.D(1 << 31), graph.D(2)},
		{graph.D(2), graph.Unknown()}, {graph.Symbol("n"), graph.D(3)}, {graph.D(math.MaxInt64), graph.D(2), graph.D(0)},
	} {
		want, _ := s.Numel().Value()
		if got := numel(s); got != want {
			t.Errorf("numel(%v) = %d, Numel %d", s, got, want)
		}
	}
}

// TestSumText: how a total adds up is calc's sum of the terms.
func TestSumText(t *testing.T) {
	for _, vs := range [][]int64{nil, {0}, {5}, {-5}, {1, 2, 3}, {100, -3, 7}, {0, 0}} {
		rows := make([]Layer, len(vs))
		ts := make([]calc.Expr, len(vs))
		var total int64
		for i, v := range vs {
			rows[i].Params = v
			ts[i] = calc.N(v)
			total += v
		}
		want := "0"
		if len(ts) > 0 {
			want = calc.Add(ts...).Equation()
		}
		if got := sumText(&Report{Layers: rows}, paramsOf, total); got != want {
			t.Errorf("sumText(%v) = %q, calc %q", vs, got, want)
		}
	}
}

// TestBuildOtherOpsOverflow: other operations past int64 are an error
// worded by calc, like FLOPs.
func TestBuildOtherOpsOverflow(t *testing.T) {
	a := node("a", "T", nil, graph.Shape{}, calc.N(0))
	b := node("b", "T", nil, graph.Shape{}, calc.N(0))
	a.OtherOps, b.OtherOps = calc.N(1<<62), calc.N(1<<62)
	_, err := Build(&graph.Graph{Nodes: []*graph.Node{a, b}})
	if want := "total other operations: 4611686018427387904+4611686018427387904: "; err == nil || !errors.Is(err, calc.ErrOverflow) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Build = %v, want an overflow error starting %q", err, want)
	}
}
