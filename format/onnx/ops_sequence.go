package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The sequence operators. A sequence value's shape is what its elements
// share, as for a sequence graph input (the element type's shape): a dim
// where they differ is unknown. The op that makes a sequence also keeps
// its elements' shapes, when it knows them one by one, so that
// SequenceAt, SequenceLength and ConcatFromSequence downstream are exact.

func init() {
	register("", map[string]maker{
		"SequenceConstruct": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &seqOp{kind: seqConstruct}, 1
		},
		"SequenceEmpty": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &seqOp{kind: seqEmpty}, 0
		},
		"SequenceInsert": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &seqOp{kind: seqInsert}, 2
		},
		"SequenceErase": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &seqOp{kind: seqErase}, 1
		},
		"SplitToSequence": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &seqOp{kind: seqSplit, axis: nd.attrInt("axis", 0), keepdims: nd.attrInt("keepdims", 1) != 0}, 1
		},
		"SequenceAt":     fixed(func() graph.Op { return seqAt{} }, 2),
		"SequenceLength": fixed(func() graph.Op { return seqLength{} }, 1),
		"ConcatFromSequence": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &concatFromSeq{axis: nd.attrInt("axis", 0), newAxis: nd.attrInt("new_axis", 0) != 0}, 1
		},
	})
}

type seqKind int

const (
	seqConstruct seqKind = iota
	seqEmpty
	seqInsert
	seqErase
	seqSplit
)

// seqOp makes a sequence and keeps its elements' shapes (elems, valid
// when known).
type seqOp struct {
	kind     seqKind
	axis     int64
	keepdims bool

	elems []graph.Shape
	known bool
}

// elemsOf is the element shapes of the sequence v, when the op that made
// it knows them.
func elemsOf(v *graph.Value) ([]graph.Shape, bool) {
	if v == nil || v.Producer == nil {
		return nil, false
	}
	w, ok := v.Producer.Op.(*nodeOp)
	if !ok {
		return nil, false
	}
	s, ok := w.op.(*seqOp)
	if !ok || !s.known || !v.Producer.Done {
		return nil, false
	}
	return s.elems, true
}

// merged is the shape every element shares: dims where they differ are
// unknown; nil when the ranks differ or there is no element.
func merged(elems []graph.Shape) graph.Shape {
	if len(elems) == 0 {
		return nil
	}
	out := elems[0].Clone()
	for _, e := range elems[1:] {
		if len(e) != len(out) {
			return nil
		}
		for a := range out {
			if e[a] != out[a] {
				out[a] = graph.Unknown()
			}
		}
	}
	return out
}

// position reads a sequence position (input i) against length k: -k…k-1,
// or -k…k when inserting.
func position(n *graph.Node, i int, k int, insert bool) (int, bool, error) {
	p, ok := constIntInput(n, i)
	if !ok {
		return 0, false, nil
	}
	hi := int64(k)
	if !insert {
		hi--
	}
	if p < -int64(k) || p > hi {
		return 0, false, fmt.Errorf("position %d is out of range for a sequence of %d", p, k)
	}
	if p < 0 {
		p += int64(k)
	}
	return int(p), true, nil
}

func (s *seqOp) Infer(n *graph.Node) error {
	s.elems, s.known = nil, false
	noFLOPs(n)
	switch s.kind {
	case seqEmpty:
		s.known = true
		return graph.Unknownf("an empty sequence: its elements' shape is unknown until something is inserted")
	case seqConstruct:
		for i := range n.Inputs {
			s.elems = append(s.elems, n.In(i).Clone())
		}
		s.known = true
	case seqInsert, seqErase:
		in, ok := elemsOf(inputAt(n, 0))
		if !ok {
			// Only the shared shape is known.
			sh := n.In(0).Clone()
			if s.kind == seqInsert {
				sh = merged([]graph.Shape{sh, n.In(1)})
			}
			if sh == nil {
				return graph.Unknownf("the elements' ranks differ")
			}
			setOut(n, 0, sh, "")
			return nil
		}
		if s.kind == seqInsert {
			at := len(in)
			if inputAt(n, 2) != nil {
				p, ok, err := position(n, 2, len(in), true)
				if err != nil {
					return err
				}
				if !ok {
					p = -1
				}
				at = p
			}
			if at >= 0 {
				s.elems = append(append(append([]graph.Shape{}, in[:at]...), n.In(1).Clone()), in[at:]...)
				s.known = true
			} else {
				s.elems = append(append([]graph.Shape{}, in...), n.In(1).Clone())
			}
		} else {
			if len(in) == 0 {
				return fmt.Errorf("erasing from an empty sequence")
			}
			at := len(in) - 1
			if inputAt(n, 1) != nil {
				p, ok, err := position(n, 1, len(in), false)
				if err != nil {
					return err
				}
				if !ok {
					p = -1
				}
				at = p
			}
			if at >= 0 {
				s.elems = append(append([]graph.Shape{}, in[:at]...), in[at+1:]...)
				s.known = true
			} else {
				s.elems = in
			}
		}
	case seqSplit:
		if err := s.split(n); err != nil {
			return err
		}
	}
	sh := merged(s.elems)
	if sh == nil {
		if !s.known {
			return graph.Unknownf("the sequence's elements are unknown")
		}
		return graph.Unknownf("the sequence's elements have different ranks or there are none")
	}
	setOut(n, 0, sh, "")
	if s.known {
		n.Why("a sequence of %d tensors", len(s.elems))
	}
	return nil
}

// split is SplitToSequence: along axis, chunks of the sizes in input 1
// (a scalar: equal chunks, the last smaller), or of 1 without it (the
// axis then removed unless keepdims).
func (s *seqOp) split(n *graph.Node) error {
	x := n.In(0)
	ax, err := normAxis(s.axis, len(x))
	if err != nil {
		return err
	}
	d := x[ax]
	piece := func(size graph.Dim) graph.Shape {
		o := x.Clone()
		o[ax] = size
		return o
	}
	if inputAt(n, 1) == nil {
		if !d.Known() {
			o := x.Clone()
			if !s.keepdims {
				o = append(o[:ax], o[ax+1:]...)
			} else {
				o[ax] = graph.D(1)
			}
			s.elems = []graph.Shape{o} // the shared shape; the count is unknown
			return nil
		}
		for i := int64(0); i < d.Size; i++ {
			o := piece(graph.D(1))
			if !s.keepdims {
				o = append(o[:ax], o[ax+1:]...)
			}
			s.elems = append(s.elems, o)
		}
		s.known = true
		return nil
	}
	sizes, ok := tensorInts(inputAt(n, 1))
	if !ok {
		s.elems = []graph.Shape{piece(graph.Unknown())}
		return nil
	}
	if len(n.In(1)) == 0 { // a scalar: equal chunks
		if len(sizes) != 1 || sizes[0] <= 0 {
			return fmt.Errorf("split %v is not a positive size", sizes)
		}
		if !d.Known() {
			s.elems = []graph.Shape{piece(graph.Unknown())}
			return nil
		}
		for left := d.Size; left > 0; left -= sizes[0] {
			s.elems = append(s.elems, piece(graph.D(min(left, sizes[0]))))
		}
		s.known = true
		return nil
	}
	sum := calc.N(0)
	for _, k := range sizes {
		if k < 0 {
			return fmt.Errorf("split %v has a negative size", sizes)
		}
		sum = calc.Add(sum, calc.N(k))
		s.elems = append(s.elems, piece(graph.D(k)))
	}
	if v, _ := sum.Value(); d.Known() && v != d.Size {
		return fmt.Errorf("split %v adds up to %d, not axis %d's %d", sizes, v, ax, d.Size)
	}
	s.known = true
	return nil
}

// seqAt is SequenceAt: the element at a constant position, else the
// elements' shared shape.
type seqAt struct{}

func (seqAt) Infer(n *graph.Node) error {
	noFLOPs(n)
	if elems, ok := elemsOf(inputAt(n, 0)); ok {
		p, ok, err := position(n, 1, len(elems), false)
		if err != nil {
			return err
		}
		if ok {
			setOut(n, 0, elems[p].Clone(), "")
			n.Why("element %d of %d", p, len(elems))
			return nil
		}
	}
	setOut(n, 0, n.In(0).Clone(), "")
	return nil
}

// seqLength is SequenceLength: an int64 scalar, a constant when the
// count is known.
type seqLength struct{}

func (seqLength) Infer(n *graph.Node) error {
	noFLOPs(n)
	setOut(n, 0, graph.Shape{}, graph.Int64)
	if elems, ok := elemsOf(inputAt(n, 0)); ok {
		n.Outputs[0].Const = &graph.Const{Ints: []int64{int64(len(elems))}}
	}
	return nil
}

// concatFromSeq is ConcatFromSequence: the elements joined along axis,
// or stacked along a new axis.
type concatFromSeq struct {
	axis    int64
	newAxis bool
}

func (c *concatFromSeq) Infer(n *graph.Node) error {
	noFLOPs(n)
	shared := n.In(0)
	rank := len(shared)
	if c.newAxis {
		rank++
	}
	ax, err := normAxis(c.axis, rank)
	if err != nil {
		return err
	}
	elems, ok := elemsOf(inputAt(n, 0))
	if c.newAxis {
		count := graph.Unknown()
		if ok {
			count = graph.D(int64(len(elems)))
		}
		out := append(append(shared[:ax].Clone(), count), shared[ax:]...)
		setOut(n, 0, out, "")
		return nil
	}
	out := shared.Clone()
	if !ok {
		out[ax] = graph.Unknown()
		setOut(n, 0, out, "")
		return nil
	}
	var sum []calc.Expr
	for _, e := range elems {
		sum = append(sum, e[ax].Expr())
	}
	out[ax] = graph.DimOf(calc.Add(sum...))
	setOut(n, 0, out, "")
	n.Why("axis %d: %d elements joined", ax, len(elems))
	return nil
}
