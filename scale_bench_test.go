package layerinfo

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/layerinfo/layerinfo/internal/gen"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// BenchmarkScale times each stage (load: decode and build the graph;
// analyze: inference and the report without arithmetic text and with its
// rows made as the table reads them (NoArithmetic, LazyRows), as the
// command line's table needs them; analyze-full: every row and its
// arithmetic, as JSON and --explain need them;
// table, json, explain: rendering) on
// generated models of 10k, 100k and 1M nodes, with ns/node and B/node.
// live reports what stays on the heap per node once the graph is loaded
// (graph-B/node) and what analysing it for the table adds (analyze-B/node:
// inference's results and the report), which is what sets the CLI's peak.
// The 1M sizes are left out with -short.
func BenchmarkScale(b *testing.B) {
	kinds := []struct {
		name string
		file string
		make func(n int) []byte
	}{
		{"onnx-dag", "m.onnx", func(n int) []byte { return gen.ONNX(n, true) }},
		{"onnx-chain", "m.onnx", func(n int) []byte { return gen.ONNX(n, false) }},
		{"spec", "m.yaml", gen.Spec},
		{"lasagne", "m.py", gen.Lasagne},
		{"safetensors", "m.safetensors", gen.Safetensors},
	}
	for _, k := range kinds {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			if n > 100_000 && (testing.Short() || k.name == "spec" || k.name == "lasagne") {
				continue // the spec and Lasagne front-ends refuse more than 100,000 layers
			}
			b.Run(fmt.Sprintf("%s/%dk", k.name, n/1000), func(b *testing.B) {
				scaleStages(b, k.file, k.make(n), n)
			})
		}
	}
}

func scaleStages(b *testing.B, name string, data []byte, n int) {
	ctx := context.Background()
	load := func(b *testing.B) {
		if _, err := Load(ctx, Bytes(name, data), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	perNode := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
	}
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			load(b)
		}
		perNode(b)
	})
	b.Run("live", func(b *testing.B) {
		var graphB, reportB uint64
		for b.Loop() {
			b.StopTimer()
			base := liveHeap()
			g, err := Load(ctx, Bytes(name, data), Options{})
			if err != nil {
				b.Fatal(err)
			}
			loaded := liveHeap()
			r, err := Analyze(ctx, g, Options{NoArithmetic: true, LazyRows: true})
			if err != nil {
				b.Fatal(err)
			}
			analysed := liveHeap()
			runtime.KeepAlive(g)
			runtime.KeepAlive(r)
			graphB += loaded - base
			reportB += analysed - loaded
			b.StartTimer()
		}
		b.ReportMetric(float64(graphB)/float64(b.N)/float64(n), "graph-B/node")
		b.ReportMetric(float64(reportB)/float64(b.N)/float64(n), "analyze-B/node")
	})
	for _, a := range []struct {
		name string
		opt  Options
	}{{"analyze", Options{NoArithmetic: true, LazyRows: true}}, {"analyze-full", Options{}}} {
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				g, err := Load(ctx, Bytes(name, data), Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := Analyze(ctx, g, a.opt); err != nil {
					b.Fatal(err)
				}
			}
			perNode(b)
		})
	}
	for _, r := range []struct {
		name string
		fn   func(io.Writer, *stats.Report) error
		opt  Options
	}{
		{"table", render.Table, Options{NoArithmetic: true, LazyRows: true}},
		{"json", render.JSON, Options{}},
		{"explain", render.Explain, Options{}},
	} {
		b.Run(r.name, func(b *testing.B) {
			g, err := Load(ctx, Bytes(name, data), Options{})
			if err != nil {
				b.Fatal(err)
			}
			rep, err := Analyze(ctx, g, r.opt)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := r.fn(io.Discard, rep); err != nil {
					b.Fatal(err)
				}
			}
			perNode(b)
		})
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
