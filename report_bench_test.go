package layerinfo

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/gen"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// BenchmarkReport times the report's stages alone on generated 100k-node
// models, the graph loaded and inferred once: stats.Build (with and
// without arithmetic) and each renderer, with ns/node and B/node; live
// is the heap the report keeps per node (after a GC, graph included,
// less the graph alone).
func BenchmarkReport(b *testing.B) {
	const n = 100_000
	for _, k := range []struct {
		name, file string
		data       func() []byte
	}{
		{"onnx-dag", "m.onnx", func() []byte { return gen.ONNX(n, true) }},
		{"spec", "m.yaml", func() []byte { return gen.Spec(n) }},
		{"safetensors", "m.safetensors", func() []byte { return gen.Safetensors(n) }},
	} {
		b.Run(k.name, func(b *testing.B) { reportStages(b, k.file, k.data(), n) })
	}
}

func reportStages(b *testing.B, name string, data []byte, n int) {
	ctx := context.Background()
	g, err := Load(ctx, Bytes(name, data), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		b.Fatal(err)
	}
	perNode := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
	}
	var ms runtime.MemStats
	live := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for _, terse := range []bool{false, true} {
		name := "build"
		if terse {
			name = "build-noarith"
		}
		b.Run(name, func(b *testing.B) {
			before := live()
			r, err := stats.BuildWith(g, stats.Options{NoArithmetic: terse})
			if err != nil {
				b.Fatal(err)
			}
			after := live()
			runtime.KeepAlive(r)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := stats.BuildWith(g, stats.Options{NoArithmetic: terse}); err != nil {
					b.Fatal(err)
				}
			}
			perNode(b)
			b.ReportMetric(float64(after-before)/float64(n), "live-B/node")
		})
	}
	r, err := stats.Build(g)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name string
		fn   func(io.Writer, *stats.Report) error
	}{{"table", render.Table}, {"json", render.JSON}, {"explain", render.Explain}, {"markdown", render.Markdown}, {"csv", render.CSV}} {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.fn(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
			perNode(b)
		})
	}
}
