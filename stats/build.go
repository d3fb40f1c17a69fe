package stats

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Options tune Build. The zero value makes the complete report.
type Options struct {
	// NoArithmetic leaves the arithmetic text out: every Layer.Explain
	// and the Totals.Explain stay empty and Report.NoArithmetic says so,
	// while every number, shape, note, ask and error is exactly as
	// without it. For a caller that prints only the numbers (the plain
	// table), on a graph inferred without arithmetic
	// (infer.Options.NoArithmetic), where there is no text to copy.
	NoArithmetic bool
	// LazyRows leaves Report.Layers nil: the report keeps the graph and
	// makes each row from its node when Report.AllLayers reaches it,
	// into one Layer reused for the next, so that a large model's report
	// holds its totals and notes but no row. Totals, notes, asks and
	// errors are those of the complete report. For a caller that reads
	// the rows once or twice, in order, and keeps nothing of them (the
	// command line's plain table: render.Table reads them through
	// AllLayers); the renderers that index Layers (JSON, explain,
	// Markdown, CSV, graphs) need the rows made: leave it unset for them.
	LazyRows bool
}

// Build makes the complete report of an inferred graph: BuildWith with
// the zero Options.
func Build(g *graph.Graph) (*Report, error) { return BuildWith(g, Options{}) }

// BuildWith makes the report of an inferred graph. Nodes whose inference
// failed appear with what is known. Every sum is checked: a total past
// the int64 range is an error (wrapping calc.ErrOverflow), never a wrong
// number.
//
// It runs in phases: a pass that counts what the rows hold, so that
// the rows, their input names, output tensors, shapes, counts and
// weights each take one allocation for the whole report (slabs the rows
// slice into, capacity-limited, so that appending to one row's slice
// never writes into the next row's); one row per node (layer: names,
// shapes and the arithmetic; weights: the parameters counted where they
// are owned), each added to the running totals (add); then the totals
// that need every row (FLOPs, other operations, parameter bytes), the
// framework's own figure, and the transformer section. Names and dims
// are the graph's, not copies (the report reads them; nothing changes
// them once inferred); positions and arithmetic are cut from shared
// strings.
func BuildWith(g *graph.Graph, opt Options) (*Report, error) {
	if g == nil {
		return nil, fmt.Errorf("no graph")
	}
	b := &builder{
		g:   g,
		opt: opt,
		r: &Report{
			SchemaVersion: SchemaVersion,
			Model:         Model{Path: g.Path, Format: g.Format, Name: g.Name, Inputs: tensors(g.Inputs)},
			Notes:         g.Notes,
			Asks:          asks(g.Asks),
			NoArithmetic:  opt.NoArithmetic,
		},
		totals:     true,
		flopsKnown: true,
		bytes:      map[string]int64{},
	}
	if opt.LazyRows {
		b.r.lazy = &lazyRows{g: g, opt: opt}
		b.noText = true
		var err error
		b.rowByRow(func(i int, l *Layer) bool {
			b.add(l)
			err = b.sum.err
			return err == nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		b.r.Layers = make([]Layer, len(g.Nodes))
		b.slabs(g.Nodes)
		for i, n := range g.Nodes {
			l := &b.r.Layers[i]
			b.row(l, n)
			b.add(l)
			if b.sum.err != nil {
				return nil, b.sum.err
			}
			if len(b.text) >= textChunk {
				b.texts()
			}
		}
		b.texts()
	}
	b.unknownParams()
	if !opt.NoArithmetic {
		b.r.Totals.Explain.Params = sumText(b.r, paramsOf, b.r.Totals.Params)
		if b.r.Totals.ParamsUnknown {
			b.r.Totals.Explain.Params = "?"
		}
	}
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
	opt Options
	r   *Report
	sum checked
	// totals is set while Build adds the rows' weights to the totals by
	// element type (bytes, unsized); not when a lazy report makes its
	// rows again for a reader.
	totals bool
	// noText leaves a row's text (position, arithmetic) out: Build's
	// pass over a lazy report's rows adds up numbers only.
	noText bool
	// ownPos leaves the rows' positions to rowByRow (positions, which
	// writes them in posBuf).
	ownPos bool
	posBuf []byte

	// The slabs rows take their slices from (see slabs).
	inputs, outNames []string
	shapes           []*Shape
	tensors          []Tensor
	heads            []Shape
	ints             []int64
	weightSlab       []Weight
	// text holds the positions and arithmetic of the latest rows; spans
	// say which field takes which part (texts).
	text  []byte
	spans []span

	// The known rows' FLOPs and other operations: how many, their sum
	// and whether it left the int64 range.
	flops, other sum
	flopsKnown   bool
	unknownFLOPs []string         // rows whose FLOPs are unknown
	uncounted    []string         // rows whose parameters are unknown
	bytes        map[string]int64 // parameter bytes by element type
	unsized      []string         // parameters whose element type has no fixed size
}

// sum adds up terms, noting an overflow instead of failing at once: the
// error is made, with its full text, only when the total is needed.
type sum struct {
	n        int
	v        int64
	overflow bool
}

func (s *sum) add(y int64) {
	s.n++
	r := s.v + y
	if (y > 0 && r < s.v) || (y < 0 && r > s.v) {
		s.overflow = true
	}
	s.v = r
}

// span is the part text[a:b] of builder.text that becomes *dst.
type span struct {
	dst  *string
	a, b int
}

// opType is the operator of a node whose op has one (ONNX's op_type).
func opType(n *graph.Node) (string, bool) {
	o, ok := n.Op.(interface{ OpType() string })
	if !ok {
		return "", false
	}
	return o.OpType(), true
}

// slabs counts what the rows of nodes will hold and makes each slab
// once.
func (b *builder) slabs(nodes []*graph.Node) {
	var inputs, outNames, outputs, heads, ints, weights int
	for _, n := range nodes {
		for _, v := range n.Inputs {
			if v != nil && v.Param == nil {
				inputs++
			}
		}
		if _, ok := n.Op.(interface{ OpType() string }); ok {
			outNames += len(n.Outputs)
		}
		outputs += len(n.Outputs)
		for _, v := range n.Outputs {
			if v != nil && v.Shape != nil {
				heads++
			}
		}
		weights += len(n.Params)
		if n.Done {
			if n.FLOPs.Known() {
				ints++
			}
			if n.OtherOps.Known() {
				ints++
			}
		}
	}
	refill(&b.inputs, inputs)
	refill(&b.outNames, outNames)
	refill(&b.shapes, outputs)
	refill(&b.tensors, outputs)
	refill(&b.heads, heads)
	refill(&b.ints, ints)
	refill(&b.weightSlab, weights)
	if b.text == nil {
		b.text = make([]byte, 0, textChunk+textChunk/4)
	}
}

// refill makes *slab n zero elements, in its own array when that has
// room (a lazy report's rows, made one at a time, reuse theirs).
func refill[T any](slab *[]T, n int) {
	s := *slab
	if s == nil || cap(s) < n {
		*slab = make([]T, n) // not nil: a row's empty slices are not nil
		return
	}
	s = s[:n]
	clear(s)
	*slab = s
}

// row fills a node's row: layer, then weights.
func (b *builder) row(l *Layer, n *graph.Node) {
	b.layer(l, n)
	b.weights(l, n)
}

// lazyRows is what a report built with Options.LazyRows makes its rows
// from.
type lazyRows struct {
	g   *graph.Graph
	opt Options
}

// rowByRow makes the graph's rows one at a time into one Layer (and
// slabs sized for one row, reused), calling f with each until it
// returns false.
func (b *builder) rowByRow(f func(i int, l *Layer) bool) {
	var l Layer
	one := make([]*graph.Node, 1)
	b.text = make([]byte, 0, 256)
	// Positions are written a chunk of rows ahead into one string (not
	// a string per row); layer leaves them to this loop (ownPos).
	b.ownPos = !b.noText
	var pos string
	var ends []int32 // where each row's position ends in pos
	if b.ownPos {
		b.posBuf, ends = make([]byte, 0, 9<<10), make([]int32, 0, 1024)
	}
	first := 0 // the row whose position starts pos
	for i, n := range b.g.Nodes {
		if b.ownPos && i-first >= len(ends) {
			pos, ends, first = b.positions(i, ends[:0])
		}
		one[0] = n
		b.slabs(one)
		// The slabs are cut from the front as the row takes its parts:
		// keep their starts to cut the next row's from again.
		inputs, outNames, shapes, tensors, heads, ints, weights := b.inputs, b.outNames, b.shapes, b.tensors, b.heads, b.ints, b.weightSlab
		l = Layer{}
		b.row(&l, n)
		b.texts()
		if b.ownPos && n.Pos.Line > 0 {
			a := int32(0)
			if k := i - first; k > 0 {
				a = ends[k-1]
			}
			l.Position = pos[a:ends[i-first]]
		}
		b.inputs, b.outNames, b.shapes, b.tensors, b.heads, b.ints, b.weightSlab = inputs, outNames, shapes, tensors, heads, ints, weights
		if !f(i, &l) {
			return
		}
	}
}

// positions writes the positions of the rows from i on, up to 1024 rows
// or some 8 KB of text, as one string; ends[k] is where row i+k's ends
// (a row without a line has none).
func (b *builder) positions(i int, ends []int32) (string, []int32, int) {
	buf := b.posBuf[:0]
	for j := i; j < len(b.g.Nodes) && j-i < 1024 && (j == i || len(buf) < 8<<10); j++ {
		if p := b.g.Nodes[j].Pos; p.Line > 0 {
			buf = appendPos(buf, p)
		}
		ends = append(ends, int32(len(buf)))
	}
	b.posBuf = buf
	return string(buf), ends, i
}

// take cuts the first n elements off *slab, capacity-limited.
func take[T any](slab *[]T, n int) []T {
	s := (*slab)[:n:n]
	*slab = (*slab)[n:]
	return s
}

// count is v in the ints slab.
func (b *builder) count(v int64) *int64 {
	p := &b.ints[0]
	b.ints = b.ints[1:]
	*p = v
	return p
}

// shape is the report's form of a graph shape (ShapeOf), its header in
// the slab and its dims the graph's own, which nothing changes once
// inferred (Weight.Shape shares them likewise): capacity-limited, so
// that appending to the report's copies them first.
func (b *builder) shape(s graph.Shape) *Shape {
	if s == nil {
		return nil
	}
	h := &b.heads[0]
	b.heads = b.heads[1:]
	*h = Shape(s[:len(s):len(s)])
	return h
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

// layer fills a node's row without its parameters: names, position,
// inputs, outputs, FLOPs and other operations, and the arithmetic of
// each.
func (b *builder) layer(l *Layer, n *graph.Node) {
	l.Name, l.Type, l.Notes = n.Name, n.Type, n.Notes()
	if n.Pos.Line > 0 && !b.noText && !b.ownPos {
		a := len(b.text)
		b.text = appendPos(b.text, n.Pos)
		b.spans = append(b.spans, span{&l.Position, a, len(b.text)})
	}
	if op, ok := opType(n); ok {
		l.Op = op
		if len(n.Outputs) > 0 {
			l.Outputs = take(&b.outNames, len(n.Outputs))
			for i, v := range n.Outputs {
				l.Outputs[i] = v.Name
			}
		}
	}
	k := 0
	for _, v := range n.Inputs {
		if v != nil && v.Param == nil {
			k++
		}
	}
	l.Inputs = take(&b.inputs, k)
	k = 0
	for _, v := range n.Inputs {
		if v != nil && v.Param == nil {
			l.Inputs[k] = v.Name
			k++
		}
	}
	if len(n.Outputs) > 0 {
		l.OutputShapes = take(&b.shapes, len(n.Outputs))
		l.Tensors = take(&b.tensors, len(n.Outputs))
		for i, v := range n.Outputs {
			if v != nil {
				l.Tensors[i] = Tensor{Name: v.Name, Shape: b.shape(v.Shape), DType: string(v.DType)}
			}
			l.OutputShapes[i] = l.Tensors[i].Shape
		}
	}
	arith := !b.opt.NoArithmetic && !b.noText
	if arith {
		switch len(n.ShapeWhy()) {
		case 0:
		case 1:
			l.Explain.OutputShape = n.ShapeWhy()[0]
		default:
			a := len(b.text)
			for i, s := range n.ShapeWhy() {
				if i > 0 {
					b.text = append(b.text, "; "...)
				}
				b.text = append(b.text, s...)
			}
			b.spans = append(b.spans, span{&l.Explain.OutputShape, a, len(b.text)})
		}
	}
	l.ParamsUnknown = n.Uncounted
	switch {
	case n.Uncounted && arith:
		l.Explain.Params = "?"
	case n.Done && arith:
		if !b.equation(&l.Explain.Params, n.Count) {
			l.Explain.Params = "0"
		}
	}
	if v, ok := n.FLOPs.Value(); ok && n.Done {
		l.FLOPs = b.count(v)
		if arith {
			b.equation(&l.Explain.FLOPs, n.FLOPs)
		}
	}
	if v, ok := n.OtherOps.Value(); ok && n.Done {
		l.OtherOps = b.count(v)
		if arith {
			b.equation(&l.Explain.OtherOps, n.OtherOps)
		}
	}
}

// equation makes *dst e.Equation(), in the text; false when that is
// empty.
func (b *builder) equation(dst *string, e calc.Expr) bool {
	a := len(b.text)
	b.text = appendEquation(b.text, e)
	if len(b.text) == a {
		return false
	}
	b.spans = append(b.spans, span{dst, a, len(b.text)})
	return true
}

// appendEquation appends e.Equation() without making it a string of its
// own: the arithmetic, then " = " and the value unless the text is the
// value (or it in parentheses); " = error: …" after an error; the text
// alone for an unknown value.
func appendEquation(dst []byte, e calc.Expr) []byte {
	text := e.String()
	if err := e.Err(); err != nil {
		dst = append(dst, text...)
		dst = append(dst, " = error: "...)
		return append(dst, err.Error()...)
	}
	v, ok := e.Value()
	if !ok {
		return append(dst, text...)
	}
	a := len(dst)
	dst = strconv.AppendInt(dst, v, 10)
	num := dst[a:]
	if text == string(num) || len(text) == len(num)+2 && text[0] == '(' && text[len(text)-1] == ')' && text[1:len(text)-1] == string(num) {
		return dst
	}
	dst = append(dst[:a], text...)
	dst = append(dst, " = "...)
	return strconv.AppendInt(dst, v, 10)
}

// appendPos appends p.String() (for a position with a line).
func appendPos(dst []byte, p graph.Pos) []byte {
	dst = append(dst, p.File...)
	if p.Cell > 0 {
		dst = append(dst, ": cell "...)
		dst = strconv.AppendInt(dst, int64(p.Cell), 10)
		dst = append(dst, " line "...)
		return strconv.AppendInt(dst, int64(p.Line), 10)
	}
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(p.Line), 10)
	if p.Col > 0 {
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, int64(p.Col), 10)
	}
	return dst
}

// textChunk is the size of text made one string at a time: a few
// hundred rows' positions and arithmetic, so that the text is made
// without growing a buffer the size of the whole report.
const textChunk = 32 << 10

// texts makes the text one string and gives the rows their parts of it;
// the text starts again empty.
func (b *builder) texts() {
	if len(b.spans) == 0 {
		return
	}
	s := string(b.text)
	for _, sp := range b.spans {
		*sp.dst = s[sp.a:sp.b]
	}
	b.text, b.spans = b.text[:0], b.spans[:0]
}

// weights lists the node's parameters and counts those it owns (a
// parameter is counted at its Owner, the first node that uses it), with
// their stored bytes by element type.
func (b *builder) weights(l *Layer, n *graph.Node) {
	if len(n.Params) == 0 {
		return
	}
	l.Weights = take(&b.weightSlab, len(n.Params))
	for i, p := range n.Params {
		c := numel(p.Shape) // known: inference refuses a parameter of unknown size
		w := &l.Weights[i]
		*w = Weight{Name: p.Name, Shape: Shape(p.Shape), DType: string(p.DType), Params: c, Trainable: p.Trainable && !p.Buffer, Buffer: p.Buffer, Bytes: p.Bytes}
		sized := w.Bytes > 0 || p.DType.Bits() > 0 || c == 0
		if w.Bytes == 0 {
			w.Bytes = b.sum.mul(c, int64(p.DType.Bits()), p.Name, " bits") / 8
		}
		if p.Owner != n && p.Owner != nil {
			w.SharedWith = p.Owner.Name
			continue
		}
		if !b.totals {
			// A lazy report's row made again: the counts as before (they
			// did not overflow then), the totals already made.
			b.rowCount(l, c, p)
			continue
		}
		switch {
		case p.Buffer:
			b.sum.add(&l.Buffers, c, "the buffers of layer ", n.Name)
		case p.Trainable:
			b.sum.add(&l.Params, c, "the parameters of layer ", n.Name)
			b.sum.add(&l.TrainableParams, c, "the trainable parameters of layer ", n.Name)
		default:
			b.sum.add(&l.Params, c, "the parameters of layer ", n.Name)
			b.sum.add(&l.NonTrainableParams, c, "the non-trainable parameters of layer ", n.Name)
		}
		if sized {
			v := b.bytes[string(p.DType)]
			b.sum.add(&v, w.Bytes, "the ", string(p.DType), " parameter bytes")
			b.bytes[string(p.DType)] = v
		} else {
			b.unsized = append(b.unsized, p.Name)
		}
	}
}

// rowCount adds a parameter's count c to its row, as weights does.
func (b *builder) rowCount(l *Layer, c int64, p *graph.Param) {
	switch {
	case p.Buffer:
		l.Buffers += c
	case p.Trainable:
		l.Params += c
		l.TrainableParams += c
	default:
		l.Params += c
		l.NonTrainableParams += c
	}
}

// numel is the element count of a shape, p.Numel()'s value without its
// arithmetic: 0 when a dim is unknown or the product leaves the int64
// range (neither passes inference), 1 for a scalar.
func numel(s graph.Shape) int64 {
	n := int64(1)
	for _, d := range s {
		if !d.Known() {
			return 0
		}
		if d.Size != 0 && n > math.MaxInt64/d.Size {
			return 0
		}
		n *= d.Size
	}
	return n
}

// add adds the row to the totals.
func (b *builder) add(l *Layer) {
	t := &b.r.Totals
	b.sum.add(&t.Params, l.Params, "total parameters")
	b.sum.add(&t.TrainableParams, l.TrainableParams, "total trainable parameters")
	b.sum.add(&t.NonTrainableParams, l.NonTrainableParams, "total non-trainable parameters")
	b.sum.add(&t.Buffers, l.Buffers, "total buffers")
	if l.ParamsUnknown {
		b.uncounted = append(b.uncounted, l.Name)
	}
	if l.FLOPs != nil {
		b.flops.add(*l.FLOPs)
	} else {
		b.flopsKnown = false
		b.unknownFLOPs = append(b.unknownFLOPs, l.Name)
	}
	if l.OtherOps != nil {
		b.other.add(*l.OtherOps)
	}
}

// paramsOf, flopsOf and otherOf pick a row's term of a total: its value
// and whether the row has one.
func paramsOf(l *Layer) (int64, bool) { return l.Params, true }

func flopsOf(l *Layer) (int64, bool) {
	if l.FLOPs == nil {
		return 0, false
	}
	return *l.FLOPs, true
}

func otherOf(l *Layer) (int64, bool) {
	if l.OtherOps == nil {
		return 0, false
	}
	return *l.OtherOps, true
}

// terms are the rows' terms of a total as calc expressions, for the
// error of a total that overflows (calc words it).
func terms(r *Report, of func(*Layer) (int64, bool)) []calc.Expr {
	var ts []calc.Expr
	for _, l := range r.rows(true) {
		if v, ok := of(l); ok {
			ts = append(ts, calc.N(v))
		}
	}
	return ts
}

// totalFLOPs sums the rows' FLOPs when all are known. Otherwise the total
// stays unknown — never a silent zero: a note names the unknown rows and
// FLOPsLowerBound has what the others add up to.
func (b *builder) totalFLOPs() error {
	r := b.r
	if b.flopsKnown {
		if b.flops.overflow {
			return fmt.Errorf("total FLOPs: %w", calc.Add(terms(r, flopsOf)...).Err())
		}
		v := b.flops.v
		r.Totals.FLOPs = &v
		if !b.opt.NoArithmetic {
			r.Totals.Explain.FLOPs = sumText(r, flopsOf, v)
		}
		return nil
	}
	if b.flops.n == 0 {
		return nil
	}
	if !b.flops.overflow {
		v := b.flops.v
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
	if b.other.n == 0 {
		return nil
	}
	if b.other.overflow {
		return fmt.Errorf("total other operations: %w", calc.Add(terms(b.r, otherOf)...).Err())
	}
	v := b.other.v
	b.r.Totals.OtherOps = &v
	if !b.opt.NoArithmetic {
		b.r.Totals.Explain.OtherOps = sumText(b.r, otherOf, v)
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
	if t.ParamsUnknown {
		return nil // unknown parameters have unknown bytes (their note says so)
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

// unknownParams makes the totals of parameters unknown when some row's
// are — never a silent zero: the counts made stay as a lower bound, and a
// note names the rows.
func (b *builder) unknownParams() {
	if len(b.uncounted) == 0 {
		return
	}
	t := &b.r.Totals
	v := t.Params
	t.ParamsUnknown, t.ParamsLowerBound = true, &v
	b.note(fmt.Sprintf("parameters are unknown for %d layer(s) (%s), so the totals are too; the other layers hold %s", len(b.uncounted), firstNames(b.uncounted), Thousands(v)))
}

// prints is the figure the framework itself would print, when the format
// says which and it is known.
func (b *builder) prints() {
	g, r := b.g, b.r
	if g.Prints.Which == "" || r.Totals.ParamsUnknown {
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

// sumText is how a total adds up, as calc writes a sum of the rows'
// terms: "a+b+c = total", the total alone for one term, "0" for none
// (a negative term in parentheses).
func sumText(r *Report, of func(*Layer) (int64, bool), total int64) string {
	var buf []byte
	n := 0
	for _, l := range r.rows(true) {
		v, ok := of(l)
		if !ok {
			continue
		}
		if n == 0 {
			buf = make([]byte, 0, 8*r.NumLayers()+24)
		} else {
			buf = append(buf, '+')
		}
		n++
		if v < 0 {
			buf = append(buf, '(')
			buf = strconv.AppendInt(buf, v, 10)
			buf = append(buf, ')')
		} else {
			buf = strconv.AppendInt(buf, v, 10)
		}
	}
	if n <= 1 {
		return strconv.FormatInt(total, 10)
	}
	buf = append(buf, " = "...)
	return string(strconv.AppendInt(buf, total, 10))
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

// add adds y to *x. What the sum is, for the error, is given in parts
// (what ...string), joined only when it overflows.
func (c *checked) add(x *int64, y int64, what ...string) {
	if c.err != nil {
		return
	}
	if (y > 0 && *x > math.MaxInt64-y) || (y < 0 && *x < math.MinInt64-y) {
		c.err = fmt.Errorf("%s: %d+%d: %w", strings.Join(what, ""), *x, y, calc.ErrOverflow)
		return
	}
	*x += y
}

func (c *checked) mul(x, y int64, what ...string) int64 {
	if c.err != nil {
		return 0
	}
	if x != 0 && y != 0 && (x*y/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) {
		c.err = fmt.Errorf("%s: %d*%d: %w", strings.Join(what, ""), x, y, calc.ErrOverflow)
		return 0
	}
	return x * y
}
