package onnx

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

// largestFixture returns the biggest reference model.
func largestFixture(b *testing.B) string {
	var best string
	var size int64
	for _, p := range fixtures(b) {
		if fi, err := os.Stat(p); err == nil && fi.Size() > size {
			best, size = p, fi.Size()
		}
	}
	return best
}

// BenchmarkDecode decodes the largest reference model (weights external).
func BenchmarkDecode(b *testing.B) {
	benchFile(b, largestFixture(b))
}

// BenchmarkDecodeEmbedded decodes VGG-16 with its ~550 MB of weights
// embedded, as Embed makes it.
func BenchmarkDecodeEmbedded(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a 550 MB file")
	}
	fixtures(b)
	src := filepath.Join(referenceDir, "torchvision__vgg16__preserve.onnx")
	dst := filepath.Join(b.TempDir(), "vgg16.onnx")
	if err := EmbedFile(dst, src); err != nil {
		b.Fatal(err)
	}
	benchFile(b, dst)
}

func benchFile(b *testing.B, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d bytes", filepath.Base(path), fi.Size())
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("ReadAt", func(b *testing.B) {
		osf, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer osf.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(osf, fi.Size()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAnalyze builds and infers the graphs of the largest reference
// models (by node count and by size): the whole analysis after decoding.
func BenchmarkAnalyze(b *testing.B) {
	for _, name := range []string{"timm__res2net50_14w_8s__preserve", "timm__coatnet_0_rw_224__preserve", "torchvision__resnet50__preserve"} {
		path := filepath.Join(referenceDir, name+".onnx")
		fixtures(b)
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g, err := Build(path, f.Model, f, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := infer.Run(g, infer.Options{}); err != nil {
					b.Fatal(err)
				}
				stats.Build(g)
			}
		})
		f.Close()
	}
}

// BenchmarkLoadEmbedded reads ResNet-50 with its ~100 MB of weights
// embedded and analyses it, as the command does: through ReadAt, and
// through the memory map.
func BenchmarkLoadEmbedded(b *testing.B) {
	fixtures(b)
	src := filepath.Join(referenceDir, "torchvision__resnet50__preserve.onnx")
	dst := filepath.Join(b.TempDir(), "resnet50.onnx")
	if err := EmbedFile(dst, src); err != nil {
		b.Fatal(err)
	}
	b.Run("ReadAt", func(b *testing.B) {
		osf, err := os.Open(dst)
		if err != nil {
			b.Fatal(err)
		}
		defer osf.Close()
		fi, _ := osf.Stat()
		b.ReportAllocs()
		for b.Loop() {
			g, err := Load(dst, osf, fi.Size(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := infer.Run(g, infer.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := Open(dst)
			if err != nil {
				b.Fatal(err)
			}
			g, err := Build(dst, f.Model, f, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := infer.Run(g, infer.Options{}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

// BenchmarkLoadScale is the load stage of the root BenchmarkScale without
// the other front-ends: Load (decode and build) and Validate of generated
// graphs (internal/gen) of 10k and 100k nodes, read through ReadAt with
// a budget as layerinfo.Load reads them, per node.
func BenchmarkLoadScale(b *testing.B) {
	for _, k := range []struct {
		name string
		dag  bool
	}{{"dag", true}, {"chain", false}} {
		for _, n := range []int{10_000, 100_000} {
			data := gen.ONNX(n, k.dag)
			b.Run(fmt.Sprintf("%s/%dk", k.name, n/1000), func(b *testing.B) {
				r := bytes.NewReader(data)
				b.ReportAllocs()
				nodes := 0
				for b.Loop() {
					g, err := Load("m.onnx", r, int64(len(data)), Options{Budget: budget.New(0)})
					if err != nil {
						b.Fatal(err)
					}
					if err := g.Validate(); err != nil {
						b.Fatal(err)
					}
					nodes = len(g.Nodes)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nodes), "ns/node")
			})
		}
	}
}
