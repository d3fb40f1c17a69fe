package hf

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// llamaLike is the decoder-only layout most families share (LlamaModel and
// its descendants): embed_tokens, layers of self_attn and mlp with
// pre-norms, a final norm and lm_head. Families differ in biases, norms,
// head_dim, fused projections, mixture-of-experts blocks and attention
// variants, which the fields below select.
type llamaLike struct {
	P                           string // class-name prefix: "Llama"
	hidden, inter, layers       int64
	heads, kvHeads, headDim     int64
	vocab                       int64
	qBias, kBias, vBias, oBias  bool
	mlpBias                     bool
	qkNorm                      bool    // Qwen3: q_norm and k_norm of head_dim
	sandwich                    bool    // Gemma2: pre/post feed-forward norms too
	fusedQKV, fusedGateUp       bool    // Phi-3: qkv_proj and gate_up_proj
	windows                     []int64 // sliding window per layer (0: full attention)
	tie                         bool
	lmBias                      bool
	mla                         *mlaSpec
	moe                         func(i int64) *moeSpec // nil, or nil for a dense layer
	sinks                       bool                   // gpt-oss: a learned sink logit per head
	denseInter                  func(i int64) int64    // the dense MLP width of layer i (default inter)
	maxPositions                int64
	qaBase                      string // the base-model attribute of ForQuestionAnswering ("model" or "transformer")
	attnType, mlpType, normType string
}

// mlaSpec is DeepSeek's multi-head latent attention.
type mlaSpec struct {
	qLoraRank, kvLoraRank    int64 // qLoraRank 0: a plain q_proj
	qkNope, qkRope, vHeadDim int64
	bias                     bool // attention_bias: q_a_proj, kv_a_proj_with_mqa, o_proj
}

// moeSpec is one sparse MLP block.
type moeSpec struct {
	experts, topK, inter int64
	routerBias           bool   // gpt-oss: router.bias
	routerName           string // "gate" or "router"
	expertBias           bool   // gpt-oss: gate_up_proj_bias, down_proj_bias
	gateUpInFirst        bool   // gpt-oss stores gate_up_proj (E, hidden, 2*inter), down_proj (E, inter, hidden)
	sharedInter          int64  // shared expert(s) width, 0 for none
	sharedName           string // "shared_expert" (Qwen2-MoE) or "shared_experts" (DeepSeek)
	sharedGate           bool   // Qwen2-MoE: shared_expert_gate Linear(hidden, 1)
	sharedCount          int64  // DeepSeek n_shared_experts (for the report)
	note                 string
	typ                  string // the module's class name when not <P>SparseMoeBlock
}

// decoderHead is the head a decoder-only class puts on the base model.
type decoderHead int

const (
	headLM decoderHead = iota
	headNone
	headSeqCls
	headTokCls
	headQA
)

// decoderClass maps a class-name suffix to its head; the second result
// is false for suffixes decoder-only families do not have.
func decoderClass(suffix string) (decoderHead, bool) {
	switch suffix {
	case "ForCausalLM", "LMHeadModel":
		return headLM, true
	case "Model":
		return headNone, true
	case "ForSequenceClassification":
		return headSeqCls, true
	case "ForTokenClassification":
		return headTokCls, true
	case "ForQuestionAnswering":
		return headQA, true
	}
	return 0, false
}

var decoderSuffixes = []string{"ForCausalLM", "Model", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering"}

func (s *llamaLike) build(b *builder, suffix string) error {
	hd, _ := decoderClass(suffix)
	base := "model"
	switch hd {
	case headNone:
		base = ""
	case headQA:
		if s.qaBase != "" {
			base = s.qaBase
		}
	}
	P := s.P
	typ := func(t, def string) string {
		if t != "" {
			return t
		}
		return P + def
	}
	attnType, mlpType, normType := typ(s.attnType, "Attention"), typ(s.mlpType, "MLP"), typ(s.normType, "RMSNorm")
	if b.arch.Context == 0 {
		b.arch.Context, b.arch.ContextFrom = s.maxPositions, "max_position_embeddings"
	}

	ids := b.ids("input_ids", b.seq)
	embed := b.embedding(join(base, "embed_tokens"), s.vocab, s.hidden, ids)
	h := embed.Outputs[0]
	for i := int64(0); i < s.layers; i++ {
		L := join(base, "layers", fmt.Sprint(i))
		h = b.norm(join(L, "input_layernorm"), normType, rmsNorm, s.hidden, h).Outputs[0]
		h = s.attention(b, join(L, "self_attn"), attnType, i, h)
		h = b.norm(join(L, "post_attention_layernorm"), normType, rmsNorm, s.hidden, h).Outputs[0]
		if s.sandwich {
			h = b.norm(join(L, "pre_feedforward_layernorm"), normType, rmsNorm, s.hidden, h).Outputs[0]
		}
		h = s.mlp(b, join(L, "mlp"), mlpType, i, h)
		if s.sandwich {
			h = b.norm(join(L, "post_feedforward_layernorm"), normType, rmsNorm, s.hidden, h).Outputs[0]
		}
	}
	h = b.norm(join(base, "norm"), normType, rmsNorm, s.hidden, h).Outputs[0]
	var out *graph.Node
	switch hd {
	case headLM:
		out = b.head("lm_head", s.hidden, s.vocab, s.lmBias, h, s.tie, embed, "weight")
	case headSeqCls:
		out = b.head("score", s.hidden, b.c.numLabels(), false, h, false, nil, "")
	case headTokCls:
		out = b.head("score", s.hidden, b.c.numLabels(), true, h, false, nil, "")
	case headQA:
		out = b.head("qa_outputs", s.hidden, 2, true, h, false, nil, "")
	}
	if out != nil {
		h = out.Outputs[0]
	}
	b.g.Outputs = []*graph.Value{h}
	return nil
}

// attention adds layer i's self-attention.
func (s *llamaLike) attention(b *builder, name, typ string, i int64, in *graph.Value) *graph.Value {
	H := s.hidden
	var ws []op.Weight
	var window int64
	if int(i) < len(s.windows) {
		window = s.windows[i]
	}
	if s.mla != nil {
		return s.mlaAttention(b, name, typ, window, in)
	}
	q, kv := prod(s.heads, s.headDim), prod(s.kvHeads, s.headDim)
	if s.fusedQKV {
		ws = append(ws, linear("qkv_proj", n(H), calc.Paren(calc.Add(calc.Mul(n(s.heads), n(s.headDim)), calc.Mul(n(2), n(s.kvHeads), n(s.headDim)))), s.qBias)...)
	} else {
		ws = append(ws, linear("q_proj", n(H), q, s.qBias)...)
		ws = append(ws, linear("k_proj", n(H), kv, s.kBias)...)
		ws = append(ws, linear("v_proj", n(H), kv, s.vBias)...)
	}
	ws = append(ws, linear("o_proj", q, n(H), s.oBias)...)
	macs := sumMACs(ws)
	if s.qkNorm {
		ws = append(ws, vector("q_norm.weight", s.headDim), vector("k_norm.weight", s.headDim))
	}
	if s.sinks {
		ws = append(ws, vector("sinks", s.heads))
	}
	m := &op.Module{What: "self-attention", In: H, Out: H, Weights: ws, TokenMACs: macs,
		KeyMACs: keyMACs(s.heads, s.headDim, s.headDim), Window: window}
	node := b.add(name, typ, m, in)
	if s.kvHeads != s.heads {
		node.Remark("grouped-query attention: %d query heads share %d key/value heads of %d", s.heads, s.kvHeads, s.headDim)
	}
	if s.sinks {
		node.Remark("sinks: one learned attention-sink logit per head")
	}
	cache, why := kvCache(s.kvHeads, s.headDim)
	b.attn(name, s.heads, s.headDim, s.headDim, window, cache, why, 0, false)
	return node.Outputs[0]
}

// mlaAttention is DeepSeek-V2/V3 multi-head latent attention: queries
// through a low-rank q_a/q_b pair, keys and values through a shared
// compressed latent (kv_lora_rank) plus a decoupled rotary key.
func (s *llamaLike) mlaAttention(b *builder, name, typ string, window int64, in *graph.Value) *graph.Value {
	a, H := s.mla, s.hidden
	qkHead := a.qkNope + a.qkRope
	var ws []op.Weight
	if a.qLoraRank == 0 {
		ws = append(ws, linear("q_proj", n(H), prod(s.heads, qkHead), false)...)
	} else {
		ws = append(ws, linear("q_a_proj", n(H), n(a.qLoraRank), a.bias)...)
		ws = append(ws, linear("q_b_proj", n(a.qLoraRank), prod(s.heads, qkHead), false)...)
	}
	ws = append(ws, linear("kv_a_proj_with_mqa", n(H), calc.Paren(calc.Add(n(a.kvLoraRank), n(a.qkRope))), a.bias)...)
	ws = append(ws, linear("kv_b_proj", n(a.kvLoraRank), calc.Mul(n(s.heads), calc.Paren(calc.Add(n(a.qkNope), n(a.vHeadDim)))), false)...)
	ws = append(ws, linear("o_proj", prod(s.heads, a.vHeadDim), n(H), a.bias)...)
	macs := sumMACs(ws)
	if a.qLoraRank != 0 {
		ws = append(ws, vector("q_a_layernorm.weight", a.qLoraRank))
	}
	ws = append(ws, vector("kv_a_layernorm.weight", a.kvLoraRank))
	m := &op.Module{What: "multi-head latent attention", In: H, Out: H, Weights: ws, TokenMACs: macs,
		KeyMACs: keyMACs(s.heads, qkHead, a.vHeadDim), Window: window}
	node := b.add(name, typ, m, in)
	node.Remark("MLA: queries of %d+%d (nope+rope) per head, keys and values from a %d-wide latent plus a %d-wide rotary key", a.qkNope, a.qkRope, a.kvLoraRank, a.qkRope)
	cache := a.kvLoraRank + a.qkRope
	why := fmt.Sprintf("%d+%d = %d (the compressed latent kv_lora_rank and the rotary key qk_rope_head_dim; transformers' eager cache holds the decompressed %d*(%d+%d)+%d*%d = %d instead)",
		a.kvLoraRank, a.qkRope, cache, s.heads, a.qkNope, a.qkRope, s.heads, a.vHeadDim, s.heads*(qkHead+a.vHeadDim))
	b.attn(name, s.heads, qkHead, a.vHeadDim, window, cache, why, 0, false)
	b.arch.KVCacheConvention = "MLA compressed latent: (kv_lora_rank + qk_rope_head_dim) per token per layer"
	return node.Outputs[0]
}

// mlp adds layer i's MLP or mixture of experts.
func (s *llamaLike) mlp(b *builder, name, typ string, i int64, in *graph.Value) *graph.Value {
	H := s.hidden
	if s.moe != nil {
		if e := s.moe(i); e != nil {
			return s.experts(b, name, e, in)
		}
	}
	inter := s.inter
	if s.denseInter != nil {
		inter = s.denseInter(i)
	}
	ws := gatedMLP("", H, inter, s.mlpBias, s.fusedGateUp)
	m := &op.Module{What: "gated MLP (act(gate)*up → down)", In: H, Out: H, Weights: ws, TokenMACs: sumMACs(ws)}
	return b.add(name, typ, m, in).Outputs[0]
}

// gatedMLP is gate_proj, up_proj (or a fused gate_up_proj) and down_proj.
func gatedMLP(prefix string, H, inter int64, bias, fused bool) []op.Weight {
	var ws []op.Weight
	if fused {
		ws = append(ws, linear(join(prefix, "gate_up_proj"), n(H), calc.Paren(calc.Mul(n(2), n(inter))), bias)...)
	} else {
		ws = append(ws, linear(join(prefix, "gate_proj"), n(H), n(inter), bias)...)
		ws = append(ws, linear(join(prefix, "up_proj"), n(H), n(inter), bias)...)
	}
	return append(ws, linear(join(prefix, "down_proj"), n(inter), n(H), bias)...)
}

// experts adds a sparse MoE block: a router, the routed experts (stored
// fused, one tensor for all experts, as transformers 5 does) and any
// shared experts.
func (s *llamaLike) experts(b *builder, name string, e *moeSpec, in *graph.Value) *graph.Value {
	H, E, I := s.hidden, e.experts, e.inter
	router := e.routerName
	if router == "" {
		router = "gate"
	}
	ws := linear(router, n(H), n(E), e.routerBias)
	active := []calc.Expr{calc.Mul(n(E), n(H))} // router logits
	var gu, dn op.Weight
	if e.gateUpInFirst {
		gu = op.Weight{Role: "experts.gate_up_proj", Shape: graph.S(E, H, 2*I), Size: calc.Mul(n(E), n(H), prod(2, I))}
		dn = op.Weight{Role: "experts.down_proj", Shape: graph.S(E, I, H), Size: calc.Mul(n(E), n(I), n(H))}
	} else {
		gu = op.Weight{Role: "experts.gate_up_proj", Shape: graph.S(E, 2*I, H), Size: calc.Mul(n(E), prod(2, I), n(H))}
		dn = op.Weight{Role: "experts.down_proj", Shape: graph.S(E, H, I), Size: calc.Mul(n(E), n(H), n(I))}
	}
	ws = append(ws, gu)
	if e.expertBias {
		ws = append(ws, op.Weight{Role: "experts.gate_up_proj_bias", Shape: graph.S(E, 2*I), Size: calc.Mul(n(E), prod(2, I))})
	}
	ws = append(ws, dn)
	if e.expertBias {
		ws = append(ws, op.Weight{Role: "experts.down_proj_bias", Shape: graph.S(E, H), Size: calc.Mul(n(E), n(H))})
	}
	perExpert := calc.Mul(n(3), n(H), n(I))
	if e.expertBias {
		perExpert = calc.Add(perExpert, calc.Mul(n(2), n(I)), n(H))
	}
	active = append(active, calc.Mul(n(e.topK), n(3), n(H), n(I)))
	if e.sharedInter > 0 {
		sw := gatedMLP(e.sharedName, H, e.sharedInter, false, false)
		ws = append(ws, sw...)
		active = append(active, sumMACs(sw))
	}
	if e.sharedGate {
		sg := linear("shared_expert_gate", n(H), n(1), false)
		ws = append(ws, sg...)
		active = append(active, sumMACs(sg))
	}
	m := &op.Module{What: fmt.Sprintf("mixture of %d experts, %d per token", E, e.topK), In: H, Out: H, Weights: ws,
		TokenMACs: calc.Add(active...)}
	typ := e.typ
	if typ == "" {
		typ = s.P + "SparseMoeBlock"
	}
	node := b.add(name, typ, m, in)
	inactive := calc.Mul(calc.Paren(calc.Sub(n(E), n(e.topK))), calc.Paren(perExpert))
	node.Remark("a token uses the router, %d of the %d experts%s: %s parameters of this block are idle for it",
		e.topK, E, map[bool]string{true: " and the shared expert", false: ""}[e.sharedInter > 0], inactive.Equation())
	if e.note != "" {
		node.Remark("%s", e.note)
	}
	b.arch.InactiveParams += val(inactive)
	b.arch.MoELayers++
	b.arch.Experts, b.arch.ExpertsPerToken, b.arch.SharedExperts = E, e.topK, e.sharedCount
	if b.arch.InactiveWhy == "" {
		b.arch.InactiveWhy = inactive.String() // per layer; Decode multiplies by the MoE layers
	}
	return node.Outputs[0]
}

// layerWindows reads layer_types (or a family rule when it is absent) into
// a sliding window per layer.
func layerWindows(c *config, layers, window int64, rule func(i int64) bool) []int64 {
	w := make([]int64, layers)
	if window <= 0 {
		return w
	}
	types := c.strs("layer_types")
	for i := range w {
		sliding := false
		if types != nil {
			sliding = i < len(types) && types[i] == "sliding_attention"
		} else if rule != nil {
			sliding = rule(int64(i))
		}
		if sliding {
			w[i] = window
		}
	}
	return w
}
