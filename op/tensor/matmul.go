package tensor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The ops in this file multiply tensors: Gemm, MatMul and Einsum, every
// operand an input (a weight among them carries its parameter, attached
// by the front-end, and is counted at the first node that consumes it).
// FLOPs are 2 per multiply-add.

// Gemm is alpha*A'*B' + beta*C with A' = A (M, K) or its transpose, B' =
// B (K, N) or its transpose, C broadcast to (M, N). FLOPs are 2*M*K*N
// (C's addition excluded, counted in OtherOps).
type Gemm struct {
	TransA, TransB bool
}

func (g *Gemm) Infer(n *graph.Node) error {
	a, b := n.In(0), n.In(1)
	if err := NeedRank(a, "Gemm's A", 2); err != nil {
		return err
	}
	if err := NeedRank(b, "Gemm's B", 2); err != nil {
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
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("A %s and B %s do not multiply: inner sizes %d and %d (transA=%v, transB=%v)", fmtShape(a), fmtShape(b), k.Size, k2.Size, g.TransA, g.TransB)
	}
	if !k.Known() {
		k = k2
	}
	out := graph.Shape{m, nn}
	if present(n, 2) {
		if c := n.In(2); c != nil {
			if _, err := Broadcast(out, c); err != nil {
				//lint:ignore ST1005 the message starts with the operator's (or operand's) name
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
	// The output is the broadcast batch axes, then M and N: one shape,
	// the batch axes written in place.
	out := n.NewShape(max(len(a), len(b)))[:0]
	batch, err := broadcastInto(out, a[:len(a)-2], b[:len(b)-2])
	if err != nil {
		return fmt.Errorf("the batch axes of %s and %s: %w", fmtShape(n.In(ai)), fmtShape(n.In(bi)), err)
	}
	out = batch[: len(batch) : len(batch)+2]
	if !a1 {
		out = append(out, M)
	}
	if !b1 {
		out = append(out, N)
	}
	n.SetOut(0, out)
	if !n.NoArithmetic {
		// "%s × %s: batch %s, M = %s, K = %s, N = %s"
		var text [160]byte
		b := append(appendShape(text[:0], n.In(ai)), " × "...)
		b = append(appendShape(b, n.In(bi)), ": batch "...)
		b = append(appendShape(b, batch), ", M = "...)
		b = append(M.Append(b), ", K = "...)
		b = append(K.Append(b), ", N = "...)
		n.WhyText(string(N.Append(b)))
	}
	var buf [12]calc.Expr
	fl := buf[:0]
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
	t := n.Terse()
	n.FLOPs = flopsDimsWith(t, lead, fl...)
	if v := n.Inputs[bi]; v.Param != nil {
		n.Count = v.Param.Shape.NumelWith(t)
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
			return fmt.Errorf("equation %q: %w", e.Equation, err)
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
					return fmt.Errorf("the ... axes: %w", err)
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
				return fmt.Errorf("the ... axes: %w", err)
			}
			hasEll = true
		}
	}
	var outLetters []byte
	outEll := -1
	if explicit {
		l, at, err := einsumTerm(rhs)
		if err != nil {
			return fmt.Errorf("equation %q: %w", e.Equation, err)
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
	n.FLOPs = FlopsDims(nil, fl...)
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
