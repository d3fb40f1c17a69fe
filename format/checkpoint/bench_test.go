package checkpoint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/gen"
	"github.com/layerinfo/layerinfo/stats"
)

// BenchmarkSafetensors7B: a Llama-2-7B-shaped header (291 tensors; the
// data region is a hole) to report.
func BenchmarkSafetensors7B(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	var ts [][3]any
	ts = append(ts, [3]any{"model.embed_tokens.weight", "BF16", []int64{32000, 4096}})
	for i := 0; i < 32; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		for _, x := range []string{"q", "k", "v", "o"} {
			ts = append(ts, [3]any{p + "self_attn." + x + "_proj.weight", "BF16", []int64{4096, 4096}})
		}
		ts = append(ts, [3]any{p + "mlp.gate_proj.weight", "BF16", []int64{11008, 4096}},
			[3]any{p + "mlp.up_proj.weight", "BF16", []int64{11008, 4096}},
			[3]any{p + "mlp.down_proj.weight", "BF16", []int64{4096, 11008}},
			[3]any{p + "input_layernorm.weight", "BF16", []int64{4096}},
			[3]any{p + "post_attention_layernorm.weight", "BF16", []int64{4096}})
	}
	ts = append(ts, [3]any{"model.norm.weight", "BF16", []int64{4096}}, [3]any{"lm_head.weight", "BF16", []int64{32000, 4096}})
	writeSparse(b, path, ts)
	f, _ := os.Open(path)
	defer f.Close()
	st, _ := f.Stat()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, err := Safetensors(path, f, st.Size(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := infer.Run(g, infer.Options{}); err != nil {
			b.Fatal(err)
		}
		if r, _ := stats.Build(g); r.Totals.Params != 6738415616 {
			b.Fatalf("params %d", r.Totals.Params)
		}
	}
}

// BenchmarkScaleLoad reads generated safetensors headers of 10k and 100k
// one-tensor modules into a validated graph (what layerinfo.Load does
// for them), with ns/node.
func BenchmarkScaleLoad(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			data := gen.Safetensors(n)
			r := bytes.NewReader(data)
			b.ReportAllocs()
			for b.Loop() {
				g, err := Safetensors("m.safetensors", r, int64(len(data)), Options{Budget: budget.New(0)})
				if err != nil {
					b.Fatal(err)
				}
				if err := g.Validate(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
		})
	}
}
