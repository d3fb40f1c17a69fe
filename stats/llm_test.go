package stats

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// toyArch is a two-layer decoder worked out by hand: d_model 8, 2 heads
// of 4 (QKᵀ and AV: 2*(4+4) = 16 multiply-adds per key), keys and values
// 2*8 = 16 cached elements per token and layer; the second layer sees a
// window of 50 keys. Context 100, batch 2; 400 embedding parameters.
func toyArch() *graph.Arch {
	return &graph.Arch{
		ModelType: "toy", Class: "ToyForCausalLM", Context: 100, ContextFrom: "the context option", ContextOption: "context", Batch: 2,
		TokenMACs: []graph.MACs{{Label: "attention projections", Count: 2, PerToken: 256}, {Label: "MLP", Count: 2, PerToken: 512}, {Label: "lm_head", Count: 1, PerToken: 400}},
		Attention: []graph.AttnLayer{
			{Name: "l0", KeyMACs: 16, CacheElems: 16, CacheWhy: "2*8 = 16"},
			{Name: "l1", KeyMACs: 16, Window: 50, CacheElems: 16, CacheWhy: "2*8 = 16"},
		},
		EmbeddingParams: 400,
	}
}

// TestTransformer: the memory and FLOPs section from the architecture
// and 5,000 parameters, all trainable.
func TestTransformer(t *testing.T) {
	s, err := transformer(toyArch(), Totals{Params: 5000, TrainableParams: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if s.NonEmbeddingParams != 4600 || s.ActiveParams != 5000 || s.MoE != nil {
		t.Errorf("non-embedding %d, active %d, MoE %v; want 4600, 5000, none", s.NonEmbeddingParams, s.ActiveParams, s.MoE)
	}
	// 4, 2, 2, 1 bytes and half a byte per weight; GGUF: whole blocks,
	// Q8_0 ceil(5000/32) = 157 blocks of 34 bytes, Q4_K ceil(5000/256)
	// = 20 blocks of 144 bytes.
	want := map[string]int64{"float32": 20000, "bfloat16": 10000, "float16": 10000, "int8": 5000, "int4": 2500, "gguf Q8_0": 5338, "gguf Q4_K": 2880}
	for _, w := range s.Weights {
		if b, ok := want[w.DType]; ok && w.Bytes != b {
			t.Errorf("%s: %d bytes, want %d (%s)", w.DType, w.Bytes, b, w.Explain)
		}
		delete(want, w.DType)
	}
	if len(want) > 0 {
		t.Errorf("no weight memory for %v", want)
	}
	// Per token (16+16)*2 bytes; at context and batch: the first layer
	// caches 100 positions, the windowed one 50: (16*100+16*50)*2*2.
	kv := s.KVCache
	if kv == nil || kv.ElementsPerToken != 32 || kv.BytesPerToken != 64 || kv.Bytes != 9600 {
		t.Errorf("KV cache %+v, want 32 elements, 64 bytes per token, 9600 bytes", kv)
	}
	// fp32 Adam 5000*4 + 5000*(4+4+4); mixed 5000*2 + 5000*(2+4+4+4).
	if len(s.Training) != 2 || s.Training[0].Bytes != 80000 || s.Training[1].Bytes != 80000 || s.Training[0].BytesPerParam != 16 || s.Training[1].BytesPerParam != 16 {
		t.Errorf("training %+v, want 80000 bytes twice at 16 B/param", s.Training)
	}
	// Matrix 2*(2*256+2*512+400) = 3872; attention 2*(16*100+16*50) =
	// 4800; forward 8672 per token, x 100*2 tokens = 1,734,400. Training
	// rule 6*4600 = 27,600 per token, 5,520,000 for the batch.
	f := s.FLOPs
	if f.MatrixPerToken != 3872 || f.AttentionPerToken != 4800 || f.ForwardPerToken != 8672 || f.ForwardPerBatch == nil || *f.ForwardPerBatch != 1734400 {
		t.Errorf("FLOPs %+v, want 3872 + 4800 = 8672 per token, 1734400 per batch", f)
	}
	if f.Train6NPerToken != 27600 || f.Train6NPerBatch == nil || *f.Train6NPerBatch != 5520000 {
		t.Errorf("6N %d per token, %v per batch; want 27600, 5520000", f.Train6NPerToken, f.Train6NPerBatch)
	}
	if !strings.Contains(f.Explain, "2*(2*256+2*512+1*400) = 3872") {
		t.Errorf("FLOPs explain %q lacks the matrix arithmetic", f.Explain)
	}
}

// TestTransformerEncoder: an encoder caches nothing, so there is no KV
// cache section.
func TestTransformerEncoder(t *testing.T) {
	a := toyArch()
	for i := range a.Attention {
		a.Attention[i].CacheElems = 0
	}
	s, err := transformer(a, Totals{Params: 5000, TrainableParams: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if s.KVCache != nil {
		t.Errorf("KV cache %+v for an encoder", s.KVCache)
	}
}

// TestTransformerOverflow: a parameter count whose float32 size is past
// int64 is an error, not a wrapped number.
func TestTransformerOverflow(t *testing.T) {
	_, err := transformer(toyArch(), Totals{Params: math.MaxInt64 / 2, TrainableParams: 1})
	if !errors.Is(err, calc.ErrOverflow) || !strings.HasPrefix(err.Error(), "weight memory:") {
		t.Errorf("err = %v, want a weight memory overflow", err)
	}
	if s, err := transformer(nil, Totals{}); s != nil || err != nil {
		t.Errorf("no architecture: %v, %v; want nil, nil", s, err)
	}
}
