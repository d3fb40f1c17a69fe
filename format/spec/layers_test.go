package spec

import (
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// layerCase is one layer type with attributes: the last layer of the spec
// must have shape and own trainable/fixed parameters. Every expected
// number is derived here from the layer's formula, not from a run.
type layerCase struct {
	name   string
	layout string // "" is NCHW
	input  string // `input:` value, or an `inputs:` mapping when it starts with {
	layers string // one "- {…}" per line; the last is checked
	shape  graph.Shape
	train  int64
	fixed  int64
}

func checkLayers(t *testing.T, cases []layerCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := specOf(c.layout, c.input, c.layers)
			g := analyze(t, "case.yaml", src)
			n := g.Nodes[len(g.Nodes)-1]
			if got := n.Outputs[0].Shape; !got.Equal(c.shape) {
				t.Errorf("shape %s, want %s\n%s", got, c.shape, src)
			}
			tr, fx := own(n)
			if tr != c.train || fx != c.fixed {
				t.Errorf("params %d trainable + %d non-trainable, want %d + %d (%s)\n%s", tr, fx, c.train, c.fixed, n.Count.Equation(), src)
			}
		})
	}
}

var convLayersCases = []layerCase{
	{"conv2d valid", "", "[null, 3, 32, 32]", `- {type: conv2d, filters: 16, kernel: 5}`,
		shape(N, 16, 32-5+1, 32-5+1), (5*5*3 + 1) * 16, 0},
	{"conv2d valid written out", "", "[null, 3, 32, 32]", `- {type: conv2d, filters: 16, kernel: [5, 5], padding: valid, stride: 1, dilation: 1, groups: 1, bias: true}`,
		shape(N, 16, 28, 28), (5*5*3 + 1) * 16, 0},
	{"conv2d no bias", "", "[null, 3, 32, 32]", `- {type: conv2d, filters: 16, kernel: 3, bias: false}`,
		shape(N, 16, 30, 30), 3 * 3 * 3 * 16, 0},
	{"conv2d rectangular kernel and stride", "", "[null, 3, 32, 30]", `- {type: conv2d, filters: 8, kernel: [3, 5], stride: [2, 3]}`,
		// floor((32-3)/2)+1 = 15, floor((30-5)/3)+1 = 9
		shape(N, 8, (32-3)/2+1, (30-5)/3+1), (3*5*3 + 1) * 8, 0},
	// same: out = ceil(in/s); 8 with k 3, s 2 needs (4-1)*2+3-8 = 1 pad,
	// the odd one at the end: the same as [[0, 1], [0, 1]].
	{"conv2d same, odd padding at the end", "", "[null, 3, 8, 8]", `- {type: conv2d, filters: 8, kernel: 3, stride: 2, padding: same}`,
		shape(N, 8, (8+2-1)/2, (8+2-1)/2), (3*3*3 + 1) * 8, 0},
	{"conv2d explicit [[0, 1], [0, 1]] equals same", "", "[null, 3, 8, 8]", `- {type: conv2d, filters: 8, kernel: 3, stride: 2, padding: [[0, 1], [0, 1]]}`,
		shape(N, 8, (8+0+1-3)/2+1, (8+0+1-3)/2+1), (3*3*3 + 1) * 8, 0},
	{"conv2d same, stride 1, even kernel", "", "[null, 3, 7, 7]", `- {type: conv2d, filters: 2, kernel: 4, padding: same}`,
		shape(N, 2, 7, 7), (4*4*3 + 1) * 2, 0},
	{"conv2d same_lower", "", "[null, 3, 9, 9]", `- {type: conv2d, filters: 2, kernel: 2, stride: 2, padding: same_lower}`,
		shape(N, 2, (9+1)/2, (9+1)/2), (2*2*3 + 1) * 2, 0},
	// full: k-1 on both sides: 5+2*2-3+1 = 7.
	{"conv2d full", "", "[null, 1, 5, 5]", `- {type: conv2d, filters: 4, kernel: 3, padding: full}`,
		shape(N, 4, 5+2*(3-1)-3+1, 5+2*(3-1)-3+1), (3*3*1 + 1) * 4, 0},
	{"conv2d int padding", "", "[null, 3, 10, 10]", `- {type: conv2d, filters: 4, kernel: 3, padding: 1}`,
		shape(N, 4, 10+2-3+1, 10+2-3+1), (3*3*3 + 1) * 4, 0},
	{"conv2d per-axis padding", "", "[null, 3, 10, 10]", `- {type: conv2d, filters: 4, kernel: [3, 5], padding: [1, 2]}`,
		shape(N, 4, 10+2*1-3+1, 10+2*2-5+1), (3*5*3 + 1) * 4, 0},
	// explicit asymmetric: h floor((9+1+0-3)/2)+1 = 4, w floor((9+2+1-3)/2)+1 = 5.
	{"conv2d explicit asymmetric", "", "[null, 3, 9, 9]", `- {type: conv2d, filters: 4, kernel: 3, stride: 2, padding: [[1, 0], [2, 1]]}`,
		shape(N, 4, (9+1+0-3)/2+1, (9+2+1-3)/2+1), (3*3*3 + 1) * 4, 0},
	// dilation widens the kernel to d*(k-1)+1 and leaves the count.
	{"conv2d dilated", "", "[null, 3, 32, 32]", `- {type: conv2d, filters: 8, kernel: 3, dilation: 2}`,
		shape(N, 8, 32-2*(3-1), 32-2*(3-1)), (3*3*3 + 1) * 8, 0},
	{"conv2d groups", "", "[null, 8, 16, 16]", `- {type: conv2d, filters: 16, kernel: 3, groups: 4}`,
		shape(N, 16, 14, 14), 3*3*(8/4)*16 + 16, 0},
	{"conv2d NHWC", "NHWC", "[null, 32, 32, 3]", `- {type: conv2d, filters: 16, kernel: 3}`,
		shape(N, 30, 30, 16), (3*3*3 + 1) * 16, 0},
	{"conv2d NHWC same stride 2", "NHWC", "[null, 7, 7, 3]", `- {type: conv2d, filters: 16, kernel: 3, stride: 2, padding: same}`,
		shape(N, (7+1)/2, (7+1)/2, 16), (3*3*3 + 1) * 16, 0},
	{"conv1d NCL", "", "[null, 4, 100]", `- {type: conv1d, filters: 8, kernel: 5}`,
		shape(N, 8, 96), (5*4 + 1) * 8, 0},
	{"conv1d NLC causal dilated", "NHWC", "[null, 20, 4]", `- {type: conv1d, filters: 8, kernel: 3, dilation: 2, padding: causal}`,
		// causal pads d*(k-1) = 4 at the start: 20+4-2*(3-1) = 20.
		shape(N, 20, 8), (3*4 + 1) * 8, 0},
	{"conv3d", "", "[null, 2, 8, 8, 8]", `- {type: conv3d, filters: 4, kernel: 3}`,
		shape(N, 4, 6, 6, 6), (3*3*3*2 + 1) * 4, 0},
	{"conv3d NDHWC", "NDHWC", "[null, 8, 8, 8, 2]", `- {type: conv3d, filters: 4, kernel: [1, 3, 3], padding: same}`,
		shape(N, 8, 8, 8, 4), (1*3*3*2 + 1) * 4, 0},
	// depthwise: groups = channels, filters = channels*multiplier.
	{"depthwise_conv2d", "", "[null, 8, 16, 16]", `- {type: depthwise_conv2d, kernel: 3, multiplier: 2}`,
		shape(N, 8*2, 14, 14), 3*3*8*2 + 8*2, 0},
	{"depthwise_conv2d NHWC same no bias", "NHWC", "[null, 16, 16, 8]", `- {type: depthwise_conv2d, kernel: 3, padding: same, bias: false}`,
		shape(N, 16, 16, 8), 3 * 3 * 8, 0},
	{"depthwise_conv1d", "NHWC", "[null, 50, 6]", `- {type: depthwise_conv1d, kernel: 5}`,
		shape(N, 46, 6), 5*6 + 6, 0},
	{"depthwise_conv3d", "", "[null, 3, 5, 5, 5]", `- {type: depthwise_conv3d, kernel: 3, multiplier: 4}`,
		shape(N, 3*4, 3, 3, 3), 3*3*3*3*4 + 3*4, 0},
	// separable (Keras): k*k*C_in*m + C_in*m*C_out + C_out.
	{"separable_conv2d", "NHWC", "[null, 16, 16, 8]", `- {type: separable_conv2d, filters: 32, kernel: 3, padding: same}`,
		shape(N, 16, 16, 32), 3*3*8*1 + 8*1*32 + 32, 0},
	{"separable_conv2d multiplier stride", "", "[null, 8, 16, 16]", `- {type: separable_conv2d, filters: 12, kernel: 3, multiplier: 2, stride: 2}`,
		shape(N, 12, (16-3)/2+1, (16-3)/2+1), 3*3*8*2 + 8*2*12 + 12, 0},
	{"separable_conv1d no bias", "NHWC", "[null, 30, 4]", `- {type: separable_conv1d, filters: 6, kernel: 3, bias: false}`,
		shape(N, 28, 6), 3*4 + 4*6, 0},
}

func TestConvLayers(t *testing.T) { checkLayers(t, convLayersCases) }

var convTransposeLayersCases = []layerCase{
	// (in-1)*s - 2p + d*(k-1) + output_padding + 1; weight C_in*(C_out/g)*k*k + C_out.
	{"conv_transpose2d", "", "[null, 16, 7, 7]", `- {type: conv_transpose2d, filters: 8, kernel: 4, stride: 2, padding: 1}`,
		shape(N, 8, (7-1)*2-2*1+(4-1)+1, (7-1)*2-2*1+(4-1)+1), 16*8*4*4 + 8, 0},
	{"conv_transpose2d output_padding", "", "[null, 16, 7, 7]", `- {type: conv_transpose2d, filters: 8, kernel: 3, stride: 2, padding: 1, output_padding: 1}`,
		shape(N, 8, (7-1)*2-2*1+(3-1)+1+1, (7-1)*2-2*1+(3-1)+1+1), 16*8*3*3 + 8, 0},
	{"conv_transpose2d same", "NHWC", "[null, 7, 7, 16]", `- {type: conv_transpose2d, filters: 8, kernel: 3, stride: 2, padding: same}`,
		shape(N, 7*2, 7*2, 8), 16*8*3*3 + 8, 0},
	{"conv_transpose2d valid", "", "[null, 4, 5, 5]", `- {type: conv_transpose2d, filters: 2, kernel: 3}`,
		shape(N, 2, (5-1)*1+3, (5-1)*1+3), 4*2*3*3 + 2, 0},
	{"conv_transpose2d groups no bias", "", "[null, 8, 5, 5]", `- {type: conv_transpose2d, filters: 4, kernel: 3, groups: 2, bias: false}`,
		shape(N, 4, 7, 7), 8 * (4 / 2) * 3 * 3, 0},
	{"conv_transpose2d dilation", "", "[null, 4, 5, 5]", `- {type: conv_transpose2d, filters: 2, kernel: 3, dilation: 2}`,
		shape(N, 2, (5-1)+2*(3-1)+1, (5-1)+2*(3-1)+1), 4*2*3*3 + 2, 0},
	{"conv_transpose2d output_size", "", "[null, 16, 7, 7]", `- {type: conv_transpose2d, filters: 8, kernel: 3, stride: 2, padding: 1, output_size: 14}`,
		shape(N, 8, 14, 14), 16*8*3*3 + 8, 0},
	{"conv_transpose1d", "", "[null, 4, 10]", `- {type: conv_transpose1d, filters: 2, kernel: 4, stride: 2}`,
		shape(N, 2, (10-1)*2+4), 4*2*4 + 2, 0},
	{"conv_transpose3d", "", "[null, 2, 3, 3, 3]", `- {type: conv_transpose3d, filters: 1, kernel: 2, stride: 2}`,
		shape(N, 1, 6, 6, 6), 2*1*2*2*2 + 1, 0},
}

func TestConvTransposeLayers(t *testing.T) { checkLayers(t, convTransposeLayersCases) }

var poolLayersCases = []layerCase{
	// floor: floor((in+pb+pe-k)/s)+1; stride defaults to the pool.
	{"maxpool2d floor", "", "[null, 3, 7, 7]", `- {type: maxpool2d, pool: 2}`,
		shape(N, 3, (7-2)/2+1, (7-2)/2+1), 0, 0},
	{"maxpool2d ceil", "", "[null, 3, 7, 7]", `- {type: maxpool2d, pool: 2, rounding: ceil}`,
		shape(N, 3, (7-2+1)/2+1, (7-2+1)/2+1), 0, 0},
	// ceil_mode clips a window that would start in the padding:
	// ceil((4+2-2)/3)+1 = 3, but (3-1)*3 = 6 >= 4+1, so 2.
	{"maxpool2d ceil clipped", "", "[null, 1, 4, 4]", `- {type: maxpool2d, pool: 2, stride: 3, padding: 1, rounding: ceil}`,
		shape(N, 1, 2, 2), 0, 0},
	// Caffe: ceil((in+2p-k)/s)+1, clipped only with padding:
	// ceil((5-1)/3)+1 = 3 where PyTorch's ceil mode clips to 2.
	{"maxpool2d caffe", "", "[null, 1, 5, 5]", `- {type: maxpool2d, pool: 1, stride: 3, rounding: caffe}`,
		shape(N, 1, (5-1+2)/3+1, (5-1+2)/3+1), 0, 0},
	{"maxpool2d ceil same input", "", "[null, 1, 5, 5]", `- {type: maxpool2d, pool: 1, stride: 3, rounding: ceil}`,
		shape(N, 1, 2, 2), 0, 0},
	{"maxpool2d floor same input", "", "[null, 1, 5, 5]", `- {type: maxpool2d, pool: 1, stride: 3}`,
		shape(N, 1, (5-1)/3+1, (5-1)/3+1), 0, 0},
	{"maxpool2d caffe padded", "", "[null, 1, 6, 6]", `- {type: maxpool2d, pool: 3, stride: 2, padding: 1, rounding: caffe}`,
		shape(N, 1, (6+2-3+1)/2+1, (6+2-3+1)/2+1), 0, 0},
	{"maxpool2d stride 1 padded", "", "[null, 4, 8, 8]", `- {type: maxpool2d, pool: 3, stride: 1, padding: 1}`,
		shape(N, 4, 8, 8), 0, 0},
	{"maxpool2d dilation", "", "[null, 1, 10, 10]", `- {type: maxpool2d, pool: 3, stride: 1, dilation: 2}`,
		shape(N, 1, 10-2*(3-1), 10-2*(3-1)), 0, 0},
	{"avgpool2d NHWC same", "NHWC", "[null, 7, 7, 4]", `- {type: avgpool2d, pool: 2, padding: same}`,
		shape(N, (7+1)/2, (7+1)/2, 4), 0, 0},
	{"avgpool2d rectangular", "", "[null, 4, 9, 8]", `- {type: avgpool2d, pool: [3, 2], stride: [3, 2]}`,
		shape(N, 4, 3, 4), 0, 0},
	{"maxpool1d NLC", "NHWC", "[null, 124, 16]", `- {type: maxpool1d, pool: 2}`,
		shape(N, 62, 16), 0, 0},
	{"maxpool3d", "", "[null, 2, 8, 8, 8]", `- {type: maxpool3d, pool: 2}`,
		shape(N, 2, 4, 4, 4), 0, 0},
	{"avgpool1d", "", "[null, 2, 9]", `- {type: avgpool1d, pool: 3, count_include_pad: false}`,
		shape(N, 2, 3), 0, 0},
	{"avgpool3d", "NDHWC", "[null, 4, 6, 8, 2]", `- {type: avgpool3d, pool: [2, 3, 4]}`,
		shape(N, 2, 2, 2, 2), 0, 0},
	{"global_avgpool", "", "[null, 16, 7, 7]", `- {type: global_avgpool}`, shape(N, 16), 0, 0},
	{"global_avgpool keepdims", "", "[null, 16, 7, 7]", `- {type: global_avgpool, keepdims: true}`, shape(N, 16, 1, 1), 0, 0},
	{"global_maxpool NHWC", "NHWC", "[null, 7, 7, 16]", `- {type: global_maxpool}`, shape(N, 16), 0, 0},
	{"global_maxpool1d NLC keepdims", "NHWC", "[null, 15, 32]", `- {type: global_max_pooling1d, keepdims: true}`, shape(N, 1, 32), 0, 0},
	{"upsample2d", "", "[null, 3, 4, 5]", `- {type: upsample2d, scale: 2}`, shape(N, 3, 8, 10), 0, 0},
	{"upsample2d per axis NHWC", "NHWC", "[null, 4, 5, 3]", `- {type: upsample2d, scale: [2, 3]}`, shape(N, 8, 15, 3), 0, 0},
	{"upsample default", "", "[null, 3, 4]", `- {type: upsample}`, shape(N, 3, 8), 0, 0},
	{"upsample1d NLC", "NHWC", "[null, 4, 3]", `- {type: upsample1d, scale: 3}`, shape(N, 12, 3), 0, 0},
	{"upsample3d", "", "[null, 1, 2, 3, 4]", `- {type: upsample3d, scale: [1, 2, 3]}`, shape(N, 1, 2, 6, 12), 0, 0},
}

func TestPoolLayers(t *testing.T) { checkLayers(t, poolLayersCases) }

var shapeLayersCases = []layerCase{
	{"zeropad2d", "", "[null, 3, 4, 5]", `- {type: zeropad2d, padding: 1}`, shape(N, 3, 4+2, 5+2), 0, 0},
	{"zeropad2d NHWC pairs", "NHWC", "[null, 4, 5, 3]", `- {type: zeropad2d, padding: [[1, 2], [0, 3]]}`, shape(N, 4+1+2, 5+0+3, 3), 0, 0},
	{"zeropad1d", "", "[null, 3, 10]", `- {type: zeropad1d, padding: [[2, 0]]}`, shape(N, 3, 12), 0, 0},
	{"zeropad3d", "NDHWC", "[null, 2, 3, 4, 5]", `- {type: zeropad3d, padding: [1, 0, 2]}`, shape(N, 4, 3, 8, 5), 0, 0},
	{"pad", "", "[null, 3, 4, 5]", `- {type: pad, pads: [0, 0, [1, 2], 3]}`, shape(N, 3, 4+1+2, 5+3+3), 0, 0},
	{"flatten", "", "[null, 3, 4, 5]", `- {type: flatten}`, shape(N, 3*4*5), 0, 0},
	{"flatten start", "", "[null, 3, 4, 5]", `- {type: flatten, start: 2}`, shape(N, 3, 4*5), 0, 0},
	{"flatten end", "", "[null, 3, 4, 5]", `- {type: flatten, start: 1, end: 2}`, shape(N, 3*4, 5), 0, 0},
	{"reshape", "", "[null, 3, 4, 5]", `- {type: reshape, shape: [0, -1]}`, shape(N, 60), 0, 0},
	{"reshape literal", "", "[null, 3, 4, 5]", `- {type: reshape, shape: [0, 6, 10]}`, shape(N, 6, 10), 0, 0},
	{"reshape copies", "", "[null, 3, 4, 5]", `- {type: reshape, shape: [0, 0, -1]}`, shape(N, 3, 20), 0, 0},
	{"permute", "", "[null, 3, 4, 5]", `- {type: permute, perm: [0, 2, 3, 1]}`, shape(N, 4, 5, 3), 0, 0},
	{"slice", "", "[null, 10, 4]", `- {type: slice, axis: 1, start: 2, stop: 8, step: 2}`, shape(N, 3, 4), 0, 0},
	{"slice negative", "", "[null, 10, 4]", `- {type: slice, axis: -2, start: -3}`, shape(N, 3, 4), 0, 0},
	{"slice index", "", "[null, 10, 4]", `- {type: slice, axis: 1, index: -1}`, shape(N, 4), 0, 0},
	{"dropout", "", "[null, 10]", `- {type: dropout, rate: 0.5}`, shape(N, 10), 0, 0},
	{"spatial dropout", "NHWC", "[null, 10, 3]", `- {type: spatial_dropout1d, rate: 0.2}`, shape(N, 10, 3), 0, 0},
	{"activation", "", "[null, 10]", `- {type: activation, fn: gelu}`, shape(N, 10), 0, 0},
	{"relu", "", "[null, 10]", `- {type: relu}`, shape(N, 10), 0, 0},
	{"softmax axis", "", "[null, 10, 3]", `- {type: softmax, axis: 1}`, shape(N, 10, 3), 0, 0},
	{"leaky_relu", "", "[null, 10]", `- {type: leaky_relu, alpha: 0.1}`, shape(N, 10), 0, 0},
	{"identity", "", "[null, 10]", `- {type: identity}`, shape(N, 10), 0, 0},
	{"input layer", "", "[null, 1]", "- {name: other, type: input, shape: [null, 5, 6], dtype: float16}\n- {type: flatten}", shape(N, 30), 0, 0},
	{"symbolic batch", "", "[batch, 5]", `- {type: dense, units: 2}`, graph.Shape{graph.Symbol("batch"), graph.D(2)}, (5 + 1) * 2, 0},
	{"custom", "", "[null, 10]", `- {type: custom, shape: [null, 4, 12], params: 100, non_trainable_params: 7}`, shape(N, 4, 12), 100, 7},
	{"custom same shape", "", "[null, 10]", `- {type: custom}`, shape(N, 10), 0, 0},
	{"custom flops", "", "[null, 10]", `- {type: lambda, shape: [null, 1], flops: 20}`, shape(N, 1), 0, 0},
}

func TestShapeLayers(t *testing.T) { checkLayers(t, shapeLayersCases) }

var denseAndEmbeddingCases = []layerCase{
	{"dense", "", "[null, 20]", `- {type: dense, units: 5}`, shape(N, 5), (20 + 1) * 5, 0},
	{"dense last axis", "", "[null, 7, 20]", `- {type: linear, units: 5}`, shape(N, 7, 5), (20 + 1) * 5, 0},
	{"dense no bias", "", "[null, 20]", `- {type: fc, units: 5, bias: false}`, shape(N, 5), 20 * 5, 0},
	{"embedding", "", "[null, 50]", `- {type: embedding, vocab: 1000, dim: 64}`, shape(N, 50, 64), 1000 * 64, 0},
}

func TestDenseAndEmbedding(t *testing.T) { checkLayers(t, denseAndEmbeddingCases) }

func normLayersCases() []layerCase {
	const C = 16
	return []layerCase{
		// Keras and Lasagne count 4C: gamma and beta trained, the moving
		// mean and variance not.
		{"batchnorm NCHW", "", "[null, 16, 8, 8]", `- {type: batchnorm}`, shape(N, C, 8, 8), 2 * C, 2 * C},
		{"batchnorm NHWC", "NHWC", "[null, 8, 8, 16]", `- {type: batch_norm}`, shape(N, 8, 8, C), 2 * C, 2 * C},
		{"batchnorm dense", "", "[null, 20]", `- {type: BatchNormalization}`, shape(N, 20), 2 * 20, 2 * 20},
		{"batchnorm no affine", "", "[null, 16, 8, 8]", `- {type: batchnorm, affine: false}`, shape(N, C, 8, 8), 0, 2 * C},
		{"batchnorm no running stats", "", "[null, 16, 8, 8]", `- {type: batchnorm, running_stats: false}`, shape(N, C, 8, 8), 2 * C, 0},
		{"batchnorm axis", "", "[null, 4, 6]", `- {type: batchnorm, axis: 2, epsilon: 0.001, momentum: 0.99}`, shape(N, 4, 6), 2 * 6, 2 * 6},
		{"layernorm", "", "[null, 10, 32]", `- {type: layernorm}`, shape(N, 10, 32), 2 * 32, 0},
		{"layernorm two axes", "", "[null, 10, 32]", `- {type: layernorm, axes: [-2, -1]}`, shape(N, 10, 32), 2 * 10 * 32, 0},
		{"layernorm no bias", "", "[null, 10, 32]", `- {type: layernorm, bias: false}`, shape(N, 10, 32), 32, 0},
		{"layernorm no affine", "", "[null, 10, 32]", `- {type: layernorm, affine: false}`, shape(N, 10, 32), 0, 0},
		{"rmsnorm", "", "[null, 10, 32]", `- {type: rmsnorm}`, shape(N, 10, 32), 32, 0},
		{"groupnorm", "", "[null, 32, 8, 8]", `- {type: groupnorm, groups: 8}`, shape(N, 32, 8, 8), 2 * 32, 0},
		{"groupnorm NHWC", "NHWC", "[null, 8, 8, 32]", `- {type: groupnorm, groups: 4}`, shape(N, 8, 8, 32), 2 * 32, 0},
		{"groupnorm no affine", "", "[null, 32, 8, 8]", `- {type: groupnorm, groups: 8, affine: false}`, shape(N, 32, 8, 8), 0, 0},
		// PyTorch's InstanceNorm has no parameters by default.
		{"instancenorm", "", "[null, 16, 8, 8]", `- {type: instancenorm}`, shape(N, C, 8, 8), 0, 0},
		{"instancenorm affine", "", "[null, 16, 8, 8]", `- {type: instancenorm2d, affine: true}`, shape(N, C, 8, 8), 2 * C, 0},
		{"instancenorm running stats", "", "[null, 16, 8, 8]", `- {type: instancenorm, running_stats: true}`, shape(N, C, 8, 8), 0, 2 * C},
		{"prelu channel", "", "[null, 16, 8, 8]", `- {type: prelu}`, shape(N, C, 8, 8), C, 0},
		{"prelu one", "", "[null, 16, 8, 8]", `- {type: prelu, slopes: one}`, shape(N, C, 8, 8), 1, 0},
		{"prelu element", "", "[null, 16, 8, 8]", `- {type: prelu, slopes: element}`, shape(N, C, 8, 8), C * 8 * 8, 0},
	}
}

func TestNormLayers(t *testing.T) { checkLayers(t, normLayersCases()) }

func mergeLayersCases() []layerCase {
	two := "{a: [null, 16, 8, 8], b: [null, 16, 8, 8]}"
	return []layerCase{
		{"add", "", two, `- {type: add, inputs: [a, b]}`, shape(N, 16, 8, 8), 0, 0},
		{"subtract", "", two, `- {type: subtract, inputs: [a, b]}`, shape(N, 16, 8, 8), 0, 0},
		{"multiply", "", two, `- {type: multiply, inputs: [a, b]}`, shape(N, 16, 8, 8), 0, 0},
		{"average", "", two, `- {type: average, inputs: [a, b]}`, shape(N, 16, 8, 8), 0, 0},
		{"maximum", "", two, `- {type: maximum, inputs: [a, b]}`, shape(N, 16, 8, 8), 0, 0},
		{"minimum three", "", two, `- {type: minimum, inputs: [a, b, a]}`, shape(N, 16, 8, 8), 0, 0},
		// numpy broadcasting, as PyTorch: squeeze-and-excitation scales.
		{"multiply broadcast", "", "{x: [null, 16, 8, 8], s: [null, 16, 1, 1]}", `- {type: multiply, inputs: [x, s]}`, shape(N, 16, 8, 8), 0, 0},
		{"concat NCHW", "", "{a: [null, 16, 8, 8], b: [null, 8, 8, 8]}", `- {type: concat, inputs: [a, b]}`, shape(N, 16+8, 8, 8), 0, 0},
		{"concat NHWC", "NHWC", "{a: [null, 8, 8, 16], b: [null, 8, 8, 8]}", `- {type: concatenate, inputs: [a, b]}`, shape(N, 8, 8, 16+8), 0, 0},
		{"concat axis", "", "{a: [null, 5, 3], b: [null, 7, 3]}", `- {type: cat, axis: 1, inputs: [a, b]}`, shape(N, 12, 3), 0, 0},
	}
}

func TestMergeLayers(t *testing.T) { checkLayers(t, mergeLayersCases()) }

func recurrentLayersCases() []layerCase {
	const I, H = 10, 20
	in := "[null, 30, 10]"
	return []layerCase{
		// Keras (bias: single): H(I+H)+H, 4H(I+H)+4H, GRU reset_after 3H(I+H)+6H.
		{"rnn", "", in, `- {type: rnn, units: 20}`, shape(N, 30, H), H*(I+H) + H, 0},
		{"rnn double", "", in, `- {type: simple_rnn, units: 20, bias: double}`, shape(N, 30, H), H*(I+H) + 2*H, 0},
		{"lstm", "", in, `- {type: lstm, units: 20}`, shape(N, 30, H), 4*H*(I+H) + 4*H, 0},
		// PyTorch and ONNX (bias: double): two biases per gate.
		{"lstm double", "", in, `- {type: lstm, units: 20, bias: double}`, shape(N, 30, H), 4*H*(I+H) + 8*H, 0},
		{"lstm no bias", "", in, `- {type: lstm, units: 20, bias: false}`, shape(N, 30, H), 4 * H * (I + H), 0},
		{"lstm last step", "", in, `- {type: lstm, units: 20, return_sequences: false}`, shape(N, H), 4*H*(I+H) + 4*H, 0},
		{"lstm time major", "", "[30, null, 10]", `- {type: lstm, units: 20, batch_first: false}`, shape(30, N, H), 4*H*(I+H) + 4*H, 0},
		{"lstm bidirectional", "", in, `- {type: lstm, units: 20, bidirectional: true}`, shape(N, 30, 2*H), 2 * (4*H*(I+H) + 4*H), 0},
		// Stacked PyTorch LSTM: the second layer reads 2H features.
		{"lstm stacked bidirectional double", "", in, `- {type: lstm, units: 20, num_layers: 2, bidirectional: true, bias: double}`,
			shape(N, 30, 2*H), 2*(4*H*(I+H)+8*H) + 2*(4*H*(2*H+H)+8*H), 0},
		{"gru reset_after", "", in, `- {type: gru, units: 20}`, shape(N, 30, H), 3*H*(I+H) + 6*H, 0},
		{"gru reset_before", "", in, `- {type: gru, units: 20, reset_after: false}`, shape(N, 30, H), 3*H*(I+H) + 3*H, 0},
		{"gru double", "", in, `- {type: gru, units: 20, bias: double}`, shape(N, 30, H), 3*H*(I+H) + 6*H, 0},
		{"lstm after embedding", "", "[null, 30]", "- {type: embedding, vocab: 100, dim: 10}\n- {type: lstm, units: 20}", shape(N, 30, H), 4*H*(I+H) + 4*H, 0},
	}
}

func TestRecurrentLayers(t *testing.T) { checkLayers(t, recurrentLayersCases()) }

var frozenCases = []layerCase{
	{"frozen dense", "", "[null, 20]", `- {type: dense, units: 5, trainable: false}`, shape(N, 5), 0, (20 + 1) * 5},
	{"frozen batchnorm", "", "[null, 4, 3, 3]", `- {type: batchnorm, trainable: false}`, shape(N, 4, 3, 3), 0, 4 * 4},
	{"frozen custom", "", "[null, 20]", `- {type: custom, params: 9, trainable: false}`, shape(N, 20), 0, 9},
}

func TestFrozen(t *testing.T) { checkLayers(t, frozenCases) }

func TestSharing(t *testing.T) {
	cases := []struct {
		name   string
		spec   string
		total  int64
		shared map[string]string // layer → the layer its first parameter belongs to
	}{
		{"shares all", `
input: [null, 8]
layers:
  - {name: a, type: dense, units: 8}
  - {name: b, type: dense, units: 8, shares: a}
`, (8 + 1) * 8, map[string]string{"b": "a"}},
		{"share kernel only", `
input: [null, 8]
layers:
  - {name: a, type: dense, units: 8}
  - {name: b, type: dense, units: 8, share: {kernel: a}}
`, (8+1)*8 + 8, map[string]string{"b": "a"}},
		// A tied autoencoder: the decoder uses the encoder's kernel
		// transposed, and has its own bias.
		{"transposed", `
input: [null, 8]
layers:
  - {name: enc, type: dense, units: 4}
  - {name: dec, type: dense, units: 8, share: {kernel: enc.kernel.T}}
`, 8*4 + 4 + 8, map[string]string{"dec": "enc"}},
		// Tied input and output embeddings of a language model.
		{"tied embeddings", `
input: [null, 12]
layers:
  - {name: embed, type: embedding, vocab: 100, dim: 16}
  - {name: head, type: dense, units: 100, bias: false, share: {kernel: embed.embeddings.T}}
`, 100 * 16, map[string]string{"head": "embed"}},
		{"siamese convolutions", `
inputs: {left: [null, 1, 8, 8], right: [null, 1, 8, 8]}
layers:
  - {name: l, type: conv2d, filters: 4, kernel: 3, inputs: left}
  - {name: r, type: conv2d, filters: 4, kernel: 3, inputs: right, shares: l}
  - {name: both, type: concat, inputs: [l, r]}
`, (3*3*1 + 1) * 4, map[string]string{"r": "l"}},
		// A shared layer written before the one it shares with.
		{"forward reference", `
input: [null, 6]
layers:
  - {name: b, type: dense, units: 6, shares: a, inputs: a}
  - {name: a, type: dense, units: 6, inputs: input}
`, (6 + 1) * 6, map[string]string{"b": "a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := analyze(t, "share.yaml", c.spec)
			tr, fx := totals(g)
			if tr+fx != c.total {
				t.Errorf("total %d, want %d", tr+fx, c.total)
			}
			for user, owner := range c.shared {
				n := node(t, g, user)
				if len(n.Params) == 0 || n.Params[0].Owner == nil || n.Params[0].Owner.Name != owner {
					t.Errorf("%s's first parameter is not %s's", user, owner)
				}
			}
		})
	}
}

// Every layer type is in the tables above, and every activation
// shorthand passes its input through.
func TestEveryTypeTested(t *testing.T) {
	tested := map[string]bool{}
	for _, cases := range [][]layerCase{convLayersCases, convTransposeLayersCases, poolLayersCases, shapeLayersCases,
		denseAndEmbeddingCases, normLayersCases(), mergeLayersCases(), recurrentLayersCases(), frozenCases} {
		for _, c := range cases {
			g, err := Decode("c.yaml", []byte(specOf(c.layout, c.input, c.layers)))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, n := range g.Nodes {
				tested[n.Type] = true
			}
		}
	}
	for _, fn := range activations {
		tested[fn] = true
		g := analyze(t, "a.yaml", specOf("", "[null, 3, 5]", "- {type: "+fn+"}"))
		if s := g.Nodes[1].Outputs[0].Shape; !s.Equal(shape(N, 3, 5)) || g.Nodes[1].Type != fn {
			t.Errorf("%s: %s %s", fn, g.Nodes[1].Type, s)
		}
	}
	for _, ty := range layerTypes() {
		if !tested[ty.name] {
			t.Errorf("no table case for %s", ty.name)
		}
	}
}

// Depthwise and separable kernels can be shared like any other.
func TestShareDepthwise(t *testing.T) {
	g := analyze(t, "d.yaml", `
input: [null, 4, 9, 9]
layers:
  - {name: a, type: depthwise_conv2d, kernel: 3, multiplier: 2}
  - {name: b, type: depthwise_conv2d, kernel: 3, multiplier: 2, inputs: input, shares: a}
  - {name: c, type: separable_conv2d, filters: 5, kernel: 3, inputs: input}
  - {name: d, type: separable_conv2d, filters: 5, kernel: 3, inputs: input, share: {pointwise_kernel: c}}
`)
	tr, _ := totals(g)
	// a: 3*3*4*2 + 4*2; b nothing; c: 3*3*4 + 4*5 + 5; d its depthwise kernel and bias.
	if want := int64(3*3*4*2+4*2) + (3*3*4 + 4*5 + 5) + (3*3*4 + 5); tr != want {
		t.Errorf("total %d, want %d", tr, want)
	}
	if n := node(t, g, "a"); n.Count.String() != "3*3*4*2+4*2" {
		t.Errorf("a counts %s", n.Count.Equation())
	}
}
