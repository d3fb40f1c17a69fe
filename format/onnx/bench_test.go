package onnx

import (
	"os"
	"path/filepath"
	"testing"
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
