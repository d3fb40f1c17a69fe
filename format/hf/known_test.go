package hf

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// build decodes and infers a configuration given as text.
func build(t *testing.T, cfg string, opt Options) *graph.Graph {
	t.Helper()
	g, err := Decode("config.json", []byte(cfg), opt)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatalf("infer: %v", err)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return g
}

func total(t *testing.T, cfg string, opt Options) int64 {
	t.Helper()
	_, n, _ := params(build(t, cfg, opt))
	return n
}

// TestPublished checks counts published by the model authors or printed by
// torch tools (../shared/docs/peers.md §5, the papers), from configurations
// written here from the models' known hyperparameters, or from a minimal
// configuration whose defaults are that model.
func TestPublished(t *testing.T) {
	for _, c := range []struct {
		name  string
		cfg   string
		class string
		want  int64
	}{
		// peers.md §5: GPT-2 small, tied head; GPT2Config's defaults are GPT-2 small.
		{"gpt2 small", `{"model_type": "gpt2"}`, "", 124439808},
		{"gpt2 small, explicit", `{"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024, "vocab_size": 50257}`, "", 124439808},
		// peers.md §5: Llama-2-7B, untied head; LlamaConfig's defaults are Llama-2-7B.
		{"llama-2-7b", `{"model_type": "llama"}`, "", 6738415616},
		{"llama-2-7b, explicit", `{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
			"num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000, "tie_word_embeddings": false}`, "", 6738415616},
		// peers.md §5: BertModel with its pooler; BertConfig's defaults are bert-base-uncased.
		{"bert-base-uncased", `{"model_type": "bert"}`, "", 109482240},
		// peers.md §5: flan-t5-small (torchinfo), written from its hyperparameters:
		// d_model 512, d_ff 1024, 8+8 layers, 6 heads of 64, vocab 32128, gated-gelu, untied lm_head.
		{"flan-t5-small", `{"model_type": "t5", "d_model": 512, "d_ff": 1024, "d_kv": 64, "num_layers": 8, "num_decoder_layers": 8,
			"num_heads": 6, "vocab_size": 32128, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false}`, "", 76961152},
		// peers.md §5: ViT-B/16 with a 1000-class head (torchvision's count;
		// HF's ViTForImageClassification has the same tensors).
		{"vit-b/16 classifier", `{"model_type": "vit", "num_labels": 1000}`, "ViTForImageClassification", 86567656},
		// The GPT-NeoX-20B paper's parameter count; GPTNeoXConfig's defaults are that model.
		{"gpt-neox-20b", `{"model_type": "gpt_neox"}`, "", 20554567680},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := total(t, c.cfg, Options{Class: c.class}); got != c.want {
				t.Errorf("params %d, want %d (off by %d)", got, c.want, got-c.want)
			}
		})
	}
}

// TestHandDerived checks families and heads without a reference fixture
// against formulas worked out here from each modeling_<family>.py.
func TestHandDerived(t *testing.T) {
	ln := func(d int64) int64 { return 2 * d }       // nn.LayerNorm: weight, bias
	lin := func(i, o int64) int64 { return i*o + o } // nn.Linear with bias
	for _, c := range []struct {
		name, cfg, class string
		want             int64
	}{
		{
			// ViTModel: cls_token, position_embeddings (1, 197, 768), patch conv
			// 768x3x16x16+768; 12 layers of q,k,v,o (biased), intermediate,
			// output, two LayerNorms; final LayerNorm; pooler dense.
			"vit base model", `{"model_type": "vit"}`, "",
			768 + 197*768 + (768*3*16*16 + 768) + 12*(4*lin(768, 768)+lin(768, 3072)+lin(3072, 768)+2*ln(768)) + ln(768) + lin(768, 768),
		},
		{
			// DistilBertModel: word and position embeddings, LayerNorm; 6 layers.
			"distilbert base", `{"model_type": "distilbert"}`, "",
			30522*768 + 512*768 + ln(768) + 6*(4*lin(768, 768)+ln(768)+lin(768, 3072)+lin(3072, 768)+ln(768)),
		},
		{
			// BertForMaskedLM: no pooler; transform dense + LayerNorm, decoder tied, bias (vocab).
			"bert mlm", `{"model_type": "bert"}`, "BertForMaskedLM",
			109482240 - lin(768, 768) + lin(768, 768) + ln(768) + 30522,
		},
		{
			"bert sequence classification, 3 labels", `{"model_type": "bert", "id2label": {"0": "a", "1": "b", "2": "c"}}`, "BertForSequenceClassification",
			109482240 + lin(768, 3),
		},
		{
			// Widely quoted counts of fine-tuned heads: distilbert-base-uncased
			// (DistilBertForMaskedLM), its SST-2 classifier, roberta-base's
			// masked LM, GPT-2's double heads (one multiple-choice score).
			"distilbert mlm", `{"model_type": "distilbert", "architectures": ["DistilBertForMaskedLM"]}`, "", 66985530,
		},
		{"distilbert sst-2", `{"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"]}`, "", 66955010},
		{"roberta-base mlm", `{"model_type": "roberta", "max_position_embeddings": 514, "type_vocab_size": 1}`, "RobertaForMaskedLM", 124697433},
		{"gpt2 double heads", `{"model_type": "gpt2"}`, "GPT2DoubleHeadsModel", 124439808 + 768 + 1},
		{
			// BertForPreTraining: BertModel with pooler, the MLM head and seq_relationship (768→2).
			"bert pretraining", `{"model_type": "bert"}`, "BertForPreTraining",
			109482240 + lin(768, 768) + ln(768) + 30522 + lin(768, 2),
		},
		{
			"llama base model without head", `{"model_type": "llama"}`, "LlamaModel",
			6738415616 - 32000*4096,
		},
		{
			// Gemma-7B: the GemmaConfig defaults (head_dim 256, 16 heads: q is
			// 3072->4096), tied head.
			"gemma 7b", `{"model_type": "gemma"}`, "",
			256000*3072 + 28*(4*3072*4096+3*3072*24576+2*3072) + 3072,
		},
		{
			// Gemma-2B: multi-query (1 key/value head of 256).
			"gemma 2b", `{"model_type": "gemma", "hidden_size": 2048, "intermediate_size": 16384, "num_hidden_layers": 18,
				"num_attention_heads": 8, "num_key_value_heads": 1, "head_dim": 256}`, "",
			256000*2048 + 18*(2*2048*2048+2*2048*256+3*2048*16384+2*2048) + 2048,
		},
		{
			// OPT-350m: 512-wide word embeddings projected in and out of 1024,
			// post-LayerNorm (no final LayerNorm), positions offset by 2.
			"opt-350m", `{"model_type": "opt", "hidden_size": 1024, "word_embed_proj_dim": 512, "ffn_dim": 4096, "num_hidden_layers": 24,
				"num_attention_heads": 16, "do_layer_norm_before": false}`, "",
			50272*512 + 2050*1024 + 1024*512 + 512*1024 + 24*(4*lin(1024, 1024)+2*ln(1024)+lin(1024, 4096)+lin(4096, 1024)),
		},
		{
			// Falcon-40B style: new_decoder_architecture, 8 key/value heads
			// of 64: qkv (2*8+128)*64 wide; two LayerNorms per layer (ln_attn,
			// ln_mlp); no biases; tied head.
			"falcon new decoder architecture", `{"model_type": "falcon", "hidden_size": 8192, "num_attention_heads": 128, "num_kv_heads": 8,
				"num_hidden_layers": 60, "new_decoder_architecture": true}`, "",
			65024*8192 + 60*(8192*(2*8+128)*64+8192*8192+2*8192*32768+2*ln(8192)) + ln(8192),
		},
		{
			// Falcon-RW style: plain multi-head (3*hidden qkv), sequential
			// attention and MLP with two LayerNorms, biases, ALiBi.
			"falcon rw", `{"model_type": "falcon", "hidden_size": 2048, "num_attention_heads": 32, "num_hidden_layers": 24, "vocab_size": 50304,
				"multi_query": false, "parallel_attn": false, "bias": true, "alibi": true}`, "",
			50304*2048 + 24*(lin(2048, 3*2048)+lin(2048, 2048)+lin(2048, 4*2048)+lin(4*2048, 2048)+2*ln(2048)) + ln(2048),
		},
		{
			// Phi-1.5 style with qk_layernorm: LayerNorms of head_dim (64) on q and k.
			"phi qk layernorm", `{"model_type": "phi", "qk_layernorm": true}`, "",
			51200*2048 + 24*(4*lin(2048, 2048)+2*ln(64)+lin(2048, 8192)+lin(8192, 2048)+ln(2048)) + ln(2048) + lin(2048, 51200),
		},
		{
			// T5EncoderModel: the shared table and the encoder only.
			"t5 encoder", `{"model_type": "t5"}`, "T5EncoderModel",
			32128*512 + 6*(4*512*512+512+2*512*2048+512) + 32*8 + 512,
		},
		{
			// BartForConditionalGeneration: BartModel plus a tied lm_head
			// (final_logits_bias is a buffer).
			"bart conditional generation", `{"model_type": "bart"}`, "BartForConditionalGeneration",
			50265*1024 + 2*1026*1024 + 2*ln(1024) + 12*(4*lin(1024, 1024)+2*ln(1024)+lin(1024, 4096)+lin(4096, 1024)) +
				12*(8*lin(1024, 1024)+3*ln(1024)+lin(1024, 4096)+lin(4096, 1024)),
		},
		{
			// WhisperForConditionalGeneration (whisper-tiny defaults): proj_out tied.
			// conv1 384x80x3, conv2 384x384x3; k_proj without bias.
			"whisper tiny", `{"model_type": "whisper"}`, "WhisperForConditionalGeneration",
			(384*80*3 + 384) + (384*384*3 + 384) + 1500*384 + 4*(4*lin(384, 384)-384+2*ln(384)+lin(384, 1536)+lin(1536, 384)) + ln(384) +
				51865*384 + 448*384 + 4*(8*lin(384, 384)-2*384+3*ln(384)+lin(384, 1536)+lin(1536, 384)) + ln(384),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := total(t, c.cfg, Options{Class: c.class}); got != c.want {
				t.Errorf("params %d, want %d (off by %d)", got, c.want, got-c.want)
			}
		})
	}
}

// TestDeepseekV3 derives DeepSeek-V3's count from modeling_deepseek_v3.py:
// multi-head latent attention (q_a_proj, q_a_layernorm, q_b_proj,
// kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj), first_k_dense
// dense layers, then MoE layers with a router (n_routed_experts x hidden),
// fused routed experts (gate_up and down) and the shared experts; the
// router's e_score_correction_bias is a buffer.
func TestDeepseekV3(t *testing.T) {
	type dims struct{ V, H, I, MI, L, heads, qLora, kvLora, nope, rope, v, E, k, shared, dense int64 }
	count := func(d dims) (total, active int64) {
		qk := d.nope + d.rope
		attn := d.H*d.qLora + d.qLora + d.qLora*d.heads*qk + d.H*(d.kvLora+d.rope) + d.kvLora + d.kvLora*d.heads*(d.nope+d.v) + d.heads*d.v*d.H
		denseMLP := 3 * d.H * d.I
		expert := 3 * d.H * d.MI
		moe := d.E*d.H + d.E*expert + d.shared*expert
		norms := 2 * d.H
		total = 2*d.V*d.H + d.dense*(attn+denseMLP+norms) + (d.L-d.dense)*(attn+moe+norms) + d.H
		active = total - (d.L-d.dense)*(d.E-d.k)*expert
		return
	}
	// The published DeepSeek-V3: 671B total, 37B active (without the
	// multi-token-prediction layer, which transformers does not build).
	full := dims{V: 129280, H: 7168, I: 18432, MI: 2048, L: 61, heads: 128, qLora: 1536, kvLora: 512, nope: 128, rope: 64, v: 128, E: 256, k: 8, shared: 1, dense: 3}
	small := dims{V: 1000, H: 256, I: 512, MI: 64, L: 4, heads: 4, qLora: 96, kvLora: 48, nope: 32, rope: 16, v: 24, E: 16, k: 2, shared: 2, dense: 1}
	for _, c := range []struct {
		name string
		cfg  string
		d    dims
	}{
		{"defaults", `{"model_type": "deepseek_v3"}`, full},
		{"small", `{"model_type": "deepseek_v3", "vocab_size": 1000, "hidden_size": 256, "intermediate_size": 512, "moe_intermediate_size": 64,
			"num_hidden_layers": 4, "num_attention_heads": 4, "q_lora_rank": 96, "kv_lora_rank": 48, "qk_nope_head_dim": 32,
			"qk_rope_head_dim": 16, "v_head_dim": 24, "n_routed_experts": 16, "num_experts_per_tok": 2, "n_shared_experts": 2,
			"first_k_dense_replace": 1, "n_group": 1, "topk_group": 1}`, small},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := build(t, c.cfg, Options{})
			_, got, _ := params(g)
			want, active := count(c.d)
			if got != want {
				t.Errorf("params %d, want %d (off by %d)", got, want, got-want)
			}
			if a := got - g.Arch.InactiveParams; a != active {
				t.Errorf("active %d, want %d", a, active)
			}
			if c.name == "defaults" && (want/1e9 != 671 || active/1e9 != 37) {
				t.Errorf("DeepSeek-V3 is published as 671B total, 37B active; derived %d, %d", want, active)
			}
			// e_score_correction_bias is a buffer, not a parameter.
			for _, nd := range g.Nodes {
				for _, p := range nd.Params {
					if strings.Contains(p.Name, "e_score_correction_bias") {
						t.Errorf("%s counted as a parameter", p.Name)
					}
				}
			}
		})
	}
	// q_lora_rank null: a plain q_proj of heads*(nope+rope).
	g := build(t, `{"model_type": "deepseek_v3", "q_lora_rank": null, "num_hidden_layers": 1, "first_k_dense_replace": 1}`, Options{})
	seen, _, _ := params(g)
	if p := seen["model.layers.0.self_attn.q_proj.weight"]; p == nil || !p.Shape.Equal(graph.S(128*192, 7168)) {
		t.Errorf("q_proj with q_lora_rank null: %v", p)
	}
}

// TestGptOss derives gpt-oss from modeling_gpt_oss.py: biased q/k/v/o,
// one sink logit per head, a biased router, and fused experts with
// biases, gate_up_proj stored (E, hidden, 2*I).
func TestGptOss(t *testing.T) {
	const V, H, I, L, heads, kv, hd, E, k = 1000, 64, 96, 3, 4, 2, 16, 8, 2
	cfg := `{"model_type": "gpt_oss", "vocab_size": 1000, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 3,
		"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "num_local_experts": 8, "num_experts_per_tok": 2}`
	attn := (H*heads*hd + heads*hd) + 2*(H*kv*hd+kv*hd) + (heads*hd*H + H) + heads
	expert := H*2*I + 2*I + I*H + H
	moe := E*H + E + E*expert
	want := int64(2*V*H + L*(attn+moe+2*H) + H)
	g := build(t, cfg, Options{})
	seen, got, _ := params(g)
	if got != want {
		t.Errorf("params %d, want %d", got, want)
	}
	if a, wa := got-g.Arch.InactiveParams, want-int64(L*(E-k)*expert); a != wa {
		t.Errorf("active %d, want %d", a, wa)
	}
	for name, shape := range map[string]graph.Shape{
		"model.layers.0.self_attn.sinks":                 graph.S(heads),
		"model.layers.1.mlp.router.bias":                 graph.S(E),
		"model.layers.2.mlp.experts.gate_up_proj":        graph.S(E, H, 2*I),
		"model.layers.2.mlp.experts.down_proj":           graph.S(E, I, H),
		"model.layers.2.mlp.experts.gate_up_proj_bias":   graph.S(E, 2*I),
		"model.layers.2.mlp.experts.down_proj_bias":      graph.S(E, H),
		"model.layers.0.self_attn.o_proj.bias":           graph.S(H),
		"lm_head.weight":                                 graph.S(V, H),
		"model.layers.0.post_attention_layernorm.weight": graph.S(H),
	} {
		if p := seen[name]; p == nil || !p.Shape.Equal(shape) {
			t.Errorf("%s: %v, want shape %s", name, p, shape)
		}
	}
	// Layers alternate sliding (window 128) and full attention.
	if w := g.Arch.Attention; len(w) != L || w[0].Window != 128 || w[1].Window != 0 || w[2].Window != 128 {
		t.Errorf("windows %+v", w)
	}
}

// TestTiedMarked checks that a tied head counts its table once, at the
// embedding, and shows it as shared.
func TestTiedMarked(t *testing.T) {
	g := build(t, `{"model_type": "llama", "tie_word_embeddings": true, "num_hidden_layers": 1}`, Options{})
	var head *graph.Node
	for _, nd := range g.Nodes {
		if nd.Name == "lm_head" {
			head = nd
		}
	}
	if head == nil || len(head.Params) != 1 || head.Params[0].Owner.Name != "model.embed_tokens" || head.Params[0].Name != "model.embed_tokens.weight" {
		t.Fatalf("lm_head params %+v", head)
	}
	if v, _ := head.Count.Value(); v != 0 {
		t.Errorf("tied lm_head counts %d", v)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, cfg, class, want string
	}{
		{"unknown type", `{"model_type": "mamba"}`, "", `model_type "mamba" is not supported; supported: bart, bert,`},
		{"no type", `{"hidden_size": 4}`, "", "no \"model_type\""},
		{"not an object", `[1, 2]`, "", "a JSON object"},
		{"bad json", "{\n  \"model_type\": \"llama\",\n  \"x\": }", "", "config.json:3:"},
		{"wrong type", `{"model_type": "llama", "hidden_size": "big"}`, "", `"hidden_size": must be a number`},
		{"fraction", `{"model_type": "llama", "hidden_size": 4.5}`, "", `"hidden_size": must be a whole number`},
		{"zero heads", `{"model_type": "llama", "num_attention_heads": 0}`, "", `"num_attention_heads": must be positive`},
		{"too many layers", `{"model_type": "llama", "num_hidden_layers": 100000}`, "", "more than the 4096"},
		{"unknown class", `{"model_type": "bert"}`, "BertForImageGeneration", "choose one of BertModel, BertForMaskedLM"},
		{"bad ff proj", `{"model_type": "t5", "feed_forward_proj": "gated-gelu-x"}`, "", "feed_forward_proj"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("config.json", []byte(c.cfg), Options{Class: c.class})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{`{"model_type": "llama"}`, true},
		{"\n  {\"architectures\": [\"X\"], \"hidden_size\": 8}", true},
		{`{"class_name": "Sequential", "config": {}}`, false},
		{`{"weight_map": {}}`, false},
		{`layers: []`, false},
	} {
		if got := Sniff("config.json", []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q) = %v", c.head, got)
		}
	}
}

// TestDefaultClass checks the class built without architectures.
func TestDefaultClass(t *testing.T) {
	for mt, want := range map[string]string{
		"llama": "LlamaForCausalLM", "gpt2": "GPT2LMHeadModel", "bert": "BertModel", "roberta": "RobertaModel", "distilbert": "DistilBertModel",
		"vit": "ViTModel", "t5": "T5ForConditionalGeneration", "bart": "BartModel", "whisper": "WhisperModel", "gpt_neox": "GPTNeoXForCausalLM",
		"falcon": "FalconForCausalLM", "opt": "OPTForCausalLM", "deepseek_v3": "DeepseekV3ForCausalLM", "gpt_oss": "GptOssForCausalLM",
		"qwen2_moe": "Qwen2MoeForCausalLM", "gemma2": "Gemma2ForCausalLM", "phi": "PhiForCausalLM", "phi3": "Phi3ForCausalLM",
	} {
		cfg := `{"model_type": "` + mt + `", "num_hidden_layers": 1, "n_layer": 1, "n_layers": 1, "num_layers": 1, "encoder_layers": 1, "decoder_layers": 1}`
		g, err := Decode("config.json", []byte(cfg), Options{})
		if err != nil {
			t.Errorf("%s: %v", mt, err)
			continue
		}
		if g.Arch.Class != want {
			t.Errorf("%s: class %s, want %s", mt, g.Arch.Class, want)
		}
	}
}

// TestEveryClass builds every supported class of every family from a
// small configuration: it must infer and validate.
func TestEveryClass(t *testing.T) {
	small := `{"model_type": "%s", "num_hidden_layers": 2, "n_layer": 2, "n_layers": 2, "num_layers": 2, "encoder_layers": 2, "decoder_layers": 2,
		"hidden_size": 64, "n_embd": 64, "dim": 64, "d_model": 64, "intermediate_size": 128, "vocab_size": 100, "num_attention_heads": 4,
		"n_head": 4, "n_heads": 4, "num_heads": 4, "encoder_attention_heads": 4, "decoder_attention_heads": 4, "num_key_value_heads": 2,
		"head_dim": 16, "d_kv": 16, "n_routed_experts": 4, "num_local_experts": 4, "num_experts": 4, "num_experts_per_tok": 2,
		"moe_intermediate_size": 32, "shared_expert_intermediate_size": 64, "first_k_dense_replace": 1, "q_lora_rank": 32, "kv_lora_rank": 16,
		"qk_nope_head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 16, "image_size": 32, "patch_size": 8, "num_mel_bins": 8,
		"max_source_positions": 10, "word_embed_proj_dim": 32}`
	for _, mt := range Supported() {
		for _, cls := range Classes(mt) {
			t.Run(cls, func(t *testing.T) {
				g := build(t, strings.Replace(small, "%s", mt, 1), Options{Class: cls, Context: 8, Batch: 2})
				if g.Arch.Class != cls {
					t.Errorf("built %s", g.Arch.Class)
				}
			})
		}
	}
}

func TestBOM(t *testing.T) {
	if n := total(t, "\xef\xbb\xbf"+`{"model_type": "bert"}`, Options{}); n != 109482240 {
		t.Errorf("params %d", n)
	}
}
