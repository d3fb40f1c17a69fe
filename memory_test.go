package layerinfo_test

import (
	"context"
	"os"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/memory"
)

// TestMaxBatchConsistent: the batch --gpu names fits by the same
// estimate, and one more does not — for inference and every optimizer.
func TestMaxBatchConsistent(t *testing.T) {
	lasagne := []byte(`from lasagne.layers import InputLayer, Conv2DLayer, DenseLayer
l = InputLayer((None, 3, 32, 32), name='in')
l = Conv2DLayer(l, num_filters=16, filter_size=3, name='conv')
l = DenseLayer(l, num_units=10, name='out')
`)
	cases := []struct {
		name     string
		in       func() (layerinfo.Input, bool)
		opt      layerinfo.Options
		capacity int64
	}{
		{"lasagne", func() (layerinfo.Input, bool) { return layerinfo.Bytes("net.py", lasagne), true },
			layerinfo.Options{}, 64 << 20},
		{"resnet50", func() (layerinfo.Input, bool) {
			in, _, err := layerinfo.File("../shared/reference/onnx/torchvision__resnet50__preserve.onnx")
			return in, err == nil
		}, layerinfo.Options{}, 4 << 30},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, ok := c.in()
			if !ok {
				t.Skip("../shared/reference not present")
			}
			if f, ok := in.R.(*os.File); ok {
				defer f.Close()
			}
			g, err := layerinfo.Load(ctx, in, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := layerinfo.Analyze(ctx, g, c.opt); err != nil {
				t.Fatal(err)
			}
			mb, err := layerinfo.MaxBatch(ctx, in, c.opt, g, layerinfo.MemoryOptions{}, c.capacity)
			if err != nil {
				t.Fatal(err)
			}
			at := func(b int64) *memory.Estimate {
				o, err := layerinfo.WithBatch(c.opt, g, b)
				if err != nil {
					t.Fatal(err)
				}
				g2, err := layerinfo.Load(ctx, in, o)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := layerinfo.Analyze(ctx, g2, o); err != nil {
					t.Fatal(err)
				}
				e, err := memory.Compute(g2, memory.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if e.Batch != b {
					t.Fatalf("estimate at batch %d says batch %d", b, e.Batch)
				}
				return e
			}
			check := func(what string, b *int64, need func(*memory.Estimate) int64) {
				if b == nil || *b <= 0 {
					t.Fatalf("%s: max batch %v", what, b)
				}
				fit, over := need(at(*b)), need(at(*b+1))
				t.Logf("%s: batch %d needs %d, %d needs %d, capacity %d", what, *b, fit, *b+1, over, c.capacity)
				if fit > c.capacity || over <= c.capacity {
					t.Errorf("%s: batch %d needs %d and %d needs %d of %d", what, *b, fit, *b+1, over, c.capacity)
				}
			}
			check("inference", mb.Inference, (*memory.Estimate).InferenceTotal)
			for _, o := range []string{"sgd", "sgd_momentum", "adam"} {
				check(o, mb.Training[o], func(e *memory.Estimate) int64 { return e.Peak(o) })
			}
		})
	}
}

// TestGPUBytes: known cards by name (case and dashes aside) and sizes.
func TestGPUBytes(t *testing.T) {
	for s, want := range map[string]int64{"T4": 16 << 30, "h100-80gb": 80 << 30, "RTX4090": 24 << 30, "24GiB": 24 << 30, "512MiB": 512 << 20} {
		if _, got, err := layerinfo.GPUBytes(s); err != nil || got != want {
			t.Errorf("GPUBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"V100", "", "-1GiB"} {
		if _, _, err := layerinfo.GPUBytes(s); err == nil {
			t.Errorf("GPUBytes(%q): no error", s)
		}
	}
}
