// Command stgen writes a Llama-2-7B-shaped safetensors file whose tensor
// data is a hole (a sparse file): 13.5 GB as the file system reports it,
// a few hundred KB on disk. It exists to time layerinfo on a 7B checkpoint
// header without downloading one.
//
//	go run ./bench/stgen -o /tmp/llama7b.safetensors
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "llama-7b.safetensors", "output file")
	flag.Parse()
	const (
		vocab, d, ff, layers = 32000, 4096, 11008, 32
	)
	type entry struct {
		name  string
		shape []int64
	}
	var ts []entry
	ts = append(ts, entry{"model.embed_tokens.weight", []int64{vocab, d}})
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		for _, x := range []string{"q", "k", "v", "o"} {
			ts = append(ts, entry{p + "self_attn." + x + "_proj.weight", []int64{d, d}})
		}
		ts = append(ts,
			entry{p + "mlp.gate_proj.weight", []int64{ff, d}},
			entry{p + "mlp.up_proj.weight", []int64{ff, d}},
			entry{p + "mlp.down_proj.weight", []int64{d, ff}},
			entry{p + "input_layernorm.weight", []int64{d}},
			entry{p + "post_attention_layernorm.weight", []int64{d}})
	}
	ts = append(ts, entry{"model.norm.weight", []int64{d}}, entry{"lm_head.weight", []int64{vocab, d}})
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for _, t := range ts {
		n := int64(2) // bf16
		for _, x := range t.shape {
			n *= x
		}
		hdr[t.name] = map[string]any{"dtype": "BF16", "shape": t.shape, "data_offsets": []int64{off, off + n}}
		off += n
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		panic(err)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	if _, err := f.Write(append(b, js...)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Truncate(8 + int64(len(js)) + off); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("%s: %d tensors, %d bytes of (sparse) data\n", *out, len(ts), off)
}
