package layerinfo_test

import (
	"path/filepath"
	"testing"
)

// TestKerasExamples: the Keras examples against the totals Keras prints
// for keras.applications' models (model.summary()), which their
// formulas give too:
//
//	VGG16: 13 3x3 convolutions 64-64-128-128-256×3-512×6 with biases,
//	then 7*7*512→4096→4096→1000: 138,357,544.
//	MobileNet (alpha 1, 224): conv1 3*3*3*32, per block 3*3*C_in +
//	C_in*C_out, batch norms 4 per channel (half of it the moving
//	statistics), conv_preds 1024*1000+1000: 4,253,864, of which 21,888
//	non-trainable.
func TestKerasExamples(t *testing.T) {
	for _, c := range []struct {
		file                 string
		params, nonTrainable int64
		flops                int64 // 0: not checked
	}{
		// FLOPs: 2 per multiply-add, conv k*k*C_in*C_out*H*W.
		{"keras_vgg16.json", 138357544, 0, 2 * (224*224*(3*3*3*64+3*3*64*64) + 112*112*(3*3*64*128+3*3*128*128) +
			56*56*(3*3*128*256+2*3*3*256*256) + 28*28*(3*3*256*512+2*3*3*512*512) + 14*14*3*3*3*512*512 +
			7*7*512*4096 + 4096*4096 + 4096*1000)},
		{"keras_mobilenet.json", 4253864, 21888, 0},
		// The same VGG16 written as Keras code (functional, a loop over
		// a table of blocks): the same totals and FLOPs.
		{"keras_vgg16.py", 138357544, 0, 2 * (224*224*(3*3*3*64+3*3*64*64) + 112*112*(3*3*64*128+3*3*128*128) +
			56*56*(3*3*128*256+2*3*3*256*256) + 28*28*(3*3*256*512+2*3*3*512*512) + 14*14*3*3*3*512*512 +
			7*7*512*4096 + 4096*4096 + 4096*1000)},
		// (3*3*1+1)*32 + (3*3*32+1)*64 + (5*5*64+1)*10 = 34,826, the
		// total keras.io prints for its MNIST convnet.
		{"keras_mnist_convnet.py", 34826, 0, 2 * (26*26*3*3*32 + 11*11*3*3*32*64 + 1600*10)},
		// Embedding 5000*32 (frozen); each Residual block LayerNorm 2*32,
		// Dense (32+1)*128, Dense (128+1)*32; head (32+1)*4.
		{"keras_subclassed.py", 5000*32 + 2*(2*32+(32+1)*128+(128+1)*32) + (32+1)*4, 5000 * 32, 0},
	} {
		t.Run(c.file, func(t *testing.T) {
			r := analyzeFile(t, filepath.Join("examples", c.file))
			if r.Totals.Params != c.params || r.Totals.NonTrainableParams != c.nonTrainable {
				t.Errorf("params %d (non-trainable %d), Keras %d (%d)", r.Totals.Params, r.Totals.NonTrainableParams, c.params, c.nonTrainable)
			}
			if c.flops != 0 && (r.Totals.FLOPs == nil || *r.Totals.FLOPs != c.flops) {
				t.Errorf("FLOPs %v, want %d", r.Totals.FLOPs, c.flops)
			}
			if r.Model.Format != "keras" {
				t.Errorf("read as %s", r.Model.Format)
			}
		})
	}
}
