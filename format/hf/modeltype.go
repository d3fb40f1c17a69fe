package hf

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// transformersTypeList is every model_type transformers 5 knows: the keys
// of CONFIG_MAPPING_NAMES in models/auto/configuration_auto.py, in its
// (ASCII) order. Only the names are needed: to read a model type from a
// path as AutoConfig does, where a longer name such as "albert" or
// "xlm-roberta" must win over a supported "bert" or "roberta" it
// contains, and to tell a misspelling from a real but unsupported type.
const transformersTypeList = `
afmoe aimv2 aimv2_vision_model albert align altclip apertus arcee aria aria_text audio-spectrogram-transformer
audioflamingo3 audioflamingo3_encoder autoformer aya_vision bamba bark bart beit bert bert-generation big_bird
bigbird_pegasus biogpt bit bitnet blenderbot blenderbot-small blip blip-2 blip_2_qformer bloom blt bridgetower bros
camembert canine chameleon chinese_clip chinese_clip_vision_model clap clip clip_text_model clip_vision_model clipseg
clvp code_llama codegen cohere cohere2 cohere2_vision colpali colqwen2 conditional_detr convbert convnext convnextv2
cpmant csm ctrl cvt cwm d_fine dab-detr dac data2vec-audio data2vec-text data2vec-vision dbrx deberta deberta-v2
decision_transformer deepseek_v2 deepseek_v3 deepseek_vl deepseek_vl_hybrid deformable_detr deit depth_anything
depth_pro detr dia diffllama dinat dinov2 dinov2_with_registers dinov3_convnext dinov3_vit distilbert doge donut-swin
dots1 dpr dpt edgetam edgetam_video edgetam_vision_model efficientloftr efficientnet electra emu3 encodec
encoder-decoder eomt ernie ernie4_5 ernie4_5_moe esm evolla exaone4 falcon falcon_h1 falcon_mamba
fastspeech2_conformer fastspeech2_conformer_with_hifigan flaubert flava flex_olmo florence2 fnet focalnet fsmt funnel
fuyu gemma gemma2 gemma3 gemma3_text gemma3n gemma3n_audio gemma3n_text gemma3n_vision git glm glm4 glm46v glm4_moe
glm4v glm4v_moe glm4v_moe_text glm4v_moe_vision glm4v_text glm4v_vision glpn got_ocr2 gpt-sw3 gpt2 gpt_bigcode gpt_neo
gpt_neox gpt_neox_japanese gpt_oss gptj granite granite_speech granitemoe granitemoehybrid granitemoeshared
granitevision grounding-dino groupvit helium hgnet_v2 hiera hubert hunyuan_v1_dense hunyuan_v1_moe ibert idefics
idefics2 idefics3 idefics3_vision ijepa imagegpt informer instructblip instructblipvideo internvl internvl_vision jais2
jamba janus jetmoe kosmos-2 kosmos-2.5 kyutai_speech_to_text layoutlm layoutlmv2 layoutlmv3 layoutxlm led levit lfm2
lfm2_moe lfm2_vl lightglue lilt llama llama4 llama4_text llava llava_next llava_next_video llava_onevision
longcat_flash longformer longt5 luke lxmert m2m_100 mamba mamba2 marian markuplm mask2former maskformer
maskformer-swin mbart megatron-bert metaclip_2 mgp-str mimi minimax ministral ministral3 mistral mistral3 mixtral
mlcd mllama mm-grounding-dino mobilebert mobilenet_v1 mobilenet_v2 mobilevit mobilevitv2 modernbert
modernbert-decoder moonshine moshi mpnet mpt mra mt5 musicgen musicgen_melody mvp nanochat nemotron nllb-moe nougat
nystromformer olmo olmo2 olmo3 olmoe omdet-turbo oneformer openai-gpt opt ovis2 owlv2 owlvit paligemma parakeet_ctc
parakeet_encoder patchtsmixer patchtst pegasus pegasus_x perceiver perception_lm persimmon phi phi3 phi4_multimodal
phimoe pix2struct pixtral plbart poolformer pop2piano prompt_depth_anything prophetnet pvt pvt_v2 qwen2 qwen2_5_omni
qwen2_5_vl qwen2_5_vl_text qwen2_audio qwen2_audio_encoder qwen2_moe qwen2_vl qwen2_vl_text qwen3 qwen3_moe
qwen3_next qwen3_omni_moe qwen3_vl qwen3_vl_moe qwen3_vl_moe_text qwen3_vl_text rag recurrent_gemma reformer regnet
rembert resnet roberta roberta-prelayernorm roc_bert roformer rt_detr rt_detr_resnet rt_detr_v2 rwkv sam sam2
sam2_hiera_det_model sam2_video sam2_vision_model sam3 sam3_tracker sam3_tracker_video sam3_video sam3_vision_model
sam3_vit_model sam_hq sam_hq_vision_model sam_vision_model seamless_m4t seamless_m4t_v2 seed_oss segformer seggpt
sew sew-d shieldgemma2 siglip siglip2 siglip2_vision_model siglip_vision_model smollm3 smolvlm smolvlm_vision
speech-encoder-decoder speech_to_text speecht5 splinter squeezebert stablelm starcoder2 superglue superpoint
swiftformer swin swin2sr swinv2 switch_transformers t5 t5gemma t5gemma2 table-transformer tapas textnet
time_series_transformer timesfm timesformer timm_backbone timm_wrapper trocr tvp udop umt5 unispeech unispeech-sat
univnet upernet vaultgemma video_llama_3 video_llama_3_vision video_llava videomae vilt vipllava
vision-encoder-decoder vision-text-dual-encoder visual_bert vit vit_mae vit_msn vitdet vitmatte vitpose
vitpose_backbone vits vivit vjepa2 voxtral voxtral_encoder wav2vec2 wav2vec2-bert wav2vec2-conformer wavlm whisper
xclip xcodec xglm xlm xlm-roberta xlm-roberta-xl xlnet xlstm xmod yolos yoso zamba zamba2 zoedepth`

// typeAliases are transformers model types whose configuration class is
// that of a supported family (CONFIG_MAPPING maps them to it).
var typeAliases = map[string]string{"code_llama": "llama", "gpt-sw3": "gpt2"}

// transformersTypes lists the names in AutoConfig's pattern order: longest
// first, ties in the mapping's order (Python's sort is stable).
var transformersTypes = sync.OnceValue(func() []string {
	ts := strings.Fields(transformersTypeList)
	slices.SortStableFunc(ts, func(a, b string) int { return len(b) - len(a) })
	return ts
})

// namePattern is AutoConfig's fallback for a configuration without
// model_type: the first model type, longest first, that occurs in the
// name (case matters, as in transformers).
func namePattern(s string) string {
	for _, t := range transformersTypes() {
		if strings.Contains(s, t) {
			return t
		}
	}
	return ""
}

// pathPattern is namePattern for one element of a local path, which,
// unlike a model id, may be any word: a type of three letters or fewer
// counts only as a word of its own ("opt-125m", "rag-token-nq"), not inside
// another ("options", "storage", "modeled", "digits"), and a commit hash
// (the snapshots/<sha> of the Hugging Face cache) names nothing.
func pathPattern(s string) string {
	if len(s) >= 8 && strings.Trim(s, "0123456789abcdef") == "" {
		return ""
	}
	for _, t := range transformersTypes() {
		for i := 0; ; {
			j := strings.Index(s[i:], t)
			if j < 0 {
				break
			}
			j += i
			if len(t) > 3 || (!letterAt(s, j-1) && !letterAt(s, j+len(t))) {
				return t
			}
			i = j + 1
		}
	}
	return ""
}

func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i] | 0x20
	return c >= 'a' && c <= 'z'
}

// typeFromName reads a model type from a configuration's path as
// transformers does (from_pretrained("bert-base-uncased"),
// "uncased_L-12_H-768_A-12/bert_config.json"), one path element at a
// time from the file up, so that the name nearest the file decides; a bare
// file name also tries the directory it is in. It returns the model type
// and the path element it was read from.
func typeFromName(path string) (mt, from string) {
	if path == "" || strings.HasPrefix(path, "<") { // <stdin>
		return "", ""
	}
	parts := strings.FieldsFunc(filepath.ToSlash(path), func(r rune) bool { return r == '/' })
	if !strings.ContainsAny(path, `/\`) {
		if abs, err := filepath.Abs(path); err == nil {
			parts = append([]string{filepath.Base(filepath.Dir(abs))}, parts...)
		}
	}
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if p == "." || p == ".." {
			continue
		}
		if t := pathPattern(p); t != "" {
			return t, p
		}
	}
	return "", ""
}

// keySet is the top-level keys of a configuration.
type keySet map[string]bool

func (k keySet) all(names ...string) bool {
	for _, n := range names {
		if !k[n] {
			return false
		}
	}
	return true
}

func (k keySet) anyOf(names ...string) []string {
	var out []string
	for _, n := range names {
		if k[n] {
			out = append(out, n)
		}
	}
	return out
}

// typeFromKeys recognises the configurations written before transformers
// had model_type, by keys no other family shares: Google's BERT
// bert_config.json (type_vocab_size with the BERT sizes), GPT-2's
// n_embd/n_layer/n_head, T5's d_model/d_kv/d_ff/num_heads/num_layers and
// DistilBERT's dim/n_layers/n_heads/hidden_dim. Keys of the look-alike
// families (ALBERT's and ELECTRA's embedding_size, OpenAI GPT's afn,
// CTRL's dff, GPT-J's rotary_dim, Switch Transformers' experts, LongT5's
// local_radius, Llama's params.json multiple_of) rule a signature out
// rather than guess. It returns the
// family and the keys that decided it.
func typeFromKeys(k keySet) (string, []string) {
	switch {
	case k.all("n_embd", "n_layer", "n_head") && len(k.anyOf("afn", "dff", "rotary_dim", "multi_query", "n_embed", "d_model", "hidden_size")) == 0:
		return "gpt2", []string{"n_embd", "n_layer", "n_head"}
	case k.all("d_model", "d_kv", "d_ff", "num_heads", "num_layers") &&
		len(k.anyOf("num_experts", "expert_capacity", "local_radius", "global_block_size", "encoder_attention_type", "num_sparse_encoder_layers")) == 0:
		return "t5", []string{"d_model", "d_kv", "d_ff", "num_heads", "num_layers"}
	case k.all("dim", "n_layers", "n_heads", "hidden_dim") && len(k.anyOf("multiple_of", "norm_eps", "hidden_size")) == 0:
		return "distilbert", []string{"dim", "n_layers", "n_heads", "hidden_dim"}
	case k["type_vocab_size"] && len(k.anyOf("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")) > 0 &&
		len(k.anyOf("embedding_size", "num_hidden_groups", "inner_group_num", "true_hidden_size", "max_2d_position_embeddings",
			"task_type_vocab_size", "use_task_id", "conv_kernel_size", "head_ratio", "block_sizes", "d_model", "n_embd")) == 0:
		return "bert", append([]string{"type_vocab_size"}, k.anyOf("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")...)
	}
	return "", nil
}

// keysFit reports whether a family reads the keys of a signature: RoBERTa
// has BERT's keys.
func keysFit(mt, fromKeys string) bool {
	return mt == fromKeys || (fromKeys == "bert" && mt == "roberta")
}

// resolveType decides the model type: Options.ModelType, else
// model_type, else the class (architectures or Options.Class), else the
// file's name and keys. The note says how it was decided when that is
// not the file's own model_type; a type read from the name or keys
// comes with an ask for the model type, which would override it.
func resolveType(name string, c *config, fams map[string]family, archs []string, opt Options) (mt, note string, ask graph.Ask, err error) {
	base := filepath.Base(name)
	fileType := c.str("model_type", "")
	if err := c.err(); err != nil {
		return "", "", graph.Ask{}, err
	}
	if opt.ModelType != "" {
		if err := CheckModelType(opt.ModelType); err != nil {
			return "", "", graph.Ask{}, fmt.Errorf("%s: Options.ModelType: %w", name, err)
		}
		if fileType != "" && fileType != opt.ModelType {
			note = fmt.Sprintf("%s says model_type %q; built as %s (the model type given)", base, fileType, opt.ModelType)
		}
		if t, ok := typeAliases[opt.ModelType]; ok {
			return t, note, graph.Ask{}, nil
		}
		return opt.ModelType, note, graph.Ask{}, nil
	}
	if fileType != "" {
		if _, ok := fams[fileType]; ok {
			return fileType, "", graph.Ask{}, nil
		}
		if t, ok := typeAliases[fileType]; ok {
			return t, fmt.Sprintf("model_type %s is transformers' name for a %s configuration", fileType, t), graph.Ask{}, nil
		}
		return "", "", graph.Ask{}, fmt.Errorf("%s: %w", name, unknownType("model_type", fileType))
	}
	if t := typeFromClass(fams, archs, opt.Class); t != "" {
		return t, "", graph.Ask{}, nil
	}
	keys := keySet{}
	for k := range c.m {
		keys[k] = true
	}
	byName, from := typeFromName(name)
	if t, ok := typeAliases[byName]; ok {
		byName = t
	}
	byKeys, evidence := typeFromKeys(keys)
	keyText := strings.Join(evidence[:min(3, len(evidence))], ", ")
	if len(evidence) > 3 {
		keyText += ", …"
	}
	another := graph.Ask{What: "another model type", Option: "model-type", Value: "NAME"}
	hint := "give the model type (supported: " + strings.Join(Supported(), ", ") + ")"
	switch {
	case byName != "" && fams[byName].build == nil:
		also := ""
		if byKeys != "" {
			also = fmt.Sprintf("; its keys (%s) are %s's", keyText, byKeys)
			hint = "give the model type " + byKeys + " if it is one"
		}
		return "", "", graph.Ask{}, missingType(fmt.Errorf("%s: no \"model_type\"; transformers would read %q as model type %s, which layerinfo does not build%s: %s", name, from, byName, also, hint))
	case byName != "" && byKeys != "" && !keysFit(byName, byKeys):
		return "", "", graph.Ask{}, missingType(fmt.Errorf("%s: no \"model_type\"; the name %q says %s but its keys (%s) are %s's: give the model type", name, from, byName, keyText, byKeys))
	case byName != "" && byKeys != "":
		return byName, fmt.Sprintf("%s has no model_type: read as %s from the name %q (as transformers' AutoConfig does) and its keys (%s)", base, byName, from, keyText), another, nil
	case byName != "":
		return byName, fmt.Sprintf("%s has no model_type: read as %s from the name %q, as transformers' AutoConfig does", base, byName, from), another, nil
	case byKeys != "":
		return byKeys, fmt.Sprintf("%s has no model_type: read as %s from its keys (%s)", base, byKeys, keyText), another, nil
	}
	return "", "", graph.Ask{}, missingType(fmt.Errorf("%s: no \"model_type\", no architectures entry layerinfo knows, and neither its name nor its keys say which model it is: %s", name, hint))
}

// missingType marks an error that the model type would fix, for the CLI
// to name its flag.
func missingType(err error) error {
	return &format.MissingError{What: "the model type", Option: "model-type", Err: err}
}

// CheckModelType reports whether layerinfo builds model type mt, with a
// did-you-mean for a misspelling ("lama", "bert-base").
func CheckModelType(mt string) error {
	if _, ok := families()[mt]; ok {
		return nil
	}
	if _, ok := typeAliases[mt]; ok {
		return nil
	}
	return unknownType("", mt)
}

// unknownType explains a model type layerinfo does not build: a real
// transformers type it does not support, or a misspelling with the
// nearest name.
func unknownType(what, mt string) error {
	supported := strings.Join(Supported(), ", ")
	name := strings.TrimSpace(fmt.Sprintf("%s %q", what, mt))
	if slices.Contains(transformersTypes(), mt) {
		return fmt.Errorf("%s is not supported; supported: %s", name, supported)
	}
	s := suggestType(mt)
	switch {
	case s == "":
		return fmt.Errorf("%s is not a model type transformers knows; supported: %s", name, supported)
	case families()[s].build == nil && typeAliases[s] == "":
		return fmt.Errorf("%s is not a model type transformers knows (did you mean %q? layerinfo does not build it); supported: %s", name, s, supported)
	}
	return fmt.Errorf("%s is not a model type transformers knows; did you mean %q?", name, s)
}

// suggestType is the model type a misspelled one most likely means: one
// it contains ("bert-base", "llama2", "Qwen2.5"), else the nearest by
// edit distance ("lama", "gpt-2").
func suggestType(mt string) string {
	lower := strings.ToLower(mt)
	if t := namePattern(lower); t != "" && (len(t) > 2 || strings.HasPrefix(lower, t)) {
		return t
	}
	return spell.Nearest(mt, transformersTypes())
}
