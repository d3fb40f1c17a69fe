package torchcode

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// BenchmarkResNet50 reads torchvision's resnet.py, builds resnet50() and
// traces it at 1x3x224x224, then analyses the graph (bench/torch.sh
// times the whole process against torchinfo).
func BenchmarkResNet50(b *testing.B) {
	path := filepath.Join(reference, "torchcode", "torchvision", "resnet.py")
	src, err := os.ReadFile(path)
	if err != nil {
		b.Skip("no reference data: ../shared/reference/torchcode is needed for this benchmark")
	}
	opt := Options{Entry: "resnet50()", Dir: os.DirFS(filepath.Dir(path)), InputShapes: map[string][]int64{"": {1, 3, 224, 224}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g, err := Decode("resnet.py", src, opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := infer.Run(g, infer.Options{}); err != nil {
			b.Fatal(err)
		}
		if _, err := stats.Build(g); err != nil {
			b.Fatal(err)
		}
	}
}
