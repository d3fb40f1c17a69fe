package onnx

import (
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// Issue 16's operators on cases worked by hand from the ONNX operator
// specifications (docs/Operators.md: the formulas of each output shape,
// and the examples of each operator's page). TestNodeTests checks them
// further against the tensors ONNX's reference implementation computes.

// ci is a constant int64 tensor holding xs (rank 1, or a scalar when
// scalar is set).
func ci(scalar bool, xs ...int64) *graph.Value {
	s := graph.S(int64(len(xs)))
	if scalar {
		s = graph.Shape{}
	}
	return &graph.Value{Name: "c", Shape: s, DType: graph.Int64, Const: &graph.Const{Ints: xs}}
}

func TestIssue16Ops(t *testing.T) {
	s := graph.S
	checkOps(t, []otc{
		// Attention: Y (B, Hq, Sq, dv); FLOPs 2·B·Hq·Sq·T·d + 2·B·Hq·Sq·T·dv
		// = 2·2·3·4·6·8 ·2 = 4608; other ops (3+1) per score, 2·3·4·6 = 144 scores.
		{name: "Attention 4-D", op: &attention{}, in: []*graph.Value{t32(2, 3, 4, 8), t32(2, 3, 6, 8), t32(2, 3, 6, 8)},
			out: []graph.Shape{s(2, 3, 4, 8)}, flops: 4608, other: 576},
		// 3-D inputs with 3 heads: head size 24/3 = 8, Y (2, 4, 3·8).
		{name: "Attention 3-D", op: &attention{qHeads: 3, kvHeads: 3}, in: []*graph.Value{t32(2, 4, 24), t32(2, 6, 24), t32(2, 6, 24)},
			nout: 4, out: []graph.Shape{s(2, 4, 24), s(2, 3, 6, 8), s(2, 3, 6, 8), s(2, 3, 4, 6)}, flops: 4608, other: -1},
		// past 5 + kv 6 = total 11.
		{name: "Attention with a cache", op: &attention{},
			in:   []*graph.Value{t32(2, 3, 4, 8), t32(2, 3, 6, 8), t32(2, 3, 6, 4), nil, t32(2, 3, 5, 8), t32(2, 3, 5, 4)},
			nout: 4, out: []graph.Shape{s(2, 3, 4, 4), s(2, 3, 11, 8), s(2, 3, 11, 4), s(2, 3, 4, 11)},
			flops: 2*2*3*4*11*8 + 2*2*3*4*11*4, other: -1},
		// Grouped-query: 8 query heads over 2 key/value heads.
		{name: "Attention GQA", op: &attention{}, in: []*graph.Value{t32(1, 8, 4, 16), t32(1, 2, 6, 16), t32(1, 2, 6, 16)},
			out: []graph.Shape{s(1, 8, 4, 16)}, flops: 2 * 2 * 8 * 4 * 6 * 16, other: -1},
		{name: "Attention heads", op: &attention{}, in: []*graph.Value{t32(1, 3, 4, 16), t32(1, 2, 6, 16), t32(1, 2, 6, 16)},
			err: "not a multiple"},

		// DFT-17 along axis 1 of (3, 16, 1): (3, 16, 2); 3 transforms of
		// 5·16·log2(16) = 320.
		{name: "DFT", op: &dftOp{axis: 1}, in: []*graph.Value{t32(3, 16, 1)},
			out: []graph.Shape{s(3, 16, 2)}, flops: 960, other: -1},
		{name: "DFT onesided", op: &dftOp{axis: 1, onesided: true}, in: []*graph.Value{t32(3, 16, 1)},
			out: []graph.Shape{s(3, 9, 2)}, flops: 960, other: -1},
		// dft_length 10 pads: ⌈log2 10⌉ = 4, 5·10·4 = 200 per transform.
		{name: "DFT length", op: &dftOp{axis: 1}, in: []*graph.Value{t32(2, 8, 2), ci(true, 10)},
			out: []graph.Shape{s(2, 10, 2)}, flops: 400, other: -1},
		// DFT-20: the axis is input 2, -2 the last signal axis.
		{name: "DFT-20 axis", op: &dftOp{axis: -2, axisInput: true}, in: []*graph.Value{t32(2, 4, 8, 2), nil, ci(true, 1)},
			out: []graph.Shape{s(2, 4, 8, 2)}, flops: 2 * 8 * 5 * 4 * 2, other: -1},
		// STFT: frames ⌊(128−16)/8⌋+1 = 15, bins 16/2+1 = 9; 15 transforms of 5·16·4.
		{name: "STFT", op: &stftOp{onesided: true}, in: []*graph.Value{t32(1, 128, 1), ci(true, 8), t32(16)},
			out: []graph.Shape{s(1, 15, 9, 2)}, flops: 15 * 320, other: 15 * 16},
		{name: "STFT frame_length", op: &stftOp{}, in: []*graph.Value{t32(2, 100, 2), ci(true, 10), nil, ci(true, 20)},
			out: []graph.Shape{s(2, 9, 20, 2)}, flops: 2 * 9 * 5 * 20 * 5, other: -1},
		{name: "MelWeightMatrix", op: &melOp{dtype: graph.Float32}, in: []*graph.Value{ci(true, 8), ci(true, 16), ci(true, 8192), t32(), t32()},
			out: []graph.Shape{s(9, 8)}, flops: 0, other: 72},
		{name: "HannWindow", op: &windowOp{dtype: graph.Float32, cost: 1}, in: []*graph.Value{ci(true, 10)},
			out: []graph.Shape{s(10)}, flops: 0, other: 10},

		// Losses: the target's shape with reduction none, else a scalar.
		{name: "NLL none", op: &lossOp{reduction: "none"}, in: []*graph.Value{t32(3, 5, 2), t32(3, 2)},
			out: []graph.Shape{s(3, 2)}, flops: 0, other: 6},
		{name: "NLL mean, weight", op: &lossOp{reduction: "mean"}, in: []*graph.Value{t32(3, 5, 2), t32(3, 2), t32(5)},
			out: []graph.Shape{{}}, flops: 0, other: 18},
		{name: "NLL target", op: &lossOp{reduction: "mean"}, in: []*graph.Value{t32(3, 5, 2), t32(3, 3)}, err: "without its class axis"},
		// SoftmaxCrossEntropyLoss: log_prob has the scores' shape; 4 per score for the log-softmax.
		{name: "SCE", op: &lossOp{reduction: "sum", softmax: true}, in: []*graph.Value{t32(3, 5), t32(3)},
			nout: 2, out: []graph.Shape{{}, s(3, 5)}, flops: 0, other: 4*15 + 2*3},

		// MaxUnpool: (in−1)·stride − pads + kernel = (2−1)·2 + 2 = 4.
		{name: "MaxUnpool", op: &maxUnpool{kernel: []int64{2, 2}, strides: []int64{2, 2}}, in: []*graph.Value{t32(1, 1, 2, 2), t32(1, 1, 2, 2)},
			out: []graph.Shape{s(1, 1, 4, 4)}, flops: 0, other: -1},
		{name: "MaxUnpool output_shape", op: &maxUnpool{kernel: []int64{2, 2}, strides: []int64{2, 2}}, in: []*graph.Value{t32(1, 1, 2, 2), t32(1, 1, 2, 2), ci(false, 1, 1, 5, 5)},
			out: []graph.Shape{s(1, 1, 5, 5)}, flops: 0, other: -1},
		// Unique: the counts depend on the data; inverse_indices one per element.
		{name: "Unique", op: &uniqueOp{}, in: []*graph.Value{t32(2, 3)},
			nout: 4, out: []graph.Shape{{graph.Unknown()}, {graph.Unknown()}, s(6), {graph.Unknown()}}, flops: 0, other: -1},
		{name: "Unique axis", op: &uniqueOp{axis: ptr(int64(-1))}, in: []*graph.Value{t32(2, 3)},
			nout: 3, out: []graph.Shape{{d(2), graph.Unknown()}, {graph.Unknown()}, s(3)}, flops: 0, other: -1},
		{name: "DynamicQuantizeLinear", op: dynQuant{}, in: []*graph.Value{t32(3, 4)},
			nout: 3, out: []graph.Shape{s(3, 4), {}, {}}, flops: 0, other: 72},
		{name: "TfIdfVectorizer", op: &tfidf{indexes: []int64{0, 1, 2, 3, 4, 5, 6}}, in: []*graph.Value{t32(2, 6)},
			out: []graph.Shape{s(2, 7)}, flops: 0, other: -1},
		{name: "StringNormalizer stopwords", op: &strNormalizer{stopwords: true}, in: []*graph.Value{t32(1, 4)},
			out: []graph.Shape{{d(1), graph.Unknown()}}, flops: 0, other: -1},
		{name: "Compress constant", op: &compressOp{axis: ptr(int64(1))}, in: []*graph.Value{t32(3, 4), {Name: "c", Shape: s(3), DType: graph.Bool, Const: &graph.Const{Ints: []int64{1, 0, 1}}}},
			out: []graph.Shape{s(3, 2)}, flops: 0, other: -1},

		// Adam on 2 tensors: R, T, X1, X2, G1, G2, V1, V2, H1, H2 → X1', X2', V1', V2', H1', H2'.
		{name: "Adam", op: &optimizerOp{what: "Adam", groups: 4, cost: 10},
			in:   []*graph.Value{t32(), t32(), t32(3), t32(2, 2), t32(3), t32(2, 2), t32(3), t32(2, 2), t32(3), t32(2, 2)},
			nout: 6, out: []graph.Shape{s(3), s(2, 2), s(3), s(2, 2), s(3), s(2, 2)}, flops: 0, other: 70},

		// Col2Im (the operator page's example): (1, 5, 5), image [5, 5], block [1, 5] → (1, 1, 5, 5).
		{name: "Col2Im", op: col2im{}, in: []*graph.Value{t32(1, 5, 5), ci(false, 5, 5), ci(false, 1, 5)},
			out: []graph.Shape{s(1, 1, 5, 5)}, flops: 0, other: -1},
		{name: "AffineGrid", op: affineGrid{}, in: []*graph.Value{t32(2, 2, 3), ci(false, 2, 3, 5, 6)},
			out: []graph.Shape{s(2, 5, 6, 2)}, flops: 0, other: -1},
		{name: "CausalConvWithState", op: causalConv{}, in: []*graph.Value{t32(2, 8, 10), t32(8, 1, 4)},
			nout: 2, out: []graph.Shape{s(2, 8, 10), s(2, 8, 3)}, flops: 2 * 2 * 8 * 10 * 4, other: -1},
		{name: "StringSplit", op: stringSplit{}, in: []*graph.Value{t32(2, 3)},
			nout: 2, out: []graph.Shape{{d(2), d(3), graph.Unknown()}, s(2, 3)}, flops: 0, other: -1},
	})
}

func ptr[T any](v T) *T { return &v }

// TestSequenceOps follows a sequence through the ops that read it: the
// shapes follow from the operator pages (SplitToSequence's split sizes,
// SequenceAt's position, ConcatFromSequence's axis and new_axis).
func TestSequenceOps(t *testing.T) {
	g := &graph.Graph{}
	x := t32(4, 6)
	g.Inputs = []*graph.Value{x}
	add := func(o graph.Op, ins ...*graph.Value) *graph.Value {
		n := g.NewNode("n", "T", &nodeOp{op: o, opType: "T"}, ins, 1, graph.Pos{})
		return n.Outputs[0]
	}
	// split [1, 2, 3] along axis 1: (4, 1), (4, 2), (4, 3).
	seq := add(&seqOp{kind: seqSplit, axis: 1, keepdims: true}, x, ci(false, 1, 2, 3))
	at := add(seqAt{}, seq, ci(true, -2))
	length := add(seqLength{}, seq)
	cat := add(&concatFromSeq{axis: 1}, seq)
	// No split, axis 0, keepdims 0: four (6) tensors; stacked on a new axis 1: (6, 4).
	rows := add(&seqOp{kind: seqSplit}, x)
	stack := add(&concatFromSeq{axis: 1, newAxis: true}, rows)
	// Insert a (6) at the front, erase the last: still four.
	ins := add(&seqOp{kind: seqInsert}, rows, t32(6), ci(true, 0))
	erased := add(&seqOp{kind: seqErase}, ins)
	n2 := add(seqLength{}, erased)
	built := add(&seqOp{kind: seqConstruct}, t32(2, 3), t32(2, 5))
	joined := add(&concatFromSeq{axis: -1}, built)
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    *graph.Value
		want graph.Shape
	}{
		{seq, graph.Shape{d(4), graph.Unknown()}}, {at, graph.S(4, 2)}, {length, graph.Shape{}}, {cat, graph.S(4, 6)},
		{rows, graph.S(6)}, {stack, graph.S(6, 4)}, {erased, graph.S(6)}, {built, graph.Shape{d(2), graph.Unknown()}},
		{joined, graph.S(2, 8)},
	} {
		if !c.v.Shape.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.v.Producer.Name, fmtDims(c.v.Shape), fmtDims(c.want))
		}
	}
	if length.Const == nil || length.Const.Ints[0] != 3 || n2.Const == nil || n2.Const.Ints[0] != 4 {
		t.Errorf("lengths %v, %v; want 3 and 4", length.Const, n2.Const)
	}
}

// TestMLOps: ai.onnx.ml nodes, their shapes as ONNX's inference for them
// gives (defs/traditionalml/defs.cc) and their fitted values counted.
func TestMLOps(t *testing.T) {
	floats := func(name string, k int) Attribute {
		return Attribute{Name: name, Type: AttrFloats, Floats: make([]float32, k)}
	}
	ints := func(name string, xs ...int64) Attribute { return Attribute{Name: name, Type: AttrInts, Ints: xs} }
	node := func(op string, attrs ...Attribute) *Node {
		return &Node{OpType: op, Domain: "ai.onnx.ml", Attributes: attrs}
	}
	for _, c := range []struct {
		name   string
		nd     *Node
		kind   mlKind
		in     *graph.Value
		out    []graph.Shape
		flops  int64
		params int64
	}{
		// 3 classes over 4 features: 12 coefficients + 3 intercepts;
		// FLOPs 2·5·4·3.
		{"LinearClassifier", node("LinearClassifier", floats("coefficients", 12), floats("intercepts", 3), ints("classlabels_ints", 0, 1, 2)),
			mlLinearClassifier, t32(5, 4), []graph.Shape{graph.S(5), graph.S(5, 3)}, 120, 15},
		// Binary with one intercept: scores (N, 2); FLOPs 2·5·4·1.
		{"LinearClassifier binary", node("LinearClassifier", floats("coefficients", 4), floats("intercepts", 1), ints("classlabels_ints", 0, 1)),
			mlLinearClassifier, t32(5, 4), []graph.Shape{graph.S(5), graph.S(5, 2)}, 40, 5},
		{"LinearRegressor", node("LinearRegressor", floats("coefficients", 8), floats("intercepts", 2), ints("targets", 2)),
			mlLinearRegressor, t32(3, 4), []graph.Shape{graph.S(3, 2)}, 48, 10},
		// 6 support vectors of 4 features, 5 coefficients, 3 rho: 32.
		{"SVMClassifier", node("SVMClassifier", floats("support_vectors", 24), floats("coefficients", 5), floats("rho", 3), floats("prob_a", 3), floats("prob_b", 3), ints("classlabels_ints", 0, 1, 2)),
			mlSVMClassifier, t32(2, 4), []graph.Shape{graph.S(2), graph.S(2, 3)}, 2 * 2 * 4 * 6, 38},
		// 7 thresholds, 4 leaf weights.
		{"TreeEnsembleRegressor", node("TreeEnsembleRegressor", floats("nodes_values", 7), floats("target_weights", 4), ints("n_targets", 1)),
			mlTreeRegressor, t32(10, 3), []graph.Shape{graph.S(10, 1)}, 0, 11},
		{"TreeEnsembleClassifier", node("TreeEnsembleClassifier", floats("nodes_values", 7), floats("class_weights", 8), ints("classlabels_int64s", 0, 1)),
			mlTreeClassifier, t32(10, 3), []graph.Shape{graph.S(10), graph.S(10, 2)}, 0, 15},
		{"Scaler", node("Scaler", floats("offset", 3), floats("scale", 3)), mlScaler, t32(10, 3), []graph.Shape{graph.S(10, 3)}, 0, 6},
		{"OneHotEncoder", node("OneHotEncoder", ints("cats_int64s", 1, 2, 3, 4)), mlOneHot, t32(10, 2), []graph.Shape{graph.S(10, 2, 4)}, 0, 0},
		{"FeatureVectorizer", node("FeatureVectorizer", ints("inputdimensions", 2, 3)), mlFeatureVectorizer, t32(10, 2), []graph.Shape{graph.S(10, 5)}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := runN(&mlOp{nd: c.nd, kind: c.kind}, len(c.out), c.in)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range c.out {
				if !n.Outputs[i].Shape.Equal(want) {
					t.Errorf("output %d %s, want %s", i, fmtDims(n.Outputs[i].Shape), fmtDims(want))
				}
			}
			if v, ok := n.FLOPs.Value(); !ok || v != c.flops {
				t.Errorf("FLOPs %s, want %d", n.FLOPs.Equation(), c.flops)
			}
			var p int64
			for _, q := range n.Params {
				k, _ := q.Numel().Value()
				p += k
			}
			if p != c.params {
				t.Errorf("params %d, want %d", p, c.params)
			}
		})
	}
}

// TestMicrosoftOps: com.microsoft's transformer operators, shapes from
// ONNX Runtime's contrib-op schemas worked by hand.
func TestMicrosoftOps(t *testing.T) {
	s := graph.S
	u8 := func(sizes ...int64) *graph.Value {
		v := &graph.Value{Name: "B", Shape: s(sizes...), DType: graph.Uint8}
		v.Param = &graph.Param{Name: "B", Shape: v.Shape, DType: graph.Uint8}
		return v
	}
	checkOps(t, []otc{
		// QKV projection 2·2·8·64·192 = 393216; attention with 4 heads
		// of 16 over 8 positions: 2·(2·2·4·8·8·16) = 32768.
		{name: "Attention", op: &msAttention{heads: 4}, in: []*graph.Value{t32(2, 8, 64), param(t32(64, 192)), param(t32(192))},
			out: []graph.Shape{s(2, 8, 64)}, flops: 393216 + 32768, other: -1},
		{name: "Attention past", op: &msAttention{heads: 4}, in: []*graph.Value{t32(2, 8, 64), param(t32(64, 192)), param(t32(192)), nil, t32(2, 2, 4, 3, 16)},
			nout: 2, out: []graph.Shape{s(2, 8, 64), s(2, 2, 4, 11, 16)}, flops: 393216 + 2*2*2*4*8*11*16, other: -1},
		{name: "MultiHeadAttention", op: &msMHA{heads: 4}, in: []*graph.Value{t32(2, 8, 64), t32(2, 6, 64), t32(2, 6, 64)},
			nout: 3, out: []graph.Shape{s(2, 8, 64), s(2, 4, 6, 16), s(2, 4, 6, 16)}, flops: 2 * 2 * 2 * 4 * 8 * 6 * 16, other: -1},
		// 8 query heads of 128/8 = 16 over 2 kv heads; total 14 ≥ past 10.
		{name: "GroupQueryAttention", op: &msGQA{heads: 8, kvHeads: 2},
			in:   []*graph.Value{t32(1, 4, 128), t32(1, 4, 32), t32(1, 4, 32), t32(1, 2, 10, 16), t32(1, 2, 10, 16), t32(1), ci(true, 14)},
			nout: 3, out: []graph.Shape{s(1, 4, 128), s(1, 2, 14, 16), s(1, 2, 14, 16)}, flops: 2 * 2 * 8 * 4 * 14 * 16, other: -1},
		{name: "SkipLayerNormalization", op: &skipNormOp{}, in: []*graph.Value{t32(2, 8, 64), t32(2, 8, 64), param(t32(64)), param(t32(64))},
			nout: 4, out: []graph.Shape{s(2, 8, 64), s(2, 8, 1), s(2, 8, 1), s(2, 8, 64)}, flops: 0, other: 7 * 2 * 8 * 64},
		{name: "SimplifiedLayerNormalization", op: &simplifiedNorm{axis: -1}, in: []*graph.Value{t32(2, 8, 64), param(t32(64))},
			nout: 2, out: []graph.Shape{s(2, 8, 64), s(2, 8, 1)}, flops: 0, other: 4 * 2 * 8 * 64},
		{name: "EmbedLayerNormalization", op: embedNorm{}, in: []*graph.Value{{Name: "ids", Shape: s(2, 8), DType: graph.Int64}, nil, param(t32(1000, 64))},
			nout: 3, out: []graph.Shape{s(2, 8, 64), s(2), s(2, 8, 64)}, flops: 0, other: -1},
		// transB: (2, 3, 4) × (2, 5, 4)ᵀ = (2, 3, 5); 2·2·3·4·5.
		{name: "FusedMatMul", op: &fusedMatMul{transB: true}, in: []*graph.Value{t32(2, 3, 4), t32(2, 5, 4)},
			out: []graph.Shape{s(2, 3, 5)}, flops: 240, other: -1},
		// K = 64, N = 32: 2·5·64·32.
		{name: "MatMulNBits", op: &matMulNBits{k: 64, n: 32, bits: 4}, in: []*graph.Value{t32(1, 5, 64), u8(32, 2, 16)},
			out: []graph.Shape{s(1, 5, 32)}, flops: 2 * 5 * 64 * 32, other: -1},
	})
	// MatMulNBits' packed B: 32×64 = 2048 weights, 32·2·16 = 1024 bytes.
	b := u8(32, 2, 16)
	if _, err := runN(&matMulNBits{k: 64, n: 32, bits: 4}, 1, t32(1, 5, 64), b); err != nil {
		t.Fatal(err)
	}
	if k, _ := b.Param.Numel().Value(); k != 2048 || b.Param.Bytes != 1024 {
		t.Errorf("MatMulNBits B: %d weights, %d bytes; want 2048 and 1024", k, b.Param.Bytes)
	}
}

// TestLoopCarriedGrows: a Loop whose body doubles a carried value (Concat
// of it with itself) ends with a first axis nobody knows without the trip
// count's run: (1, 2) then (2, 2), … gives (?, 2), not the shape after one
// iteration.
func TestLoopCarriedGrows(t *testing.T) {
	body := bGraph(
		[]pb{bNode("grow", "Concat", []string{"v", "v"}, []string{"v2"}, bAttrInt("axis", 0)),
			bNode("keep", "Identity", []string{"cond"}, []string{"cond_out"})},
		nil,
		[]pb{bValueInfo("i", Int64), bValueInfo("cond", Bool), bValueInfo("v", Float)},
		[]pb{bValueInfo("cond_out", Bool), bValueInfo("v2", Float)})
	gr := bGraph(
		[]pb{bNode("loop", "Loop", []string{"M", "", "x"}, []string{"y"}, bAttrGraph("body", body))},
		[]pb{bScalarInt("M", 3)},
		[]pb{bValueInfo("x", Float, 1, 2)},
		[]pb{bValueInfo("y", Float)})
	model := bModel(gr)
	m, err := Decode(memReader(model), int64(len(model)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build("loop.onnx", m, memReader(model), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	y := g.Outputs[0]
	if want := (graph.Shape{graph.Unknown(), d(2)}); !y.Shape.Equal(want) {
		t.Errorf("y = %s, want %s", fmtDims(y.Shape), fmtDims(want))
	}
}

func TestLinearAttention(t *testing.T) {
	// 4 query heads over 2 kv heads, dk = 16/2 = 8, dv = 24/2 = 12:
	// output (2, 5, 4·12), state (2, 2, 8, 12); FLOPs 2·2·5·8·12·(4+2+2).
	checkOps(t, []otc{{name: "gated_delta", op: &linearAttention{qHeads: 4, kvHeads: 2, delta: true},
		in: []*graph.Value{t32(2, 5, 32), t32(2, 5, 16), t32(2, 5, 24)}, nout: 2,
		out: []graph.Shape{graph.S(2, 5, 48), graph.S(2, 2, 8, 12)}, flops: 2 * 2 * 5 * 8 * 12 * 8, other: -1}})
}

func TestQuantTypes(t *testing.T) {
	i8 := &graph.Value{Name: "zp", Shape: graph.Shape{}, DType: graph.Int8}
	f16 := &graph.Value{Name: "s", Shape: graph.Shape{}, DType: graph.Float16}
	for _, c := range []struct {
		name string
		op   *quantOp
		in   []*graph.Value
		want graph.DType
	}{
		{"quantize, no zero point", &quantOp{}, []*graph.Value{t32(2, 3), t32()}, graph.Uint8},
		{"quantize to the zero point's type", &quantOp{}, []*graph.Value{t32(2, 3), t32(), i8}, graph.Int8},
		{"quantize output_dtype", &quantOp{to: graph.Int16}, []*graph.Value{t32(2, 3), t32()}, graph.Int16},
		{"dequantize to the scale's type", &quantOp{dequant: true}, []*graph.Value{i8, f16}, graph.Float16},
	} {
		n, err := runN(c.op, 1, c.in...)
		if err != nil || n.Outputs[0].DType != c.want || !n.Outputs[0].Shape.Equal(c.in[0].Shape) {
			t.Errorf("%s: %s %s, %v; want %s", c.name, n.Outputs[0].DType, fmtDims(n.Outputs[0].Shape), err, c.want)
		}
	}
}
