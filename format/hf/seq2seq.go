package hf

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// buildT5 is T5 (and Flan-T5, mT5-style gated configs): a shared
// embedding, bias-free attention with a learned relative position bias in
// the first block of each stack only, RMS-style T5LayerNorm, a ReLU or
// gated-GELU feed-forward, and an lm_head tied unless
// tie_word_embeddings is false.
func buildT5(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"d_model": {"hidden_size"}, "num_heads": {"num_attention_heads"}, "num_layers": {"num_hidden_layers"}}
	V := c.pos("vocab_size", 32128)
	d := c.pos("d_model", 512)
	dkv := c.pos("d_kv", 64)
	dff := c.pos("d_ff", 2048)
	layers := c.layers("num_layers", 6)
	decLayers := c.layers("num_decoder_layers", layers)
	heads := c.pos("num_heads", 8)
	buckets := c.pos("relative_attention_num_buckets", 32)
	ffProj := c.str("feed_forward_proj", "relu")
	tied := c.bool("tie_word_embeddings", true)
	ctx := c.pos("n_positions", 512)
	if err := c.err(); err != nil {
		return err
	}
	parts := strings.Split(ffProj, "-")
	gated := len(parts) > 1 && parts[0] == "gated"
	if len(parts) > 2 || (len(parts) == 2 && !gated) {
		return fmt.Errorf("%s: \"feed_forward_proj\": %q is not a valid activation; use \"gated-gelu\" or \"relu\"", b.g.Path, ffProj)
	}
	enc, dec := true, true
	base := ""
	switch suffix {
	case "EncoderModel":
		dec = false
	case "ForSequenceClassification":
		base = "transformer"
	case "ForTokenClassification":
		base, dec = "transformer", false
	}
	b.arch.Context, b.arch.ContextFrom = ctx, "n_positions (T5 has no position limit; 512 is its training length)"
	b.arch.EncoderDecoder = dec
	b.arch.EncoderOnly = !dec
	if dec {
		b.arch.Notes = append(b.arch.Notes, encDecNote)
	}
	ids := b.ids("input_ids", b.seq)
	shared := b.embedding(join(base, "shared"), V, d, ids)

	attention := func(name, sub string, first bool, ins ...*graph.Value) *graph.Node {
		ws := linear(sub+".q", n(d), prod(heads, dkv), false)
		ws = append(ws, linear(sub+".k", n(d), prod(heads, dkv), false)...)
		ws = append(ws, linear(sub+".v", n(d), prod(heads, dkv), false)...)
		ws = append(ws, linear(sub+".o", prod(heads, dkv), n(d), false)...)
		extra := []op.Weight{vector("layer_norm.weight", d)}
		if first {
			extra = append(extra, op.Weight{Role: sub + ".relative_attention_bias.weight", Shape: graph.S(buckets, heads), Size: calc.Mul(n(buckets), n(heads))})
			b.arch.EmbeddingParams += buckets * heads
		}
		typ := "T5LayerSelfAttention"
		if sub == "EncDecAttention" {
			typ = "T5LayerCrossAttention"
		}
		a := b.attnNode(name, typ, ws, extra, d, heads, dkv, dkv, 0, ins...)
		if first {
			a.Remark("relative_attention_bias: %d buckets x %d heads, in the first block of the stack only (the others reuse it)", buckets, heads)
		}
		return a
	}
	ff := func(name string, h *graph.Value) *graph.Value {
		var ws []op.Weight
		if gated {
			ws = append(linear("DenseReluDense.wi_0", n(d), n(dff), false), linear("DenseReluDense.wi_1", n(d), n(dff), false)...)
		} else {
			ws = linear("DenseReluDense.wi", n(d), n(dff), false)
		}
		ws = append(ws, linear("DenseReluDense.wo", n(dff), n(d), false)...)
		typ := "T5LayerFF (" + ffProj + ")"
		return b.mlpNode(name, typ, ws, []op.Weight{vector("layer_norm.weight", d)}, d, h).Outputs[0]
	}

	h := shared.Outputs[0]
	if enc {
		for i := int64(0); i < layers; i++ {
			L := join(base, "encoder.block", fmt.Sprint(i), "layer")
			a := attention(L+".0", "SelfAttention", i == 0, h)
			b.attn(a.Name, heads, dkv, dkv, 0, 0, "", 0, false)
			h = ff(L+".1", a.Outputs[0])
		}
		h = b.norm(join(base, "encoder.final_layer_norm"), "T5LayerNorm", rmsNorm, d, h).Outputs[0]
	}
	encOut := h
	var out *graph.Value = h
	if dec {
		dids := b.ids("decoder_input_ids", b.seq)
		de := b.add(join(base, "decoder.embed_tokens"), "Embedding", &op.Module{What: "embedding (the shared table)", In: V, Out: d, Lookup: true,
			Weights: []op.Weight{{Role: "weight", Shape: graph.S(V, d)}}}, dids)
		tie(de, "weight", shared, "weight")
		de.SetNotes(nil)
		de.Remark("the decoder's embed_tokens is the shared table")
		h = de.Outputs[0]
		cache, why := kvCache(heads, dkv)
		for i := int64(0); i < decLayers; i++ {
			L := join(base, "decoder.block", fmt.Sprint(i), "layer")
			a := attention(L+".0", "SelfAttention", i == 0, h)
			b.attn(a.Name, heads, dkv, dkv, 0, cache, why, 0, false)
			x := attention(L+".1", "EncDecAttention", false, a.Outputs[0], encOut)
			b.attn(x.Name, heads, dkv, dkv, 0, cache, why+" per source position", 0, true)
			h = ff(L+".2", x.Outputs[0])
		}
		out = b.norm(join(base, "decoder.final_layer_norm"), "T5LayerNorm", rmsNorm, d, h).Outputs[0]
	}
	switch suffix {
	case "ForConditionalGeneration":
		lm := b.head("lm_head", d, V, false, out, tied, shared, "weight")
		if tied {
			lm.Remark("tied: the decoder output is scaled by d_model**-0.5 before the shared table")
		}
		out = lm.Outputs[0]
	case "ForSequenceClassification":
		x := b.firstLinear("classification_head.dense", "classification dense on the final <eos>", d, d, true, out)
		out = b.linearNode("classification_head.out_proj", d, c.numLabels(), true, x.Outputs[0]).Outputs[0]
	case "ForTokenClassification":
		out = b.linearNode("classifier", d, c.numLabels(), true, out).Outputs[0]
	case "ForQuestionAnswering":
		out = b.linearNode("qa_outputs", d, c.numLabels(), true, out).Outputs[0]
	}
	b.g.Outputs = []*graph.Value{out}
	return nil
}

// encDecNote says what "per token" means for an encoder-decoder.
const encDecNote = "FLOPs per token: one source token through the encoder plus one target token through the decoder, both sequences at the context length"

// seq2seqSpec is the BART/Whisper encoder-decoder layer layout.
type seq2seqSpec struct {
	P                          string
	d                          int64
	encLayers, encHeads, encFF int64
	decLayers, decHeads, decFF int64
	kBias                      bool // Whisper's k_proj has no bias
}

// layer adds one BART/Whisper layer (decoder layers have cross-attention
// to enc).
func (s *seq2seqSpec) layer(b *builder, L string, heads, ff int64, h, enc *graph.Value, preNorm bool, fixedKeys int64) *graph.Value {
	d := s.d
	hd := d / heads
	proj := func(sub string) []op.Weight {
		ws := linear(join(sub, "k_proj"), n(d), n(d), s.kBias)
		ws = append(ws, linear(join(sub, "v_proj"), n(d), n(d), true)...)
		ws = append(ws, linear(join(sub, "q_proj"), n(d), n(d), true)...)
		return append(ws, linear(join(sub, "out_proj"), n(d), n(d), true)...)
	}
	sub := func(name string, ws []op.Weight, ins ...*graph.Value) *graph.Node {
		typ := s.P + "Attention"
		return b.attnNode(join(L, name), typ, ws, nil, d, heads, hd, hd, 0, ins...)
	}
	nrm := func(name string, x *graph.Value) *graph.Value {
		return b.norm(join(L, name), "LayerNorm", layerNorm, d, x).Outputs[0]
	}
	// Pre-norm (Whisper) puts each LayerNorm before its block; post-norm
	// (BART) after. Either way the same tensors exist.
	block := func(normName string, run func(x *graph.Value) *graph.Value, x *graph.Value) *graph.Value {
		if preNorm {
			return run(nrm(normName, x))
		}
		return nrm(normName, run(x))
	}
	cache, why := kvCache(heads, hd)
	h = block("self_attn_layer_norm", func(x *graph.Value) *graph.Value {
		a := sub("self_attn", proj(""), x)
		if enc == nil {
			b.attn(a.Name, heads, hd, hd, 0, 0, "", fixedKeys, false)
		} else {
			b.attn(a.Name, heads, hd, hd, 0, cache, why, 0, false)
		}
		return a.Outputs[0]
	}, h)
	if enc != nil {
		h = block("encoder_attn_layer_norm", func(x *graph.Value) *graph.Value {
			a := sub("encoder_attn", proj(""), x, enc)
			b.attn(a.Name, heads, hd, hd, 0, cache, why+" per source position", fixedKeys, true)
			return a.Outputs[0]
		}, h)
	}
	h = block("final_layer_norm", func(x *graph.Value) *graph.Value {
		y := b.linearNode(join(L, "fc1"), d, ff, true, x).Outputs[0]
		return b.linearNode(join(L, "fc2"), ff, d, true, y).Outputs[0]
	}, h)
	return h
}

// buildBart is BART: a shared embedding, learned positions with an
// offset of 2 in both stacks, post-norm layers with biases everywhere and
// a LayerNorm on the embeddings.
func buildBart(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"d_model": {"hidden_size"}, "encoder_attention_heads": {"num_attention_heads"}, "encoder_layers": {"num_hidden_layers"}}
	V := c.pos("vocab_size", 50265)
	maxPos := c.pos("max_position_embeddings", 1024)
	s := &seq2seqSpec{P: "Bart", kBias: true,
		encLayers: c.layers("encoder_layers", 12), encFF: c.pos("encoder_ffn_dim", 4096), encHeads: c.pos("encoder_attention_heads", 16),
		decLayers: c.layers("decoder_layers", 12), decFF: c.pos("decoder_ffn_dim", 4096), decHeads: c.pos("decoder_attention_heads", 16),
		d: c.pos("d_model", 1024)}
	tied := c.bool("tie_word_embeddings", true)
	if err := c.err(); err != nil {
		return err
	}
	if s.d/s.encHeads == 0 || s.d/s.decHeads == 0 {
		return fmt.Errorf("%s: more attention heads than d_model %d", b.g.Path, s.d)
	}
	d := s.d
	base := basePrefix("model", suffix)
	b.arch.Context, b.arch.ContextFrom = maxPos, "max_position_embeddings"
	positions := func(name string, x *graph.Value) *graph.Value {
		b.arch.EmbeddingParams += (maxPos + 2) * d
		p := b.add(name, "BartLearnedPositionalEmbedding", &op.Module{What: "learned position embeddings added", In: d,
			Weights: []op.Weight{{Role: "weight", Shape: graph.S(maxPos+2, d), Size: calc.Mul(calc.Paren(calc.Add(n(maxPos), n(2))), n(d))}}}, x)
		p.Remark("BART offsets positions by 2: max_position_embeddings+2 rows")
		return p.Outputs[0]
	}
	var shared *graph.Node
	if suffix == "ForCausalLM" {
		// BartForCausalLM wraps the decoder alone, with its own embed_tokens.
		b.arch.EncoderDecoder = false
		de := b.embedding("model.decoder.embed_tokens", V, d, b.ids("input_ids", b.seq))
		h := positions("model.decoder.embed_positions", de.Outputs[0])
		h = b.norm("model.decoder.layernorm_embedding", "LayerNorm", layerNorm, d, h).Outputs[0]
		enc := b.input("encoder_hidden_states", graph.Shape{b.batch, graph.Symbol("enc_seq"), graph.D(d)}, graph.Float32)
		for i := int64(0); i < s.decLayers; i++ {
			h = s.layer(b, join("model.decoder.layers", fmt.Sprint(i)), s.decHeads, s.decFF, h, enc, false, 0)
		}
		b.g.Outputs = []*graph.Value{b.head("lm_head", d, V, false, h, tied, de, "weight").Outputs[0]}
		return nil
	}
	b.arch.EncoderDecoder = true
	b.arch.Notes = append(b.arch.Notes, encDecNote)
	shared = b.embedding(join(base, "shared"), V, d, b.ids("input_ids", b.seq))
	h := positions(join(base, "encoder.embed_positions"), shared.Outputs[0])
	h = b.norm(join(base, "encoder.layernorm_embedding"), "LayerNorm", layerNorm, d, h).Outputs[0]
	for i := int64(0); i < s.encLayers; i++ {
		h = s.layer(b, join(base, "encoder.layers", fmt.Sprint(i)), s.encHeads, s.encFF, h, nil, false, 0)
	}
	enc := h
	de := b.add(join(base, "decoder.embed_tokens"), "Embedding", &op.Module{What: "embedding (the shared table)", In: V, Out: d, Lookup: true,
		Weights: []op.Weight{{Role: "weight", Shape: graph.S(V, d)}}}, b.ids("decoder_input_ids", b.seq))
	tie(de, "weight", shared, "weight")
	de.SetNotes(nil)
	de.Remark("the decoder's embed_tokens is the shared table")
	h = positions(join(base, "decoder.embed_positions"), de.Outputs[0])
	h = b.norm(join(base, "decoder.layernorm_embedding"), "LayerNorm", layerNorm, d, h).Outputs[0]
	for i := int64(0); i < s.decLayers; i++ {
		h = s.layer(b, join(base, "decoder.layers", fmt.Sprint(i)), s.decHeads, s.decFF, h, enc, false, 0)
	}
	switch suffix {
	case "ForConditionalGeneration":
		lm := b.head("lm_head", d, V, false, h, tied, shared, "weight")
		lm.Remark("final_logits_bias (1, %d) is a buffer, not a parameter", V)
		h = lm.Outputs[0]
	case "ForSequenceClassification":
		x := b.firstLinear("classification_head.dense", "classification dense on the final <eos>", d, d, true, h)
		h = b.linearNode("classification_head.out_proj", d, c.numLabels(), true, x.Outputs[0]).Outputs[0]
	case "ForQuestionAnswering":
		h = b.linearNode("qa_outputs", d, 2, true, h).Outputs[0]
	}
	b.g.Outputs = []*graph.Value{h}
	return nil
}

// buildWhisper is Whisper: a two-convolution audio front-end over
// num_mel_bins x 3000 frames, fixed (untrained) sinusoidal encoder
// positions, learned decoder positions, pre-norm layers whose k_proj has
// no bias, and a proj_out tied to the decoder embedding.
func buildWhisper(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"d_model": {"hidden_size"}, "encoder_attention_heads": {"num_attention_heads"}, "encoder_layers": {"num_hidden_layers"}}
	V := c.pos("vocab_size", 51865)
	mels := c.pos("num_mel_bins", 80)
	s := &seq2seqSpec{P: "Whisper",
		encLayers: c.layers("encoder_layers", 4), encHeads: c.pos("encoder_attention_heads", 6), encFF: c.pos("encoder_ffn_dim", 1536),
		decLayers: c.layers("decoder_layers", 4), decHeads: c.pos("decoder_attention_heads", 6), decFF: c.pos("decoder_ffn_dim", 1536),
		d: c.pos("d_model", 384)}
	src := c.pos("max_source_positions", 1500)
	tgt := c.pos("max_target_positions", 448)
	tied := c.bool("tie_word_embeddings", true)
	projSize := c.pos("classifier_proj_size", 256)
	weighted := c.bool("use_weighted_layer_sum", false)
	if err := c.err(); err != nil {
		return err
	}
	d := s.d
	if d/s.encHeads == 0 || d/s.decHeads == 0 {
		return fmt.Errorf("%s: more attention heads than d_model %d", b.g.Path, d)
	}
	if src > maxSize/2 {
		return fmt.Errorf("%s: max_source_positions %d is too large", b.g.Path, src)
	}
	base := "model"
	switch suffix {
	case "Model", "ForAudioClassification":
		base = ""
	}
	b.arch.Context, b.arch.ContextFrom = tgt, "max_target_positions"
	encoder := func() *graph.Value {
		frames := 2 * src
		x := b.input("input_features", graph.Shape{b.batch, graph.D(mels), graph.D(frames)}, graph.Float32)
		c1 := b.addNode(join(base, "encoder.conv1"), "Conv1d", &op.Conv{Filters: d, Kernel: []int64{3}, Pad: op.Pad(1), Bias: true, WeightRole: "weight", BiasRole: "bias"}, x)
		c2 := b.addNode(join(base, "encoder.conv2"), "Conv1d", &op.Conv{Filters: d, Kernel: []int64{3}, Stride: []int64{2}, Pad: op.Pad(1), Bias: true, WeightRole: "weight", BiasRole: "bias"}, c1.Outputs[0])
		c1.Remark("the encoder reads 2*max_source_positions = %d mel frames (30 s of audio)", frames)
		b.arch.EmbeddingParams += src * d
		pos := b.add(join(base, "encoder.embed_positions"), "Embedding", &op.Module{What: "transposed to positions x d_model, sinusoidal positions added",
			Seq: src, Out: d, Weights: []op.Weight{{Role: "weight", Shape: graph.S(src, d), Size: calc.Mul(n(src), n(d)), Frozen: true}}}, c2.Outputs[0])
		pos.Remark("fixed sinusoidal table: requires_grad=False, so not trainable")
		h := pos.Outputs[0]
		for i := int64(0); i < s.encLayers; i++ {
			h = s.layer(b, join(base, "encoder.layers", fmt.Sprint(i)), s.encHeads, s.encFF, h, nil, true, src)
		}
		return b.norm(join(base, "encoder.layer_norm"), "LayerNorm", layerNorm, d, h).Outputs[0]
	}
	decoder := func(enc *graph.Value, fixed int64) (*graph.Node, *graph.Value) {
		de := b.embedding(join(base, "decoder.embed_tokens"), V, d, b.ids("decoder_input_ids", b.seq))
		b.arch.EmbeddingParams += tgt * d
		pos := b.add(join(base, "decoder.embed_positions"), "WhisperPositionalEmbedding", &op.Module{What: "learned position embeddings added", In: d,
			Weights: []op.Weight{{Role: "weight", Shape: graph.S(tgt, d), Size: calc.Mul(n(tgt), n(d))}}}, de.Outputs[0])
		h := pos.Outputs[0]
		for i := int64(0); i < s.decLayers; i++ {
			h = s.layer(b, join(base, "decoder.layers", fmt.Sprint(i)), s.decHeads, s.decFF, h, enc, true, fixed)
		}
		return de, b.norm(join(base, "decoder.layer_norm"), "LayerNorm", layerNorm, d, h).Outputs[0]
	}
	switch suffix {
	case "ForAudioClassification":
		b.arch.EncoderOnly = true
		b.arch.Context, b.arch.ContextFrom = src, "max_source_positions"
		h := encoder()
		if weighted {
			w := b.add("layer_weights", "Parameter", &op.Module{What: "weighted sum of the encoder's hidden states", In: d,
				Weights: []op.Weight{{Role: "value", Name: "layer_weights", Shape: graph.S(s.encLayers + 1)}}}, h)
			h = w.Outputs[0]
		}
		x := b.linearNode("projector", d, projSize, true, h).Outputs[0]
		x = b.add("classifier", "Linear", &op.Module{What: "classifier on the mean over positions", In: projSize, Out: c.numLabels(), First: true,
			Weights: linear("", n(projSize), n(c.numLabels()), true), TokenMACs: calc.Mul(n(projSize), n(c.numLabels()))}, x).Outputs[0]
		b.g.Outputs = []*graph.Value{x}
		return nil
	case "ForCausalLM":
		enc := b.input("encoder_hidden_states", graph.Shape{b.batch, graph.D(src), graph.D(d)}, graph.Float32)
		de, h := decoder(enc, src)
		b.g.Outputs = []*graph.Value{b.head("proj_out", d, V, false, h, tied, de, "weight").Outputs[0]}
		return nil
	}
	b.arch.EncoderDecoder = true
	b.arch.Notes = append(b.arch.Notes, "FLOPs per token: one target token through the decoder plus one of the 1500 audio positions through the encoder (the encoder runs once per 30 s segment); the convolution front-end is not included")
	enc := encoder()
	de, h := decoder(enc, src)
	if suffix == "ForConditionalGeneration" {
		h = b.head("proj_out", d, V, false, h, tied, de, "weight").Outputs[0]
	}
	b.g.Outputs = []*graph.Value{h}
	return nil
}
