package op

import (
	"fmt"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file are the neural-network operators of ONNX whose
// weights are inputs (initializers) rather than parameters they create:
// convolution with the kernel read from its weight input, Gemm, MatMul,
// Einsum, the recurrent family, and the normalizations. They never call
// Node.Param; the front-end attaches each initializer's Param to the
// value, and inference counts it at the first node that consumes it.

// fromInputs is c for node n with the kernel taken from the weight input:
// (C_out, C_in/g, k…), or (C_in, C_out/g, k…) when transposed.
func (c *Conv) fromInputs(n *graph.Node) (*Conv, error) {
	wi := c.WeightInput
	if wi == 0 {
		wi = 1
	}
	w := n.In(wi)
	if w == nil {
		return nil, fmt.Errorf("the weight (input %d) is missing", wi)
	}
	if len(w) < 3 {
		return nil, fmt.Errorf("the weight %s must have (out, in, kernel…) axes", fmtShape(w))
	}
	for a, d := range w {
		if !d.Known() {
			return nil, fmt.Errorf("axis %d of the weight %s must be known", a, fmtShape(w))
		}
	}
	if in := n.In(0); in != nil && len(in) != len(w) {
		return nil, fmt.Errorf("input %s and weight %s have different ranks", fmtShape(in), fmtShape(w))
	}
	g := c.Groups
	if g <= 0 {
		g = 1
	}
	cc := *c
	cc.Layout = ChannelsFirst
	if c.Transposed {
		cc.Filters, cc.inChannels = w[1].Size*g, w[0].Size
	} else {
		cc.Filters, cc.inChannels = w[0].Size, w[1].Size*g
	}
	k := sizes(w[2:])
	if len(c.Kernel) > 0 && !equalInts(c.Kernel, k) {
		return nil, fmt.Errorf("kernel_shape %v differs from the weight's %v", c.Kernel, k)
	}
	cc.Kernel = k
	if c.Transposed && len(c.OutputSize) > 0 {
		if err := cc.onnxOutputShape(n.In(0)); err != nil {
			return nil, err
		}
	}
	if in := n.In(0); in != nil && in[1].Known() && in[1].Size != cc.inChannels {
		if c.Transposed {
			return nil, fmt.Errorf("the input has %d channels but the weight %s expects %d", in[1].Size, fmtShape(w), cc.inChannels)
		}
		return nil, fmt.Errorf("the input has %d channels but the weight %s with group=%d expects %d", in[1].Size, fmtShape(w), g, cc.inChannels)
	}
	return &cc, nil
}

// onnxOutputShape applies ONNX ConvTranspose's output_shape: the padding
// is whatever makes the output that size, split between the ends as
// auto_pad says (the odd one at the end for SAME_UPPER, at the start
// otherwise).
func (c *Conv) onnxOutputShape(in graph.Shape) error {
	nsp := len(c.Kernel)
	want := c.OutputSize
	if len(want) > nsp {
		want = want[len(want)-nsp:] // the whole shape was given
	}
	if len(want) != nsp {
		return fmt.Errorf("output_shape %v has %d entries for %d spatial axes", c.OutputSize, len(want), nsp)
	}
	s, err := perAxis(c.Stride, nsp, 1)
	if err != nil {
		return fmt.Errorf("stride: %v", err)
	}
	d, err := perAxis(c.Dilation, nsp, 1)
	if err != nil {
		return fmt.Errorf("dilation: %v", err)
	}
	opad, err := perAxis(c.OutputPadding, nsp, 0)
	if err != nil {
		return fmt.Errorf("output padding: %v", err)
	}
	c.OutputSize = want
	if in == nil || len(in) != nsp+2 {
		return nil
	}
	pb, pe := make([]int64, nsp), make([]int64, nsp)
	for i := range want {
		x := in[2+i]
		if !x.Known() {
			c.Pad = Padding{}
			return nil // the output is want; the padding cannot be told
		}
		total := s[i]*(x.Size-1) + opad[i] + (c.Kernel[i]-1)*d[i] + 1 - want[i]
		if c.Pad.Mode == PadSameEnd {
			pb[i], pe[i] = total/2, total-total/2
		} else {
			pb[i], pe[i] = total-total/2, total/2
		}
	}
	c.Pad = Padding{Mode: PadExplicit, Begin: pb, End: pe}
	c.OutputSize = nil
	return nil
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Pooled runs a pooling op (Pool or GlobalPool) and counts its other
// operations: one per element of every window (a comparison or an
// addition). Outputs after the first (MaxPool's indices) have the first's
// shape and type int64.
type Pooled struct {
	Op graph.Op
}

func (p *Pooled) Infer(n *graph.Node) error {
	if err := p.Op.Infer(n); err != nil {
		return err
	}
	out := n.Outputs[0].Shape
	switch o := p.Op.(type) {
	case *Pool:
		if k, err := perAxis(o.Kernel, len(out)-2, 0); err == nil {
			xs := []calc.Expr{}
			for _, x := range k {
				xs = append(xs, calc.N(x))
			}
			n.OtherOps = calc.Mul(out.Numel(), calc.Mul(xs...))
		}
	case *GlobalPool:
		n.OtherOps = n.In(0).Numel()
	}
	for i := 1; i < len(n.Outputs); i++ {
		n.SetOut(i, out.Clone())
		n.Outputs[i].DType = graph.Int64
	}
	return nil
}

// flopsDims is 2*x… as FLOPs with the per-example convention: a leading
// batch dim that is unknown is left out (FLOPs per example), any other
// unknown dim makes the count unknown.
func flopsDims(batch *graph.Dim, xs ...calc.Expr) calc.Expr {
	f := append([]calc.Expr{calc.N(2)}, xs...)
	if batch != nil && batch.Known() {
		f = append(f, calc.N(batch.Size))
	}
	return calc.Mul(f...)
}

// Gemm is alpha*A'*B' + beta*C with A' = A (M, K) or its transpose, B' =
// B (K, N) or its transpose, C broadcast to (M, N). FLOPs are 2*M*K*N
// (C's addition excluded, counted in OtherOps).
type Gemm struct {
	TransA, TransB bool
}

func (g *Gemm) Infer(n *graph.Node) error {
	a, b := n.In(0), n.In(1)
	if err := needRank(a, "Gemm's A", 2); err != nil {
		return err
	}
	if err := needRank(b, "Gemm's B", 2); err != nil {
		return err
	}
	m, k := a[0], a[1]
	if g.TransA {
		m, k = k, m
	}
	k2, nn := b[0], b[1]
	if g.TransB {
		k2, nn = nn, k2
	}
	if !k.Compatible(k2) {
		return fmt.Errorf("A %s and B %s do not multiply: inner sizes %d and %d (transA=%v, transB=%v)", fmtShape(a), fmtShape(b), k.Size, k2.Size, g.TransA, g.TransB)
	}
	if !k.Known() {
		k = k2
	}
	out := graph.Shape{m, nn}
	if present(n, 2) {
		if c := n.In(2); c != nil {
			if _, err := Broadcast(out, c); err != nil {
				return fmt.Errorf("C %s does not broadcast to (M, N) = %s", fmtShape(c), fmtShape(out))
			}
			if !nn.Known() && len(c) > 0 && c[len(c)-1].Known() && c[len(c)-1].Size != 1 {
				out[1] = c[len(c)-1]
			}
			n.OtherOps = out.Numel()
		}
	}
	n.SetOut(0, out)
	n.Why("(M, N) = (%s, %s): A %s×B %s with K = %s", m, out[1], fmtShape(a), fmtShape(b), k)
	if m.Known() {
		n.FLOPs = calc.Mul(calc.N(2), m.Expr(), k.Expr(), out[1].Expr())
	} else {
		n.FLOPs = calc.Mul(calc.N(2), k.Expr(), out[1].Expr())
	}
	if v := n.Inputs[1]; v.Param != nil {
		n.Count = calc.Mul(k.Expr(), out[1].Expr())
		if present(n, 2) && n.Inputs[2].Param != nil && len(n.In(2)) == 1 {
			n.Count = calc.Mul(calc.Paren(calc.Add(k.Expr(), calc.N(1))), out[1].Expr())
		}
	}
	return nil
}

// MatMul is numpy's matmul: (…, M, K) × (…, K, N) → (…, M, N), the leading
// axes broadcast, a 1-D operand promoted to a matrix and its axis removed
// from the result. FLOPs are 2*M*K*N per matrix product. A and B are the
// operands' input indices (0 and 1 unless set, as for QLinearMatMul).
type MatMul struct {
	A, B int
}

func (m *MatMul) Infer(n *graph.Node) error {
	ai, bi := m.A, m.B
	if ai == 0 && bi == 0 {
		bi = 1
	}
	a, b := n.In(ai), n.In(bi)
	if a == nil || b == nil {
		return fmt.Errorf("an operand's shape is unknown")
	}
	if len(a) == 0 || len(b) == 0 {
		return fmt.Errorf("matmul operands must not be scalars: %s and %s", fmtShape(a), fmtShape(b))
	}
	a1, b1 := len(a) == 1, len(b) == 1
	if a1 {
		a = graph.Shape{graph.D(1), a[0]}
	}
	if b1 {
		b = graph.Shape{b[0], graph.D(1)}
	}
	M, K := a[len(a)-2], a[len(a)-1]
	K2, N := b[len(b)-2], b[len(b)-1]
	if !K.Compatible(K2) {
		return fmt.Errorf("%s × %s: inner sizes %d and %d differ", fmtShape(n.In(ai)), fmtShape(n.In(bi)), K.Size, K2.Size)
	}
	if !K.Known() {
		K = K2
	}
	batch, err := Broadcast(a[:len(a)-2], b[:len(b)-2])
	if err != nil {
		return fmt.Errorf("the batch axes of %s and %s: %v", fmtShape(n.In(ai)), fmtShape(n.In(bi)), err)
	}
	out := batch.Clone()
	if !a1 {
		out = append(out, M)
	}
	if !b1 {
		out = append(out, N)
	}
	n.SetOut(0, out)
	n.Why("%s × %s: batch %s, M = %s, K = %s, N = %s", fmtShape(n.In(ai)), fmtShape(n.In(bi)), fmtShape(batch), M, K, N)
	var fl []calc.Expr
	var lead *graph.Dim
	switch {
	case len(batch) > 0:
		lead = &batch[0]
		for _, d := range batch[1:] {
			fl = append(fl, d.Expr())
		}
		fl = append(fl, M.Expr())
	case !a1:
		lead = &M // a plain matrix product: M is the batch of a linear layer
	}
	fl = append(fl, K.Expr(), N.Expr())
	n.FLOPs = flopsDims(lead, fl...)
	if v := n.Inputs[bi]; v.Param != nil {
		n.Count = v.Param.Numel()
	}
	return nil
}

// Einsum evaluates an Einstein summation such as "bhqd,bhkd->bhqk".
// FLOPs of a product of two or more operands are 2 per multiply-add: 2
// times the product of the sizes of every index (what a batched matrix
// product of the same contraction costs); one operand (a transpose,
// trace or sum) counts its input elements in OtherOps.
type Einsum struct {
	Equation string
}

func (e *Einsum) Infer(n *graph.Node) error {
	eq := strings.ReplaceAll(e.Equation, " ", "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	terms := strings.Split(lhs, ",")
	if len(terms) != len(n.Inputs) {
		return fmt.Errorf("equation %q has %d operands but the node has %d inputs", e.Equation, len(terms), len(n.Inputs))
	}
	size := map[byte]graph.Dim{}
	count := map[byte]int{}
	ell := graph.Shape{}
	hasEll := false
	for i, t := range terms {
		s := n.In(i)
		if s == nil {
			return fmt.Errorf("the shape of operand %d is unknown", i)
		}
		letters, ellAt, err := einsumTerm(t)
		if err != nil {
			return fmt.Errorf("equation %q: %v", e.Equation, err)
		}
		nell := len(s) - len(letters)
		if ellAt < 0 && nell != 0 || nell < 0 {
			return fmt.Errorf("operand %d %s does not have the %d axes %q names", i, fmtShape(s), len(letters), t)
		}
		ax := 0
		for j, c := range letters {
			if j == ellAt {
				var err error
				if ell, err = Broadcast(ell, s[ax:ax+nell]); err != nil {
					return fmt.Errorf("the ... axes: %v", err)
				}
				hasEll = true
				ax += nell
			}
			d := s[ax]
			ax++
			count[c]++
			if o, ok := size[c]; ok {
				switch {
				case o.Known() && d.Known() && o.Size != d.Size && o.Size != 1 && d.Size != 1:
					return fmt.Errorf("index %c has sizes %d and %d", c, o.Size, d.Size)
				case !o.Known() || (o.Size == 1 && d.Known()):
					size[c] = d
				}
			} else {
				size[c] = d
			}
		}
		if ellAt == len(letters) {
			var err error
			if ell, err = Broadcast(ell, s[ax:ax+nell]); err != nil {
				return fmt.Errorf("the ... axes: %v", err)
			}
			hasEll = true
		}
	}
	var outLetters []byte
	outEll := -1
	if explicit {
		l, at, err := einsumTerm(rhs)
		if err != nil {
			return fmt.Errorf("equation %q: %v", e.Equation, err)
		}
		outLetters, outEll = l, at
	} else {
		if hasEll {
			outEll = 0
		}
		for c, k := range count {
			if k == 1 {
				outLetters = append(outLetters, c)
			}
		}
		sort.Slice(outLetters, func(i, j int) bool { return outLetters[i] < outLetters[j] })
	}
	var out graph.Shape
	for j, c := range outLetters {
		if j == outEll {
			out = append(out, ell...)
		}
		d, ok := size[c]
		if !ok {
			return fmt.Errorf("output index %c appears in no operand", c)
		}
		out = append(out, d)
	}
	if outEll == len(outLetters) {
		out = append(out, ell...)
	}
	if out == nil {
		out = graph.Shape{}
	}
	n.SetOut(0, out)
	n.Why("%s: %s", e.Equation, fmtShape(out))
	if len(terms) < 2 {
		zeroFLOPs(n)
		n.OtherOps = n.In(0).Numel()
		return nil
	}
	var letters []byte
	for c := range size {
		letters = append(letters, c)
	}
	sort.Slice(letters, func(i, j int) bool { return letters[i] < letters[j] })
	fl := []calc.Expr{}
	for _, d := range ell {
		fl = append(fl, d.Expr())
	}
	for _, c := range letters {
		fl = append(fl, size[c].Expr())
	}
	n.FLOPs = flopsDims(nil, fl...)
	return nil
}

// einsumTerm splits one operand of an equation into its index letters and
// the position of "..." among them (-1 when absent).
func einsumTerm(t string) ([]byte, int, error) {
	var letters []byte
	at := -1
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '.':
			if at >= 0 || !strings.HasPrefix(t[i:], "...") {
				return nil, 0, fmt.Errorf("bad ellipsis in %q", t)
			}
			at = len(letters)
			i += 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters = append(letters, c)
		default:
			return nil, 0, fmt.Errorf("bad index %q in %q", c, t)
		}
	}
	return letters, at, nil
}

// Stats says what extra outputs a normalization has.
type Stats int

const (
	NoStats      Stats = iota
	ChannelStats       // BatchNormalization: running or saved mean and variance, (C,)
	LeadingStats       // LayerNormalization: mean and inverse std, the input's shape with the normalized axes 1
)

// Normalize is a normalization that keeps its input's shape (batch, layer,
// group, instance, RMS normalization; LRN; softmax), with Cost operations
// per element counted in OtherOps. Scale and bias come as inputs; the
// front-end marks which ones train.
type Normalize struct {
	What  string
	Cost  int64
	Axis  int64 // LeadingStats: the first normalized axis
	Stats Stats
}

func (m *Normalize) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, in.Clone())
	n.Why("same shape as the input")
	if m.Stats == ChannelStats && len(in) < 2 && len(n.Outputs) > 1 {
		return fmt.Errorf("%s needs a channel axis, got %s", m.What, fmtShape(in))
	}
	for i := 1; i < len(n.Outputs); i++ {
		switch m.Stats {
		case ChannelStats:
			n.SetOut(i, graph.Shape{in[1]})
		case LeadingStats:
			a := m.Axis
			if a < 0 {
				a += int64(len(in))
			}
			if a < 0 || a > int64(len(in)) {
				return fmt.Errorf("axis %d is out of range for %s", m.Axis, fmtShape(in))
			}
			s := in.Clone()
			for j := a; j < int64(len(s)); j++ {
				s[j] = graph.D(1)
			}
			n.SetOut(i, s)
		default:
			n.SetOut(i, in.Clone())
		}
		if n.Outputs[i].DType == "" {
			n.Outputs[i].DType = graph.Float32
		}
	}
	if m.Stats == ChannelStats && len(in) >= 2 {
		for i := 1; i < len(n.Inputs) && i < 5; i++ {
			if s := n.In(i); s != nil && len(s) == 1 && !s[0].Compatible(in[1]) {
				return fmt.Errorf("input %d %s does not match the %s channels", i, fmtShape(s), in[1])
			}
		}
	}
	zeroFLOPs(n)
	if m.Cost > 0 {
		n.OtherOps = perElement(m.Cost, in)
	}
	return nil
}

// RNN is ONNX's recurrent family (RNN, GRU, LSTM) with Gates gates (1, 3,
// 4): X (seq, batch, I), or (batch, seq, I) with Layout 1; W (dirs, G*H, I)
// and R (dirs, G*H, H) as inputs 1 and 2. Outputs Y (seq, dirs, batch, H)
// and the final states (dirs, batch, H), batch first with Layout 1.
// FLOPs: 2*seq*batch*dirs*G*H*(I+H), the weight work of every step.
type RNN struct {
	Gates  int64
	Hidden int64 // hidden_size; 0: from R
	Layout int64
}

func (r *RNN) Infer(n *graph.Node) error {
	x, w, rr := n.In(0), n.In(1), n.In(2)
	if err := needRank(x, "a recurrent layer", 3); err != nil {
		return err
	}
	if err := needRank(w, "the input weight W", 3); err != nil {
		return err
	}
	if err := needRank(rr, "the recurrence weight R", 3); err != nil {
		return err
	}
	seq, batch := x[0], x[1]
	if r.Layout == 1 {
		seq, batch = x[1], x[0]
	}
	dirs, I := w[0], x[2]
	h := r.Hidden
	if h == 0 {
		if !rr[2].Known() {
			return fmt.Errorf("hidden_size is not given and R %s does not tell it", fmtShape(rr))
		}
		h = rr[2].Size
	}
	if w[1].Known() && w[1].Size != r.Gates*h {
		return fmt.Errorf("W %s must have %d*%d rows", fmtShape(w), r.Gates, h)
	}
	if !I.Known() {
		I = w[2]
	}
	H := graph.D(h)
	if r.Layout == 1 {
		if len(n.Outputs) > 0 {
			n.SetOut(0, graph.Shape{batch, seq, dirs, H})
		}
		for i := 1; i < len(n.Outputs); i++ {
			n.SetOut(i, graph.Shape{batch, dirs, H})
		}
	} else {
		if len(n.Outputs) > 0 {
			n.SetOut(0, graph.Shape{seq, dirs, batch, H})
		}
		for i := 1; i < len(n.Outputs); i++ {
			n.SetOut(i, graph.Shape{dirs, batch, H})
		}
	}
	n.Why("%d gates of %d units, %s directions, I = %s", r.Gates, h, dirs, I)
	n.FLOPs = flopsDims(&batch, seq.Expr(), dirs.Expr(), calc.N(r.Gates), H.Expr(), calc.Paren(calc.Add(I.Expr(), H.Expr())))
	return nil
}
