package onnx

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// This file translates ONNX operators into ops: ONNX's conventions (the
// op_type names, which inputs carry what, defaults, attributes that
// became inputs over the opsets) are decided here, and the ops of
// packages tensor and op apply them without knowing ONNX.

// Operation counts per element for OtherOps (FLOPs count only conv,
// linear and matmul work). One per element for elementwise functions,
// however costly the function; a normalization's cost is the work of the
// inference formula per element.
const (
	costElementwise = 1
	costBatchNorm   = 2 // (x-mean)*scale' + bias, scale' = scale/sqrt(var+eps) per channel
	costNorm        = 5 // mean, subtract, variance, normalize, scale-and-shift
	costRMSNorm     = 4 // square, mean, normalize, scale
	costLpNorm      = 3
	costMVN         = 4
	costSoftmax     = 3 // exp, sum, divide
	costLogSoftmax  = 4 // exp, sum, log, subtract
	costHardmax     = 1
)

// errOp reports, when inferred, a problem found while reading the node.
type errOp struct{ err error }

func (e errOp) Infer(*graph.Node) error { return e.err }

// unsupported is an operator layerinfo does not know: its outputs are
// unknown and the rest of the graph is still analysed.
type unsupported struct{ what string }

func (u unsupported) Infer(*graph.Node) error {
	return graph.Unknownf("%s is not supported: its outputs are unknown (the rest of the graph is still analysed)", u.what)
}

func dtypeOf(t DataType) graph.DType {
	if t == Undefined {
		return ""
	}
	return graph.DType(t.String())
}

func dtypeOrFloat(t int64) graph.DType {
	if d := dtypeOf(DataType(t)); d != "" {
		return d
	}
	return graph.Float32
}

// isDefaultDomain reports whether a node's domain is ONNX's own.
func isDefaultDomain(d string) bool { return d == "" || d == "ai.onnx" }

// opName is the operator as reported: the op_type, prefixed by its
// domain when not the default one.
func opName(nd *Node) string {
	if isDefaultDomain(nd.Domain) {
		return nd.OpType
	}
	return nd.Domain + "." + nd.OpType
}

// makeOp returns the op for an ONNX node and the number of inputs it
// requires: an elementwise function (elementwiseOps), an op of opTable,
// or unsupported.
func (b *builder) makeOp(nd *Node, opset int64) (graph.Op, int) {
	t := nd.OpType
	if !isDefaultDomain(nd.Domain) {
		if m := domainOps[nd.Domain][t]; m != nil {
			return m(b, nd, opset)
		}
		return unsupported{fmt.Sprintf("operator %s of domain %q", nd.OpType, nd.Domain)}, 0
	}
	if f, ok := elementwiseOps[t]; ok {
		if f == tensor.Mod && nd.attrInt("fmod", 0) != 0 {
			f = tensor.Fmod
		}
		return &tensor.Elementwise{Func: f, Cost: costElementwise}, funcInputs(f)
	}
	if m := opTable[t]; m != nil {
		return m(b, nd, opset)
	}
	return unsupported{fmt.Sprintf("operator %s (opset %d)", t, opset)}, 0
}

// elementwiseOps are the ONNX operators that apply a tensor.Func.
var elementwiseOps = map[string]tensor.Func{
	"Abs": tensor.Abs, "Acos": tensor.Acos, "Acosh": tensor.Acosh, "Asin": tensor.Asin, "Asinh": tensor.Asinh,
	"Atan": tensor.Atan, "Atanh": tensor.Atanh, "BitwiseNot": tensor.BitwiseNot, "Ceil": tensor.Ceil,
	"Celu": tensor.Celu, "Cos": tensor.Cos, "Cosh": tensor.Cosh, "Elu": tensor.Elu, "Erf": tensor.Erf,
	"Exp": tensor.Exp, "Floor": tensor.Floor, "Gelu": tensor.Gelu, "HardSigmoid": tensor.HardSigmoid,
	"HardSwish": tensor.HardSwish, "LeakyRelu": tensor.LeakyRelu, "Log": tensor.Log, "Mish": tensor.Mish,
	"Neg": tensor.Neg, "Reciprocal": tensor.Reciprocal, "Relu": tensor.Relu, "Round": tensor.Round,
	"Selu": tensor.Selu, "Shrink": tensor.Shrink, "Sigmoid": tensor.Sigmoid, "Sign": tensor.Sign,
	"Sin": tensor.Sin, "Sinh": tensor.Sinh, "Softplus": tensor.Softplus, "Softsign": tensor.Softsign,
	"Sqrt": tensor.Sqrt, "Swish": tensor.Swish, "Tan": tensor.Tan, "Tanh": tensor.Tanh,
	"ThresholdedRelu": tensor.ThresholdedRelu,

	"Add": tensor.Add, "Sub": tensor.Sub, "Mul": tensor.Mul, "Div": tensor.Div, "Pow": tensor.Pow,
	"Mod":      tensor.Mod, // Fmod with fmod=1
	"BitShift": tensor.BitShift, "BitwiseAnd": tensor.BitwiseAnd, "BitwiseOr": tensor.BitwiseOr,
	"BitwiseXor": tensor.BitwiseXor, "PRelu": tensor.PRelu,

	"Equal": tensor.Equal, "Less": tensor.Less, "Greater": tensor.Greater, "LessOrEqual": tensor.LessOrEqual,
	"GreaterOrEqual": tensor.GreaterOrEqual, "And": tensor.And, "Or": tensor.Or, "Xor": tensor.Xor,
	"Not": tensor.Not, "IsNaN": tensor.IsNaN, "IsInf": tensor.IsInf,

	"Sum": tensor.Sum, "Mean": tensor.Mean, "Max": tensor.Max, "Min": tensor.Min,
	"Where": tensor.Where, "Clip": tensor.Clip,
}

// funcInputs is the number of inputs an ONNX elementwise operator
// requires: Clip's bounds are optional, the variadic ones need one.
func funcInputs(f tensor.Func) int {
	switch {
	case f == tensor.Where:
		return 3
	case f >= tensor.Add && f <= tensor.Xor:
		return 2
	}
	return 1
}

// maker builds the op of one node and says how many inputs it requires.
type maker func(b *builder, nd *Node, opset int64) (graph.Op, int)

// opTable holds the operators other than the elementwise functions, by
// op_type. Families live beside their conventions: conv.go (Conv,
// auto_pad), pool.go, rnn.go, control.go (If, Loop, Scan, which the
// builder handles before this table).
var opTable = map[string]maker{
	// Shapes and copies.
	"Identity":         fixed(func() graph.Op { return &tensor.Same{Fold: true} }, 1),
	"Dropout":          fixed(func() graph.Op { return &tensor.Same{OutTypes: []graph.DType{"", graph.Bool}} }, 1),
	"QuantizeLinear":   makeQuant, // ops_misc.go
	"DequantizeLinear": makeQuant,
	"ScatterND":        sameShape, "ScatterElements": sameShape, "Scatter": sameShape, "Trilu": sameShape,
	"CumSum": sameShape, "ReverseSequence": sameShape, "EyeLike": sameShape, "RandomNormalLike": sameShape,
	"RandomUniformLike": sameShape, "Bernoulli": sameShape, "RotaryEmbedding": sameShape,
	"Cast": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Cast{To: dtypeOf(DataType(nd.attrInt("to", 0)))}, 1
	},
	"CastLike": fixed(func() graph.Op { return &tensor.Cast{} }, 2),
	"Shape": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.ShapeOf{Start: nd.optInt("start"), End: nd.optInt("end")}, 1
	},
	"Size": fixed(func() graph.Op { return tensor.SizeOf{} }, 1),

	// Reshaping; attributes that became inputs are read from the
	// attribute before the opset that moved them.
	"Squeeze": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 13 {
			return &tensor.Squeeze{Axes: nd.attrInts("axes")}, 1
		}
		return &tensor.Squeeze{}, 1
	},
	"Unsqueeze": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 13 {
			return &tensor.Unsqueeze{Axes: given(nd.attrInts("axes"))}, 1
		}
		return &tensor.Unsqueeze{}, 2
	},
	"Reshape": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 5 {
			return &tensor.Reshape{Target: nd.attrInts("shape"), ZeroCopies: true}, 1
		}
		return &tensor.Reshape{ZeroCopies: nd.attrInt("allowzero", 0) == 0}, 2
	},
	"Flatten": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Flatten2D{Axis: nd.attrInt("axis", 1)}, 1
	},
	"Transpose": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Transpose{Perm: nd.attrInts("perm")}, 1
	},
	"Expand": fixed(func() graph.Op { return tensor.Expand{} }, 2),
	"Tile":   fixed(func() graph.Op { return tensor.Tile{} }, 2),
	"DepthToSpace": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.DepthToSpace{Block: nd.attrInt("blocksize", 0)}, 1
	},
	"SpaceToDepth": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.DepthToSpace{Block: nd.attrInt("blocksize", 0), ToDepth: true}, 1
	},

	// Selecting and joining.
	"Gather": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Gather{Axis: nd.attrInt("axis", 0)}, 2
	},
	"GatherElements": fixed(func() graph.Op { return tensor.GatherElements{} }, 2),
	"GatherND": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.GatherND{BatchDims: nd.attrInt("batch_dims", 0)}, 2
	},
	"Concat": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Concat{Axis: nd.attrInt("axis", 0)}, 1
	},
	"Slice": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 10 {
			return &tensor.Slice{Starts: given(nd.attrInts("starts")), Ends: nd.attrInts("ends"), Axes: nd.attrInts("axes")}, 1
		}
		return &tensor.Slice{}, 3
	},
	"Split": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		s := &tensor.Split{Axis: nd.attrInt("axis", 0)}
		if opset < 13 {
			s.Sizes = nd.attrInts("split")
		}
		return s, 1
	},
	"Pad": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 11 {
			pads := nd.attrInts("pads")
			if pads == nil {
				pads = nd.attrInts("paddings")
			}
			return &tensor.Pad{Pads: given(pads)}, 1
		}
		return &tensor.Pad{}, 2
	},
	"OneHot": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.OneHot{Axis: nd.attrInt("axis", -1)}, 3
	},
	"NonZero":           fixed(func() graph.Op { return tensor.NonZero{} }, 1),
	"NonMaxSuppression": fixed(func() graph.Op { return tensor.NonMaxSuppression{} }, 2),
	"GridSample":        fixed(func() graph.Op { return tensor.GridSample{} }, 2),
	"Det":               fixed(func() graph.Op { return tensor.Det{} }, 1),
	"RoiAlign": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.RoiAlign{OutH: nd.attrInt("output_height", 1), OutW: nd.attrInt("output_width", 1)}, 3
	},
	"CenterCropPad": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.CenterCropPad{Axes: nd.attrInts("axes")}, 2
	},
	"Resize":   makeResize,
	"Upsample": makeResize,

	// Making tensors.
	"Range": fixed(func() graph.Op { return tensor.Range{} }, 3),
	"Constant": func(b *builder, nd *Node, _ int64) (graph.Op, int) {
		return b.constant(nd), 0
	},
	"ConstantOfShape": func(b *builder, nd *Node, _ int64) (graph.Op, int) {
		return b.constantOfShape(nd), 1
	},
	"RandomNormal":  randomOp,
	"RandomUniform": randomOp,

	// Reductions.
	"ReduceSum": reduce(tensor.ReduceSum), "ReduceMean": reduce(tensor.ReduceMean),
	"ReduceMax": reduce(tensor.ReduceMax), "ReduceMin": reduce(tensor.ReduceMin),
	"ReduceProd": reduce(tensor.ReduceProd), "ReduceL1": reduce(tensor.ReduceL1),
	"ReduceL2": reduce(tensor.ReduceL2), "ReduceLogSum": reduce(tensor.ReduceLogSum),
	"ReduceLogSumExp": reduce(tensor.ReduceLogSumExp), "ReduceSumSquare": reduce(tensor.ReduceSumSquare),
	"ArgMax": argReduce, "ArgMin": argReduce,
	"TopK": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		if opset < 10 {
			return &tensor.TopK{Axis: nd.attrInt("axis", -1), K: nd.attrInt("k", 0)}, 1
		}
		return &tensor.TopK{Axis: nd.attrInt("axis", -1)}, 2
	},

	// Layers whose weights are inputs.
	"Conv":              convOp,
	"ConvTranspose":     convOp,
	"ConvInteger":       convOp,
	"QLinearConv":       convOp,
	"MaxPool":           poolOp,
	"AveragePool":       poolOp,
	"LpPool":            poolOp,
	"GlobalAveragePool": globalPool, "GlobalMaxPool": globalPool, "GlobalLpPool": globalPool,
	"Gemm": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Gemm{TransA: nd.attrInt("transA", 0) != 0, TransB: nd.attrInt("transB", 0) != 0}, 2
	},
	"MatMul":        fixed(func() graph.Op { return &tensor.MatMul{} }, 2),
	"MatMulInteger": fixed(func() graph.Op { return &tensor.MatMul{} }, 2),
	// a, a_scale, a_zero_point, b, …
	"QLinearMatMul": fixed(func() graph.Op { return &tensor.MatMul{A: 0, B: 3} }, 8),
	"Einsum": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Einsum{Equation: nd.attrString("equation", "")}, 1
	},
	"LSTM": recurrent(4), "GRU": recurrent(3), "RNN": recurrent(1),

	// Normalizations.
	"BatchNormalization":        norm("batch normalization", costBatchNorm, tensor.ChannelStats, 5),
	"InstanceNormalization":     norm("instance normalization", costNorm, tensor.NoStats, 3),
	"GroupNormalization":        norm("group normalization", costNorm, tensor.NoStats, 3),
	"LayerNormalization":        norm("layer normalization", costNorm, tensor.LeadingStats, 2),
	"RMSNormalization":          norm("RMS normalization", costRMSNorm, tensor.LeadingStats, 2),
	"LpNormalization":           norm("Lp normalization", costLpNorm, tensor.NoStats, 1),
	"MeanVarianceNormalization": norm("mean-variance normalization", costMVN, tensor.NoStats, 1),
	"Softmax":                   norm("softmax", costSoftmax, tensor.NoStats, 1),
	"LogSoftmax":                norm("log-softmax", costLogSoftmax, tensor.NoStats, 1),
	"Hardmax":                   norm("hardmax", costHardmax, tensor.NoStats, 1),
	"LRN": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &tensor.Norm{What: "local response normalization", Cost: nd.attrInt("size", 1) + 3}, 1
	},
}

// fixed is a maker of an op without attributes.
func fixed(o func() graph.Op, min int) maker {
	return func(*builder, *Node, int64) (graph.Op, int) { return o(), min }
}

// given is xs, empty rather than nil when the attribute is absent: the
// op then uses no axes instead of reading an input.
func given(xs []int64) []int64 {
	if xs == nil {
		return []int64{}
	}
	return xs
}

func sameShape(_ *builder, nd *Node, _ int64) (graph.Op, int) {
	s := &tensor.Same{}
	if dt := nd.attrInt("dtype", 0); dt != 0 {
		s.OutTypes = []graph.DType{dtypeOf(DataType(dt))}
	}
	return s, 1
}

func reduce(f tensor.Reduction) maker {
	return func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
		r := &tensor.Reduce{Func: f, KeepDims: nd.attrInt("keepdims", 1) != 0, NoopEmpty: nd.attrInt("noop_with_empty_axes", 0) != 0}
		// The axes became an input in opset 13 (ReduceSum) and 18 (the rest).
		if !((f == tensor.ReduceSum && opset >= 13) || opset >= 18) {
			r.Axes = nd.attrInts("axes")
		}
		return r, 1
	}
}

func argReduce(_ *builder, nd *Node, _ int64) (graph.Op, int) {
	return &tensor.ArgReduce{Axis: nd.attrInt("axis", 0), KeepDims: nd.attrInt("keepdims", 1) != 0}, 1
}

// makeResize reads Resize and Upsample: the scales are an attribute of
// Upsample before opset 9, input 1 of Upsample and Resize-10, and Resize
// from opset 11 has roi, scales and sizes as inputs 1, 2 and 3.
func makeResize(_ *builder, nd *Node, opset int64) (graph.Op, int) {
	r := &tensor.Resize{ScalesInput: 1, SizesInput: -1, Axes: nd.attrInts("axes")}
	switch nd.attrString("keep_aspect_ratio_policy", "stretch") {
	case "not_larger":
		r.Policy = tensor.NotLarger
	case "not_smaller":
		r.Policy = tensor.NotSmaller
	}
	switch {
	case nd.OpType == "Upsample" && opset < 9:
		r.ScalesInput, r.Scales = -1, nd.attrFloats("scales")
	case nd.OpType == "Resize" && opset >= 11:
		r.ScalesInput, r.SizesInput = 2, 3
	}
	return r, 1
}

func randomOp(_ *builder, nd *Node, _ int64) (graph.Op, int) {
	return &tensor.Constant{Shape: graph.S(nd.attrInts("shape")...), DType: dtypeOrFloat(nd.attrInt("dtype", 1))}, 0
}

func convOp(_ *builder, nd *Node, _ int64) (graph.Op, int) { return makeConv(nd) }

func poolOp(_ *builder, nd *Node, _ int64) (graph.Op, int) { return makePool(nd), 1 }

func globalPool(_ *builder, nd *Node, _ int64) (graph.Op, int) {
	mode := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(nd.OpType), "global"), "pool") // "average", "max", "lp", as for Pool
	return &pooled{Op: &op.GlobalPool{KeepDims: true, Mode: mode}}, 1
}

func recurrent(gates int64) maker {
	return func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		return &rnn{Gates: gates, Hidden: nd.attrInt("hidden_size", 0), Layout: nd.attrInt("layout", 0)}, 3
	}
}

func norm(what string, cost int64, stats tensor.Stats, min int) maker {
	return func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
		n := &tensor.Norm{What: what, Cost: cost, Stats: stats}
		if stats == tensor.LeadingStats {
			n.Axis = nd.attrInt("axis", -1)
		}
		return n, min
	}
}

// constant is the op of a Constant node: its shape, type and, when small,
// its values, read from the file.
func (b *builder) constant(nd *Node) graph.Op {
	for _, a := range nd.Attributes {
		switch a.Name {
		case "value":
			if a.T == nil {
				return errOp{fmt.Errorf("value has no tensor")}
			}
			c := &tensor.Constant{Shape: graph.S(a.T.Dims...), DType: dtypeOf(a.T.DataType)}
			b.readValues(a.T, c)
			return c
		case "sparse_value":
			if a.Sparse == nil {
				return errOp{fmt.Errorf("sparse_value has no tensor")}
			}
			dt := graph.DType("")
			if a.Sparse.Values != nil {
				dt = dtypeOf(a.Sparse.Values.DataType)
			}
			return &tensor.Constant{Shape: graph.S(a.Sparse.Dims...), DType: dt}
		case "value_int":
			return &tensor.Constant{Shape: graph.Shape{}, DType: graph.Int64, Ints: []int64{a.I}}
		case "value_ints":
			return &tensor.Constant{Shape: graph.S(int64(len(a.Ints))), DType: graph.Int64, Ints: append([]int64{}, a.Ints...)}
		case "value_float":
			return &tensor.Constant{Shape: graph.Shape{}, DType: graph.Float32, Floats: []float64{float64(a.F)}}
		case "value_floats":
			return &tensor.Constant{Shape: graph.S(int64(len(a.Floats))), DType: graph.Float32, Floats: nd.attrFloats("value_floats")}
		case "value_string":
			return &tensor.Constant{Shape: graph.Shape{}, DType: "string"}
		case "value_strings":
			return &tensor.Constant{Shape: graph.S(int64(len(a.Strings))), DType: "string"}
		}
	}
	//lint:ignore ST1005 the message starts with the operator's (or operand's) name
	return errOp{fmt.Errorf("Constant has no value attribute")}
}

// readValues fills a constant's values from its tensor when it is small
// and stored in the file.
func (b *builder) readValues(t *TensorInfo, c *tensor.Constant) {
	n, ok := t.NumElements()
	if !ok {
		c.Shape = nil
		return
	}
	if n > tensor.MaxConst || t.IsExternal() || b.r == nil {
		return
	}
	if t.DataType.IsFloat() {
		if v, err := t.Float64s(b.r, tensor.MaxConst); err == nil {
			c.Floats = v
		}
		return
	}
	if v, err := t.Int64s(b.r, tensor.MaxConst); err == nil {
		c.Ints = v
	}
}

func (b *builder) constantOfShape(nd *Node) graph.Op {
	c := &tensor.Full{DType: graph.Float32}
	if a := nd.Attr("value"); a != nil && a.T != nil {
		c.DType = dtypeOf(a.T.DataType)
		v := &tensor.Constant{}
		b.readValues(a.T, v)
		switch {
		case len(v.Ints) == 1:
			c.IsInts, c.Int = true, v.Ints[0]
		case len(v.Floats) == 1:
			c.Float = v.Floats[0]
		default:
			c.IsInts = !a.T.DataType.IsFloat()
		}
	}
	return c
}
