package tensor

import (
	"fmt"
	"sort"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Broadcast is the numpy broadcast of shapes: axes aligned from the end,
// size 1 stretches to the other size.
func Broadcast(shapes ...graph.Shape) (graph.Shape, error) {
	return broadcastInto(nil, shapes...)
}

// broadcastInto is Broadcast writing the result into out's storage when
// its capacity allows.
func broadcastInto(out graph.Shape, shapes ...graph.Shape) (graph.Shape, error) {
	rank := 0
	for _, s := range shapes {
		if s == nil {
			return nil, fmt.Errorf("an input shape is unknown")
		}
		if len(s) > rank {
			rank = len(s)
		}
	}
	if out != nil && cap(out) >= rank {
		out = out[:rank]
	} else { // never nil: a scalar is Shape{}
		out = make(graph.Shape, rank)
	}
	for i := range out {
		out[i] = graph.D(1)
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d.Known() && d.Size == 1:
			case o.Known() && o.Size == 1:
				out[off+i] = d
			case d.Known() && o.Known() && d.Size != o.Size:
				return nil, fmt.Errorf("shapes %s do not broadcast: axis %d has sizes %d and %d", shapesText(shapes), off+i, o.Size, d.Size)
			case !o.Known() && d.Known():
				out[off+i] = d
			}
		}
	}
	return out, nil
}

func shapesText(ss []graph.Shape) string {
	var buf [128]byte
	return string(appendShapes(buf[:0], ss))
}

// appendShapes appends the shapes as shapesText writes them.
func appendShapes(b []byte, ss []graph.Shape) []byte {
	for i, s := range ss {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendShape(b, s)
	}
	return b
}

// fmtShape writes a shape the way Python would print it: (None, 1, 28, 28).
func fmtShape(s graph.Shape) string {
	var buf [64]byte
	return string(appendShape(buf[:0], s))
}

// appendShape appends the shape as fmtShape writes it.
func appendShape(b []byte, s graph.Shape) []byte {
	if s == nil {
		return append(b, "(unknown)"...)
	}
	b = append(b, '(')
	return append(s.AppendJoin(b, ", "), ')')
}

// NeedRank checks that an input has the given rank.
func NeedRank(s graph.Shape, what string, rank int) error {
	if s == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(s) != rank {
		return fmt.Errorf("%s expects a %d-dimensional input, got shape %s (%d dims)", what, rank, fmtShape(s), len(s))
	}
	return nil
}

// zeroFLOPs marks a node as doing no conv/linear/matmul-class work.
func zeroFLOPs(n *graph.Node) { n.FLOPs = calc.N(0) }

// sortedKeys lists a set of axes in order, for explanations.
func sortedKeys(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// padded is in+pb+pe written compactly: "28", "28+2*2", "28+1+2".
func padded(in graph.Dim, pb, pe int64) calc.Expr {
	switch {
	case pb == 0 && pe == 0:
		return in.Expr()
	case pb == pe:
		return calc.Add(in.Expr(), calc.Mul(calc.N(2), calc.N(pb)))
	}
	return calc.Add(in.Expr(), calc.N(pb), calc.N(pe))
}

// FlopsDims is 2*x… as FLOPs with the per-example convention: a leading
// batch dim that is unknown is left out (FLOPs per example), any other
// unknown dim makes the count unknown.
func FlopsDims(batch *graph.Dim, xs ...calc.Expr) calc.Expr {
	return flopsDimsWith(false, batch, xs...)
}

// flopsDimsWith is FlopsDims built with t (calc.Terse).
func flopsDimsWith(t calc.Terse, batch *graph.Dim, xs ...calc.Expr) calc.Expr {
	var buf [16]calc.Expr // the combinators copy their operands
	f := append(append(buf[:0], calc.N(2)), xs...)
	if batch != nil && batch.Known() {
		f = append(f, calc.N(batch.Size))
	}
	return t.Mul(f...)
}
