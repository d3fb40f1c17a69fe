package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// The com.microsoft operators that ONNX Runtime's transformer optimizer
// and its quantizers put in exported transformers, with the shapes of
// ONNX Runtime's contrib-op schemas (docs/ContribOperators.md).
// SimplifiedLayerNormalization is registered by ONNX Runtime in the
// default domain too.

func init() {
	skipNorm := func(simplified bool) maker {
		return func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &skipNormOp{simplified: simplified}, 3 - btoi(simplified)
		}
	}
	simplified := func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &simplifiedNorm{axis: nd.attrInt("axis", -1)}, 2
	}
	register("com.microsoft", map[string]maker{
		"Attention": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &msAttention{heads: nd.attrInt("num_heads", 0), qkv: nd.attrInts("qkv_hidden_sizes")}, 2
		},
		"MultiHeadAttention": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &msMHA{heads: nd.attrInt("num_heads", 0)}, 1
		},
		"GroupQueryAttention": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &msGQA{heads: nd.attrInt("num_heads", 0), kvHeads: nd.attrInt("kv_num_heads", 0)}, 1
		},
		"RotaryEmbedding":                  fixed(func() graph.Op { return &tensor.Same{Cost: 3} }, 1),
		"SkipLayerNormalization":           skipNorm(false),
		"SkipSimplifiedLayerNormalization": skipNorm(true),
		"SimplifiedLayerNormalization":     simplified,
		"EmbedLayerNormalization":          fixed(func() graph.Op { return embedNorm{} }, 3),
		"FusedMatMul": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &fusedMatMul{transA: nd.attrInt("transA", 0) != 0, transB: nd.attrInt("transB", 0) != 0}, 2
		},
		"BiasGelu":  fixed(func() graph.Op { return broadcastOp{cost: 2} }, 2),
		"FastGelu":  fixed(func() graph.Op { return &tensor.Same{Cost: 2} }, 1),
		"QuickGelu": fixed(func() graph.Op { return &tensor.Same{Cost: 1} }, 1),
		"Gelu":      fixed(func() graph.Op { return &tensor.Same{Cost: 1} }, 1),
		"BiasAdd":   fixed(func() graph.Op { return broadcastOp{cost: 1} }, 2),
		"MatMulNBits": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &matMulNBits{k: nd.attrInt("K", 0), n: nd.attrInt("N", 0), bits: nd.attrInt("bits", 4)}, 2
		},
	})
	register("", map[string]maker{"SimplifiedLayerNormalization": simplified})
}

// sdpaFLOPs is the two matrix products of scaled dot-product attention:
// 2·B·H·S·T·d for QKᵀ and 2·B·H·S·T·dv for the weights times V.
func sdpaFLOPs(b graph.Dim, h, s, t, d, dv graph.Dim) calc.Expr {
	return calc.Add(tensor.FlopsDims(&b, h.Expr(), s.Expr(), t.Expr(), d.Expr()),
		tensor.FlopsDims(&b, h.Expr(), s.Expr(), t.Expr(), dv.Expr()))
}

func divDim(d graph.Dim, k int64) graph.Dim {
	if !d.Known() || k <= 0 || d.Size%k != 0 {
		return graph.Unknown()
	}
	return graph.D(d.Size / k)
}

// msAttention is com.microsoft's Attention: input (B, S, D_in), weights
// (D_in, q+k+v hidden) and bias, num_heads; output (B, S, v hidden);
// present (2, B, H, past+S, head size) when past (input 4) is given.
// FLOPs: the QKV projection 2·B·S·D_in·(q+k+v) and the attention.
type msAttention struct {
	heads int64
	qkv   []int64
}

func (a *msAttention) Infer(n *graph.Node) error {
	x, w := n.In(0), n.In(1)
	if len(x) != 3 || len(w) != 2 {
		return fmt.Errorf("input %s and weights %s must be (B, S, D) and (D, 3·hidden)", fmtDims(x), fmtDims(w))
	}
	if a.heads <= 0 {
		return fmt.Errorf("num_heads is not set")
	}
	var qh, vh graph.Dim // the key's hidden size is the query's
	if len(a.qkv) == 3 {
		qh, vh = graph.D(a.qkv[0]), graph.D(a.qkv[2])
	} else {
		qh = divDim(w[1], 3)
		vh = qh
	}
	b, s := x[0], x[1]
	setOut(n, 0, graph.Shape{b, s, vh}, "")
	total := s
	if past := n.In(4); inputAt(n, 4) != nil && len(past) == 5 {
		total = graph.DimOf(calc.Add(past[3].Expr(), s.Expr()))
	}
	d, dv := divDim(qh, a.heads), divDim(vh, a.heads)
	setOut(n, 1, graph.Shape{graph.D(2), b, graph.D(a.heads), total, d}, "")
	proj := tensor.FlopsDims(&b, s.Expr(), x[2].Expr(), w[1].Expr())
	n.FLOPs = calc.Add(proj, sdpaFLOPs(b, graph.D(a.heads), s, total, d, dv))
	n.Why("FLOPs: QKV projection 2·B·S·%s·%s, then QKᵀ and weights·V as scaled dot-product attention", x[2], w[1])
	return nil
}

// msMHA is MultiHeadAttention: query (B, S, D), key and value (B, L, D)
// or, for cross attention with a cache, (B, H, L, d); past_key and
// past_value (inputs 6 and 7) are prepended. Output (B, S, Dv); present
// key and value (B, H, past+L, d).
type msMHA struct{ heads int64 }

func (m *msMHA) Infer(n *graph.Node) error {
	q := n.In(0)
	if len(q) != 3 {
		return graph.Unknownf("a packed query %s is not read", fmtDims(q))
	}
	if m.heads <= 0 {
		return fmt.Errorf("num_heads is not set")
	}
	b, s := q[0], q[1]
	d := divDim(q[2], m.heads)
	k, v := n.In(1), n.In(2)
	if inputAt(n, 1) == nil || inputAt(n, 2) == nil {
		return graph.Unknownf("packed QKV is not read")
	}
	var l, dv graph.Dim
	switch {
	case len(k) == 3 && len(v) == 3:
		l, dv = k[1], divDim(v[2], m.heads)
	case len(k) == 4 && len(v) == 4:
		l, dv = k[2], v[3]
	default:
		return graph.Unknownf("key %s and value %s are not read", fmtDims(k), fmtDims(v))
	}
	total := l
	if past := n.In(6); inputAt(n, 6) != nil && len(past) == 4 {
		total = graph.DimOf(calc.Add(past[2].Expr(), l.Expr()))
	}
	setOut(n, 0, graph.Shape{b, s, graph.DimOf(calc.Mul(graph.D(m.heads).Expr(), dv.Expr()))}, "")
	setOut(n, 1, graph.Shape{b, graph.D(m.heads), total, d}, "")
	setOut(n, 2, graph.Shape{b, graph.D(m.heads), total, dv}, "")
	n.FLOPs = sdpaFLOPs(b, graph.D(m.heads), s, total, d, dv)
	return nil
}

// msGQA is GroupQueryAttention: query (B, S, D) (or packed QKV when key
// is absent), key and value (B, S, kv_heads·d), past_key/past_value
// (B, kv_heads, P, d), total_sequence_length (input 6, a scalar).
// Output (B, S, D); present key and value (B, kv_heads, max(P, total),
// d).
type msGQA struct{ heads, kvHeads int64 }

func (g *msGQA) Infer(n *graph.Node) error {
	q := n.In(0)
	if len(q) != 3 || g.heads <= 0 || g.kvHeads <= 0 {
		return fmt.Errorf("query %s must be (B, S, D) with num_heads and kv_num_heads set", fmtDims(q))
	}
	b, s := q[0], q[1]
	var d, hidden graph.Dim
	if inputAt(n, 1) == nil { // packed (B, S, (H + 2·kvH)·d)
		d = divDim(q[2], g.heads+2*g.kvHeads)
		hidden = graph.DimOf(calc.Mul(calc.N(g.heads), d.Expr()))
	} else {
		d, hidden = divDim(q[2], g.heads), q[2]
	}
	setOut(n, 0, graph.Shape{b, s, hidden}, "")
	total := graph.Unknown()
	if t, ok := constIntInput(n, 6); ok {
		total = graph.D(t)
	}
	present := total
	if past := n.In(3); inputAt(n, 3) != nil && len(past) == 4 {
		if past[2].Known() && total.Known() {
			present = graph.D(max(past[2].Size, total.Size))
		} else {
			present = graph.Unknown()
		}
	}
	setOut(n, 1, graph.Shape{b, graph.D(g.kvHeads), present, d}, "")
	setOut(n, 2, graph.Shape{b, graph.D(g.kvHeads), present, d}, "")
	n.FLOPs = sdpaFLOPs(b, graph.D(g.heads), s, total, d, d)
	return nil
}

// skipNormOp is SkipLayerNormalization (input, skip, gamma, beta, bias)
// and SkipSimplifiedLayerNormalization (input, skip, gamma, bias):
// output the input's shape; mean and inv_std_var (B, S, 1); the sum
// input+skip+bias the input's shape.
type skipNormOp struct{ simplified bool }

func (s *skipNormOp) Infer(n *graph.Node) error {
	x := n.In(0)
	if len(x) < 1 {
		return fmt.Errorf("the input %s has no hidden axis", fmtDims(x))
	}
	stat := x.Clone()
	stat[len(stat)-1] = graph.D(1)
	setOut(n, 0, x.Clone(), "")
	setOut(n, 1, stat.Clone(), graph.Float32)
	setOut(n, 2, stat, graph.Float32)
	setOut(n, 3, x.Clone(), "")
	cost := int64(costNorm + 2) // the skip (and bias) additions
	if s.simplified {
		cost = costRMSNorm + 2
	}
	otherOps(n, cost, x)
	noFLOPs(n)
	return nil
}

// simplifiedNorm is SimplifiedLayerNormalization (RMS normalization from
// axis on): Y the input's shape, inv_std_var 1 on the normalized axes.
type simplifiedNorm struct{ axis int64 }

func (s *simplifiedNorm) Infer(n *graph.Node) error {
	x := n.In(0)
	ax, err := normAxis(s.axis, len(x))
	if err != nil {
		return err
	}
	stat := x.Clone()
	for i := ax; i < len(stat); i++ {
		stat[i] = graph.D(1)
	}
	setOut(n, 0, x.Clone(), "")
	setOut(n, 1, stat, graph.Float32)
	otherOps(n, costRMSNorm, x)
	noFLOPs(n)
	return nil
}

// embedNorm is EmbedLayerNormalization: input_ids (B, S) and the word
// embedding (V, H) give output (B, S, H), mask_index (B) int32 and
// embedding_sum (B, S, H).
type embedNorm struct{}

func (embedNorm) Infer(n *graph.Node) error {
	ids, word := n.In(0), n.In(2)
	if len(ids) != 2 || len(word) != 2 {
		return fmt.Errorf("input_ids %s and word_embedding %s must be (B, S) and (V, H)", fmtDims(ids), fmtDims(word))
	}
	out := graph.Shape{ids[0], ids[1], word[1]}
	dt := n.Inputs[2].DType
	setOut(n, 0, out, dt)
	setOut(n, 1, graph.Shape{ids[0]}, graph.Int32)
	setOut(n, 2, out.Clone(), dt)
	otherOps(n, costNorm+2, out) // the embeddings' sum, then the normalization
	noFLOPs(n)
	return nil
}

// fusedMatMul is FusedMatMul: MatMul with A and B's last two axes
// transposed by transA and transB (alpha scales the result).
type fusedMatMul struct{ transA, transB bool }

func (f *fusedMatMul) Infer(n *graph.Node) error {
	a, b := n.In(0), n.In(1)
	if len(a) < 2 || len(b) < 2 {
		return graph.Unknownf("FusedMatMul of a 1-D operand is not read")
	}
	swap := func(s graph.Shape) graph.Shape {
		s = s.Clone()
		s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
		return s
	}
	if f.transA {
		a = swap(a)
	}
	if f.transB {
		b = swap(b)
	}
	ta := &graph.Value{Name: n.Inputs[0].Name, Shape: a, DType: n.Inputs[0].DType}
	tb := &graph.Value{Name: n.Inputs[1].Name, Shape: b, DType: n.Inputs[1].DType}
	orig := n.Inputs
	n.Inputs = []*graph.Value{ta, tb}
	defer func() { n.Inputs = orig }()
	return (&tensor.MatMul{}).Infer(n)
}

// matMulNBits is MatMulNBits: A (…, K) times B, N×K weights of `bits`
// bits packed in blocks (N, blocks, blob bytes), gives (…, N). B counts
// as the N·K weights it stands for, its bytes as stored.
type matMulNBits struct{ k, n, bits int64 }

func (m *matMulNBits) Infer(n *graph.Node) error {
	a := n.In(0)
	if len(a) < 1 || m.k <= 0 || m.n <= 0 {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("A %s with K=%d and N=%d: K and N must be set", fmtDims(a), m.k, m.n)
	}
	if k := a[len(a)-1]; k.Known() && k.Size != m.k {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("A %s: last axis is not K=%d", fmtDims(a), m.k)
	}
	out := append(a[:len(a)-1].Clone(), graph.D(m.n))
	setOut(n, 0, out, "")
	if v := n.Inputs[1]; v.Param != nil {
		stored, ok := v.Shape.Numel().Value() // uint8 blobs: bytes
		if ok && (v.Param.Owner == nil || v.Param.Owner == n) {
			v.Param.Shape = graph.S(m.n, m.k)
			v.Param.Bytes = stored
		}
		n.Why("B: %d×%d weights of %d bits, %d bytes as stored", m.n, m.k, m.bits, stored)
	}
	rows := a[:len(a)-1]
	var lead *graph.Dim
	var xs []calc.Expr
	if len(rows) > 0 {
		lead = &rows[0]
		for _, d := range rows[1:] {
			xs = append(xs, d.Expr())
		}
	}
	n.FLOPs = tensor.FlopsDims(lead, append(xs, calc.N(m.k), calc.N(m.n))...)
	return nil
}
