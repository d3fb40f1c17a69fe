package render

import (
	"io"
	"strconv"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// BenchmarkTable: the text table of a 10,000-layer report.
func BenchmarkTable(b *testing.B) {
	r := &stats.Report{SchemaVersion: 1, Model: stats.Model{Path: "m", Format: "spec"}}
	for i := 0; i < 10000; i++ {
		s := stats.Shape{graph.Unknown(), graph.D(int64(i)), graph.D(7)}
		f := int64(i) * 1000
		r.Layers = append(r.Layers, stats.Layer{Name: "layer" + strconv.Itoa(i), Type: "dense", OutputShapes: []*stats.Shape{&s}, Params: int64(i) * 100, TrainableParams: int64(i) * 100, FLOPs: &f})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Table(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
