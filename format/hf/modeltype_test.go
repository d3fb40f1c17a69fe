package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// reference reads what transformers reported for a reference model, or
// skips without the shared folder.
func reference(t *testing.T, name string) expected {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(refDir, name, "expected.json"))
	if os.IsNotExist(err) {
		t.Skipf("no reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var want expected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// notes is a graph's notes in one string, for matching.
func notes(g *graph.Graph) string { return strings.Join(g.Notes, "\n") }

// TestWithoutModelType builds configurations as they were written before
// transformers had model_type (written here from the released models'
// hyperparameters: Google's BERT-Base bert_config.json, a pre-model_type
// GPT-2 config.json, RoBERTa's BERT-shaped keys), each recognised from its
// name and keys, and compares the model with what transformers built from
// the reference configuration of the same model: class, total and every
// tensor's name and shape.
func TestWithoutModelType(t *testing.T) {
	for _, c := range []struct {
		file, ref, via string
	}{
		// The name (bert_config.json) and the keys (type_vocab_size …) agree.
		{"testdata/uncased_L-12_H-768_A-12/bert_config.json", "bert-base-uncased", `from the name "bert_config.json"`},
		// The directory's name and GPT-2's n_embd/n_layer/n_head agree.
		{"testdata/gpt2-small/config.json", "gpt2", `from the name "gpt2-small"`},
		// A T5 config of 2019 (t5-small's sizes, no model_type).
		{"testdata/t5-small/config.json", "t5-small", `from the name "t5-small"`},
		// BERT's keys; the directory's name makes it RoBERTa (as
		// AutoConfig does from_pretrained("roberta-base")).
		{"testdata/roberta-base/config.json", "roberta-base", `read as roberta from the name "roberta-base"`},
	} {
		t.Run(c.ref, func(t *testing.T) {
			want := reference(t, c.ref)
			g := load(t, c.file, Options{})
			got, total, _ := params(g)
			if g.Arch.Class != want.Class {
				t.Errorf("class %s, want %s", g.Arch.Class, want.Class)
			}
			if total != want.Counts.Params {
				t.Errorf("params %d, want %d (off by %d)", total, want.Counts.Params, total-want.Counts.Params)
			}
			compareTensors(t, got, want.TensorShapes)
			if !strings.Contains(notes(g), c.via) || !strings.Contains(notes(g), "no model_type") {
				t.Errorf("notes do not say how the type was found (%s):\n%s", c.via, notes(g))
			}
		})
	}
}

// TestTypeFromKeys: without a telling name (standard input, a plain
// config.json) the keys alone decide, and only keys no look-alike family
// has.
func TestTypeFromKeys(t *testing.T) {
	google, err := os.ReadFile("testdata/uncased_L-12_H-768_A-12/bert_config.json")
	if err != nil {
		t.Fatal(err)
	}
	want := reference(t, "bert-base-uncased")
	g := decodeNamed(t, "<stdin>", google, Options{})
	if _, n, _ := params(g); n != want.Counts.Params || g.Arch.Class != want.Class {
		t.Errorf("stdin: %s with %d params, want %s with %d", g.Arch.Class, n, want.Class, want.Counts.Params)
	}
	if !strings.Contains(notes(g), "read as bert from its keys (type_vocab_size") {
		t.Errorf("notes: %s", notes(g))
	}
	// The type was guessed: the model type option would override it.
	if a := g.Asks; len(a) != 1 || a[0] != (graph.Ask{What: "another model type", Option: "model-type", Value: "NAME"}) {
		t.Errorf("asks %+v, want one for the model type", a)
	}
	t5 := reference(t, "t5-small")
	t5cfg, err := os.ReadFile("testdata/t5-small/config.json")
	if err != nil {
		t.Fatal(err)
	}
	g = decodeNamed(t, "<stdin>", t5cfg, Options{})
	if _, n, _ := params(g); n != t5.Counts.Params || g.Arch.Class != t5.Class || !strings.Contains(notes(g), "read as t5 from its keys (d_model, d_kv, d_ff, …)") {
		t.Errorf("t5 from stdin: %s with %d params, want %s with %d; notes %s", g.Arch.Class, n, t5.Class, t5.Counts.Params, notes(g))
	}
	// OpenAI GPT-2's own hparams.json: n_vocab and n_ctx are its names for
	// what transformers reads as vocab_size and n_positions (it takes its
	// defaults, which are GPT-2's); 124M's sizes are transformers' defaults.
	gpt := reference(t, "gpt2")
	g = build(t, `{"n_vocab": 50257, "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12}`, Options{})
	if _, n, _ := params(g); n != gpt.Counts.Params || g.Arch.Class != gpt.Class {
		t.Errorf("hparams.json: %s with %d params, want %s with %d", g.Arch.Class, n, gpt.Class, gpt.Counts.Params)
	}
	for _, s := range []string{"read as gpt2 from its keys (n_embd, n_layer, n_head)",
		"config.json has no vocab_size: transformers' GPT2Config default 50,257 is used (n_vocab 50,257 is not read by transformers)",
		"config.json has no n_positions: transformers' GPT2Config default 1,024 is used (n_ctx 1,024 is not read by transformers)"} {
		if !strings.Contains(notes(g), s) {
			t.Errorf("notes lack %q:\n%s", s, notes(g))
		}
	}
	// Look-alikes are not guessed: ALBERT (embedding_size), OpenAI GPT
	// (afn), GPT-J (rotary_dim), Llama's params.json (multiple_of).
	for _, cfg := range []string{
		`{"embedding_size": 128, "hidden_size": 768, "num_hidden_layers": 12, "type_vocab_size": 2, "vocab_size": 30000}`,
		`{"afn": "gelu", "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 512, "vocab_size": 40478}`,
		`{"n_embd": 4096, "n_head": 16, "n_layer": 28, "rotary_dim": 64}`,
		`{"d_model": 768, "d_kv": 64, "d_ff": 2048, "num_heads": 12, "num_layers": 12, "num_experts": 8, "expert_capacity": 64}`,
		`{"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-05, "vocab_size": -1, "hidden_dim": 11008}`,
	} {
		if _, err := Decode("config.json", []byte(cfg), Options{}); err == nil || !strings.Contains(err.Error(), `no "model_type"`) {
			t.Errorf("%s: error %v, want no model_type", cfg, err)
		}
	}
}

// decodeNamed decodes and infers a configuration under a given name.
func decodeNamed(t *testing.T, name string, data []byte, opt Options) *graph.Graph {
	t.Helper()
	g, err := Decode(name, data, opt)
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

// TestTypeFromName follows AutoConfig's rule: the longest transformers
// model type in the name wins, so "albert" or "xlm-roberta" is not read
// as the "bert" or "roberta" inside it; the element nearest the file
// decides.
func TestTypeFromName(t *testing.T) {
	llama := `{"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "rms_norm_eps": 1e-06}`
	for _, c := range []struct {
		path, cfg, want, err string
	}{
		{"models/llama-tiny/config.json", llama, "LlamaForCausalLM", ""},
		{"/home/albert/models/llama-tiny/config.json", llama, "LlamaForCausalLM", ""},
		{"ckpt/mistral-7b-v0.1/config.json", llama, "MistralForCausalLM", ""},
		{"distilbert-base-uncased/config.json", `{"dim": 64, "n_layers": 2, "n_heads": 4, "hidden_dim": 128, "vocab_size": 100}`, "DistilBertModel", ""},
		{"albert-base-v2/config.json", `{"hidden_size": 768, "embedding_size": 128, "num_hidden_layers": 12}`, "", `would read "albert-base-v2" as model type albert, which layerinfo does not build`},
		{"xlm-roberta-base/config.json", `{"hidden_size": 768, "num_hidden_layers": 12, "type_vocab_size": 1}`, "", "give the model type bert if it is one"},
		{"bert-base/config.json", `{"n_embd": 64, "n_layer": 2, "n_head": 4}`, "", `the name "bert-base" says bert but its keys (n_embd, n_layer, n_head) are gpt2's`},
		{"config.json", llama, "", `no "model_type"`},
	} {
		t.Run(c.path, func(t *testing.T) {
			g, err := Decode(c.path, []byte(c.cfg), Options{})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want it to contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Arch.Class != c.want {
				t.Errorf("class %s, want %s", g.Arch.Class, c.want)
			}
		})
	}
	for in, want := range map[string]string{
		"roberta-prelayernorm-base": "roberta-prelayernorm", // the longest wins
		"distilgpt2":                "gpt2",
		"opt-125m":                  "opt",
		"flan-t5-base":              "t5",
		"options":                   "", // a short type inside a word is not one
		"storage":                   "",
		"modeled":                   "",
		"86b5e0934494bd15c9632b12f734a8a67f723594": "", // a snapshot hash
	} {
		if got := pathPattern(in); got != want {
			t.Errorf("pathPattern(%q) = %q, want %q", in, got, want)
		}
	}
	// The Hugging Face cache: the hash and "snapshots" say nothing, the
	// repository's directory does.
	g := decodeNamed(t, "hub/models--openai-community--gpt2/snapshots/607a30d783dfa663caf39e06633721c8d4cfcd7e/config.json", []byte(`{"n_layer": 1}`), Options{})
	if g.Arch.Class != "GPT2LMHeadModel" {
		t.Errorf("cache path: %s", g.Arch.Class)
	}
}

// TestModelTypeOption: --model-type names the family for a config
// without model_type and overrides one, with a note.
func TestModelTypeOption(t *testing.T) {
	want := reference(t, "roberta-base")
	data, err := os.ReadFile("testdata/roberta-base/config.json")
	if err != nil {
		t.Fatal(err)
	}
	// Read from standard input the keys say bert; --model-type says roberta.
	g := build(t, string(data), Options{ModelType: "roberta"})
	if _, n, _ := params(g); n != want.Counts.Params || g.Arch.Class != want.Class {
		t.Errorf("%s with %d params, want %s with %d", g.Arch.Class, n, want.Class, want.Counts.Params)
	}
	g = build(t, `{"model_type": "bert", "num_hidden_layers": 1}`, Options{ModelType: "roberta"})
	if g.Arch.ModelType != "roberta" || !strings.Contains(notes(g), `says model_type "bert"; built as roberta (the model type given)`) || len(g.Asks) != 0 {
		t.Errorf("override: %s, notes %s, asks %+v", g.Arch.ModelType, notes(g), g.Asks)
	}
	// gpt-sw3 is transformers' name for a GPT2Config.
	if g := build(t, `{"n_layer": 1}`, Options{ModelType: "gpt-sw3"}); g.Arch.Class != "GPT2LMHeadModel" {
		t.Errorf("gpt-sw3: %s", g.Arch.Class)
	}
	if _, err := Decode("config.json", []byte(`{"n_layer": 1}`), Options{ModelType: "gtp2"}); err == nil || !strings.Contains(err.Error(), `did you mean "gpt2"?`) {
		t.Errorf("misspelled --model-type: %v", err)
	}
}

// TestDidYouMean: a model_type transformers does not know gets the
// nearest name; a real one layerinfo does not build is said to be so.
func TestDidYouMean(t *testing.T) {
	for _, c := range []struct{ mt, want string }{
		{"lama", `did you mean "llama"?`},
		{"bert-base", `did you mean "bert"?`},
		{"gpt-2", `did you mean "gpt2"?`},
		{"Llama", `did you mean "llama"?`},
		{"llama2", `did you mean "llama"?`},
		{"qwen2.5", `did you mean "qwen2"?`},
		{"t5-base", `did you mean "t5"?`},
		{"robrta", `did you mean "roberta"?`},
		{"albrt", `did you mean "albert"? layerinfo does not build it`},
		{"mamba", `model_type "mamba" is not supported; supported: bart, bert,`},
		{"zzzzzz", `is not a model type transformers knows; supported: bart, bert,`},
	} {
		_, err := Decode("config.json", []byte(`{"model_type": "`+c.mt+`"}`), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.mt, err, c.want)
		}
	}
	if err := CheckModelType("bert"); err != nil {
		t.Error(err)
	}
}

// TestDefaultNotes: a core size the configuration leaves out is a note
// naming the transformers default used. Google's BERT-Base sizes are
// BertConfig's defaults, so with any one of them left out the model is
// still bert-base, and the note's default is the value left out.
func TestDefaultNotes(t *testing.T) {
	want := reference(t, "bert-base-uncased")
	data, err := os.ReadFile("testdata/uncased_L-12_H-768_A-12/bert_config.json")
	if err != nil {
		t.Fatal(err)
	}
	var full map[string]any
	if err := json.Unmarshal(data, &full); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"hidden_size", "num_attention_heads", "num_hidden_layers", "vocab_size", "intermediate_size", "max_position_embeddings", "type_vocab_size"} {
		t.Run(key, func(t *testing.T) {
			cfg := map[string]any{}
			for k, v := range full {
				if k != key {
					cfg[k] = v
				}
			}
			src, _ := json.Marshal(cfg)
			g := decodeNamed(t, "bert_config.json", src, Options{})
			if _, n, _ := params(g); n != want.Counts.Params {
				t.Errorf("params %d, want %d", n, want.Counts.Params)
			}
			note := fmt.Sprintf("bert_config.json has no %s: transformers' BertConfig default %s is used", key, group(int64(full[key].(float64))))
			if !strings.Contains(notes(g), note) {
				t.Errorf("notes lack %q:\n%s", note, notes(g))
			}
			if c := strings.Count(notes(g), "default"); c != 1 {
				t.Errorf("%d notes on defaults, want 1:\n%s", c, notes(g))
			}
		})
	}
	// null is said as such.
	g := build(t, `{"model_type": "bert", "hidden_size": 768, "vocab_size": null}`, Options{})
	if !strings.Contains(notes(g), "config.json sets vocab_size to null: transformers' BertConfig default 30,522 is used") {
		t.Errorf("null: %s", notes(g))
	}
	// A configuration with none of the sizes gets one note listing them.
	g = build(t, `{"model_type": "bert"}`, Options{})
	if n := notes(g); !regexp.MustCompile(`gives none of the sizes: all are transformers' BertConfig defaults \(vocab_size 30,522, hidden_size 768, .*num_attention_heads 12`).MatchString(n) {
		t.Errorf("no sizes: %s", n)
	}
	// A complete configuration gets none.
	g = load(t, "testdata/uncased_L-12_H-768_A-12/bert_config.json", Options{ModelType: "bert"})
	if strings.Contains(notes(g), "default") {
		t.Errorf("complete config: %s", notes(g))
	}
}

// TestSniffWithoutModelType: configurations without model_type are taken
// for transformers configs by their keys or name, and other JSON is not.
func TestSniffWithoutModelType(t *testing.T) {
	google, err := os.ReadFile("testdata/uncased_L-12_H-768_A-12/bert_config.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, head string
		want       bool
	}{
		{"bert_config.json", string(google), true},
		{"x.json", string(google), true},
		{"hparams.json", `{"n_vocab": 50257, "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12}`, true},
		{"llama_config.json", `{"hidden_size": 64, "rms_norm_eps": 1e-06}`, true},
		{"config.json", `{"hidden_size": 64, "rms_norm_eps": 1e-06}`, false},
		{"config.json", `{"hidden_size": 64, "num_hidden_layers": 2}`, true},
		{"params.json", `{"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-05, "vocab_size": -1}`, false},
		// A spec, a Keras model, a sharded index, a tokenizer config named
		// after a model: not configurations.
		{"bert.json", `{"name": "bert", "input": [null, 128], "layers": [{"type": "dense", "hidden_size": 4}]}`, false},
		{"bert_keras.json", `{"class_name": "Functional", "config": {"hidden_size": 768}, "keras_version": "2.15.0"}`, false},
		{"gpt2.index.json", `{"metadata": {"total_size": 1}, "weight_map": {"h.0.attn.c_attn.weight": "model.safetensors"}}`, false},
		{"bert_tokenizer_config.json", `{"do_lower_case": true, "model_max_length": 512}`, false},
	} {
		if got := Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q, %.50q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// TestSniffOthers: hf.Sniff leaves the spec's JSON example and Keras
// model JSON (../shared/reference/keras) alone, and takes the configs
// with and without model_type. (That no other format is surer of a
// config is layerinfo's TestSniffConfigs: a format package imports no
// other.)
func TestSniffOthers(t *testing.T) {
	others, _ := filepath.Glob("../../../shared/reference/keras/*.json")
	others = append(others, "../../examples/tied_autoencoder.json")
	for _, path := range others {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if Sniff(filepath.Base(path), data[:min(len(data), 4096)]) {
			t.Errorf("hf.Sniff takes %s", path)
		}
	}
	for _, path := range []string{"testdata/uncased_L-12_H-768_A-12/bert_config.json", "testdata/gpt2-small/config.json", "testdata/roberta-base/config.json", "testdata/t5-small/config.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(filepath.Base(path), data) {
			t.Errorf("hf.Sniff leaves %s", path)
		}
	}
}

// TestSniffSure: a model_type, architectures with a size or one family's
// keys make a config likely; sizes alone only maybe, so that a format
// surer of the file is tried first.
func TestSniffSure(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       format.Sure
	}{
		{"config.json", `{"model_type": "bert"}`, format.Likely},
		{"x.json", `{"architectures": ["LlamaForCausalLM"], "hidden_size": 64}`, format.Likely},
		{"hparams.json", `{"n_vocab": 50257, "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12}`, format.Likely},
		{"config.json", `{"hidden_size": 64, "num_hidden_layers": 2}`, format.Maybe},
		{"llama_config.json", `{"hidden_size": 64, "rms_norm_eps": 1e-06}`, format.Maybe},
		{"config.json", `{"hidden_size": 64, "rms_norm_eps": 1e-06}`, format.No},
		{"model.yaml", "model_type: bert\n", format.No},
	} {
		if got := (Format{}).Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q, %q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}
