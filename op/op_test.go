package op_test

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/op"
)

// N is the unknown batch size.
const N = -1

// run infers one node of op o fed by inputs of the given shapes.
func run(o graph.Op, shapes ...graph.Shape) (*graph.Node, error) {
	g := &graph.Graph{}
	var ins []*graph.Value
	for i, s := range shapes {
		v := &graph.Value{Name: string(rune('a' + i)), Shape: s, DType: graph.Float32}
		g.Inputs = append(g.Inputs, v)
		ins = append(ins, v)
	}
	n := g.NewNode("x", "T", o, ins, 1, graph.Pos{})
	err := infer.Node(n)
	return n, err
}

// counts sums a node's parameters: total and trainable.
func counts(n *graph.Node) (total, trainable int64) {
	for _, p := range n.Params {
		c, _ := p.Numel().Value()
		total += c
		if p.Trainable {
			trainable += c
		}
	}
	return
}

type tc struct {
	name      string
	op        graph.Op
	in        []graph.Shape
	out       graph.Shape
	params    int64 // -1: do not check
	trainable int64 // -1: same as params
	flops     int64 // -1: do not check
	err       string
}

func check(t *testing.T, cases []tc) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := run(c.op, c.in...)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := n.Outputs[0].Shape; !got.Equal(c.out) {
				t.Errorf("output %s, want %s (%s)", got, c.out, strings.Join(n.ShapeWhy(), "; "))
			}
			total, tr := counts(n)
			if c.params >= 0 && total != c.params {
				t.Errorf("params %d, want %d (%s)", total, c.params, n.Count.Equation())
			}
			wantTr := c.trainable
			if wantTr < 0 {
				wantTr = c.params
			}
			if c.params >= 0 && tr != wantTr {
				t.Errorf("trainable %d, want %d", tr, wantTr)
			}
			if v, ok := n.Count.Value(); c.params >= 0 && (!ok || v != total) {
				t.Errorf("the count's arithmetic %q does not add up to %d", n.Count.Equation(), total)
			}
			if c.flops >= 0 {
				if v, ok := n.FLOPs.Value(); !ok || v != c.flops {
					t.Errorf("FLOPs %q, want %d", n.FLOPs.Equation(), c.flops)
				}
			}
		})
	}
}

func TestConv(t *testing.T) {
	check(t, []tc{
		{name: "valid", op: &op.Conv{Filters: 32, Kernel: []int64{5}, Bias: true},
			in: []graph.Shape{graph.S(N, 1, 28, 28)}, out: graph.S(N, 32, 28-(5-1), 28-(5-1)),
			params: (5*5*1 + 1) * 32, trainable: -1, flops: 2 * 5 * 5 * 1 * 32 * 24 * 24},
		{name: "stride and padding", op: &op.Conv{Filters: 8, Kernel: []int64{5}, Stride: []int64{2}, Pad: op.Pad(2), Bias: true},
			in: []graph.Shape{graph.S(1, 3, 28, 28)}, out: graph.S(1, 8, (28+2*2-5)/2+1, (28+2*2-5)/2+1),
			params: (5*5*3 + 1) * 8, trainable: -1, flops: 2 * 5 * 5 * 3 * 8 * 14 * 14 * 1},
		{name: "asymmetric padding", op: &op.Conv{Filters: 4, Kernel: []int64{3}, Pad: op.Padding{Begin: []int64{0, 1}, End: []int64{2, 1}}},
			in: []graph.Shape{graph.S(N, 2, 10, 10)}, out: graph.S(N, 4, 10+0+2-2, 10+1+1-2), params: 3 * 3 * 2 * 4, trainable: -1, flops: -1},
		{name: "same, extra padding at the end, stride 2", op: &op.Conv{Filters: 4, Kernel: []int64{3}, Stride: []int64{2}, Pad: op.Padding{Mode: op.PadSameEnd}},
			in: []graph.Shape{graph.S(N, 2, 7, 8)}, out: graph.S(N, 4, 4, 4), params: 72, trainable: -1, flops: -1},
		{name: "same, even kernel", op: &op.Conv{Filters: 1, Kernel: []int64{4}, Pad: op.Padding{Mode: op.PadSameBegin}},
			in: []graph.Shape{graph.S(N, 1, 6, 6)}, out: graph.S(N, 1, 6, 6), params: 16, trainable: -1, flops: -1},
		{name: "full", op: &op.Conv{Filters: 1, Kernel: []int64{3}, Pad: op.Padding{Mode: op.PadFull}},
			in: []graph.Shape{graph.S(N, 1, 10, 10)}, out: graph.S(N, 1, 10+3-1, 10+3-1), params: 9, trainable: -1, flops: -1},
		{name: "dilation", op: &op.Conv{Filters: 2, Kernel: []int64{3}, Dilation: []int64{2}, Bias: true},
			in: []graph.Shape{graph.S(N, 3, 10, 10)}, out: graph.S(N, 2, 10-2*(3-1), 10-2*(3-1)), params: (3*3*3 + 1) * 2, trainable: -1, flops: 2 * 3 * 3 * 3 * 2 * 6 * 6},
		{name: "groups", op: &op.Conv{Filters: 128, Kernel: []int64{3}, Groups: 4, Pad: op.Pad(1), Bias: true},
			in: []graph.Shape{graph.S(N, 64, 8, 8)}, out: graph.S(N, 128, 8, 8), params: 3*3*(64/4)*128 + 128, trainable: -1, flops: 2 * 3 * 3 * 16 * 128 * 8 * 8},
		{name: "depthwise", op: &op.Conv{Filters: 32, Kernel: []int64{3}, Groups: 32},
			in: []graph.Shape{graph.S(N, 32, 5, 5)}, out: graph.S(N, 32, 3, 3), params: 3 * 3 * 1 * 32, trainable: -1, flops: -1},
		{name: "untied biases", op: &op.Conv{Filters: 32, Kernel: []int64{5}, Bias: true, UntiedBias: true},
			in: []graph.Shape{graph.S(N, 1, 28, 28)}, out: graph.S(N, 32, 24, 24), params: 5*5*1*32 + 32*24*24, trainable: -1, flops: -1},
		{name: "channels last", op: &op.Conv{Layout: op.ChannelsLast, Filters: 8, Kernel: []int64{3}, Bias: true, WeightOrder: op.KernelInOut},
			in: []graph.Shape{graph.S(N, 28, 28, 3)}, out: graph.S(N, 26, 26, 8), params: (3*3*3 + 1) * 8, trainable: -1, flops: 2 * 3 * 3 * 3 * 8 * 26 * 26},
		{name: "1d", op: &op.Conv{Filters: 16, Kernel: []int64{7}, Stride: []int64{3}, Bias: true},
			in: []graph.Shape{graph.S(N, 4, 100)}, out: graph.S(N, 16, (100-7)/3+1), params: (7*4 + 1) * 16, trainable: -1, flops: 2 * 7 * 4 * 16 * 32},
		{name: "3d", op: &op.Conv{Filters: 64, Kernel: []int64{3}, Pad: op.Pad(1), Bias: true},
			in: []graph.Shape{graph.S(N, 3, 16, 112, 112)}, out: graph.S(N, 64, 16, 112, 112), params: (3*3*3*3 + 1) * 64, trainable: -1, flops: -1},
		{name: "transposed", op: &op.Conv{Filters: 16, Kernel: []int64{5}, Stride: []int64{2}, Transposed: true, Bias: true},
			in: []graph.Shape{graph.S(N, 32, 12, 12)}, out: graph.S(N, 16, (12-1)*2+5, (12-1)*2+5),
			params: 32*16*5*5 + 16, trainable: -1, flops: 2 * 32 * 16 * 5 * 5 * 12 * 12},
		{name: "transposed with padding and output padding", op: &op.Conv{Filters: 3, Kernel: []int64{3}, Stride: []int64{2}, Pad: op.Pad(1), OutputPadding: []int64{1}, Transposed: true},
			in: []graph.Shape{graph.S(1, 8, 16, 16)}, out: graph.S(1, 3, (16-1)*2-2*1+3+1, (16-1)*2-2*1+3+1), params: 8 * 3 * 3 * 3, trainable: -1, flops: -1},
		{name: "transposed groups", op: &op.Conv{Filters: 8, Kernel: []int64{2}, Stride: []int64{2}, Groups: 2, Transposed: true},
			in: []graph.Shape{graph.S(N, 4, 3, 3)}, out: graph.S(N, 8, 6, 6), params: 4 * (8 / 2) * 2 * 2, trainable: -1, flops: -1},
		{name: "transposed output size", op: &op.Conv{Filters: 1, Kernel: []int64{5}, Stride: []int64{2}, Transposed: true, OutputSize: []int64{28}},
			in: []graph.Shape{graph.S(N, 1, 12, 12)}, out: graph.S(N, 1, 28, 28), params: 25, trainable: -1, flops: -1},
		{name: "transposed unreachable output size", op: &op.Conv{Filters: 1, Kernel: []int64{5}, Stride: []int64{2}, Transposed: true, OutputSize: []int64{30}},
			in: []graph.Shape{graph.S(N, 1, 12, 12)}, err: "not reachable"},
		{name: "filter larger than input", op: &op.Conv{Filters: 1, Kernel: []int64{7}},
			in: []graph.Shape{graph.S(N, 1, 5, 5)}, err: "does not fit"},
		{name: "groups must divide", op: &op.Conv{Filters: 10, Kernel: []int64{1}, Groups: 3},
			in: []graph.Shape{graph.S(N, 6, 5, 5)}, err: "must divide"},
		{name: "unknown channels", op: &op.Conv{Filters: 10, Kernel: []int64{1}},
			in: []graph.Shape{graph.S(N, N, 5, 5)}, err: "input channels must be known"},
		{name: "unknown spatial size", op: &op.Conv{Filters: 2, Kernel: []int64{3}, Bias: true},
			in: []graph.Shape{graph.S(N, 3, N, N)}, out: graph.Shape{graph.Unknown(), graph.D(2), graph.Unknown(), graph.Unknown()}, params: (3*3*3 + 1) * 2, trainable: -1, flops: -1},
		{name: "locally connected", op: &op.LocallyConnected{Filters: 4, Kernel: []int64{3}, Bias: true},
			in: []graph.Shape{graph.S(N, 3, 8, 8)}, out: graph.S(N, 4, 8, 8), params: 4*3*3*3*8*8 + 4, trainable: -1, flops: 2 * 4 * 3 * 3 * 3 * 8 * 8},
		{name: "locally connected channelwise", op: &op.LocallyConnected{Filters: 3, Kernel: []int64{3}, Channelwise: true},
			in: []graph.Shape{graph.S(N, 3, 8, 8)}, out: graph.S(N, 3, 8, 8), params: 3 * 3 * 3 * 8 * 8, trainable: -1, flops: -1},
	})
}

func TestPool(t *testing.T) {
	p := func(k, s, pad int64, r op.Rounding) *op.Pool {
		return &op.Pool{Kernel: []int64{k}, Stride: []int64{s}, Pad: op.Pad(pad), Rounding: r}
	}
	check(t, []tc{
		{name: "floor", op: p(2, 0, 0, op.Floor), in: []graph.Shape{graph.S(N, 32, 24, 24)}, out: graph.S(N, 32, 12, 12), params: 0, flops: 0},
		{name: "floor drops a partial window", op: p(2, 2, 0, op.Floor), in: []graph.Shape{graph.S(N, 1, 5, 5)}, out: graph.S(N, 1, 2, 2), params: 0, flops: 0},
		{name: "floor with padding", op: p(3, 2, 1, op.Floor), in: []graph.Shape{graph.S(1, 64, 112, 112)}, out: graph.S(1, 64, (112+2-3)/2+1, (112+2-3)/2+1), params: 0, flops: 0},
		// Theano's ignore_border=False keeps the partial window: 5 → 3 with pool 2.
		{name: "keep partial, stride >= pool", op: p(2, 2, 0, op.KeepPartial), in: []graph.Shape{graph.S(N, 1, 5, 5)}, out: graph.S(N, 1, 3, 3), params: 0, flops: 0},
		{name: "keep partial, stride < pool", op: p(3, 2, 0, op.KeepPartial), in: []graph.Shape{graph.S(N, 1, 6, 6)}, out: graph.S(N, 1, (6-3+2-1)/2+1, (6-3+2-1)/2+1), params: 0, flops: 0},
		// PyTorch's documented case: the last window would start in the padding.
		{name: "ceil clipped", op: p(2, 2, 1, op.CeilClip), in: []graph.Shape{graph.S(N, 1, 5, 5)}, out: graph.S(N, 1, 3, 3), params: 0, flops: 0},
		{name: "ceil", op: p(3, 2, 0, op.CeilClip), in: []graph.Shape{graph.S(N, 1, 112, 112)}, out: graph.S(N, 1, 56, 56), params: 0, flops: 0},
		{name: "ceil clips without padding", op: p(1, 2, 0, op.CeilClip), in: []graph.Shape{graph.S(N, 1, 4, 4)}, out: graph.S(N, 1, 2, 2), params: 0, flops: 0},
		// Caffe clips only with padding: AlexNet's pool1 55 → 27 and pool5 13 → 6.
		{name: "caffe", op: p(3, 2, 0, op.CeilCaffe), in: []graph.Shape{graph.S(N, 96, 55, 55)}, out: graph.S(N, 96, 27, 27), params: 0, flops: 0},
		{name: "caffe 13", op: p(3, 2, 0, op.CeilCaffe), in: []graph.Shape{graph.S(N, 256, 13, 13)}, out: graph.S(N, 256, 6, 6), params: 0, flops: 0},
		{name: "caffe keeps without padding", op: p(1, 2, 0, op.CeilCaffe), in: []graph.Shape{graph.S(N, 1, 4, 4)}, out: graph.S(N, 1, 3, 3), params: 0, flops: 0},
		{name: "caffe clips with padding", op: p(2, 2, 1, op.CeilCaffe), in: []graph.Shape{graph.S(N, 1, 5, 5)}, out: graph.S(N, 1, 3, 3), params: 0, flops: 0},
		{name: "same", op: &op.Pool{Kernel: []int64{3}, Stride: []int64{2}, Pad: op.Padding{Mode: op.PadSameEnd}}, in: []graph.Shape{graph.S(N, 1, 7, 7)}, out: graph.S(N, 1, 4, 4), params: 0, flops: 0},
		{name: "channels last", op: &op.Pool{Layout: op.ChannelsLast, Kernel: []int64{2}}, in: []graph.Shape{graph.S(N, 24, 24, 32)}, out: graph.S(N, 12, 12, 32), params: 0, flops: 0},
		{name: "pool too large", op: p(7, 1, 0, op.Floor), in: []graph.Shape{graph.S(N, 1, 5, 5)}, err: "does not fit"},
		{name: "padding too large", op: p(2, 1, 2, op.Floor), in: []graph.Shape{graph.S(N, 1, 5, 5)}, err: "smaller than the pool size"},
		{name: "global", op: &op.GlobalPool{}, in: []graph.Shape{graph.S(N, 512, 7, 7)}, out: graph.S(N, 512), params: 0, flops: 0},
		{name: "global keepdims", op: &op.GlobalPool{KeepDims: true}, in: []graph.Shape{graph.S(1, 512, 7, 7)}, out: graph.S(1, 512, 1, 1), params: 0, flops: 0},
		{name: "upscale", op: &op.Upscale{Factors: []int64{2, 3}}, in: []graph.Shape{graph.S(N, 4, 5, 5)}, out: graph.S(N, 4, 10, 15), params: 0, flops: 0},
		{name: "feature pool", op: &op.FeaturePool{Axis: 1, Size: 4}, in: []graph.Shape{graph.S(N, 96, 5, 5)}, out: graph.S(N, 24, 5, 5), params: 0, flops: 0},
		{name: "feature pool must divide", op: &op.FeaturePool{Axis: 1, Size: 5}, in: []graph.Shape{graph.S(N, 96)}, err: "does not divide"},
		{name: "spatial pyramid", op: &op.SpatialPyramidPool{Dims: []int64{4, 2, 1}}, in: []graph.Shape{graph.S(N, 256, 13, 13)}, out: graph.S(N, 256, 4*4+2*2+1), params: 0, flops: 0},
	})
}

func TestLinear(t *testing.T) {
	check(t, []tc{
		{name: "flattens trailing axes", op: &op.Linear{Units: 256, From: 1, Bias: true}, in: []graph.Shape{graph.S(N, 32, 5, 5)}, out: graph.S(N, 256),
			params: (32*5*5 + 1) * 256, trainable: -1, flops: 2 * 32 * 5 * 5 * 256},
		{name: "last axis", op: &op.Linear{Units: 5, From: -1, Bias: true}, in: []graph.Shape{graph.S(N, 10, 20)}, out: graph.S(N, 10, 5),
			params: (20 + 1) * 5, trainable: -1, flops: 2 * 20 * 5 * 10},
		{name: "no bias", op: &op.Linear{Units: 10, From: 1}, in: []graph.Shape{graph.S(4, 256)}, out: graph.S(4, 10), params: 2560, trainable: -1, flops: 2 * 256 * 10 * 4},
		{name: "nin untied", op: &op.Linear{Units: 8, From: 1, To: 2, Bias: true, UntiedBias: true}, in: []graph.Shape{graph.S(N, 16, 4, 4)}, out: graph.S(N, 8, 4, 4),
			params: 16*8 + 8*4*4, trainable: -1, flops: 2 * 16 * 8 * 4 * 4},
		{name: "unknown features", op: &op.Linear{Units: 8, From: 1}, in: []graph.Shape{graph.S(N, N)}, err: "must be known"},
		{name: "embedding", op: &op.Embedding{Vocab: 1000, Dim: 64}, in: []graph.Shape{graph.S(N, 50)}, out: graph.S(N, 50, 64), params: 1000 * 64, trainable: -1, flops: 0},
	})
}

func TestAffine(t *testing.T) {
	lasagneBN := []op.ParamSpec{{Role: "beta", Trainable: true}, {Role: "gamma", Trainable: true}, {Role: "mean"}, {Role: "inv_std"}}
	check(t, []tc{
		{name: "batch norm", op: &op.Affine{Shared: []int{0, 2, 3}, Params: lasagneBN}, in: []graph.Shape{graph.S(N, 32, 10, 10)}, out: graph.S(N, 32, 10, 10),
			params: 4 * 32, trainable: 2 * 32, flops: 0},
		{name: "batch norm over features", op: &op.Affine{Shared: []int{0}, Params: lasagneBN}, in: []graph.Shape{graph.S(N, 100)}, out: graph.S(N, 100), params: 400, trainable: 200, flops: 0},
		{name: "bias shared everywhere", op: &op.Affine{Shared: []int{0, 1, 2, 3}, Params: []op.ParamSpec{{Role: "b", Trainable: true}}}, in: []graph.Shape{graph.S(N, 3, 4, 4)}, out: graph.S(N, 3, 4, 4), params: 1, trainable: -1, flops: 0},
		{name: "scale per position", op: &op.Affine{Shared: []int{0}, Params: []op.ParamSpec{{Role: "scales", Trainable: true}}}, in: []graph.Shape{graph.S(N, 3, 4, 4)}, out: graph.S(N, 3, 4, 4), params: 3 * 4 * 4, trainable: -1, flops: 0},
		{name: "needs known sizes", op: &op.Affine{Shared: []int{0}, Params: lasagneBN}, in: []graph.Shape{graph.S(N, 3, N)}, err: "must be known"},
	})
}

func TestShape(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	check(t, []tc{
		{name: "flatten", op: &op.Flatten{Start: 1, End: -1}, in: []graph.Shape{graph.S(N, 32, 5, 5)}, out: graph.S(N, 800), params: 0, flops: 0},
		{name: "flatten unknown", op: &op.Flatten{Start: 1, End: -1}, in: []graph.Shape{graph.S(N, 3, N)}, out: graph.S(N, N), params: 0, flops: 0},
		{name: "reshape ref and -1", op: &op.Reshape{Target: []op.ReshapeDim{op.RefAxis(0), op.Literal(-1)}}, in: []graph.Shape{graph.S(N, 1, 28, 28)}, out: graph.S(N, 784), params: 0, flops: 0},
		{name: "reshape literal", op: &op.Reshape{Target: []op.ReshapeDim{op.Literal(-1), op.Literal(7), op.Literal(2)}}, in: []graph.Shape{graph.S(4, 7, 2, 3)}, out: graph.S(12, 7, 2), params: 0, flops: 0},
		{name: "reshape mismatch", op: &op.Reshape{Target: []op.ReshapeDim{op.Literal(5), op.Literal(3)}}, in: []graph.Shape{graph.S(2, 10)}, err: "cannot reshape"},
		{name: "reshape does not divide", op: &op.Reshape{Target: []op.ReshapeDim{op.Literal(-1), op.Literal(3)}}, in: []graph.Shape{graph.S(2, 10)}, err: "cannot reshape"},
		{name: "dimshuffle", op: &op.Permute{Pattern: []int{0, 3, 1, -1}}, in: []graph.Shape{graph.S(N, 3, 1, 5)}, out: graph.S(N, 5, 3, 1), params: 0, flops: 0},
		{name: "dimshuffle drops a real axis", op: &op.Permute{Pattern: []int{0, 3, 1}}, in: []graph.Shape{graph.S(N, 3, 2, 5)}, err: "only axes of size 1"},
		{name: "pad", op: &op.ZeroPad{Before: []int64{0, 0, 2, 1}, After: []int64{0, 0, 2, 3}}, in: []graph.Shape{graph.S(N, 3, 28, 28)}, out: graph.S(N, 3, 32, 32), params: 0, flops: 0},
		{name: "slice", op: &op.Slice{Axis: -1, Start: i(2), Stop: i(8)}, in: []graph.Shape{graph.S(N, 10)}, out: graph.S(N, 6), params: 0, flops: 0},
		{name: "slice step", op: &op.Slice{Axis: 1, Start: i(1), Step: 2}, in: []graph.Shape{graph.S(N, 10)}, out: graph.S(N, 5), params: 0, flops: 0},
		{name: "slice negative", op: &op.Slice{Axis: 1, Start: i(-3)}, in: []graph.Shape{graph.S(N, 10)}, out: graph.S(N, 3), params: 0, flops: 0},
		{name: "slice reversed", op: &op.Slice{Axis: 1, Step: -1}, in: []graph.Shape{graph.S(N, 10)}, out: graph.S(N, 10), params: 0, flops: 0},
		{name: "slice index", op: &op.Slice{Axis: 1, Index: i(-1)}, in: []graph.Shape{graph.S(N, 10, 4)}, out: graph.S(N, 4), params: 0, flops: 0},
		{name: "slice index out of range", op: &op.Slice{Axis: 1, Index: i(10)}, in: []graph.Shape{graph.S(N, 10, 4)}, err: "out of range"},
	})
}

func TestMerge(t *testing.T) {
	check(t, []tc{
		{name: "concat", op: &op.Concat{Axis: 1}, in: []graph.Shape{graph.S(N, 64, 28, 28), graph.S(N, 32, 28, 28)}, out: graph.S(N, 96, 28, 28), params: 0, flops: 0},
		{name: "concat mismatch", op: &op.Concat{Axis: 1}, in: []graph.Shape{graph.S(N, 64, 28, 28), graph.S(N, 32, 27, 28)}, err: "differ on axis 2"},
		{name: "concat cropped", op: &op.Concat{Axis: 1, Crop: op.Crop{"", "", "center", "center"}}, in: []graph.Shape{graph.S(N, 64, 28, 28), graph.S(N, 32, 30, 31)}, out: graph.S(N, 96, 28, 28), params: 0, flops: 0},
		{name: "sum", op: &op.Merge{}, in: []graph.Shape{graph.S(N, 64, 7, 7), graph.S(N, 64, 7, 7)}, out: graph.S(N, 64, 7, 7), params: 0, flops: 0},
		{name: "sum mismatch", op: &op.Merge{}, in: []graph.Shape{graph.S(N, 64, 7, 7), graph.S(N, 32, 7, 7)}, err: "same shape"},
		{name: "broadcast", op: &op.Merge{Broadcast: true}, in: []graph.Shape{graph.S(8, 1, 6, 1), graph.S(7, 1, 5)}, out: graph.S(8, 7, 6, 5), params: 0, flops: 0},
		{name: "broadcast mismatch", op: &op.Merge{Broadcast: true}, in: []graph.Shape{graph.S(3, 4), graph.S(5)}, err: "do not broadcast"},
	})
}

func TestRecurrent(t *testing.T) {
	I, H := int64(10), int64(20)
	mat := func(role string, rows op.Size) op.RecParam {
		return op.RecParam{Role: role, Dims: []op.RecDim{{Of: rows}, {Of: op.SizeHidden}}, Trainable: true, MatMul: true}
	}
	vec := func(role string) op.RecParam {
		return op.RecParam{Role: role, Dims: []op.RecDim{{Of: op.SizeHidden}}, Trainable: true}
	}
	var lstm []op.RecParam
	for _, g := range []string{"i", "f", "c", "o"} {
		lstm = append(lstm, mat("W_in_"+g, op.SizeInput), mat("W_hid_"+g, op.SizeHidden), vec("b_"+g))
	}
	lstm = append(lstm, vec("p_i"), vec("p_f"), vec("p_o"),
		op.RecParam{Role: "cell_init", Dims: []op.RecDim{{Of: op.SizeOne}, {Of: op.SizeHidden}}},
		op.RecParam{Role: "hid_init", Dims: []op.RecDim{{Of: op.SizeOne}, {Of: op.SizeHidden}}})
	torch := []op.RecParam{
		{Role: "weight_ih", Dims: []op.RecDim{{Of: op.SizeHidden, Mult: 4}, {Of: op.SizeInput}}, Trainable: true, MatMul: true},
		{Role: "weight_hh", Dims: []op.RecDim{{Of: op.SizeHidden, Mult: 4}, {Of: op.SizeHidden}}, Trainable: true, MatMul: true},
		{Role: "bias_ih", Dims: []op.RecDim{{Of: op.SizeHidden, Mult: 4}}, Trainable: true},
		{Role: "bias_hh", Dims: []op.RecDim{{Of: op.SizeHidden, Mult: 4}}, Trainable: true},
	}
	check(t, []tc{
		{name: "lasagne lstm", op: &op.Recurrent{Units: H, Params: lstm}, in: []graph.Shape{graph.S(N, 7, I)}, out: graph.S(N, 7, H),
			params: 4*(I*H+H*H+H) + 3*H + 2*H, trainable: 4*(I*H+H*H+H) + 3*H, flops: 2 * 7 * (4*I*H + 4*H*H)},
		{name: "pytorch lstm, final step only", op: &op.Recurrent{Units: H, Params: torch, OnlyFinal: true}, in: []graph.Shape{graph.S(3, 7, I)}, out: graph.S(3, H),
			params: 4*H*(I+H) + 8*H, trainable: -1, flops: 2 * 7 * (4*H*I + 4*H*H) * 3},
		{name: "trailing features flattened", op: &op.Recurrent{Units: H, Params: torch}, in: []graph.Shape{graph.S(N, 7, 2, 5)}, out: graph.S(N, 7, H),
			params: 4*H*(2*5+H) + 8*H, trainable: -1, flops: -1},
		{name: "unknown length", op: &op.Recurrent{Units: H, Params: torch}, in: []graph.Shape{graph.S(N, N, I)}, out: graph.S(N, N, H), params: 4*H*(I+H) + 8*H, trainable: -1, flops: -1},
		{name: "needs a sequence", op: &op.Recurrent{Units: H, Params: torch}, in: []graph.Shape{graph.S(N, I)}, err: "needs (batch, time"},
	})
}

func TestCustom(t *testing.T) {
	n, err := run(&op.Custom{Shape: graph.S(N, 7)}, graph.S(N, 3))
	if err != nil {
		t.Fatal(err)
	}
	if !n.Outputs[0].Shape.Equal(graph.S(N, 7)) {
		t.Errorf("output %s", n.Outputs[0].Shape)
	}
	if n.FLOPs.Known() {
		t.Error("a custom layer's FLOPs are known")
	}
}

func TestShared(t *testing.T) {
	g := &graph.Graph{}
	in := &graph.Value{Name: "in", Shape: graph.S(N, 10), DType: graph.Float32}
	g.Inputs = []*graph.Value{in}
	a := g.NewNode("a", "Dense", &op.Linear{Units: 10, From: 1, Bias: true}, []*graph.Value{in}, 1, graph.Pos{})
	b := g.NewNode("b", "Dense", &op.Linear{Units: 10, From: 1, Bias: true}, []*graph.Value{a.Outputs[0]}, 1, graph.Pos{})
	b.Share("W", graph.Ref{Node: a, Role: "W"})
	c := g.NewNode("c", "Dense", &op.Linear{Units: 10, From: 1}, []*graph.Value{b.Outputs[0]}, 1, graph.Pos{})
	c.Share("W", graph.Ref{Node: a, Role: "W", Transposed: true})
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	if b.Count.Equation() != "10" || c.Count.Equation() != "0" {
		t.Errorf("b counts %q, c counts %q; want the bias only and nothing", b.Count.Equation(), c.Count.Equation())
	}
	if len(b.Notes()) == 0 || !strings.Contains(b.Notes()[0], "shared with layer a") {
		t.Errorf("b's notes %v do not say W is shared", b.Notes())
	}
	bad := g.NewNode("d", "Dense", &op.Linear{Units: 3, From: 1}, []*graph.Value{c.Outputs[0]}, 1, graph.Pos{})
	bad.Share("W", graph.Ref{Node: a, Role: "W"})
	if err := infer.Node(bad); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("sharing a W of another shape: error %v", err)
	}
}
