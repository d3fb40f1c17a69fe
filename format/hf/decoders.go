package hf

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// attnNode adds an attention module whose projections are ws (2-D weights
// are its matrix work) plus extra tensors (norms, biases of the scores);
// a second input makes it cross-attention over that input's positions.
func (b *builder) attnNode(name, typ string, ws, extra []op.Weight, H, heads, qk, v, window int64, ins ...*graph.Value) *graph.Node {
	what := "self-attention"
	if len(ins) > 1 {
		what = "cross-attention"
	}
	m := &op.Module{What: what, In: H, Out: H, Weights: append(ws, extra...), TokenMACs: sumMACs(ws),
		KeyMACs: keyMACs(heads, qk, v), Window: window}
	return b.add(name, typ, m, ins...)
}

// mlpNode adds a feed-forward module (2-D weights are its matrix work).
func (b *builder) mlpNode(name, typ string, ws, extra []op.Weight, H int64, in *graph.Value) *graph.Node {
	m := &op.Module{What: "MLP", In: H, Out: H, Weights: append(ws, extra...), TokenMACs: sumMACs(ws)}
	return b.add(name, typ, m, in)
}

// decoderHeads puts a decoder-only class's head on the hidden states.
// lmName is the language-model head's attribute ("lm_head", "embed_out").
func (b *builder) decoderHeads(hd decoderHead, h *graph.Value, hidden, vocab int64, lmName string, lmBias, tied bool, embed *graph.Node, tokClsName string) *graph.Value {
	var out *graph.Node
	switch hd {
	case headLM:
		out = b.head(lmName, hidden, vocab, lmBias, h, tied, embed, "weight")
	case headSeqCls:
		out = b.head("score", hidden, b.c.numLabels(), false, h, false, nil, "")
	case headTokCls:
		out = b.head(tokClsName, hidden, b.c.numLabels(), true, h, false, nil, "")
	case headQA:
		out = b.head("qa_outputs", hidden, 2, true, h, false, nil, "")
	}
	if out != nil {
		return out.Outputs[0]
	}
	return h
}

// buildPhi is Phi-1/1.5/2: parallel attention and MLP after one
// LayerNorm, biases everywhere, partial rotary (no parameters), a biased
// lm_head.
func buildPhi(b *builder, suffix string) error {
	c := b.c
	s := common(c, 51200, 2048, 8192, 24, 32, 0, 2048)
	qkLN := c.bool("qk_layernorm", false)
	tied := c.bool("tie_word_embeddings", false)
	if err := c.err(); err != nil {
		return err
	}
	hd, _ := decoderClass(suffix)
	base := basePrefix("model", suffix)
	b.arch.Context, b.arch.ContextFrom = s.maxPositions, "max_position_embeddings"
	H := s.hidden
	embed := b.embedding(join(base, "embed_tokens"), s.vocab, H, b.ids("input_ids", b.seq))
	h := embed.Outputs[0]
	for i := int64(0); i < s.layers; i++ {
		L := join(base, "layers", fmt.Sprint(i))
		h = b.norm(join(L, "input_layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
		ws := linear("q_proj", n(H), prod(s.heads, s.headDim), true)
		ws = append(ws, linear("k_proj", n(H), prod(s.kvHeads, s.headDim), true)...)
		ws = append(ws, linear("v_proj", n(H), prod(s.kvHeads, s.headDim), true)...)
		ws = append(ws, linear("dense", prod(s.heads, s.headDim), n(H), true)...)
		var extra []op.Weight
		if qkLN {
			extra = append(layerNorm.weights("q_layernorm", s.headDim), layerNorm.weights("k_layernorm", s.headDim)...)
		}
		a := b.attnNode(join(L, "self_attn"), "PhiAttention", ws, extra, H, s.heads, s.headDim, s.headDim, 0, h)
		cache, why := kvCache(s.kvHeads, s.headDim)
		b.attn(a.Name, s.heads, s.headDim, s.headDim, 0, cache, why, 0, false)
		mw := linear("fc1", n(H), n(s.inter), true)
		mw = append(mw, linear("fc2", n(s.inter), n(H), true)...)
		m := b.mlpNode(join(L, "mlp"), "PhiMLP", mw, nil, H, a.Outputs[0])
		m.Remark("attention and MLP run in parallel on the same normalized input")
		h = m.Outputs[0]
	}
	h = b.norm(join(base, "final_layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
	b.g.Outputs = []*graph.Value{b.decoderHeads(hd, h, H, s.vocab, "lm_head", true, tied, embed, "score")}
	return nil
}

// buildGPT2 is GPT-2: learned positions (wpe), Conv1D projections stored
// (in, out), biases everywhere, a tied lm_head.
func buildGPT2(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"n_embd": {"hidden_size"}, "n_layer": {"num_hidden_layers"}, "n_head": {"num_attention_heads"}, "n_positions": {"max_position_embeddings"}}
	V := c.pos("vocab_size", 50257)
	P := c.pos("n_positions", 1024)
	H := c.pos("n_embd", 768)
	layers := c.layers("n_layer", 12)
	heads := c.pos("n_head", 12)
	inner := c.pos("n_inner", 4*H)
	cross := c.bool("add_cross_attention", false)
	tied := c.bool("tie_word_embeddings", true)
	if err := c.err(); err != nil {
		return err
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: n_head %d is more than n_embd %d", b.g.Path, heads, H)
	}
	base := basePrefix("transformer", suffix)
	b.arch.Context, b.arch.ContextFrom = P, "n_positions"
	ids := b.ids("input_ids", b.seq)
	wte := b.embedding(join(base, "wte"), V, H, ids)
	b.arch.EmbeddingParams += P * H
	wpe := b.add(join(base, "wpe"), "Embedding", &op.Module{What: "learned position embeddings added", In: H,
		Weights: []op.Weight{{Role: "weight", Shape: graph.S(P, H), Size: calc.Mul(n(P), n(H))}}}, wte.Outputs[0])
	h := wpe.Outputs[0]
	var enc *graph.Value
	if cross {
		enc = b.input("encoder_hidden_states", graph.Shape{b.batch, graph.Symbol("enc_seq"), graph.D(H)}, graph.Float32)
	}
	for i := int64(0); i < layers; i++ {
		L := join(base, "h", fmt.Sprint(i))
		h = b.norm(join(L, "ln_1"), "LayerNorm", layerNorm, H, h).Outputs[0]
		ws := append(conv1D("c_attn", n(H), prod(3, H)), conv1D("c_proj", n(H), n(H))...)
		a := b.attnNode(join(L, "attn"), "GPT2Attention", ws, nil, H, heads, hd, hd, 0, h)
		cache, why := kvCache(heads, hd)
		b.attn(a.Name, heads, hd, hd, 0, cache, why, 0, false)
		h = b.norm(join(L, "ln_2"), "LayerNorm", layerNorm, H, a.Outputs[0]).Outputs[0]
		if cross {
			xw := append(conv1D("c_attn", n(H), prod(2, H)), conv1D("q_attn", n(H), n(H))...)
			xw = append(xw, conv1D("c_proj", n(H), n(H))...)
			x := b.attnNode(join(L, "crossattention"), "GPT2Attention", xw, nil, H, heads, hd, hd, 0, h, enc)
			b.attn(x.Name, heads, hd, hd, 0, 2*heads*hd, fmt.Sprintf("2*%d*%d per encoder position", heads, hd), 0, true)
			h = b.norm(join(L, "ln_cross_attn"), "LayerNorm", layerNorm, H, x.Outputs[0]).Outputs[0]
		}
		mw := append(conv1D("c_fc", n(H), n(inner)), conv1D("c_proj", n(inner), n(H))...)
		h = b.mlpNode(join(L, "mlp"), "GPT2MLP", mw, nil, H, h).Outputs[0]
	}
	h = b.norm(join(base, "ln_f"), "LayerNorm", layerNorm, H, h).Outputs[0]
	switch suffix {
	case "LMHeadModel":
		h = b.head("lm_head", H, V, false, h, tied, wte, "weight").Outputs[0]
	case "DoubleHeadsModel":
		lm := b.head("lm_head", H, V, false, h, tied, wte, "weight")
		mc := b.firstLinear("multiple_choice_head.summary", "multiple-choice summary", H, 1, true, h)
		mc.Remark("GPT2DoubleHeadsModel sets num_labels to 1: one score per choice")
		h = lm.Outputs[0]
		b.g.Outputs = append(b.g.Outputs, mc.Outputs[0])
	case "ForSequenceClassification":
		h = b.head("score", H, c.numLabels(), false, h, false, nil, "").Outputs[0]
	case "ForTokenClassification":
		h = b.head("classifier", H, c.numLabels(), true, h, false, nil, "").Outputs[0]
	case "ForQuestionAnswering":
		h = b.head("qa_outputs", H, 2, true, h, false, nil, "").Outputs[0]
	}
	b.g.Outputs = append([]*graph.Value{h}, b.g.Outputs...)
	return nil
}

// buildGPTNeoX is GPT-NeoX/Pythia: fused query_key_value, parallel
// residual, LayerNorms with bias, an untied embed_out by default.
func buildGPTNeoX(b *builder, suffix string) error {
	c := b.c
	V := c.pos("vocab_size", 50432)
	H := c.pos("hidden_size", 6144)
	layers := c.layers("num_hidden_layers", 44)
	heads := c.pos("num_attention_heads", 64)
	inter := c.pos("intermediate_size", 24576)
	maxPos := c.pos("max_position_embeddings", 2048)
	bias := c.bool("attention_bias", true)
	tied := c.bool("tie_word_embeddings", false)
	if err := c.err(); err != nil {
		return err
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: num_attention_heads %d is more than hidden_size %d", b.g.Path, heads, H)
	}
	head, _ := decoderClass(suffix)
	base := basePrefix("gpt_neox", suffix)
	b.arch.Context, b.arch.ContextFrom = maxPos, "max_position_embeddings"
	embed := b.embedding(join(base, "embed_in"), V, H, b.ids("input_ids", b.seq))
	h := embed.Outputs[0]
	for i := int64(0); i < layers; i++ {
		L := join(base, "layers", fmt.Sprint(i))
		x := b.norm(join(L, "input_layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
		ws := append(linear("query_key_value", n(H), prod(3, H), bias), linear("dense", n(H), n(H), bias)...)
		a := b.attnNode(join(L, "attention"), "GPTNeoXAttention", ws, nil, H, heads, hd, hd, 0, x)
		cache, why := kvCache(heads, hd)
		b.attn(a.Name, heads, hd, hd, 0, cache, why, 0, false)
		y := b.norm(join(L, "post_attention_layernorm"), "LayerNorm", layerNorm, H, a.Outputs[0]).Outputs[0]
		mw := append(linear("dense_h_to_4h", n(H), n(inter), true), linear("dense_4h_to_h", n(inter), n(H), true)...)
		h = b.mlpNode(join(L, "mlp"), "GPTNeoXMLP", mw, nil, H, y).Outputs[0]
	}
	h = b.norm(join(base, "final_layer_norm"), "LayerNorm", layerNorm, H, h).Outputs[0]
	b.g.Outputs = []*graph.Value{b.decoderHeads(head, h, H, V, "embed_out", false, tied, embed, "classifier")}
	return nil
}

// buildFalcon is Falcon: a fused query_key_value whose width depends on
// the variant (multi-query, grouped with new_decoder_architecture, or
// plain multi-head), optional biases, parallel attention with one or two
// LayerNorms, ALiBi or rotary positions (no parameters either way).
func buildFalcon(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"num_hidden_layers": {"n_layer"}, "num_attention_heads": {"n_head"}, "num_kv_heads": {"n_head_kv"}, "hidden_size": {"n_embed"}}
	V := c.pos("vocab_size", 65024)
	H := c.pos("hidden_size", 4544)
	layers := c.layers("num_hidden_layers", 32)
	heads := c.pos("num_attention_heads", 71)
	kv := c.pos("num_kv_heads", heads)
	newArch := c.bool("new_decoder_architecture", false)
	mq := c.bool("multi_query", true)
	parallel := c.bool("parallel_attn", true)
	bias := c.bool("bias", false)
	alibi := c.bool("alibi", false)
	ffn := c.pos("ffn_hidden_size", 4*H)
	nLN := c.int("num_ln_in_parallel_attn", 0)
	maxPos := c.pos("max_position_embeddings", 2048)
	tied := c.bool("tie_word_embeddings", true)
	if err := c.err(); err != nil {
		return err
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: num_attention_heads %d is more than hidden_size %d", b.g.Path, heads, H)
	}
	if nLN == 0 && newArch {
		nLN = 2
	}
	var qkv calc.Expr
	cacheHeads := heads
	switch {
	case newArch:
		qkv = calc.Mul(calc.Paren(calc.Add(calc.Mul(n(kv), n(2)), n(heads))), n(hd))
		cacheHeads = kv
	case mq:
		qkv = calc.Paren(calc.Add(n(H), calc.Mul(n(2), n(hd))))
		cacheHeads = 1
	default:
		qkv = calc.Mul(n(3), n(H))
	}
	head, _ := decoderClass(suffix)
	base := basePrefix("transformer", suffix)
	b.arch.Context, b.arch.ContextFrom = maxPos, "max_position_embeddings"
	embed := b.embedding(join(base, "word_embeddings"), V, H, b.ids("input_ids", b.seq))
	h := embed.Outputs[0]
	for i := int64(0); i < layers; i++ {
		L := join(base, "h", fmt.Sprint(i))
		var x *graph.Value
		switch {
		case !parallel:
			x = b.norm(join(L, "input_layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
		case nLN == 2:
			x = b.norm(join(L, "ln_attn"), "LayerNorm", layerNorm, H, h).Outputs[0]
			x = b.norm(join(L, "ln_mlp"), "LayerNorm", layerNorm, H, x).Outputs[0]
		default:
			x = b.norm(join(L, "input_layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
		}
		ws := append(linear("query_key_value", n(H), qkv, bias), linear("dense", n(H), n(H), bias)...)
		a := b.attnNode(join(L, "self_attention"), "FalconAttention", ws, nil, H, heads, hd, hd, 0, x)
		switch {
		case newArch:
			a.Remark("grouped-query attention (new_decoder_architecture): %d query heads, %d key/value heads", heads, kv)
		case mq:
			a.Remark("multi-query attention: %d query heads share one key/value head", heads)
		}
		if alibi {
			a.Remark("ALiBi position biases: computed, no parameters")
		}
		cache, why := kvCache(cacheHeads, hd)
		b.attn(a.Name, heads, hd, hd, 0, cache, why, 0, false)
		y := a.Outputs[0]
		if !parallel {
			y = b.norm(join(L, "post_attention_layernorm"), "LayerNorm", layerNorm, H, y).Outputs[0]
		}
		mw := append(linear("dense_h_to_4h", n(H), n(ffn), bias), linear("dense_4h_to_h", n(ffn), n(H), bias)...)
		h = b.mlpNode(join(L, "mlp"), "FalconMLP", mw, nil, H, y).Outputs[0]
	}
	h = b.norm(join(base, "ln_f"), "LayerNorm", layerNorm, H, h).Outputs[0]
	b.g.Outputs = []*graph.Value{b.decoderHeads(head, h, H, V, "lm_head", false, tied, embed, "classifier")}
	return nil
}

// buildOPT is OPT: learned positions with an offset of 2, optional
// projections between a narrower word embedding and the hidden size,
// pre- or post-LayerNorm, fc1/fc2 directly in each layer.
func buildOPT(b *builder, suffix string) error {
	c := b.c
	V := c.pos("vocab_size", 50272)
	H := c.pos("hidden_size", 768)
	layers := c.layers("num_hidden_layers", 12)
	ffn := c.pos("ffn_dim", 3072)
	maxPos := c.pos("max_position_embeddings", 2048)
	before := c.bool("do_layer_norm_before", true)
	removeFinal := c.bool("_remove_final_layer_norm", false)
	proj := c.pos("word_embed_proj_dim", H)
	heads := c.pos("num_attention_heads", 12)
	bias := c.bool("enable_bias", true)
	affine := c.bool("layer_norm_elementwise_affine", true)
	tied := c.bool("tie_word_embeddings", true)
	if err := c.err(); err != nil {
		return err
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: num_attention_heads %d is more than hidden_size %d", b.g.Path, heads, H)
	}
	ln := layerNorm
	if !affine {
		ln = noAffine
	}
	base := "model.decoder"
	if suffix == "Model" {
		base = "decoder"
	}
	b.arch.Context, b.arch.ContextFrom = maxPos, "max_position_embeddings"
	embed := b.embedding(join(base, "embed_tokens"), V, proj, b.ids("input_ids", b.seq))
	h := embed.Outputs[0]
	if proj != H {
		h = b.linearNode(join(base, "project_in"), proj, H, false, h).Outputs[0]
	}
	b.arch.EmbeddingParams += (maxPos + 2) * H
	pos := b.add(join(base, "embed_positions"), "OPTLearnedPositionalEmbedding", &op.Module{What: "learned position embeddings added", In: H,
		Weights: []op.Weight{{Role: "weight", Shape: graph.S(maxPos+2, H), Size: calc.Mul(calc.Paren(calc.Add(n(maxPos), n(2))), n(H))}}}, h)
	pos.Remark("OPT offsets positions by 2: max_position_embeddings+2 rows")
	h = pos.Outputs[0]
	for i := int64(0); i < layers; i++ {
		L := join(base, "layers", fmt.Sprint(i))
		if before {
			h = b.norm(join(L, "self_attn_layer_norm"), "LayerNorm", ln, H, h).Outputs[0]
		}
		ws := linear("k_proj", n(H), n(H), bias)
		ws = append(ws, linear("v_proj", n(H), n(H), bias)...)
		ws = append(ws, linear("q_proj", n(H), n(H), bias)...)
		ws = append(ws, linear("out_proj", n(H), n(H), bias)...)
		a := b.attnNode(join(L, "self_attn"), "OPTAttention", ws, nil, H, heads, hd, hd, 0, h)
		cache, why := kvCache(heads, hd)
		b.attn(a.Name, heads, hd, hd, 0, cache, why, 0, false)
		h = a.Outputs[0]
		if !before {
			h = b.norm(join(L, "self_attn_layer_norm"), "LayerNorm", ln, H, h).Outputs[0]
		} else {
			h = b.norm(join(L, "final_layer_norm"), "LayerNorm", ln, H, h).Outputs[0]
		}
		h = b.linearNode(join(L, "fc1"), H, ffn, bias, h).Outputs[0]
		h = b.linearNode(join(L, "fc2"), ffn, H, bias, h).Outputs[0]
		if !before {
			h = b.norm(join(L, "final_layer_norm"), "LayerNorm", ln, H, h).Outputs[0]
		}
	}
	if before && !removeFinal {
		h = b.norm(join(base, "final_layer_norm"), "LayerNorm", ln, H, h).Outputs[0]
	}
	if proj != H {
		h = b.linearNode(join(base, "project_out"), H, proj, false, h).Outputs[0]
	}
	switch suffix {
	case "ForCausalLM":
		h = b.head("lm_head", proj, V, false, h, tied, embed, "weight").Outputs[0]
	case "ForSequenceClassification":
		h = b.head("score", proj, c.numLabels(), false, h, false, nil, "").Outputs[0]
	case "ForQuestionAnswering":
		h = b.head("qa_outputs", proj, 2, true, h, false, nil, "").Outputs[0]
	}
	b.g.Outputs = []*graph.Value{h}
	return nil
}
