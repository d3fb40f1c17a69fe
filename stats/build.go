package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Build makes the report of an inferred graph. Nodes whose inference
// failed appear with what is known. Every sum is checked: a total past the
// int64 range is an error (wrapping calc.ErrOverflow), never a wrong
// number.
//
// It runs in phases: one row per node (layer: names, shapes and the
// arithmetic; weights: the parameters counted where they are owned),
// each added to the running totals (add); then the totals that need every
// row (FLOPs, other operations, parameter bytes), the framework's own
// figure, and the transformer section.
func Build(g *graph.Graph) (*Report, error) {
	if g == nil {
		return nil, fmt.Errorf("no graph")
	}
	b := &builder{
		g: g,
		r: &Report{
			SchemaVersion: SchemaVersion,
			Model:         Model{Path: g.Path, Format: g.Format, Name: g.Name, Inputs: tensors(g.Inputs)},
			Notes:         g.Notes,
			Asks:          asks(g.Asks),
			Layers:        make([]Layer, 0, len(g.Nodes)),
		},
		flopsKnown: true,
		bytes:      map[string]int64{},
		paramTerms: make([]calc.Expr, 0, len(g.Nodes)),
		flopTerms:  make([]calc.Expr, 0, len(g.Nodes)),
	}
	for _, n := range g.Nodes {
		l := b.layer(n)
		b.weights(&l, n)
		b.add(l)
		if b.sum.err != nil {
			return nil, b.sum.err
		}
	}
	b.r.Totals.Explain.Params = sumText(b.paramTerms)
	steps := []func() error{b.totalFLOPs, b.totalOtherOps, b.paramBytes}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	b.prints()
	t, err := transformer(g.Arch, b.r.Totals)
	if err != nil {
		return nil, err
	}
	b.r.Transformer = t
	return b.r, nil
}

// builder holds what Build accumulates over the rows.
type builder struct {
	g   *graph.Graph
	r   *Report
	sum checked

	paramTerms, flopTerms, otherTerms []calc.Expr
	flopsKnown                        bool
	unknownFLOPs                      []string         // rows whose FLOPs are unknown
	bytes                             map[string]int64 // parameter bytes by element type
	unsized                           []string         // parameters whose element type has no fixed size
}

// tensors are values as the report has them, one per value (nil for
// none).
func tensors(vs []*graph.Value) []Tensor {
	if len(vs) == 0 {
		return nil
	}
	out := make([]Tensor, len(vs))
	for i, v := range vs {
		if v != nil {
			out[i] = Tensor{Name: v.Name, Shape: ShapeOf(v.Shape), DType: string(v.DType)}
		}
	}
	return out
}

// layer is a node's row without its parameters: names, position, inputs,
// outputs, FLOPs and other operations, and the arithmetic of each.
func (b *builder) layer(n *graph.Node) Layer {
	l := Layer{Name: n.Name, Type: n.Type, Inputs: []string{}, Notes: n.Notes}
	if n.Pos.Line > 0 {
		l.Position = n.Pos.String()
	}
	if o, ok := n.Op.(interface{ OpType() string }); ok {
		l.Op = o.OpType()
		for _, v := range n.Outputs {
			l.Outputs = append(l.Outputs, v.Name)
		}
	}
	for _, v := range n.Inputs {
		if v != nil && v.Param == nil {
			l.Inputs = append(l.Inputs, v.Name)
		}
	}
	if len(n.Outputs) > 0 {
		l.OutputShapes = make([]*Shape, len(n.Outputs))
		l.Tensors = tensors(n.Outputs)
		for i := range l.Tensors {
			l.OutputShapes[i] = l.Tensors[i].Shape
		}
	}
	l.Explain.OutputShape = strings.Join(n.ShapeWhy, "; ")
	if n.Done {
		l.Explain.Params = n.Count.Equation()
		if l.Explain.Params == "" {
			l.Explain.Params = "0"
		}
	}
	if v, ok := n.FLOPs.Value(); ok && n.Done {
		l.FLOPs = &v
		l.Explain.FLOPs = n.FLOPs.Equation()
	}
	if v, ok := n.OtherOps.Value(); ok && n.Done {
		l.OtherOps = &v
		l.Explain.OtherOps = n.OtherOps.Equation()
	}
	return l
}

// weights lists the node's parameters and counts those it owns (a
// parameter is counted at its Owner, the first node that uses it), with
// their stored bytes by element type.
func (b *builder) weights(l *Layer, n *graph.Node) {
	for _, p := range n.Params {
		c, _ := p.Numel().Value() // known: inference refuses a parameter of unknown size
		w := Weight{Name: p.Name, Shape: Shape(p.Shape), DType: string(p.DType), Params: c, Trainable: p.Trainable && !p.Buffer, Buffer: p.Buffer, Bytes: p.Bytes}
		sized := w.Bytes > 0 || p.DType.Bits() > 0 || c == 0
		if w.Bytes == 0 {
			w.Bytes = b.sum.mul(c, int64(p.DType.Bits()), p.Name+" bits") / 8
		}
		if p.Owner != n && p.Owner != nil {
			w.SharedWith = p.Owner.Name
		} else {
			switch {
			case p.Buffer:
				b.sum.add(&l.Buffers, c, "the buffers of layer "+n.Name)
			case p.Trainable:
				b.sum.add(&l.Params, c, "the parameters of layer "+n.Name)
				b.sum.add(&l.TrainableParams, c, "the trainable parameters of layer "+n.Name)
			default:
				b.sum.add(&l.Params, c, "the parameters of layer "+n.Name)
				b.sum.add(&l.NonTrainableParams, c, "the non-trainable parameters of layer "+n.Name)
			}
			if sized {
				v := b.bytes[string(p.DType)]
				b.sum.add(&v, w.Bytes, "the "+string(p.DType)+" parameter bytes")
				b.bytes[string(p.DType)] = v
			} else {
				b.unsized = append(b.unsized, p.Name)
			}
		}
		l.Weights = append(l.Weights, w)
	}
}

// add appends the row and adds it to the totals.
func (b *builder) add(l Layer) {
	r := b.r
	r.Layers = append(r.Layers, l)
	b.sum.add(&r.Totals.Params, l.Params, "total parameters")
	b.sum.add(&r.Totals.TrainableParams, l.TrainableParams, "total trainable parameters")
	b.sum.add(&r.Totals.NonTrainableParams, l.NonTrainableParams, "total non-trainable parameters")
	b.sum.add(&r.Totals.Buffers, l.Buffers, "total buffers")
	b.paramTerms = append(b.paramTerms, calc.N(l.Params))
	if l.FLOPs != nil {
		b.flopTerms = append(b.flopTerms, calc.N(*l.FLOPs))
	} else {
		b.flopsKnown = false
		b.unknownFLOPs = append(b.unknownFLOPs, l.Name)
	}
	if l.OtherOps != nil {
		b.otherTerms = append(b.otherTerms, calc.N(*l.OtherOps))
	}
}

// totalFLOPs sums the rows' FLOPs when all are known. Otherwise the total
// stays unknown — never a silent zero: a note names the unknown rows and
// FLOPsLowerBound has what the others add up to.
func (b *builder) totalFLOPs() error {
	r := b.r
	if b.flopsKnown {
		f := calc.Add(b.flopTerms...)
		if err := f.Err(); err != nil {
			return fmt.Errorf("total FLOPs: %w", err)
		}
		if v, ok := f.Value(); ok {
			r.Totals.FLOPs = &v
			r.Totals.Explain.FLOPs = sumText(b.flopTerms)
		}
		return nil
	}
	if len(b.flopTerms) == 0 {
		return nil
	}
	if v, ok := calc.Add(b.flopTerms...).Value(); ok {
		r.Totals.FLOPsLowerBound = &v
	}
	msg := fmt.Sprintf("FLOPs are unknown for %d layer(s) (%s)", len(b.unknownFLOPs), firstNames(b.unknownFLOPs))
	if b.g.Arch != nil && b.g.Arch.ContextOption == "" {
		msg += ": they depend on the sequence length (the memory and FLOPs section below is per token)"
		b.ask(Ask{What: "the sequence length", Option: "context", Value: "N"})
	} else if r.Totals.FLOPsLowerBound != nil {
		msg += "; the other layers add up to " + Thousands(*r.Totals.FLOPsLowerBound)
	}
	b.note(msg)
	return nil
}

// totalOtherOps sums ONNX's other operations, when some row counts them.
func (b *builder) totalOtherOps() error {
	if len(b.otherTerms) == 0 {
		return nil
	}
	o := calc.Add(b.otherTerms...)
	if err := o.Err(); err != nil {
		return fmt.Errorf("total other operations: %w", err)
	}
	if v, ok := o.Value(); ok {
		b.r.Totals.OtherOps = &v
		b.r.Totals.Explain.OtherOps = sumText(b.otherTerms)
	}
	return nil
}

// paramBytes is the parameters' stored size, by element type and in all;
// unknown (with a note) when some element type has no fixed size.
func (b *builder) paramBytes() error {
	t := &b.r.Totals
	if len(b.bytes) > 0 {
		t.ParamBytesByDType = b.bytes
	}
	if len(b.unsized) > 0 {
		b.note(fmt.Sprintf("parameter memory is unknown: %d tensor(s) have an element type of unknown size (%s)", len(b.unsized), firstNames(b.unsized)))
		return nil
	}
	var total int64
	for _, v := range b.bytes {
		b.sum.add(&total, v, "parameter bytes")
	}
	if b.sum.err != nil {
		return b.sum.err
	}
	t.ParamBytes = &total
	return nil
}

// prints is the figure the framework itself would print, when the format
// says which.
func (b *builder) prints() {
	g, r := b.g, b.r
	if g.Prints.Which == "" {
		return
	}
	p := &Prints{Label: g.Prints.Label, Which: "params", Value: r.Totals.Params}
	if g.Prints.Which == "trainable" {
		p.Which, p.Value = "trainable_params", r.Totals.TrainableParams
	}
	r.Model.Prints = p
}

// note adds a note to the report without touching the graph's notes,
// which the report starts from.
func (b *builder) note(msg string) {
	b.r.Notes = append(append([]string(nil), b.r.Notes...), msg)
}

// ask adds an ask to the report unless an equal one is there, without
// touching the graph's.
func (b *builder) ask(a Ask) {
	for _, o := range b.r.Asks {
		if o == a {
			return
		}
	}
	b.r.Asks = append(append([]Ask(nil), b.r.Asks...), a)
}

// asks are the graph's asks as the report writes them.
func asks(g []graph.Ask) []Ask {
	var out []Ask
	for _, a := range g {
		out = append(out, Ask{What: a.What, Option: a.Option, Value: a.Value})
	}
	return out
}

// firstNames lists up to five names, then how many more there are.
func firstNames(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
}

// sumText is "a+b+c = total", or the total alone for one term.
func sumText(terms []calc.Expr) string {
	if len(terms) == 0 {
		return "0"
	}
	return calc.Add(terms...).Equation()
}

// Thousands formats n with commas, for numbers in notes: 217706 →
// "217,706".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// checked adds and multiplies int64s, keeping the first overflow.
type checked struct{ err error }

func (c *checked) add(x *int64, y int64, what string) {
	if c.err != nil {
		return
	}
	if (y > 0 && *x > math.MaxInt64-y) || (y < 0 && *x < math.MinInt64-y) {
		c.err = fmt.Errorf("%s: %d+%d: %w", what, *x, y, calc.ErrOverflow)
		return
	}
	*x += y
}

func (c *checked) mul(x, y int64, what string) int64 {
	if c.err != nil {
		return 0
	}
	if x != 0 && y != 0 && (x*y/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) {
		c.err = fmt.Errorf("%s: %d*%d: %w", what, x, y, calc.ErrOverflow)
		return 0
	}
	return x * y
}
