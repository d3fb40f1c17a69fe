package pycode

import (
	"fmt"
	"testing"

	"github.com/layerinfo/layerinfo/internal/gen"
)

// BenchmarkScaleDecode runs generated Lasagne loops of 10k and 100k
// dense layers into a validated graph (what layerinfo.Load does with
// them), with ns/node.
func BenchmarkScaleDecode(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			src := gen.Lasagne(n)
			b.ReportAllocs()
			for b.Loop() {
				g, err := Decode("m.py", src, Options{})
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
