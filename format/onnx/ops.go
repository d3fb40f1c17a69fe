package onnx

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// This file translates ONNX operators into ops: ONNX's conventions (which
// inputs carry what, defaults, attribute names by opset) are decided here,
// and the ops apply them.

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

var unaryOps = map[string]bool{
	"Abs": true, "Acos": true, "Acosh": true, "Asin": true, "Asinh": true, "Atan": true, "Atanh": true,
	"Ceil": true, "Cos": true, "Cosh": true, "Elu": true, "Erf": true, "Exp": true, "Floor": true,
	"HardSigmoid": true, "HardSwish": true, "LeakyRelu": true, "Log": true, "Neg": true, "Reciprocal": true,
	"Relu": true, "Round": true, "Selu": true, "Sigmoid": true, "Sign": true, "Sin": true, "Sinh": true,
	"Softplus": true, "Softsign": true, "Sqrt": true, "Tan": true, "Tanh": true, "ThresholdedRelu": true,
	"Celu": true, "Gelu": true, "Mish": true, "BitwiseNot": true, "Shrink": true, "Swish": true,
}

var binaryOps = map[string]bool{
	"Add": true, "Sub": true, "Mul": true, "Div": true, "Pow": true, "Mod": true, "BitShift": true,
	"BitwiseAnd": true, "BitwiseOr": true, "BitwiseXor": true, "PRelu": true,
}

var boolOps = map[string]int{ // op → number of inputs
	"Equal": 2, "Less": 2, "Greater": 2, "LessOrEqual": 2, "GreaterOrEqual": 2,
	"And": 2, "Or": 2, "Xor": 2, "Not": 1, "IsNaN": 1, "IsInf": 1,
}

var variadicOps = map[string]bool{"Sum": true, "Mean": true, "Max": true, "Min": true}

var sameOps = map[string]bool{
	"ScatterND": true, "ScatterElements": true, "Scatter": true, "Trilu": true, "CumSum": true,
	"ReverseSequence": true, "EyeLike": true, "RandomNormalLike": true, "RandomUniformLike": true,
	"Bernoulli": true, "RotaryEmbedding": true,
}

var reduceOps = map[string]bool{
	"ReduceSum": true, "ReduceMean": true, "ReduceMax": true, "ReduceMin": true, "ReduceProd": true,
	"ReduceL1": true, "ReduceL2": true, "ReduceLogSum": true, "ReduceLogSumExp": true, "ReduceSumSquare": true,
}

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

// makeOp returns the op for an ONNX node of the default domain and the
// number of inputs it requires.
func (b *builder) makeOp(nd *Node, opset int64) (graph.Op, int) {
	t := nd.OpType
	if !isDefaultDomain(nd.Domain) {
		return unsupported{fmt.Sprintf("operator %s of domain %q", nd.OpType, nd.Domain)}, 0
	}
	switch {
	case unaryOps[t]:
		return &op.Elementwise{Func: t, Cost: costElementwise}, 1
	case binaryOps[t]:
		return &op.Elementwise{Func: t, Cost: costElementwise, Fmod: nd.attrInt("fmod", 0) != 0}, 2
	case boolOps[t] > 0:
		return &op.Elementwise{Func: t, Cost: costElementwise, OutType: graph.Bool}, boolOps[t]
	case variadicOps[t]:
		return &op.Elementwise{Func: t, Cost: costElementwise}, 1
	case sameOps[t]:
		s := &op.Same{}
		if dt := nd.attrInt("dtype", 0); dt != 0 {
			s.OutTypes = []graph.DType{dtypeOf(DataType(dt))}
		}
		return s, 1
	case reduceOps[t]:
		r := &op.Reduce{Func: t, KeepDims: nd.attrInt("keepdims", 1) != 0, NoopEmpty: nd.attrInt("noop_with_empty_axes", 0) != 0}
		if (t == "ReduceSum" && opset >= 13) || opset >= 18 {
			r.FromInput = true
		} else {
			r.Axes = nd.attrInts("axes")
		}
		return r, 1
	}
	switch t {
	case "Where":
		return &op.Elementwise{Func: t, Cost: costElementwise, TypeFrom: 1}, 3
	case "Clip":
		return &op.Elementwise{Func: t, Cost: costElementwise}, 1
	case "Identity":
		return &op.Same{Fold: true}, 1
	case "Dropout":
		return &op.Same{OutTypes: []graph.DType{"", graph.Bool}}, 1
	case "QuantizeLinear", "DequantizeLinear":
		dt := graph.Uint8
		if t == "DequantizeLinear" {
			dt = graph.Float32
		}
		return &op.Same{OutTypes: []graph.DType{dt}}, 1
	case "Cast":
		return &op.Cast{To: dtypeOf(DataType(nd.attrInt("to", 0)))}, 1
	case "CastLike":
		return &op.Cast{}, 2
	case "Shape":
		return &op.ShapeOf{Start: nd.optInt("start"), End: nd.optInt("end")}, 1
	case "Size":
		return op.SizeOf{}, 1
	case "Gather":
		return &op.Gather{Axis: nd.attrInt("axis", 0)}, 2
	case "GatherElements":
		return op.GatherElements{}, 2
	case "GatherND":
		return &op.GatherND{BatchDims: nd.attrInt("batch_dims", 0)}, 2
	case "Concat":
		return &op.Join{Axis: nd.attrInt("axis", 0)}, 1
	case "Slice":
		if opset < 10 {
			return &op.SliceAxes{Starts: nd.attrInts("starts"), Ends: nd.attrInts("ends"), Axes: nd.attrInts("axes")}, 1
		}
		return &op.SliceAxes{FromInputs: true}, 3
	case "Squeeze":
		if opset < 13 {
			return &op.Squeeze{Axes: nd.attrInts("axes")}, 1
		}
		return &op.Squeeze{FromInput: true}, 1
	case "Unsqueeze":
		if opset < 13 {
			return &op.Unsqueeze{Axes: nd.attrInts("axes")}, 1
		}
		return &op.Unsqueeze{FromInput: true}, 2
	case "Reshape":
		if opset < 5 {
			return &op.ReshapeTo{Shape: nd.attrInts("shape")}, 1
		}
		return &op.ReshapeTo{AllowZero: nd.attrInt("allowzero", 0) != 0}, 2
	case "Flatten":
		return &op.FlattenAt{Axis: nd.attrInt("axis", 1)}, 1
	case "Transpose":
		return &op.Transpose{Perm: nd.attrInts("perm")}, 1
	case "Expand":
		return op.Expand{}, 2
	case "Tile":
		return op.Tile{}, 2
	case "Range":
		return op.Range{}, 3
	case "ConstantOfShape":
		return b.constantOfShape(nd), 1
	case "Split":
		s := &op.Split{Axis: nd.attrInt("axis", 0)}
		if opset < 13 {
			s.Sizes = nd.attrInts("split")
		} else {
			s.FromInput = true
		}
		return s, 1
	case "Pad":
		if opset < 11 {
			pads := nd.attrInts("pads")
			if pads == nil {
				pads = nd.attrInts("paddings")
			}
			return &op.PadTo{Pads: pads}, 1
		}
		return &op.PadTo{FromInput: true}, 2
	case "Resize", "Upsample":
		r := &op.Resize{ScalesInput: 1, SizesInput: -1, Axes: nd.attrInts("axes"), Policy: nd.attrString("keep_aspect_ratio_policy", "stretch")}
		switch {
		case t == "Upsample" && opset < 9:
			r.ScalesInput, r.Scales = -1, nd.attrFloats("scales")
		case t == "Resize" && opset >= 11:
			r.ScalesInput, r.SizesInput = 2, 3
		}
		return r, 1
	case "TopK":
		if opset < 10 {
			return &op.TopK{Axis: nd.attrInt("axis", -1), K: nd.attrInt("k", 0)}, 1
		}
		return &op.TopK{Axis: nd.attrInt("axis", -1), FromInput: true}, 2
	case "ArgMax", "ArgMin":
		return &op.ArgReduce{Axis: nd.attrInt("axis", 0), KeepDims: nd.attrInt("keepdims", 1) != 0}, 1
	case "Constant":
		return b.constant(nd), 0
	case "RandomNormal", "RandomUniform":
		return &op.Constant{Shape: graph.S(nd.attrInts("shape")...), DType: dtypeOrFloat(nd.attrInt("dtype", 1))}, 0
	case "NonZero":
		return op.NonZero{}, 1
	case "Compress":
		return &op.Compress{Axis: nd.optInt("axis")}, 2
	case "OneHot":
		return &op.OneHot{Axis: nd.attrInt("axis", -1)}, 3
	case "DepthToSpace", "SpaceToDepth":
		return &op.DepthToSpace{Block: nd.attrInt("blocksize", 0), ToDepth: t == "SpaceToDepth"}, 1
	case "Det":
		return op.Det{}, 1
	case "GridSample":
		return op.GridSample{}, 2
	case "RoiAlign":
		return &op.RoiAlign{OutH: nd.attrInt("output_height", 1), OutW: nd.attrInt("output_width", 1)}, 3
	case "NonMaxSuppression":
		return op.NonMaxSuppression{}, 2
	case "CenterCropPad":
		return &op.CenterCropPad{Axes: nd.attrInts("axes")}, 2

	case "Conv", "ConvTranspose", "ConvInteger", "QLinearConv":
		if t == "QLinearConv" {
			return b.conv(nd), 8
		}
		return b.conv(nd), 2
	case "MaxPool", "AveragePool", "LpPool":
		pad, err := padding(nd)
		if err != nil {
			return errOp{err}, 1
		}
		p := &op.Pool{Mode: strings.TrimSuffix(strings.ToLower(t), "pool"), Kernel: nd.attrInts("kernel_shape"),
			Stride: nd.attrInts("strides"), Dilation: nd.attrInts("dilations"), Pad: pad}
		if len(p.Kernel) == 0 {
			return errOp{fmt.Errorf("kernel_shape is required")}, 1
		}
		if len(p.Stride) == 0 {
			p.Stride = []int64{1} // ONNX's default, where Pool's is the kernel
		}
		if nd.attrInt("ceil_mode", 0) != 0 {
			p.Rounding = op.CeilClip
		}
		return &op.Pooled{Op: p}, 1
	case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool":
		return &op.Pooled{Op: &op.GlobalPool{KeepDims: true, Mode: t}}, 1
	case "Gemm":
		return &op.Gemm{TransA: nd.attrInt("transA", 0) != 0, TransB: nd.attrInt("transB", 0) != 0}, 2
	case "MatMul":
		return &op.MatMul{}, 2
	case "MatMulInteger":
		return &op.MatMul{}, 2
	case "QLinearMatMul":
		return &op.MatMul{A: 0, B: 3}, 8
	case "Einsum":
		return &op.Einsum{Equation: nd.attrString("equation", "")}, 1
	case "BatchNormalization":
		return &op.Normalize{What: "batch normalization", Cost: costBatchNorm, Stats: op.ChannelStats}, 5
	case "InstanceNormalization":
		return &op.Normalize{What: "instance normalization", Cost: costNorm}, 3
	case "GroupNormalization":
		return &op.Normalize{What: "group normalization", Cost: costNorm}, 3
	case "LayerNormalization":
		return &op.Normalize{What: "layer normalization", Cost: costNorm, Axis: nd.attrInt("axis", -1), Stats: op.LeadingStats}, 2
	case "RMSNormalization":
		return &op.Normalize{What: "RMS normalization", Cost: costRMSNorm, Axis: nd.attrInt("axis", -1), Stats: op.LeadingStats}, 2
	case "LpNormalization":
		return &op.Normalize{What: "Lp normalization", Cost: costLpNorm}, 1
	case "MeanVarianceNormalization":
		return &op.Normalize{What: "mean-variance normalization", Cost: costMVN}, 1
	case "LRN":
		return &op.Normalize{What: "local response normalization", Cost: nd.attrInt("size", 1) + 3}, 1
	case "Softmax":
		return &op.Normalize{What: "softmax", Cost: costSoftmax}, 1
	case "LogSoftmax":
		return &op.Normalize{What: "log-softmax", Cost: costLogSoftmax}, 1
	case "Hardmax":
		return &op.Normalize{What: "hardmax", Cost: costHardmax}, 1
	case "LSTM", "GRU", "RNN":
		g := map[string]int64{"LSTM": 4, "GRU": 3, "RNN": 1}[t]
		return &op.RNN{Gates: g, Hidden: nd.attrInt("hidden_size", 0), Layout: nd.attrInt("layout", 0)}, 3
	}
	return unsupported{fmt.Sprintf("operator %s (opset %d)", t, opset)}, 0
}

func dtypeOrFloat(t int64) graph.DType {
	if d := dtypeOf(DataType(t)); d != "" {
		return d
	}
	return graph.Float32
}

// padding reads auto_pad and pads.
func padding(nd *Node) (op.Padding, error) {
	switch ap := nd.attrString("auto_pad", "NOTSET"); ap {
	case "SAME_UPPER":
		return op.Padding{Mode: op.PadSameEnd}, nil
	case "SAME_LOWER":
		return op.Padding{Mode: op.PadSameBegin}, nil
	case "VALID":
		return op.Padding{Mode: op.PadValid}, nil
	case "NOTSET", "":
		pads := nd.attrInts("pads")
		if len(pads)%2 != 0 {
			return op.Padding{}, fmt.Errorf("pads %v must have a begin and an end per spatial axis", pads)
		}
		k := len(pads) / 2
		return op.Padding{Mode: op.PadExplicit, Begin: pads[:k], End: pads[k:]}, nil
	default:
		return op.Padding{}, fmt.Errorf("auto_pad %q is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap)
	}
}

func (b *builder) conv(nd *Node) graph.Op {
	pad, err := padding(nd)
	if err != nil {
		return errOp{err}
	}
	c := &op.Conv{FromInputs: true, Groups: nd.attrInt("group", 1), Kernel: nd.attrInts("kernel_shape"),
		Stride: nd.attrInts("strides"), Dilation: nd.attrInts("dilations"), Pad: pad}
	switch nd.OpType {
	case "ConvTranspose":
		c.Transposed = true
		c.OutputPadding = nd.attrInts("output_padding")
		c.OutputSize = nd.attrInts("output_shape")
	case "QLinearConv":
		c.WeightInput = 3
		c.Bias = len(nd.Inputs) > 8 && nd.Inputs[8] != ""
		return c
	case "ConvInteger":
		return c
	}
	c.Bias = len(nd.Inputs) > 2 && nd.Inputs[2] != ""
	return c
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
			c := &op.Constant{Shape: graph.S(a.T.Dims...), DType: dtypeOf(a.T.DataType)}
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
			return &op.Constant{Shape: graph.S(a.Sparse.Dims...), DType: dt}
		case "value_int":
			return &op.Constant{Shape: graph.Shape{}, DType: graph.Int64, Ints: []int64{a.I}}
		case "value_ints":
			return &op.Constant{Shape: graph.S(int64(len(a.Ints))), DType: graph.Int64, Ints: append([]int64{}, a.Ints...)}
		case "value_float":
			return &op.Constant{Shape: graph.Shape{}, DType: graph.Float32, Floats: []float64{float64(a.F)}}
		case "value_floats":
			return &op.Constant{Shape: graph.S(int64(len(a.Floats))), DType: graph.Float32, Floats: nd.attrFloats("value_floats")}
		case "value_string":
			return &op.Constant{Shape: graph.Shape{}, DType: "string"}
		case "value_strings":
			return &op.Constant{Shape: graph.S(int64(len(a.Strings))), DType: "string"}
		}
	}
	return errOp{fmt.Errorf("Constant has no value attribute")}
}

// readValues fills a constant's values from its tensor when it is small
// and stored in the file.
func (b *builder) readValues(t *TensorInfo, c *op.Constant) {
	n, ok := t.NumElements()
	if !ok {
		c.Shape = nil
		return
	}
	if n > op.MaxConst || t.IsExternal() || b.r == nil {
		return
	}
	if t.DataType.IsFloat() {
		if v, err := t.Float64s(b.r, op.MaxConst); err == nil {
			c.Floats = v
		}
		return
	}
	if v, err := t.Int64s(b.r, op.MaxConst); err == nil {
		c.Ints = v
	}
}

func (b *builder) constantOfShape(nd *Node) graph.Op {
	c := &op.ConstantOfShape{DType: graph.Float32}
	if a := nd.Attr("value"); a != nil && a.T != nil {
		c.DType = dtypeOf(a.T.DataType)
		v := &op.Constant{}
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
