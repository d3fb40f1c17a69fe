//go:build scalebench

// Run with: go test -tags scalebench -run XXX -bench Run -benchtime 3x ./infer/

package infer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/gen"
)

// BenchmarkRun times inference alone (infer.Run: the order, every op's
// Infer and the per-node bookkeeping) on the generated models of
// BenchmarkScale, with and without arithmetic text, per node. B/op and
// allocs/op divided by 100,000 are per node.
func BenchmarkRun(b *testing.B) {
	const n = 100_000
	for _, k := range []struct {
		name, file string
		make       func() []byte
	}{
		{"onnx-dag", "m.onnx", func() []byte { return gen.ONNX(n, true) }},
		{"onnx-chain", "m.onnx", func() []byte { return gen.ONNX(n, false) }},
		{"spec", "m.yaml", func() []byte { return gen.Spec(n) }},
		{"lasagne", "m.py", func() []byte { return gen.Lasagne(n) }},
		{"safetensors", "m.safetensors", func() []byte { return gen.Safetensors(n) }},
	} {
		for _, terse := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/terse=%v", k.name, terse), func(b *testing.B) {
				g, err := layerinfo.Load(context.Background(), layerinfo.Bytes(k.file, k.make()), layerinfo.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := infer.Run(g, infer.Options{NoArithmetic: terse}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(g.Nodes)), "ns/node")
			})
		}
	}
}
