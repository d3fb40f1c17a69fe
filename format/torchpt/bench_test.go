package torchpt

import (
	"bytes"
	"fmt"
	"testing"
)

// llama7B returns a torch.save'd Llama-2-7B state_dict (291 F16 tensors
// with their real shapes) without the storage records: a header-only copy.
func llama7B(t testing.TB) []byte {
	const hidden, inter, vocab = 4096, 11008, 32000
	sd := &pOrderedDict{}
	key := 0
	add := func(name string, size ...int64) {
		sd.keys = append(sd.keys, name)
		sd.vals = append(sd.vals, tensor("HalfStorage", fmt.Sprint(key), size...))
		key++
	}
	add("model.embed_tokens.weight", vocab, hidden)
	for i := 0; i < 32; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		for _, n := range []string{"q", "k", "v", "o"} {
			add(p+"self_attn."+n+"_proj.weight", hidden, hidden)
		}
		add(p+"mlp.gate_proj.weight", inter, hidden)
		add(p+"mlp.up_proj.weight", inter, hidden)
		add(p+"mlp.down_proj.weight", hidden, inter)
		add(p+"input_layernorm.weight", hidden)
		add(p+"post_attention_layernorm.weight", hidden)
	}
	add("model.norm.weight", hidden)
	add("lm_head.weight", vocab, hidden)
	return torchZip(t, "archive", dumps(sd), nil, nil)
}

func TestLlama7B(t *testing.T) {
	buf := llama7B(t)
	d := Decoder{SkipSizeCheck: true}
	f, err := d.Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 291 || f.Elements() != 6_738_415_616 || f.StorageBytes() != 2*6_738_415_616 {
		t.Errorf("%d tensors, %d elements, %d bytes", len(f.Tensors), f.Elements(), f.StorageBytes())
	}
}

func BenchmarkDecodeLlama7B(b *testing.B) {
	buf := llama7B(b)
	r := bytes.NewReader(buf)
	d := Decoder{SkipSizeCheck: true}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(r, int64(len(buf))); err != nil {
			b.Fatal(err)
		}
	}
}
