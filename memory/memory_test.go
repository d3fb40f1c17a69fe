package memory

import (
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

func shape(d ...int64) graph.Shape {
	s := make(graph.Shape, len(d))
	for i, x := range d {
		s[i] = graph.D(x)
	}
	return s
}

// small builds input 2x3x8x8 → Conv 3x3 (4 filters, no bias, pad 1) →
// BatchNormalization → Relu → MaxPool 2 → Flatten → Gemm (10), in float32,
// with the shapes set as inference would set them.
func small() *graph.Graph {
	g := &graph.Graph{Format: "test"}
	x := &graph.Value{Name: "x", Shape: shape(2, 3, 8, 8), DType: graph.Float32}
	g.Inputs = []*graph.Value{x}
	param := func(name string, trainable bool, d ...int64) *graph.Param {
		return &graph.Param{Name: name, Shape: shape(d...), DType: graph.Float32, Trainable: trainable}
	}
	node := func(name, typ string, in *graph.Value, out graph.Shape, ps ...*graph.Param) *graph.Value {
		n := g.NewNode(name, typ, nil, []*graph.Value{in}, 1, graph.Pos{})
		n.Outputs[0].Shape, n.Outputs[0].DType = out, graph.Float32
		n.Params = ps
		n.Done = true
		return n.Outputs[0]
	}
	c := node("conv", "Conv", x, shape(2, 4, 8, 8), param("conv.W", true, 4, 3, 3, 3))
	b := node("bn", "BatchNormalization", c, shape(2, 4, 8, 8),
		param("bn.scale", true, 4), param("bn.B", true, 4), param("bn.mean", false, 4), param("bn.var", false, 4))
	r := node("relu", "Relu", b, shape(2, 4, 8, 8))
	p := node("pool", "MaxPool", r, shape(2, 4, 4, 4))
	f := node("flatten", "Flatten", p, shape(2, 64))
	o := node("fc", "Gemm", f, shape(2, 10), param("fc.W", true, 10, 64), param("fc.b", true, 10))
	g.Outputs = []*graph.Value{o}
	return g
}

// TestSmallByHand checks every figure against the arithmetic done by hand
// (README "Memory": the rules). Sizes: x 2*3*8*8*4 = 1536 bytes; conv,
// bn and relu outputs 2*4*8*8*4 = 2048; pool 2*4*4*4*4 = 512 and its
// int64 indices 1024; fc 2*10*4 = 80, 512 in allocator blocks.
func TestSmallByHand(t *testing.T) {
	e, err := Compute(small(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Unknown != nil {
		t.Fatalf("unknown: %v", e.Unknown)
	}
	eq := func(what string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", what, got, want)
		}
	}
	wantAct := []int64{2048, 2048, 2048, 512, 512, 80}
	// conv keeps x (the input, counted apart); bn keeps conv's output and
	// two 4-channel fp32 statistics (512 + 512 in blocks); relu its result
	// (bn's output, which it overwrites: in place); pool its input (relu's
	// result, kept already) and its indices; flatten nothing (a view);
	// fc its input, pool's output seen through the view.
	wantSaved := []int64{0, 2048 + 1024, 2048, 1024, 0, 512}
	for i, L := range e.Layers {
		eq("activation of layer "+string(rune('0'+i)), L.Activation, wantAct[i])
		eq("saved of layer "+string(rune('0'+i)), L.Saved, wantSaved[i])
	}
	eq("saved total", e.SavedBytes, 6656)
	eq("batch", e.Batch, 2)
	eq("input", e.InputBytes, 1536)
	// 7 parameter tensors: fc.W 640*4 = 2560 bytes (5 blocks), the
	// others under 512 bytes (one block each)
	eq("weights (allocator)", e.WeightsAlloc, 2560+6*512)
	eq("weights (exact)", e.WeightsBytes, (108+4*4+640+10)*4)
	eq("gradients", e.GradBytes, 2560+4*512)
	// Inference: conv's output 2048 with its workspace (input 1536 +
	// output 2048) = 5632; then bn 2048+2048, pool 2048+512, fc 512+512.
	eq("inference peak", e.InferencePeak, 5632)
	if e.InferenceAt != "conv" {
		t.Errorf("inference peak at %s, want conv", e.InferenceAt)
	}
	// Forward in training: at fc, kept 6656 + fc's output 512 = 7168.
	eq("forward", e.ForwardPeak, 7168)
	// Backward: 7168 + the loss's gradient 512; fc's weight grads
	// 2560+512 and its input's gradient 512 (11264), then free 512 + 512;
	// pool makes relu's gradient 2048 (12288), frees its output's 512 and
	// indices 1024 (10752); relu makes bn's output's gradient 2048: 12800.
	eq("backward", e.BackwardPeak, 12800)
	// Steps: fixed = weights 5632 + input 1536 = 7168; a state slot is
	// the trainable tensors in fp32, 4608 like the gradients.
	want := map[string]int64{
		"sgd":          7168 + 12800,
		"sgd_momentum": 7168 + 4608 + 12800,
		"adam":         7168 + 2*4608 + 12800,
	}
	for _, o := range e.Optimizers {
		eq(o.Name, o.Peak, want[o.Name])
		if o.Phase != "backward" {
			t.Errorf("%s peak in %s, want backward", o.Name, o.Phase)
		}
	}
}

// TestMixed: float16 halves the activations and the inference weights,
// keeps fp32 weights, gradients and state, and adds half copies.
func TestMixed(t *testing.T) {
	e, err := Compute(small(), Options{DType: graph.Float16})
	if err != nil {
		t.Fatal(err)
	}
	if e.Layers[0].Activation != 1024 || e.WeightsBytes != (108+4*4+640+10)*2 {
		t.Errorf("activation %d, weights %d", e.Layers[0].Activation, e.WeightsBytes)
	}
	// half copies of the conv's and fc's weights: 216 → 512, 1280 → 1536, 20 → 512
	if e.WeightsAlloc != 2560+6*512 || e.CastBytes != 512+1536+512 || e.InputBytes != 1024 {
		t.Errorf("weights %d, casts %d, input %d", e.WeightsAlloc, e.CastBytes, e.InputBytes)
	}
}

// TestUnknown: a layer whose rule is not known makes the training figures
// unknown (-1), not 0; an unknown size makes everything unknown.
func TestUnknown(t *testing.T) {
	g := small()
	g.Nodes[2].Type = "FancyActivation"
	e, err := Compute(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.InferencePeak <= 0 {
		t.Errorf("inference peak %d: it needs no rule", e.InferencePeak)
	}
	for _, o := range e.Optimizers {
		if o.Peak != -1 {
			t.Errorf("%s = %d with an unknown layer", o.Name, o.Peak)
		}
	}
	if e.Layers[2].Saved != -1 || len(e.Unknown) != 1 {
		t.Errorf("saved %d, unknown %v", e.Layers[2].Saved, e.Unknown)
	}
	g = small()
	g.Nodes[3].Outputs[0].Shape = graph.Shape{graph.Unknown(), graph.D(4), graph.D(4), graph.D(4)}
	e, err = Compute(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.InferencePeak != -1 || e.Layers[3].Activation != -1 || e.Optimizers[2].Peak != -1 {
		t.Errorf("inference %d, activation %d, adam %d", e.InferencePeak, e.Layers[3].Activation, e.Optimizers[2].Peak)
	}
}
