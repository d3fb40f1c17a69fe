package caffe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/infer"
)

// bigNet is a VGG-like net of this package's own whose blobs take about
// 240 MB as float32 (a caffemodel of AlexNet's order of
// size): 5 conv blocks (64, 128, 256, 512, 512) with max pooling, then
// fc6 25088 -> 1820, fc7 1820 -> 1820, fc8 1820 -> 1000.
func bigNet() string {
	var b strings.Builder
	b.WriteString("name: \"big\"\ninput: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 224 dim: 224 }\n")
	prev := "data"
	for i, c := range []int{64, 128, 256, 512, 512} {
		for j := 1; j <= 2; j++ {
			name := fmt.Sprintf("conv%d_%d", i+1, j)
			fmt.Fprintf(&b, "layer { name: %q type: \"Convolution\" bottom: %q top: %q convolution_param { num_output: %d kernel_size: 3 pad: 1 } }\n", name, prev, name, c)
			fmt.Fprintf(&b, "layer { name: \"relu%d_%d\" type: \"ReLU\" bottom: %q top: %q }\n", i+1, j, name, name)
			prev = name
		}
		pool := fmt.Sprintf("pool%d", i+1)
		fmt.Fprintf(&b, "layer { name: %q type: \"Pooling\" bottom: %q top: %q pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n", pool, prev, pool)
		prev = pool
	}
	for _, fc := range []struct {
		name string
		n    int
	}{{"fc6", 1820}, {"fc7", 1820}, {"fc8", 1000}} {
		fmt.Fprintf(&b, "layer { name: %q type: \"InnerProduct\" bottom: %q top: %q inner_product_param { num_output: %d } }\n", fc.name, prev, fc.name, fc.n)
		prev = fc.name
	}
	fmt.Fprintf(&b, "layer { name: \"prob\" type: \"Softmax\" bottom: %q top: \"prob\" }\n", prev)
	return b.String()
}

var (
	bigOnce sync.Once
	bigPath string
)

// writeBig writes the big net as a caffemodel with its blob data.
func writeBig(tb testing.TB, path string) {
	src := bigNet()
	g, err := DecodeText("big.prototxt", []byte(src), Options{}, format.Input{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		tb.Fatal(err)
	}
	root, err := parseText("big.prototxt", []byte(src), nil)
	if err != nil {
		tb.Fatal(err)
	}
	_ = root
	data := modelOfData(tb, src, blobsOf(g))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestMain removes the benchmark's caffemodel after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bigPath != "" {
		os.Remove(bigPath)
	}
	os.Exit(code)
}

// TestWriteBigCaffemodel writes the benchmark's caffemodel where
// LAYERINFO_CAFFEMODEL_OUT says (bench/caffe.sh times the CLI on it);
// skipped otherwise.
func TestWriteBigCaffemodel(t *testing.T) {
	out := os.Getenv("LAYERINFO_CAFFEMODEL_OUT")
	if out == "" {
		t.Skip("LAYERINFO_CAFFEMODEL_OUT is not set (bench/caffe.sh sets it)")
	}
	writeBig(t, out)
}

// BenchmarkCaffemodel240MB opens the caffemodel from disk and analyses
// it: the blobs' 240 MB are skipped, never read.
func BenchmarkCaffemodel240MB(b *testing.B) {
	bigOnce.Do(func() {
		bigPath = filepath.Join(os.TempDir(), fmt.Sprintf("layerinfo-caffe-bench-%d.caffemodel", os.Getpid()))
		writeBig(b, bigPath)
	})
	st, err := os.Stat(bigPath)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(bigPath)
		if err != nil {
			b.Fatal(err)
		}
		g, err := DecodeModel(context.Background(), format.Input{Name: bigPath, R: f, Size: st.Size()}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := infer.Run(g, infer.Options{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.ReportMetric(float64(st.Size())/1e6, "file-MB")
}
