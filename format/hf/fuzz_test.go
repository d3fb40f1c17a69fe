package hf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// FuzzDecode feeds arbitrary JSON through decoding, inference and the
// report: errors are fine, panics and runaway allocations are not.
//
//	go test ./format/hf -run=XXX -fuzz=FuzzDecode -fuzztime=2m
func FuzzDecode(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join(refDir, "*"))
	for _, d := range dirs {
		for _, name := range []string{"config.json", "config.min.json"} {
			if data, err := os.ReadFile(filepath.Join(d, name)); err == nil {
				f.Add(data, "config.json", "", "")
			}
		}
	}
	// Configurations without model_type, read by name and keys.
	for _, path := range []string{"testdata/uncased_L-12_H-768_A-12/bert_config.json", "testdata/gpt2-small/config.json", "testdata/roberta-base/config.json", "testdata/t5-small/config.json"} {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data, path, "", "")
			f.Add(data, "<stdin>", "", "roberta")
		}
	}
	f.Add([]byte(`{"n_vocab": 50257, "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12}`), "hparams.json", "", "")
	f.Add([]byte(`{"dim": 64, "n_layers": 2, "n_heads": 4, "hidden_dim": 128}`), "distilbert-base/config.json", "", "")
	f.Add([]byte(`{"hidden_size": 64, "num_hidden_layers": 1, "type_vocab_size": 2}`), "xlm-roberta-base/config.json", "", "")
	f.Add([]byte(`{"model_type": "lama"}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "bert", "num_hidden_layers": 1}`), "config.json", "", "gpt2")
	f.Add([]byte(`{"model_type": "bert", "vocab_size": null, "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1}`), "config.json", "", "")
	for _, mt := range Supported() {
		f.Add([]byte(`{"model_type": "`+mt+`", "num_hidden_layers": 2, "num_layers": 2, "n_layer": 2, "n_layers": 2}`), "config.json", "", "")
		f.Add([]byte(`{"num_hidden_layers": 1, "num_layers": 1, "n_layer": 1, "n_layers": 1}`), mt+"/config.json", "", "")
		for _, cls := range Classes(mt) {
			f.Add([]byte(`{"model_type": "`+mt+`", "num_hidden_layers": 1, "num_layers": 1, "n_layer": 1, "n_layers": 1, "encoder_layers": 1, "decoder_layers": 1}`), "config.json", cls, "")
		}
	}
	f.Add([]byte(`{"model_type": "deepseek_v3", "q_lora_rank": null, "num_hidden_layers": 3, "first_k_dense_replace": 9}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "vit", "image_size": [3, 900], "patch_size": [2, 7], "num_hidden_layers": 1}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "llama", "hidden_size": 1e300}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "t5", "d_model": 1099511627776, "vocab_size": 1099511627776, "num_layers": 1}`), "config.json", "", "")
	// Hostile shapes, small (hostile_test.go has them at size).
	f.Add([]byte(`{"model_type": "bert", "x": [`+strings.Repeat("1,", 500)+`1]}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "bert", "x": `+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "bert", "x": `+strings.Repeat(`{"a":`, 70)+"1"+strings.Repeat("}", 70)+`}`), "config.json", "", "")
	f.Add([]byte(`{"model_type": "bert", "id2label": {"0": "a", "1": "b", "2": "c"}, "x": "`+strings.Repeat("a", 300)+`"}`), "config.json", "", "")
	f.Fuzz(func(t *testing.T, data []byte, name, class, modelType string) {
		Sniff(filepath.Base(name), data[:min(len(data), 4096)])
		for _, opt := range []Options{{Class: class, ModelType: modelType}, {Class: class, ModelType: modelType, Context: 7, Batch: 3}} {
			g, err := Decode(name, data, opt)
			if err != nil {
				continue
			}
			if err := infer.Run(g, infer.Options{KeepGoing: true}); err != nil {
				continue
			}
			stats.Build(g)
		}
	})
}

// BenchmarkConfig is config.json → report for the largest reference
// configurations (a 126-layer dense model and DeepSeek-V3's 61 layers of
// MLA and 256 experts).
func BenchmarkConfig(b *testing.B) {
	for _, c := range []struct{ name, cfg string }{
		{"llama-3.1-405b", `{"model_type": "llama", "hidden_size": 16384, "intermediate_size": 53248, "num_hidden_layers": 126,
			"num_attention_heads": 128, "num_key_value_heads": 8, "vocab_size": 128256}`},
		{"deepseek-v3", `{"model_type": "deepseek_v3"}`},
		{"bert-base", `{"model_type": "bert"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := []byte(c.cfg)
			b.ReportAllocs()
			for b.Loop() {
				g, err := Decode("config.json", data, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := infer.Run(g, infer.Options{}); err != nil {
					b.Fatal(err)
				}
				stats.Build(g)
			}
		})
	}
}
