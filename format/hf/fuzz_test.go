package hf

import (
	"os"
	"path/filepath"
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
				f.Add(data, "")
			}
		}
	}
	for _, mt := range Supported() {
		f.Add([]byte(`{"model_type": "`+mt+`", "num_hidden_layers": 2, "num_layers": 2, "n_layer": 2, "n_layers": 2}`), "")
		for _, cls := range Classes(mt) {
			f.Add([]byte(`{"model_type": "`+mt+`", "num_hidden_layers": 1, "num_layers": 1, "n_layer": 1, "n_layers": 1, "encoder_layers": 1, "decoder_layers": 1}`), cls)
		}
	}
	f.Add([]byte(`{"model_type": "deepseek_v3", "q_lora_rank": null, "num_hidden_layers": 3, "first_k_dense_replace": 9}`), "")
	f.Add([]byte(`{"model_type": "vit", "image_size": [3, 900], "patch_size": [2, 7], "num_hidden_layers": 1}`), "")
	f.Add([]byte(`{"model_type": "llama", "hidden_size": 1e300}`), "")
	f.Add([]byte(`{"model_type": "t5", "d_model": 1099511627776, "vocab_size": 1099511627776, "num_layers": 1}`), "")
	f.Fuzz(func(t *testing.T, data []byte, class string) {
		for _, opt := range []Options{{Class: class}, {Class: class, Context: 7, Batch: 3}} {
			g, err := Decode("config.json", data, opt)
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
