package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Layer ops first needed by Keras (format/keras); like every op they
// know nothing of Keras's config keys, which the front-end translates.

// RepeatVector repeats a (batch, features) input N times: (batch, N,
// features).
type RepeatVector struct {
	N int64
}

func (r *RepeatVector) Infer(n *graph.Node) error {
	in := n.In(0)
	if err := needRank(in, "repeating a vector", 2); err != nil {
		return err
	}
	if r.N <= 0 {
		return fmt.Errorf("the number of repetitions must be positive, got %d", r.N)
	}
	n.SetOut(0, graph.Shape{in[0], graph.D(r.N), in[1]})
	n.Why("(batch, %d, features): the vector repeated %d times", r.N, r.N)
	zeroFLOPs(n)
	return nil
}

// Cropping removes Before[i] and After[i] elements from each axis i.
type Cropping struct {
	Before, After []int64 // one entry per input axis
}

func (p *Cropping) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(p.Before) != len(in) || len(p.After) != len(in) {
		return fmt.Errorf("cropping has %d entries for an input of %d axes %s", len(p.Before), len(in), fmtShape(in))
	}
	out := in.Clone()
	for a := range in {
		if p.Before[a] == 0 && p.After[a] == 0 {
			continue
		}
		e := calc.Sub(in[a].Expr(), calc.N(p.Before[a]))
		if p.After[a] != 0 {
			e = calc.Sub(e, calc.N(p.After[a]))
		}
		if v, ok := e.Value(); ok && v <= 0 {
			return fmt.Errorf("axis %d: %s leaves nothing", a, e.Equation())
		}
		out[a] = graph.DimOf(e)
		n.Why("axis %d: %s", a, e.Equation())
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// Resize sets the spatial sizes of an image-like input (resizing,
// center cropping): (batch, Sizes…, channels) channels last.
type Resize struct {
	Layout Layout
	Sizes  []int64
}

func (r *Resize) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	rank := len(in)
	if rank == len(r.Sizes)+1 { // an unbatched image
		rank++
		in = append(graph.Shape{graph.Unknown()}, in...)
		defer func() {
			n.Outputs[0].Shape = n.Outputs[0].Shape[1:]
		}()
	}
	if rank != len(r.Sizes)+2 {
		return fmt.Errorf("resizing to %d spatial sizes needs a %d-dimensional input, got %s", len(r.Sizes), len(r.Sizes)+2, fmtShape(in))
	}
	out := in.Clone()
	for i, ax := range r.Layout.spatialAxes(rank) {
		out[ax] = graph.D(r.Sizes[i])
	}
	n.SetOut(0, out)
	n.Why("spatial size set to %v", r.Sizes)
	zeroFLOPs(n)
	return nil
}

// PReLU is a leaky ReLU whose slopes are parameters: one per input
// element after the batch axis, shared (size 1) over SharedAxes.
type PReLU struct {
	SharedAxes []int // axes counted from 1 (the batch axis is 0)
	Role       string
}

func (p *PReLU) Infer(n *graph.Node) error {
	in := n.In(0)
	if len(in) < 2 {
		return fmt.Errorf("PReLU needs a batched input, got %s", fmtShape(in))
	}
	shape := in[1:].Clone()
	for _, a := range p.SharedAxes {
		if a < 1 || a >= len(in) {
			return fmt.Errorf("shared axis %d is out of range for input %s", a, fmtShape(in))
		}
		shape[a-1] = graph.D(1)
	}
	for i, d := range shape {
		if _, err := known(d, fmt.Sprintf("input axis %d", i+1)); err != nil {
			return err
		}
	}
	if _, err := n.Param(roleOr(p.Role, "alpha"), shape, true); err != nil {
		return err
	}
	n.Count = shape.Numel()
	n.SetOut(0, in.Clone())
	n.Why("same shape as the input")
	zeroFLOPs(n)
	return nil
}

// Standardize subtracts a mean and divides by a standard deviation kept
// as non-trainable statistics over Axes (a preprocessing normalization
// layer); Count adds a scalar int64 counter of the samples seen.
type Standardize struct {
	Axes   []int
	Params []ParamSpec
	Count  bool
}

func (s *Standardize) Infer(n *graph.Node) error {
	norm := &Norm{Axes: s.Axes, Params: s.Params, What: "standardization"}
	if err := norm.Infer(n); err != nil {
		return err
	}
	if s.Count {
		p, err := n.Param("count", graph.Shape{}, false)
		if err != nil {
			return err
		}
		p.DType = graph.Int64
		n.Count = calc.Add(n.Count, calc.N(1))
	}
	return nil
}

// Dot is the batched dot product of two inputs over one axis of each
// (Axes, counted with the batch axis as 0; negative from the end): the
// output keeps the batch, then the other axes of the first input, then
// those of the second; (batch, 1) when nothing else is left.
type Dot struct {
	Axes [2]int
}

func (d *Dot) Infer(n *graph.Node) error {
	if len(n.Inputs) != 2 {
		return fmt.Errorf("a dot product takes 2 inputs, got %d", len(n.Inputs))
	}
	a, b := n.In(0), n.In(1)
	if a == nil || b == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(a) < 2 || len(b) < 2 {
		return fmt.Errorf("a dot product needs batched inputs, got %s and %s", fmtShape(a), fmtShape(b))
	}
	ax, ok1 := graph.Axis(d.Axes[0], len(a))
	bx, ok2 := graph.Axis(d.Axes[1], len(b))
	if !ok1 || !ok2 || ax == 0 || bx == 0 {
		return fmt.Errorf("axes %v are out of range for inputs %s and %s", d.Axes, fmtShape(a), fmtShape(b))
	}
	if !a[ax].Compatible(b[bx]) {
		return fmt.Errorf("the dot product's axes differ in size: %s on axis %d of %s, %s on axis %d of %s", a[ax], ax, fmtShape(a), b[bx], bx, fmtShape(b))
	}
	out := graph.Shape{a[0]}
	for i := 1; i < len(a); i++ {
		if i != ax {
			out = append(out, a[i])
		}
	}
	for i := 1; i < len(b); i++ {
		if i != bx {
			out = append(out, b[i])
		}
	}
	if len(out) == 1 {
		out = append(out, graph.D(1))
	}
	n.SetOut(0, out)
	n.Why("batch, the other axes of %s, then of %s: %s", fmtShape(a), fmtShape(b), fmtShape(out))
	per := append([]calc.Expr{a[ax].Expr()}, out[1:].Numel())
	n.FLOPs = batchFLOPs(a[0], per...)
	return nil
}

// MultiHeadAttention projects a query, a value and a key (input 0, 1,
// and 2, or the value again) to Heads heads of KeyDim (ValueDim for the
// value), attends, and projects back to the query's last axis or Out:
// each projection a kernel over the last axis and a bias per head.
type MultiHeadAttention struct {
	Heads, KeyDim, ValueDim int64
	// KVHeads, when set, is the number of key and value heads, fewer
	// than the query's (grouped-query attention); 0 means Heads.
	KVHeads int64
	Out     []int64 // output feature axes; empty: the query's last axis
	Bias    bool
}

func (m *MultiHeadAttention) Infer(n *graph.Node) error {
	if len(n.Inputs) < 2 {
		return fmt.Errorf("attention needs a query and a value, got %d input(s)", len(n.Inputs))
	}
	q, v := n.In(0), n.In(1)
	k := v
	if len(n.Inputs) > 2 {
		k = n.In(2)
	}
	if q == nil || v == nil || k == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(q) < 2 || len(v) < 2 || len(k) < 2 {
		return fmt.Errorf("attention needs batched inputs, got %s and %s", fmtShape(q), fmtShape(v))
	}
	h, kd, vd := m.Heads, m.KeyDim, m.ValueDim
	if vd == 0 {
		vd = kd
	}
	if h <= 0 || kd <= 0 || vd <= 0 {
		return fmt.Errorf("heads, key and value sizes must be positive, got %d, %d, %d", h, kd, vd)
	}
	dq, err := known(q[len(q)-1], "the query's features")
	if err != nil {
		return err
	}
	dk, err := known(k[len(k)-1], "the key's features")
	if err != nil {
		return err
	}
	dv, err := known(v[len(v)-1], "the value's features")
	if err != nil {
		return err
	}
	out := m.Out
	if len(out) == 0 {
		out = []int64{dq}
	}
	outShape := graph.S(out...)
	var counts []calc.Expr
	kvh := h
	if m.KVHeads > 0 {
		kvh = m.KVHeads
	}
	proj := func(name string, in, heads, dim int64) error {
		if _, err := n.Param(name+"/kernel", graph.S(in, heads, dim), true); err != nil {
			return err
		}
		c := calc.Mul(calc.N(in), calc.N(heads), calc.N(dim))
		if m.Bias {
			if _, err := n.Param(name+"/bias", graph.S(heads, dim), true); err != nil {
				return err
			}
			c = calc.Add(c, calc.Mul(calc.N(heads), calc.N(dim)))
		}
		counts = append(counts, c)
		return nil
	}
	if err := proj("query", dq, h, kd); err != nil {
		return err
	}
	if err := proj("key", dk, kvh, kd); err != nil {
		return err
	}
	if err := proj("value", dv, kvh, vd); err != nil {
		return err
	}
	if _, err := n.Param("attention_output/kernel", append(graph.S(h, vd), outShape...), true); err != nil {
		return err
	}
	c := calc.Mul(calc.N(h), calc.N(vd), outShape.Numel())
	if m.Bias {
		if _, err := n.Param("attention_output/bias", outShape, true); err != nil {
			return err
		}
		c = calc.Add(c, outShape.Numel())
	}
	counts = append(counts, c)
	n.Count = calc.Add(counts...)
	res := append(q[:len(q)-1].Clone(), outShape...)
	n.SetOut(0, res)
	n.Why("the query's shape with the last axis %s", fmtShape(outShape))
	// Multiply-adds: the four projections at every position, and QKᵀ
	// and AV for every pair of query and key positions.
	tq, tk := q[1:len(q)-1].Numel(), k[1:len(k)-1].Numel()
	per := calc.Add(
		calc.Mul(tq, calc.N(dq), calc.N(h), calc.N(kd)),
		calc.Mul(tk, calc.N(dk), calc.N(kvh), calc.N(kd)),
		calc.Mul(tk, calc.N(dv), calc.N(kvh), calc.N(vd)),
		calc.Mul(tq, calc.N(h), calc.N(vd), outShape.Numel()),
		calc.Mul(tq, tk, calc.N(h), calc.N(kd)),
		calc.Mul(tq, tk, calc.N(h), calc.N(vd)),
	)
	n.FLOPs = batchFLOPs(q[0], calc.Paren(per))
	return nil
}

// DotAttention is attention without projections (Keras Attention,
// AdditiveAttention): inputs query, value and optionally key; the
// output is the query's shape with the value's last axis. Its optional
// parameters are a scalar scale (Scalars) or one scale per feature
// (PerFeature).
type DotAttention struct {
	Scalars    []string // roles of scalar parameters
	PerFeature []string // roles of parameters with one value per query feature
}

func (a *DotAttention) Infer(n *graph.Node) error {
	if len(n.Inputs) < 2 {
		return fmt.Errorf("attention needs a query and a value, got %d input(s)", len(n.Inputs))
	}
	q, v := n.In(0), n.In(1)
	if q == nil || v == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(q) < 2 || len(v) < 2 {
		return fmt.Errorf("attention needs batched inputs, got %s and %s", fmtShape(q), fmtShape(v))
	}
	var counts []calc.Expr
	for _, r := range a.Scalars {
		if _, err := n.Param(r, graph.Shape{}, true); err != nil {
			return err
		}
		counts = append(counts, calc.N(1))
	}
	for _, r := range a.PerFeature {
		d, err := known(q[len(q)-1], "the query's features")
		if err != nil {
			return err
		}
		if _, err := n.Param(r, graph.S(d), true); err != nil {
			return err
		}
		counts = append(counts, calc.N(d))
	}
	if len(counts) > 0 {
		n.Count = calc.Add(counts...)
	}
	out := append(q[:len(q)-1].Clone(), v[len(v)-1])
	n.SetOut(0, out)
	n.Why("the query's shape with the value's features: %s", fmtShape(out))
	tq, tv := q[1:len(q)-1].Numel(), v[1:len(v)-1].Numel()
	per := calc.Add(calc.Mul(tq, tv, q[len(q)-1].Expr()), calc.Mul(tq, tv, v[len(v)-1].Expr()))
	n.FLOPs = batchFLOPs(q[0], calc.Paren(per))
	return nil
}

// Einsum is a dense layer written as an einsum of the input with a
// kernel (Keras EinsumDense): the front-end resolves the equation into
// the output shape, the kernel's and the bias's shapes, and the sizes of
// every index the einsum runs over (its multiply-adds are their product).
type Einsum struct {
	Equation string
	Out      graph.Shape
	Kernel   graph.Shape
	Bias     graph.Shape // nil: no bias
	Indices  graph.Shape // every distinct index's size, the batch's included
}

func (e *Einsum) Infer(n *graph.Node) error {
	for i, d := range e.Kernel {
		if _, err := known(d, fmt.Sprintf("kernel axis %d of %s", i, e.Equation)); err != nil {
			return err
		}
	}
	if _, err := n.Param("kernel", e.Kernel.Clone(), true); err != nil {
		return err
	}
	n.Count = e.Kernel.Numel()
	if e.Bias != nil {
		for i, d := range e.Bias {
			if _, err := known(d, fmt.Sprintf("bias axis %d of %s", i, e.Equation)); err != nil {
				return err
			}
		}
		if _, err := n.Param("bias", e.Bias.Clone(), true); err != nil {
			return err
		}
		n.Count = calc.Add(n.Count, e.Bias.Numel())
	}
	n.SetOut(0, e.Out.Clone())
	n.Why("%s: %s", e.Equation, fmtShape(e.Out))
	n.FLOPs = calc.Mul(calc.N(2), e.Indices.Numel())
	return nil
}

// GetItem is Python's x[...] on a tensor: one entry per axis from the
// first (the batch's included), each an index (the axis goes), a slice,
// a new axis of size 1, or the ellipsis (the axes it stands for kept).
type GetItem struct {
	Items []Item
}

// Item is one entry of a GetItem.
type Item struct {
	Slice    Slice // Index or Start/Stop/Step; Axis is ignored
	NewAxis  bool
	Ellipsis bool
}

func (g *GetItem) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	used := 0
	for _, it := range g.Items {
		if !it.NewAxis && !it.Ellipsis {
			used++
		}
	}
	if used > len(in) {
		return fmt.Errorf("%d indices for a tensor of %d axes %s", used, len(in), fmtShape(in))
	}
	var out graph.Shape
	ax := 0
	for _, it := range g.Items {
		switch {
		case it.Ellipsis:
			k := len(in) - used
			out = append(out, in[ax:ax+k]...)
			ax += k
			used = len(in) // a second ellipsis stands for nothing
		case it.NewAxis:
			out = append(out, graph.D(1))
		case it.Slice.Index != nil:
			if d := in[ax]; d.Known() && (*it.Slice.Index >= d.Size || *it.Slice.Index < -d.Size) {
				return fmt.Errorf("index %d is out of range for axis %d of size %d", *it.Slice.Index, ax, d.Size)
			}
			ax++
		default:
			step := it.Slice.Step
			if step == 0 {
				step = 1
			}
			d := in[ax]
			if d.Known() {
				out = append(out, graph.D(sliceLen(d.Size, it.Slice.Start, it.Slice.Stop, step)))
			} else if it.Slice.Start == nil && it.Slice.Stop == nil && step == 1 {
				out = append(out, d)
			} else {
				out = append(out, graph.Unknown())
			}
			ax++
		}
	}
	out = append(out, in[ax:]...)
	n.SetOut(0, out)
	n.Why("indexed: %s", fmtShape(out))
	zeroFLOPs(n)
	return nil
}

// Unshared is a convolution whose filters are not shared across output
// positions (Keras 2's LocallyConnected1D/2D, implementation 1): the
// output's geometry is Conv's, the kernel (positions, k…*C_in, filters)
// and the bias (spatial out…, filters).
type Unshared struct {
	Conv Conv // geometry and filters; WeightOrder and roles ignored
}

func (u *Unshared) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	step := &graph.Node{Name: n.Name, Type: n.Type, Pos: n.Pos, Inputs: n.Inputs}
	step.Outputs = []*graph.Value{{Name: n.Name, Producer: step}}
	c := u.Conv
	c.Bias = false
	if err := c.Infer(step); err != nil {
		return err
	}
	out := step.Outputs[0].Shape
	n.SetOut(0, out.Clone())
	n.AppendShapeWhy(step.ShapeWhy()...)
	rank := len(in)
	cin, err := known(in[c.Layout.channelAxis(rank)], "the number of input channels")
	if err != nil {
		return err
	}
	var pos graph.Shape
	for _, ax := range c.Layout.spatialAxes(rank) {
		if _, err := known(out[ax], "the output size (filters are not shared)"); err != nil {
			return err
		}
		pos = append(pos, out[ax])
	}
	k, _ := PerAxis(c.Kernel, rank-2, 0)
	window := cin
	for _, v := range k {
		window *= v
	}
	positions := pos.Numel()
	np, _ := positions.Value()
	if _, err := n.Param("kernel", graph.S(np, window, c.Filters), true); err != nil {
		return err
	}
	n.Count = calc.Mul(positions, calc.N(window), calc.N(c.Filters))
	if u.Conv.Bias {
		if _, err := n.Param("bias", append(pos.Clone(), graph.D(c.Filters)), true); err != nil {
			return err
		}
		n.Count = calc.Add(n.Count, calc.Mul(positions, calc.N(c.Filters)))
	}
	n.FLOPs = batchFLOPs(in[0], positions, calc.N(window), calc.N(c.Filters))
	return nil
}
