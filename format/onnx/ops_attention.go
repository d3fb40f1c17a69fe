package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// Attention (opset 23; 24 and 25 added inputs and attributes that do not
// change the shapes), TensorScatter (opset 24), the KV-cache update, and
// LinearAttention (opset 27).

func init() {
	register("", map[string]maker{
		"Attention": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &attention{qHeads: nd.attrInt("q_num_heads", 0), kvHeads: nd.attrInt("kv_num_heads", 0)}, 3
		},
		"TensorScatter": fixed(func() graph.Op { return &tensor.Same{} }, 2),
		"LinearAttention": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			rule := nd.attrString("update_rule", "gated_delta")
			return &linearAttention{qHeads: nd.attrInt("q_num_heads", 0), kvHeads: nd.attrInt("kv_num_heads", 0),
				delta: rule == "delta" || rule == "gated_delta"}, 3
		},
	})
}

// attention is scaled dot-product attention on Q, K, V, 4-D (batch,
// heads, sequence, head size) or 3-D (batch, sequence, heads·head size)
// with q_num_heads and kv_num_heads; past_key and past_value (inputs 4
// and 5) are concatenated before K and V. Outputs: Y (Q's layout, head
// size v's), present_key and present_value (batch, kv heads, total,
// head size), qk_matmul_output (batch, q heads, q length, total).
//
// FLOPs are those of the two matrix products, as for scaled dot-product
// attention: 2·B·Hq·Sq·T·d for QKᵀ and 2·B·Hq·Sq·T·dv for the weights
// times V (T = past + kv length); the softmax and scaling are other
// operations, 4 per score.
type attention struct {
	qHeads, kvHeads int64
}

// heads splits a 3-D (batch, seq, hidden) input into (batch, heads, seq,
// hidden/heads), or checks a 4-D one.
func splitHeads(s graph.Shape, heads int64, what string) (graph.Shape, error) {
	switch len(s) {
	case 4:
		return s, nil
	case 3:
		if heads <= 0 {
			return nil, fmt.Errorf("%s %s is 3-D: q_num_heads and kv_num_heads are needed", what, fmtDims(s))
		}
		d := graph.Unknown()
		if s[2].Known() {
			if s[2].Size%heads != 0 {
				return nil, fmt.Errorf("%s %s: hidden size %d is not a multiple of %d heads", what, fmtDims(s), s[2].Size, heads)
			}
			d = graph.D(s[2].Size / heads)
		}
		return graph.Shape{s[0], graph.D(heads), s[1], d}, nil
	}
	return nil, fmt.Errorf("%s %s is not 3-D or 4-D", what, fmtDims(s))
}

func (a *attention) Infer(n *graph.Node) error {
	q3 := len(n.In(0)) == 3
	q, err := splitHeads(n.In(0), a.qHeads, "Q")
	if err != nil {
		return err
	}
	k, err := splitHeads(n.In(1), a.kvHeads, "K")
	if err != nil {
		return err
	}
	v, err := splitHeads(n.In(2), a.kvHeads, "V")
	if err != nil {
		return err
	}
	if q[3].Known() && k[3].Known() && q[3].Size != k[3].Size {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("Q's head size %d differs from K's %d", q[3].Size, k[3].Size)
	}
	if k[2].Known() && v[2].Known() && k[2].Size != v[2].Size {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("K's sequence length %d differs from V's %d", k[2].Size, v[2].Size)
	}
	if q[1].Known() && k[1].Known() && k[1].Size > 0 && q[1].Size%k[1].Size != 0 {
		return fmt.Errorf("%d query heads are not a multiple of %d key/value heads", q[1].Size, k[1].Size)
	}
	total := k[2]
	if past := n.In(4); inputAt(n, 4) != nil {
		if len(past) != 4 {
			return fmt.Errorf("past_key %s is not 4-D", fmtDims(past))
		}
		total = graph.DimOf(calc.Add(past[2].Expr(), k[2].Expr()))
		n.Why("total length %s + %s = %s", past[2], k[2], total)
	}
	batch := q[0]
	y := graph.Shape{batch, q[1], q[2], v[3]}
	if q3 {
		hidden := graph.DimOf(calc.Mul(q[1].Expr(), v[3].Expr()))
		y = graph.Shape{batch, q[2], hidden}
	}
	dt := n.Inputs[0].DType
	setOut(n, 0, y, dt)
	setOut(n, 1, graph.Shape{batch, k[1], total, k[3]}, dt)
	setOut(n, 2, graph.Shape{batch, k[1], total, v[3]}, n.Inputs[2].DType)
	setOut(n, 3, graph.Shape{batch, q[1], q[2], total}, dt)
	b := &batch // an unknown batch is left out: FLOPs per example
	n.FLOPs = calc.Add(
		tensor.FlopsDims(b, q[1].Expr(), q[2].Expr(), total.Expr(), q[3].Expr()),
		tensor.FlopsDims(b, q[1].Expr(), q[2].Expr(), total.Expr(), v[3].Expr()))
	n.Why("FLOPs: QKᵀ 2·B·Hq·Sq·T·d + weights·V 2·B·Hq·Sq·T·dv, as scaled dot-product attention")
	scores := graph.Shape{batch, q[1], q[2], total}
	if !batch.Known() {
		scores = scores[1:]
	}
	otherOps(n, costSoftmax+1, scores)
	return nil
}

// linearAttention is LinearAttention: query (B, T, Hq·dk), key (B, T,
// Hkv·dk), value (B, T, Hkv·dv) give output (B, T, Hq·dv) and
// present_state (B, Hkv, dk, dv). FLOPs per token: the state's readout
// by each query head, 2·Hq·dk·dv, and its update by each key/value head,
// 2·Hkv·dk·dv (twice for the delta rules, which first read the state
// back by the key).
type linearAttention struct {
	qHeads, kvHeads int64
	delta           bool
}

func (l *linearAttention) Infer(n *graph.Node) error {
	q, k, v := n.In(0), n.In(1), n.In(2)
	if len(q) != 3 || len(k) != 3 || len(v) != 3 || l.qHeads <= 0 || l.kvHeads <= 0 || l.qHeads%l.kvHeads != 0 {
		return fmt.Errorf("query %s, key %s and value %s must be (B, T, heads·size) with q_num_heads a multiple of kv_num_heads", fmtDims(q), fmtDims(k), fmtDims(v))
	}
	dk, dv := divDim(k[2], l.kvHeads), divDim(v[2], l.kvHeads)
	b, t := q[0], q[1]
	setOut(n, 0, graph.Shape{b, t, graph.DimOf(calc.Mul(calc.N(l.qHeads), dv.Expr()))}, "")
	setOut(n, 1, graph.Shape{b, graph.D(l.kvHeads), dk, dv}, "")
	heads := l.qHeads + l.kvHeads
	if l.delta {
		heads += l.kvHeads
	}
	n.FLOPs = tensor.FlopsDims(&b, t.Expr(), calc.N(heads), dk.Expr(), dv.Expr())
	n.Why("FLOPs: 2·B·T·dk·dv per head reading or updating the state, %d of them", heads)
	return nil
}
