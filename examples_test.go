package layerinfo_test

import (
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/stats"
)

func analyzeFile(t *testing.T, path string) *stats.Report {
	t.Helper()
	in, closeFn, err := layerinfo.File(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	g, err := layerinfo.Load(t.Context(), in, layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestExamples checks the bundled examples against figures derived
// independently of the code: published totals and formulas written out.
func TestExamples(t *testing.T) {
	lstm := func(in, h int64) int64 { return 4*(in*h+h*h+h) + 3*h } // + cell_init, hid_init (non-trainable)
	for _, c := range []struct {
		file              string
		params, trainable int64
		flops             int64 // 0: not checked
	}{
		// The seed network: 217,706 learnable parameters; FLOPs 2 per MAC.
		{"mnist_nolearn.py", 217706, 217706, 2 * (5*5*1*32*24*24 + 3*3*32*32*10*10 + 800*256 + 256*10)},
		// torchvision and Keras publish 138,357,544 for VGG-16.
		{"vgg16_lasagne.py", 138357544, 138357544, 0},
		{"text_lstm_lasagne.py", 96*64 + lstm(64, 256) + 2*256 + lstm(256, 256) + 2*256 + (256+1)*96,
			96*64 + lstm(64, 256) + lstm(256, 256) + (256+1)*96, 0},
	} {
		t.Run(c.file, func(t *testing.T) {
			r := analyzeFile(t, filepath.Join("examples", c.file))
			if r.Totals.Params != c.params || r.Totals.TrainableParams != c.trainable {
				t.Errorf("params %d (trainable %d), want %d (%d)", r.Totals.Params, r.Totals.TrainableParams, c.params, c.trainable)
			}
			if c.flops != 0 && (r.Totals.FLOPs == nil || *r.Totals.FLOPs != c.flops) {
				t.Errorf("FLOPs %v, want %d", r.Totals.FLOPs, c.flops)
			}
		})
	}
}

// TestVGG16FLOPs: torchvision lists VGG-16 at 15.47 GFLOPS, which are
// multiply-adds; layerinfo counts 2 FLOPs per multiply-add.
func TestVGG16FLOPs(t *testing.T) {
	r := analyzeFile(t, "examples/vgg16_lasagne.py")
	got := float64(*r.Totals.FLOPs) / 2 / 1e9
	if got < 15.465 || got > 15.475 {
		t.Errorf("VGG-16 %.3f GMACs, want 15.47", got)
	}
}
