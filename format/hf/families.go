package hf

import ()

// family is one model_type: the class-name prefix of its classes, the
// class built when the configuration names none, the class suffixes
// supported, and the builder. Defaults in the readers are the
// configuration_<family>.py defaults of transformers 5.
type family struct {
	prefix   string
	def      string // suffix of the default class
	suffixes []string
	build    func(b *builder, suffix string) error
}

// families is the table of supported model types.
func families() map[string]family {
	dec := func(prefix string, read func(c *config) *llamaLike) family {
		return family{prefix: prefix, def: "ForCausalLM", suffixes: decoderSuffixes, build: func(b *builder, suffix string) error {
			s := read(b.c)
			if err := b.c.err(); err != nil {
				return err
			}
			s.P = prefix
			return s.build(b, suffix)
		}}
	}
	return map[string]family{
		"llama":       dec("Llama", readLlama),
		"mistral":     dec("Mistral", readMistral),
		"mixtral":     dec("Mixtral", readMixtral),
		"qwen2":       dec("Qwen2", readQwen2),
		"qwen2_moe":   dec("Qwen2Moe", readQwen2Moe),
		"qwen3":       dec("Qwen3", readQwen3),
		"qwen3_moe":   dec("Qwen3Moe", readQwen3Moe),
		"gemma":       dec("Gemma", readGemma),
		"gemma2":      dec("Gemma2", readGemma2),
		"phi3":        dec("Phi3", readPhi3),
		"deepseek_v3": dec("DeepseekV3", readDeepseekV3),
		"gpt_oss":     dec("GptOss", readGptOss),
		"phi":         {prefix: "Phi", def: "ForCausalLM", suffixes: decoderSuffixes, build: buildPhi},
		"gpt2":        {prefix: "GPT2", def: "LMHeadModel", suffixes: []string{"LMHeadModel", "Model", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "DoubleHeadsModel"}, build: buildGPT2},
		"gpt_neox":    {prefix: "GPTNeoX", def: "ForCausalLM", suffixes: decoderSuffixes, build: buildGPTNeoX},
		"falcon":      {prefix: "Falcon", def: "ForCausalLM", suffixes: decoderSuffixes, build: buildFalcon},
		"opt":         {prefix: "OPT", def: "ForCausalLM", suffixes: []string{"ForCausalLM", "Model", "ForSequenceClassification", "ForQuestionAnswering"}, build: buildOPT},
		"bert":        {prefix: "Bert", def: "Model", suffixes: bertSuffixes, build: buildBert},
		"roberta":     {prefix: "Roberta", def: "Model", suffixes: robertaSuffixes, build: buildRoberta},
		"distilbert":  {prefix: "DistilBert", def: "Model", suffixes: distilSuffixes, build: buildDistilBert},
		"vit":         {prefix: "ViT", def: "Model", suffixes: []string{"Model", "ForImageClassification", "ForMaskedImageModeling"}, build: buildViT},
		"t5":          {prefix: "T5", def: "ForConditionalGeneration", suffixes: []string{"ForConditionalGeneration", "Model", "EncoderModel", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering"}, build: buildT5},
		"bart":        {prefix: "Bart", def: "Model", suffixes: []string{"Model", "ForConditionalGeneration", "ForSequenceClassification", "ForQuestionAnswering", "ForCausalLM"}, build: buildBart},
		"whisper":     {prefix: "Whisper", def: "Model", suffixes: []string{"Model", "ForConditionalGeneration", "ForCausalLM", "ForAudioClassification"}, build: buildWhisper},
	}
}

// headDim is head_dim when the configuration sets it, otherwise
// hidden_size // num_attention_heads (the getattr fallback every family
// uses).
func headDim(c *config, hidden, heads int64) int64 {
	if c.has("head_dim") {
		return c.pos("head_dim", 0)
	}
	if heads == 0 {
		return 0
	}
	return hidden / heads
}

// common reads the keys every llama-like family has.
func common(c *config, vocab, hidden, inter, layers, heads int64, kv int64, maxPos int64) *llamaLike {
	s := &llamaLike{
		vocab:        c.pos("vocab_size", vocab),
		hidden:       c.pos("hidden_size", hidden),
		inter:        c.pos("intermediate_size", inter),
		layers:       c.layers("num_hidden_layers", layers),
		heads:        c.pos("num_attention_heads", heads),
		maxPositions: c.pos("max_position_embeddings", maxPos),
	}
	if kv == 0 {
		kv = s.heads
	}
	s.kvHeads = c.pos("num_key_value_heads", kv)
	s.headDim = headDim(c, s.hidden, s.heads)
	if s.headDim == 0 {
		c.errorf("num_attention_heads", "%d heads leave no room in hidden_size %d", s.heads, s.hidden)
	}
	return s
}

// attentionBias reads attention_bias, which gives q_proj, k_proj, v_proj
// and o_proj their biases.
func (s *llamaLike) attentionBias(c *config, def bool) {
	bias := c.bool("attention_bias", def)
	s.qBias, s.kBias, s.vBias, s.oBias = bias, bias, bias, bias
}

func readLlama(c *config) *llamaLike {
	s := common(c, 32000, 4096, 11008, 32, 32, 0, 2048)
	s.attentionBias(c, false)
	s.mlpBias = c.bool("mlp_bias", false)
	s.tie = c.bool("tie_word_embeddings", false)
	s.qaBase = "transformer"
	return s
}

func readMistral(c *config) *llamaLike {
	s := common(c, 32000, 4096, 14336, 32, 32, 8, 4096*32)
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = layerWindows(c, s.layers, c.optInt("sliding_window", 4096), func(int64) bool { return true })
	return s
}

func readMixtral(c *config) *llamaLike {
	s := common(c, 32000, 4096, 14336, 32, 32, 8, 4096*32)
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = layerWindows(c, s.layers, c.optInt("sliding_window", 0), func(int64) bool { return true })
	e := &moeSpec{experts: c.pos("num_local_experts", 8), topK: c.pos("num_experts_per_tok", 2), inter: s.inter}
	s.moe = func(int64) *moeSpec { return e }
	return s
}

// qwenWindows is Qwen2's rule: with use_sliding_window, layers from
// max_window_layers on use the sliding window.
func qwenWindows(c *config, layers int64) []int64 {
	if !c.bool("use_sliding_window", false) && !c.has("layer_types") {
		return make([]int64, layers)
	}
	maxWin := c.int("max_window_layers", 28)
	return layerWindows(c, layers, c.optInt("sliding_window", 4096), func(i int64) bool { return i >= maxWin })
}

func readQwen2(c *config) *llamaLike {
	s := common(c, 151936, 4096, 22016, 32, 32, 32, 32768)
	s.qBias, s.kBias, s.vBias = true, true, true
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = qwenWindows(c, s.layers)
	s.qaBase = "transformer"
	return s
}

// sparseLayer is the Qwen-MoE rule: a layer is sparse unless listed in
// mlp_only_layers, when experts exist and (i+1) % decoder_sparse_step == 0.
func sparseLayer(c *config, experts int64) func(i int64) bool {
	step := c.int("decoder_sparse_step", 1)
	only := map[int64]bool{}
	for _, i := range c.ints("mlp_only_layers") {
		only[i] = true
	}
	return func(i int64) bool {
		return !only[i] && experts > 0 && step > 0 && (i+1)%step == 0
	}
}

// moeWhere puts the experts e on the layers where sparse holds and a
// dense MLP on the others.
func moeWhere(e *moeSpec, sparse func(i int64) bool) func(i int64) *moeSpec {
	return func(i int64) *moeSpec {
		if sparse(i) {
			return e
		}
		return nil
	}
}

func readQwen2Moe(c *config) *llamaLike {
	s := common(c, 151936, 2048, 5632, 24, 16, 16, 32768)
	bias := c.bool("qkv_bias", true)
	s.qBias, s.kBias, s.vBias = bias, bias, bias
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = qwenWindows(c, s.layers)
	experts := c.int("num_experts", 60)
	e := &moeSpec{experts: experts, topK: c.pos("num_experts_per_tok", 4), inter: c.pos("moe_intermediate_size", 1408),
		sharedInter: c.int("shared_expert_intermediate_size", 5632), sharedName: "shared_expert", sharedGate: true, sharedCount: 1}
	s.moe = moeWhere(e, sparseLayer(c, experts))
	return s
}

func readQwen3(c *config) *llamaLike {
	s := common(c, 151936, 4096, 22016, 32, 32, 32, 32768)
	if !c.has("head_dim") {
		s.headDim = 128
	}
	s.attentionBias(c, false)
	s.qkNorm = true
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = qwenWindows(c, s.layers)
	s.qaBase = "transformer"
	return s
}

func readQwen3Moe(c *config) *llamaLike {
	c.alias = map[string][]string{"num_local_experts": {"num_experts"}}
	s := common(c, 151936, 2048, 6144, 24, 32, 4, 32768)
	s.attentionBias(c, false)
	s.qkNorm = true
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = qwenWindows(c, s.layers)
	experts := c.int("num_local_experts", 128)
	e := &moeSpec{experts: experts, topK: c.pos("num_experts_per_tok", 8), inter: c.pos("moe_intermediate_size", 768)}
	s.moe = moeWhere(e, sparseLayer(c, experts))
	return s
}

func readGemma(c *config) *llamaLike {
	s := common(c, 256000, 3072, 24576, 28, 16, 16, 8192)
	if !c.has("head_dim") {
		s.headDim = 256
	}
	s.attentionBias(c, false)
	s.tie = c.bool("tie_word_embeddings", true)
	return s
}

func readGemma2(c *config) *llamaLike {
	s := common(c, 256000, 2304, 9216, 26, 8, 4, 8192)
	if !c.has("head_dim") {
		s.headDim = 256
	}
	s.attentionBias(c, false)
	s.tie = c.bool("tie_word_embeddings", true)
	s.sandwich = true
	s.windows = layerWindows(c, s.layers, c.optInt("sliding_window", 4096), func(i int64) bool { return (i+1)%2 == 1 })
	return s
}

func readPhi3(c *config) *llamaLike {
	s := common(c, 32064, 3072, 8192, 32, 32, 0, 4096)
	s.fusedQKV, s.fusedGateUp = true, true
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = layerWindows(c, s.layers, c.optInt("sliding_window", 0), func(int64) bool { return true })
	return s
}

func readDeepseekV3(c *config) *llamaLike {
	c.alias = map[string][]string{"n_routed_experts": {"num_local_experts"}}
	s := common(c, 129280, 7168, 18432, 61, 128, 128, 4096)
	s.tie = c.bool("tie_word_embeddings", false)
	a := &mlaSpec{
		qLoraRank:  c.int("q_lora_rank", 1536),
		kvLoraRank: c.pos("kv_lora_rank", 512),
		qkNope:     c.int("qk_nope_head_dim", 128),
		qkRope:     c.int("qk_rope_head_dim", 64),
		vHeadDim:   c.pos("v_head_dim", 128),
		bias:       c.bool("attention_bias", false),
	}
	if c.isNull("q_lora_rank") {
		a.qLoraRank = 0 // None: a plain q_proj
	}
	if a.qkNope+a.qkRope == 0 {
		c.errorf("qk_rope_head_dim", "qk_nope_head_dim + qk_rope_head_dim must be positive")
	}
	s.mla = a
	s.headDim = a.qkNope + a.qkRope
	dense := c.int("first_k_dense_replace", 3)
	e := &moeSpec{experts: c.pos("n_routed_experts", 256), topK: c.pos("num_experts_per_tok", 8), inter: c.pos("moe_intermediate_size", 2048),
		sharedName: "shared_experts", sharedCount: c.int("n_shared_experts", 1),
		note: "gate.e_score_correction_bias (the routing bias) is a buffer, not a parameter, and is not counted", typ: "DeepseekV3MoE"}
	e.sharedInter = e.inter * e.sharedCount
	s.moe = moeWhere(e, func(i int64) bool { return i >= dense })
	return s
}

func readGptOss(c *config) *llamaLike {
	s := common(c, 201088, 2880, 2880, 36, 64, 8, 131072)
	if !c.has("head_dim") {
		s.headDim = 64
	}
	s.attentionBias(c, true)
	s.sinks = true
	s.tie = c.bool("tie_word_embeddings", false)
	s.windows = layerWindows(c, s.layers, c.optInt("sliding_window", 128), func(i int64) bool { return (i+1)%2 == 1 })
	e := &moeSpec{experts: c.pos("num_local_experts", 128), topK: c.pos("num_experts_per_tok", 4), inter: s.inter,
		routerName: "router", routerBias: true, expertBias: true, gateUpInFirst: true, typ: "GptOssMLP"}
	s.moe = func(int64) *moeSpec { return e }
	return s
}
