package spec

import (
	"fmt"
	"testing"

	"github.com/layerinfo/layerinfo/internal/gen"
)

// BenchmarkScaleDecode decodes generated specs of 10k and 100k layers
// into a validated graph (what layerinfo.Load does with them), with
// ns/node; "named" gives every layer a name and "chain" an explicit
// input.
func BenchmarkScaleDecode(b *testing.B) {
	named := func(n int) []byte {
		src := []byte("name: big\ninput: {shape: [1, 64]}\nlayers:\n")
		for i := range n {
			src = fmt.Appendf(src, "- {name: d%d, type: dense, units: 64}\n", i)
		}
		return src
	}
	for _, k := range []struct {
		name string
		make func(int) []byte
	}{{"gen", gen.Spec}, {"named", named}, {"chain", func(n int) []byte { return chainSpec(n, false) }}} {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%dk", k.name, n/1000), func(b *testing.B) {
				src := k.make(n)
				b.ReportAllocs()
				for b.Loop() {
					g, err := Decode("m.yaml", src)
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
}
