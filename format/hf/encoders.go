package hf

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

var (
	bertSuffixes    = []string{"Model", "ForMaskedLM", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "ForPreTraining", "ForNextSentencePrediction", "ForMultipleChoice", "LMHeadModel"}
	robertaSuffixes = []string{"Model", "ForMaskedLM", "ForCausalLM", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "ForMultipleChoice"}
	distilSuffixes  = []string{"Model", "ForMaskedLM", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "ForMultipleChoice"}
)

// bertSpec is the shared BERT/RoBERTa encoder.
type bertSpec struct {
	P                                   string // "Bert" or "Roberta"
	vocab, hidden, layers, heads, inter int64
	maxPos, typeVocab                   int64
	cross                               bool // is_decoder with add_cross_attention
	tie                                 bool
}

func readBert(c *config, vocab int64) *bertSpec {
	return &bertSpec{
		vocab:     c.pos("vocab_size", vocab),
		hidden:    c.pos("hidden_size", 768),
		layers:    c.layers("num_hidden_layers", 12),
		heads:     c.pos("num_attention_heads", 12),
		inter:     c.pos("intermediate_size", 3072),
		maxPos:    c.pos("max_position_embeddings", 512),
		typeVocab: c.pos("type_vocab_size", 2),
		cross:     c.bool("add_cross_attention", false),
		tie:       c.bool("tie_word_embeddings", true),
	}
}

// encoder adds BertModel's embeddings and layers under base; it returns
// the embeddings node (for tied heads) and the last hidden states.
func (s *bertSpec) encoder(b *builder, base string) (*graph.Node, *graph.Value, error) {
	H := s.hidden
	hd := H / s.heads
	if hd == 0 {
		return nil, nil, fmt.Errorf("%s: num_attention_heads %d is more than hidden_size %d", b.g.Path, s.heads, H)
	}
	b.arch.Context, b.arch.ContextFrom = s.maxPos, "max_position_embeddings"
	b.arch.EncoderOnly = !s.cross
	ids := b.ids("input_ids", b.seq)
	ws := []op.Weight{
		{Role: "word_embeddings.weight", Shape: graph.S(s.vocab, H), Size: calc.Mul(n(s.vocab), n(H))},
		{Role: "position_embeddings.weight", Shape: graph.S(s.maxPos, H), Size: calc.Mul(n(s.maxPos), n(H))},
		{Role: "token_type_embeddings.weight", Shape: graph.S(s.typeVocab, H), Size: calc.Mul(n(s.typeVocab), n(H))},
	}
	ws = append(ws, layerNorm.weights("LayerNorm", H)...)
	b.arch.EmbeddingParams += (s.vocab + s.maxPos + s.typeVocab) * H
	emb := b.add(join(base, "embeddings"), s.P+"Embeddings", &op.Module{What: "word + position + token type embeddings, LayerNorm", In: s.vocab, Out: H, Lookup: true, Weights: ws}, ids)
	if s.P == "Roberta" {
		emb.Remark("RoBERTa numbers positions from padding_idx+1, so max_position_embeddings includes 2 unused rows")
	}
	h := emb.Outputs[0]
	var enc *graph.Value
	if s.cross {
		enc = b.input("encoder_hidden_states", graph.Shape{b.batch, graph.Symbol("enc_seq"), graph.D(H)}, graph.Float32)
	}
	for i := int64(0); i < s.layers; i++ {
		L := join(base, "encoder.layer", fmt.Sprint(i))
		a := s.attention(b, join(L, "attention"), h, nil)
		h = a.Outputs[0]
		cache := int64(0)
		why := ""
		if s.cross {
			cache, why = kvCache(s.heads, hd)
		}
		b.attn(a.Name, s.heads, hd, hd, 0, cache, why, 0, false)
		if s.cross {
			x := s.attention(b, join(L, "crossattention"), h, enc)
			b.attn(x.Name, s.heads, hd, hd, 0, 2*s.heads*hd, fmt.Sprintf("2*%d*%d per encoder position", s.heads, hd), 0, true)
			h = x.Outputs[0]
		}
		h = b.add(join(L, "intermediate"), s.P+"Intermediate", &op.Module{What: "intermediate dense", In: H, Out: s.inter,
			Weights: linear("dense", n(H), n(s.inter), true), TokenMACs: calc.Mul(n(H), n(s.inter))}, h).Outputs[0]
		ow := append(linear("dense", n(s.inter), n(H), true), layerNorm.weights("LayerNorm", H)...)
		h = b.add(join(L, "output"), s.P+"Output", &op.Module{What: "output dense + LayerNorm", In: s.inter, Out: H,
			Weights: ow, TokenMACs: calc.Mul(n(s.inter), n(H))}, h).Outputs[0]
	}
	return emb, h, nil
}

// attention is BertAttention: self.{query,key,value}, output.dense and
// output.LayerNorm (cross-attention when enc is given).
func (s *bertSpec) attention(b *builder, name string, h, enc *graph.Value) *graph.Node {
	H := s.hidden
	hd := H / s.heads
	ws := linear("self.query", n(H), n(H), true)
	ws = append(ws, linear("self.key", n(H), n(H), true)...)
	ws = append(ws, linear("self.value", n(H), n(H), true)...)
	ws = append(ws, linear("output.dense", n(H), n(H), true)...)
	ins := []*graph.Value{h}
	if enc != nil {
		ins = append(ins, enc)
	}
	return b.attnNode(name, s.P+"Attention", ws, layerNorm.weights("output.LayerNorm", H), H, s.heads, hd, hd, 0, ins...)
}

// pooler is the dense+tanh on the first token.
func (b *builder) pooler(name, prefix string, H, out int64, h *graph.Value) *graph.Node {
	return b.add(name, prefix+"Pooler", &op.Module{What: "pooler (dense + tanh)", In: H, Out: out, First: true,
		Weights: linear("dense", n(H), n(out), true), TokenMACs: calc.Mul(n(H), n(out))}, h)
}

func buildBert(b *builder, suffix string) error {
	s := readBert(b.c, 30522)
	s.P = "Bert"
	if err := b.c.err(); err != nil {
		return err
	}
	base := basePrefix("bert", suffix)
	emb, h, err := s.encoder(b, base)
	if err != nil {
		return err
	}
	H := s.hidden
	withPooler := map[string]bool{"Model": true, "ForSequenceClassification": true, "ForPreTraining": true, "ForNextSentencePrediction": true, "ForMultipleChoice": true}[suffix]
	var pooled *graph.Value
	if withPooler {
		pooled = b.pooler(join(base, "pooler"), "Bert", H, H, h).Outputs[0]
	}
	var outs []*graph.Value
	predictions := func() *graph.Value {
		ws := append(linear("transform.dense", n(H), n(H), true), layerNorm.weights("transform.LayerNorm", H)...)
		ws = append(ws, linear("decoder", n(H), n(s.vocab), false)...)
		ws = append(ws, vector("bias", s.vocab))
		p := b.add("cls.predictions", "BertLMPredictionHead", &op.Module{What: "masked-LM head (transform, tied decoder, bias)", In: H, Out: s.vocab,
			Weights: ws, TokenMACs: calc.Add(calc.Mul(n(H), n(H)), calc.Mul(n(H), n(s.vocab)))}, h)
		if s.tie {
			tie(p, "decoder.weight", emb, "word_embeddings.weight")
		}
		p.Remark("decoder.bias is the same tensor as bias")
		return p.Outputs[0]
	}
	switch suffix {
	case "Model":
		outs = []*graph.Value{h, pooled}
	case "ForMaskedLM", "LMHeadModel":
		outs = []*graph.Value{predictions()}
	case "ForPreTraining":
		outs = []*graph.Value{predictions(), b.linearNode("cls.seq_relationship", H, 2, true, pooled).Outputs[0]}
	case "ForNextSentencePrediction":
		outs = []*graph.Value{b.linearNode("cls.seq_relationship", H, 2, true, pooled).Outputs[0]}
	case "ForSequenceClassification":
		outs = []*graph.Value{b.linearNode("classifier", H, b.c.numLabels(), true, pooled).Outputs[0]}
	case "ForMultipleChoice":
		outs = []*graph.Value{b.linearNode("classifier", H, 1, true, pooled).Outputs[0]}
	case "ForTokenClassification":
		outs = []*graph.Value{b.linearNode("classifier", H, b.c.numLabels(), true, h).Outputs[0]}
	case "ForQuestionAnswering":
		outs = []*graph.Value{b.linearNode("qa_outputs", H, b.c.numLabels(), true, h).Outputs[0]}
	}
	b.g.Outputs = outs
	return nil
}

func buildRoberta(b *builder, suffix string) error {
	s := readBert(b.c, 50265)
	s.P = "Roberta"
	if err := b.c.err(); err != nil {
		return err
	}
	base := basePrefix("roberta", suffix)
	emb, h, err := s.encoder(b, base)
	if err != nil {
		return err
	}
	H := s.hidden
	var outs []*graph.Value
	switch suffix {
	case "Model":
		outs = []*graph.Value{h, b.pooler("pooler", "Roberta", H, H, h).Outputs[0]}
	case "ForMaskedLM", "ForCausalLM":
		ws := append(linear("dense", n(H), n(H), true), layerNorm.weights("layer_norm", H)...)
		ws = append(ws, linear("decoder", n(H), n(s.vocab), false)...)
		ws = append(ws, vector("bias", s.vocab))
		p := b.add("lm_head", "RobertaLMHead", &op.Module{What: "LM head (dense, LayerNorm, tied decoder, bias)", In: H, Out: s.vocab,
			Weights: ws, TokenMACs: calc.Add(calc.Mul(n(H), n(H)), calc.Mul(n(H), n(s.vocab)))}, h)
		if s.tie {
			tie(p, "decoder.weight", emb, "word_embeddings.weight")
		}
		outs = []*graph.Value{p.Outputs[0]}
	case "ForSequenceClassification":
		x := b.firstLinear("classifier.dense", "classification dense on <s>", H, H, true, h)
		outs = []*graph.Value{b.linearNode("classifier.out_proj", H, b.c.numLabels(), true, x.Outputs[0]).Outputs[0]}
	case "ForMultipleChoice":
		p := b.pooler("roberta.pooler", "Roberta", H, H, h)
		outs = []*graph.Value{b.linearNode("classifier", H, 1, true, p.Outputs[0]).Outputs[0]}
	case "ForTokenClassification":
		outs = []*graph.Value{b.linearNode("classifier", H, b.c.numLabels(), true, h).Outputs[0]}
	case "ForQuestionAnswering":
		outs = []*graph.Value{b.linearNode("qa_outputs", H, b.c.numLabels(), true, h).Outputs[0]}
	}
	b.g.Outputs = outs
	return nil
}

// buildDistilBert is DistilBERT: BERT without token types and pooler,
// q_lin/k_lin/v_lin/out_lin attention, ffn.lin1/lin2.
func buildDistilBert(b *builder, suffix string) error {
	c := b.c
	c.alias = map[string][]string{"dim": {"hidden_size"}, "n_heads": {"num_attention_heads"}, "n_layers": {"num_hidden_layers"}}
	V := c.pos("vocab_size", 30522)
	maxPos := c.pos("max_position_embeddings", 512)
	sinusoidal := c.bool("sinusoidal_pos_embds", false)
	layers := c.layers("n_layers", 6)
	heads := c.pos("n_heads", 12)
	H := c.pos("dim", 768)
	inter := c.pos("hidden_dim", 4*768)
	tied := c.bool("tie_word_embeddings", true)
	if err := c.err(); err != nil {
		return err
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: n_heads %d is more than dim %d", b.g.Path, heads, H)
	}
	base := basePrefix("distilbert", suffix)
	b.arch.Context, b.arch.ContextFrom = maxPos, "max_position_embeddings"
	b.arch.EncoderOnly = true
	ws := []op.Weight{
		{Role: "word_embeddings.weight", Shape: graph.S(V, H), Size: calc.Mul(n(V), n(H))},
		{Role: "position_embeddings.weight", Shape: graph.S(maxPos, H), Size: calc.Mul(n(maxPos), n(H)), Frozen: sinusoidal},
	}
	ws = append(ws, layerNorm.weights("LayerNorm", H)...)
	b.arch.EmbeddingParams += (V + maxPos) * H
	emb := b.add(join(base, "embeddings"), "Embeddings", &op.Module{What: "word + position embeddings, LayerNorm", In: V, Out: H, Lookup: true, Weights: ws}, b.ids("input_ids", b.seq))
	if sinusoidal {
		emb.Remark("sinusoidal_pos_embds: the position table is fixed (requires_grad=False) and not trained")
	}
	h := emb.Outputs[0]
	for i := int64(0); i < layers; i++ {
		L := join(base, "transformer.layer", fmt.Sprint(i))
		aw := linear("q_lin", n(H), n(H), true)
		aw = append(aw, linear("k_lin", n(H), n(H), true)...)
		aw = append(aw, linear("v_lin", n(H), n(H), true)...)
		aw = append(aw, linear("out_lin", n(H), n(H), true)...)
		a := b.attnNode(join(L, "attention"), "DistilBertSelfAttention", aw, nil, H, heads, hd, hd, 0, h)
		b.attn(a.Name, heads, hd, hd, 0, 0, "", 0, false)
		h = b.norm(join(L, "sa_layer_norm"), "LayerNorm", layerNorm, H, a.Outputs[0]).Outputs[0]
		fw := append(linear("lin1", n(H), n(inter), true), linear("lin2", n(inter), n(H), true)...)
		h = b.mlpNode(join(L, "ffn"), "FFN", fw, nil, H, h).Outputs[0]
		h = b.norm(join(L, "output_layer_norm"), "LayerNorm", layerNorm, H, h).Outputs[0]
	}
	var outs []*graph.Value
	switch suffix {
	case "Model":
		outs = []*graph.Value{h}
	case "ForMaskedLM":
		x := b.linearNode("vocab_transform", H, H, true, h).Outputs[0]
		x = b.norm("vocab_layer_norm", "LayerNorm", layerNorm, H, x).Outputs[0]
		p := b.head("vocab_projector", H, V, true, x, tied, emb, "word_embeddings.weight")
		outs = []*graph.Value{p.Outputs[0]}
	case "ForSequenceClassification", "ForMultipleChoice":
		labels := c.numLabels()
		if suffix == "ForMultipleChoice" {
			labels = 1
		}
		x := b.firstLinear("pre_classifier", "pre-classifier on [CLS]", H, H, true, h)
		outs = []*graph.Value{b.linearNode("classifier", H, labels, true, x.Outputs[0]).Outputs[0]}
	case "ForTokenClassification":
		outs = []*graph.Value{b.linearNode("classifier", H, c.numLabels(), true, h).Outputs[0]}
	case "ForQuestionAnswering":
		outs = []*graph.Value{b.linearNode("qa_outputs", H, c.numLabels(), true, h).Outputs[0]}
	}
	b.g.Outputs = outs
	return nil
}

// buildViT is the Vision Transformer: a patch-embedding convolution, a
// [CLS] token and learned position embeddings (nn.Parameters, not
// nn.Embedding), pre-norm layers and a pooler.
func buildViT(b *builder, suffix string) error {
	c := b.c
	H := c.pos("hidden_size", 768)
	layers := c.layers("num_hidden_layers", 12)
	heads := c.pos("num_attention_heads", 12)
	inter := c.pos("intermediate_size", 3072)
	img := c.ints("image_size")
	patch := c.ints("patch_size")
	C := c.pos("num_channels", 3)
	qkvBias := c.bool("qkv_bias", true)
	stride := c.pos("encoder_stride", 16)
	poolOut := c.pos("pooler_output_size", H)
	if err := c.err(); err != nil {
		return err
	}
	two := func(xs []int64, def int64) (int64, int64, error) {
		switch len(xs) {
		case 0:
			return def, def, nil
		case 1:
			return xs[0], xs[0], nil
		case 2:
			return xs[0], xs[1], nil
		}
		return 0, 0, fmt.Errorf("expected one or two sizes, got %d", len(xs))
	}
	ih, iw, err := two(img, 224)
	if err != nil {
		return fmt.Errorf("%s: \"image_size\": %w", b.g.Path, err)
	}
	ph, pw, err := two(patch, 16)
	if err != nil {
		return fmt.Errorf("%s: \"patch_size\": %w", b.g.Path, err)
	}
	if ih <= 0 || iw <= 0 || ph <= 0 || pw <= 0 || ih < ph || iw < pw || ih > maxSize || iw > maxSize {
		return fmt.Errorf("%s: image_size %dx%d and patch_size %dx%d leave no patches", b.g.Path, ih, iw, ph, pw)
	}
	hd := H / heads
	if hd == 0 {
		return fmt.Errorf("%s: num_attention_heads %d is more than hidden_size %d", b.g.Path, heads, H)
	}
	base := basePrefix("vit", suffix)
	patches := (ih / ph) * (iw / pw)
	seq := patches + 1
	b.arch.Context, b.arch.ContextFrom = seq, "image_size/patch_size patches + [CLS]"
	b.arch.EncoderOnly = true
	px := b.input("pixel_values", graph.Shape{b.batch, graph.D(C), graph.D(ih), graph.D(iw)}, graph.Float32)
	conv := b.addNode(join(base, "embeddings.patch_embeddings"), "ViTPatchEmbeddings", &op.Conv{Filters: H, Kernel: []int64{ph, pw},
		Stride: []int64{ph, pw}, Bias: true, WeightRole: "projection.weight", BiasRole: "projection.bias"}, px)
	b.addMACs("embeddings.patch_embeddings", C*ph*pw*H)
	ew := []op.Weight{{Role: "cls_token", Shape: graph.S(1, 1, H)}}
	if suffix == "ForMaskedImageModeling" {
		ew = append(ew, op.Weight{Role: "mask_token", Shape: graph.S(1, 1, H)})
	}
	ew = append(ew, op.Weight{Role: "position_embeddings", Shape: graph.S(1, seq, H), Size: calc.Mul(n(1), calc.Paren(calc.Add(n(patches), n(1))), n(H))})
	emb := b.add(join(base, "embeddings"), "ViTEmbeddings", &op.Module{What: fmt.Sprintf("%d patches flattened, [CLS] prepended, positions added", patches),
		Seq: seq, Out: H, Weights: ew}, conv.Outputs[0])
	h := emb.Outputs[0]
	for i := int64(0); i < layers; i++ {
		L := join(base, "encoder.layer", fmt.Sprint(i))
		h = b.norm(join(L, "layernorm_before"), "LayerNorm", layerNorm, H, h).Outputs[0]
		ws := linear("attention.query", n(H), n(H), qkvBias)
		ws = append(ws, linear("attention.key", n(H), n(H), qkvBias)...)
		ws = append(ws, linear("attention.value", n(H), n(H), qkvBias)...)
		ws = append(ws, linear("output.dense", n(H), n(H), true)...)
		a := b.attnNode(join(L, "attention"), "ViTAttention", ws, nil, H, heads, hd, hd, 0, h)
		b.attn(a.Name, heads, hd, hd, 0, 0, "", seq, false)
		h = b.norm(join(L, "layernorm_after"), "LayerNorm", layerNorm, H, a.Outputs[0]).Outputs[0]
		h = b.add(join(L, "intermediate"), "ViTIntermediate", &op.Module{What: "intermediate dense", In: H, Out: inter,
			Weights: linear("dense", n(H), n(inter), true), TokenMACs: calc.Mul(n(H), n(inter))}, h).Outputs[0]
		h = b.add(join(L, "output"), "ViTOutput", &op.Module{What: "output dense", In: inter, Out: H,
			Weights: linear("dense", n(inter), n(H), true), TokenMACs: calc.Mul(n(inter), n(H))}, h).Outputs[0]
	}
	h = b.norm(join(base, "layernorm"), "LayerNorm", layerNorm, H, h).Outputs[0]
	var outs []*graph.Value
	switch suffix {
	case "Model":
		outs = []*graph.Value{h, b.pooler("pooler", "ViT", H, poolOut, h).Outputs[0]}
	case "ForImageClassification":
		labels := c.numLabels()
		if labels > 0 {
			outs = []*graph.Value{b.firstLinear("classifier", "classifier on [CLS]", H, labels, true, h).Outputs[0]}
		} else {
			outs = []*graph.Value{h}
		}
	case "ForMaskedImageModeling":
		out := stride * stride * C
		d := b.add("decoder.0", "Conv2d", &op.Module{What: "1x1 convolution per patch (then PixelShuffle)", In: H, Out: out,
			Weights: []op.Weight{{Role: "weight", Shape: graph.S(out, H, 1, 1)}, vector("bias", out)}, TokenMACs: calc.Mul(n(H), n(out))}, h)
		d.Remark("applied to the %d patch positions (the [CLS] position is dropped first)", patches)
		outs = []*graph.Value{d.Outputs[0]}
	}
	b.g.Outputs = outs
	return nil
}
