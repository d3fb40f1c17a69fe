package hf

import (
	"testing"

	"github.com/layerinfo/layerinfo/stats"
)

func section(t *testing.T, cfg string, opt Options) *stats.Transformer {
	t.Helper()
	r, err := stats.Build(build(t, cfg, opt))
	if err != nil {
		t.Fatal(err)
	}
	if r.Transformer == nil {
		t.Fatal("no transformer section")
	}
	return r.Transformer
}

func weight(t *testing.T, s *stats.Transformer, dtype string) int64 {
	t.Helper()
	for _, w := range s.Weights {
		if w.DType == dtype {
			return w.Bytes
		}
	}
	t.Fatalf("no %s weights", dtype)
	return 0
}

// TestKVCache checks the cache against 2 × layers × kv_heads × head_dim ×
// bytes per token, worked out by hand.
func TestKVCache(t *testing.T) {
	for _, c := range []struct {
		name         string
		cfg          string
		opt          Options
		perToken     int64
		total        int64
		noCache      bool
		perTokenElem int64
	}{
		// Llama-2-7B: 32 layers, 32 heads of 128, fp16: 2*32*32*128*2 bytes.
		{name: "llama-2-7b", cfg: `{"model_type": "llama"}`, opt: Options{Context: 4096},
			perToken: 2 * 32 * 32 * 128 * 2, total: 2 * 32 * 32 * 128 * 2 * 4096},
		// Llama-2-70B: grouped-query, 8 key/value heads: 8x smaller than with 64.
		{name: "llama-2-70b", cfg: `{"model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672, "num_hidden_layers": 80,
			"num_attention_heads": 64, "num_key_value_heads": 8}`, opt: Options{Context: 4096, Batch: 4},
			perToken: 2 * 80 * 8 * 128 * 2, total: 2 * 80 * 8 * 128 * 2 * 4096 * 4},
		// Mistral-7B v0.1: a 4096-token sliding window on every layer caps the cache.
		{name: "mistral sliding window", cfg: `{"model_type": "mistral"}`, opt: Options{Context: 32768},
			perToken: 2 * 32 * 8 * 128 * 2, total: 2 * 32 * 8 * 128 * 2 * 4096},
		// Gemma-2 2B: 26 layers alternate a 4096 window and full attention; 4 kv heads of 256.
		{name: "gemma2 alternating", cfg: `{"model_type": "gemma2"}`, opt: Options{Context: 8192},
			perToken: 2 * 26 * 4 * 256 * 2, total: 2*13*4*256*2*4096 + 2*13*4*256*2*8192},
		// DeepSeek-V3 MLA: the compressed latent, kv_lora_rank + qk_rope_head_dim per layer.
		{name: "deepseek mla", cfg: `{"model_type": "deepseek_v3"}`, opt: Options{Context: 1000},
			perToken: 61 * (512 + 64) * 2, total: 61 * (512 + 64) * 2 * 1000},
		// Falcon-7B multi-query: one key/value head of 64.
		{name: "falcon multi-query", cfg: `{"model_type": "falcon"}`, opt: Options{Context: 2048},
			perToken: 2 * 32 * 1 * 64 * 2, total: 2 * 32 * 64 * 2 * 2048},
		// Whisper-tiny: 4 decoder layers of 384 cached per token, plus
		// cross-attention keys and values of the 1500 encoder positions.
		{name: "whisper cross-attention", cfg: `{"model_type": "whisper"}`, opt: Options{Context: 448},
			perToken: 2 * 4 * 384 * 2, total: 2*4*384*2*448 + 2*4*384*2*1500},
		{name: "bert has none", cfg: `{"model_type": "bert"}`, noCache: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := section(t, c.cfg, c.opt)
			if c.noCache {
				if s.KVCache != nil {
					t.Errorf("encoder-only model has a KV cache %+v", s.KVCache)
				}
				return
			}
			if s.KVCache == nil {
				t.Fatal("no KV cache")
			}
			if s.KVCache.BytesPerToken != c.perToken {
				t.Errorf("per token %d, want %d", s.KVCache.BytesPerToken, c.perToken)
			}
			if s.KVCache.Bytes != c.total {
				t.Errorf("total %d, want %d (%s)", s.KVCache.Bytes, c.total, s.KVCache.ExplainTotal)
			}
		})
	}
}

func TestMemory(t *testing.T) {
	const P = 6738415616 // Llama-2-7B
	s := section(t, `{"model_type": "llama"}`, Options{})
	for dtype, want := range map[string]int64{
		"float32": 4 * P, "bfloat16": 2 * P, "int8": P, "int4": P / 2,
		"gguf Q8_0": (P + 31) / 32 * 34, "gguf Q4_K": (P + 255) / 256 * 144,
	} {
		if got := weight(t, s, dtype); got != want {
			t.Errorf("%s: %d, want %d", dtype, got, want)
		}
	}
	// Adam: fp32 4+4+4+4 and bf16 mixed 2+2+4+4+4 bytes per parameter.
	for _, m := range s.Training {
		if m.BytesPerParam != 16 || m.Bytes != 16*P {
			t.Errorf("%s: %d B/param, %d bytes; want 16 and %d", m.Name, m.BytesPerParam, m.Bytes, 16*P)
		}
	}
	// Whisper's frozen encoder positions take no gradient or Adam state.
	w := section(t, `{"model_type": "whisper"}`, Options{})
	frozen := int64(1500 * 384)
	if m := w.Training[0]; m.Bytes != 4*w.Params+12*(w.Params-frozen) {
		t.Errorf("whisper fp32 training %d, want %d", m.Bytes, 4*w.Params+12*(w.Params-frozen))
	}
}

// TestFLOPs checks FLOPs per token: 2 per multiply-add of the matrix
// work, plus attention's QKᵀ and AV over the context.
func TestFLOPs(t *testing.T) {
	// GPT-2 small at context 1024: per layer c_attn 768*2304, c_proj
	// 768*768, c_fc 768*3072, c_proj 3072*768; the tied lm_head 768*50257;
	// attention 12 heads*(64+64) per key.
	s := section(t, `{"model_type": "gpt2"}`, Options{Context: 1024, Batch: 2})
	matrix := int64(2 * (12*(768*2304+768*768+768*3072+3072*768) + 768*50257))
	attn := int64(2 * 12 * 12 * (64 + 64) * 1024)
	f := s.FLOPs
	if f.MatrixPerToken != matrix || f.AttentionPerToken != attn || f.ForwardPerToken != matrix+attn {
		t.Errorf("gpt2: matrix %d attention %d total %d; want %d, %d", f.MatrixPerToken, f.AttentionPerToken, f.ForwardPerToken, matrix, attn)
	}
	if f.ForwardPerBatch == nil || *f.ForwardPerBatch != (matrix+attn)*1024*2 {
		t.Errorf("gpt2 forward per batch %v", f.ForwardPerBatch)
	}
	// 6·N with N the parameters less the token and position embeddings.
	n := int64(124439808 - 50257*768 - 1024*768)
	if f.Train6NPerToken != 6*n || f.Train6NPerBatch == nil || *f.Train6NPerBatch != 6*n*2048 {
		t.Errorf("gpt2 6N %d, want %d", f.Train6NPerToken, 6*n)
	}

	// Mixtral: 2 of 8 experts per token, the router on all 8.
	m := section(t, `{"model_type": "mixtral"}`, Options{Context: 100})
	layer := int64(4096*4096*2+2*4096*1024) + int64(8*4096) + 2*3*4096*14336
	if want := 2 * (32*layer + 4096*32000); m.FLOPs.MatrixPerToken != want {
		t.Errorf("mixtral matrix %d, want %d", m.FLOPs.MatrixPerToken, want)
	}
	if m.ActiveParams != 46702792704-32*6*3*4096*14336 {
		t.Errorf("mixtral active %d", m.ActiveParams)
	}
	// The table's FLOPs of one layer agree with the per-token figure:
	// 2*(matrix)*tokens + 2*heads*(qk+v)*tokens*keys.
	g := build(t, `{"model_type": "llama", "num_hidden_layers": 1}`, Options{Context: 16, Batch: 3})
	for _, nd := range g.Nodes {
		if nd.Name == "model.layers.0.self_attn" {
			want := 2*int64(4*4096*4096)*3*16 + 2*32*(128+128)*3*16*16
			if v, _ := nd.FLOPs.Value(); v != want {
				t.Errorf("self_attn FLOPs %d, want %d", v, want)
			}
		}
	}
}

// TestSlidingWindowNull: "sliding_window": null is None (no window), not
// the family's default (Mistral v0.2 and later).
func TestSlidingWindowNull(t *testing.T) {
	s := section(t, `{"model_type": "mistral", "sliding_window": null}`, Options{Context: 32768})
	if want := int64(2 * 32 * 8 * 128 * 2 * 32768); s.KVCache.Bytes != want {
		t.Errorf("KV cache %d, want %d", s.KVCache.Bytes, want)
	}
}
