package memory

import "strings"

// rule is what one kind of layer keeps for the backward pass and how it
// treats its output, after PyTorch's autograd formulas
// (tools/autograd/derivatives.yaml: the tensors a formula names are the
// ones the forward saves).
type rule struct {
	name string // the kind, as the explanation names it

	known bool // false: layerinfo does not know what the layer saves

	// view: the output is the input's storage (a reshape, flatten,
	// transpose, squeeze, identity, eval-mode dropout, a shape
	// computation): no new memory forward, and the gradient passes back
	// as a view too.
	view bool

	saveInputs bool // the activation inputs (convolution, matmul: the other operand's gradient needs it)
	saveFirst  bool // only the first input (elementwise functions of self: leaky_relu, gelu, hardtanh, avg_pool2d)
	saveOutput bool // the output (relu, sigmoid, tanh, softmax: result)

	// stats: per-channel (BatchNorm: save_mean and save_invstd, fp32, C
	// each) or per-row (LayerNorm, GroupNorm: mean and rstd) statistics.
	stats statKind

	mask    bool // dropout's mask: one byte per output element (bool)
	indices bool // max pooling's indices: int64 per output element

	// inPlace: PyTorch models commonly run the layer in place
	// (ReLU(inplace=True), `out += identity`): when its first input dies
	// at the layer and no backward keeps it, the output takes its storage.
	inPlace bool

	// clone: run in place, the layer keeps a copy of its input (the
	// autograd of an in-place op whose formula needs the original self:
	// hardtanh_, hardswish_, silu_, elu_), so it keeps as much as out of
	// place.
	clone bool

	// workspace: a dense convolution with a kernel larger than 1: cuDNN's
	// workspace, taken as the input plus the output while it runs.
	workspace bool

	// passGrad: the backward hands the output's gradient to the inputs
	// without making a tensor (add: the same tensor; cat: slices).
	passGrad bool

	// dropout: identity at inference, mask and new output in training.
	dropout bool

	// fused: an operator that is part of one PyTorch function (fuse.go):
	// its output is no tensor, its gradient passes through.
	fused bool

	// source: a layer that is the model's input (Lasagne's and Keras's
	// InputLayer): its output is counted as the input.
	source bool
}

type statKind int

const (
	noStats statKind = iota
	perChannel
	perRow
)

var (
	ruleUnknown = rule{name: "unknown"}
	ruleView    = rule{name: "view", known: true, view: true, passGrad: true}
	ruleInput   = rule{name: "the input", known: true, source: true}
	ruleConv    = rule{name: "convolution: input", known: true, saveInputs: true, workspace: true}
	ruleMatmul  = rule{name: "matmul/linear: inputs", known: true, saveInputs: true}
	ruleBN      = rule{name: "batch norm: input + 2 per-channel fp32 statistics", known: true, saveFirst: true, stats: perChannel}
	ruleLN      = rule{name: "layer/group norm: input + 2 fp32 statistics per row", known: true, saveFirst: true, stats: perRow}
	ruleOutput  = rule{name: "result", known: true, saveOutput: true}
	ruleReLU    = rule{name: "relu: result", known: true, saveOutput: true, inPlace: true}
	ruleSelfIP  = rule{name: "elementwise: self (in place: a copy of self)", known: true, saveFirst: true, inPlace: true, clone: true}
	ruleSelf    = rule{name: "elementwise: self", known: true, saveFirst: true}
	ruleAvgPool = rule{name: "avg_pool: self", known: true, saveFirst: true}
	ruleMaxPool = rule{name: "max_pool: self + int64 indices", known: true, saveFirst: true, indices: true}
	ruleNoSave  = rule{name: "nothing", known: true}
	ruleAdd     = rule{name: "add: nothing", known: true, inPlace: true, passGrad: true}
	ruleCat     = rule{name: "cat: nothing", known: true, passGrad: true}
	ruleBoth    = rule{name: "elementwise: both operands", known: true, saveInputs: true}
	ruleDropout = rule{name: "dropout: bool mask", known: true, mask: true, dropout: true}
)

// rules maps a layer's type, lower-cased (ONNX op_type, PyTorch module,
// Keras and Lasagne layer class without "Layer"), to its rule.
var rules = map[string]rule{
	// convolution: convolution(input, weight, …) saves input and weight
	"conv": ruleConv, "conv1d": ruleConv, "conv2d": ruleConv, "conv3d": ruleConv,
	"convtranspose": ruleConv, "convtranspose1d": ruleConv, "convtranspose2d": ruleConv, "convtranspose3d": ruleConv,
	"conv2dtranspose": ruleConv, "conv3dtranspose": ruleConv, "conv1dtranspose": ruleConv,
	"depthwiseconv2d": ruleConv, "depthwiseconv1d": ruleConv, "deconv2d": ruleConv, "transposedconv2d": ruleConv,
	"dilatedconv2d": ruleConv, "nin": ruleConv,
	// addmm/mm/matmul/bmm save both operands
	"gemm": ruleMatmul, "matmul": ruleMatmul, "linear": ruleMatmul, "dense": ruleMatmul,
	"bilinear": ruleMatmul, "einsum": ruleMatmul,
	// multiplication and division save the operands
	"mul": ruleMatmul, "div": ruleMatmul, "multiply": ruleMatmul,
	// batch norm (_batch_norm_with_update / cudnn_batch_norm): input, save_mean, save_invstd
	"batchnormalization": ruleBN, "batchnorm": ruleBN, "batchnorm1d": ruleBN, "batchnorm2d": ruleBN, "batchnorm3d": ruleBN,
	"instancenormalization": ruleLN, "instancenorm1d": ruleLN, "instancenorm2d": ruleLN,
	"layernormalization": ruleLN, "layernorm": ruleLN, "groupnorm": ruleLN, "groupnormalization": ruleLN,
	"rmsnorm": ruleLN, "simplifiedlayernormalization": ruleLN,
	// relu/threshold: threshold_backward(grad, result, 0)
	"relu": ruleReLU,
	// result-saving functions
	"sigmoid": ruleOutput, "tanh": ruleOutput, "softmax": ruleOutput, "logsoftmax": ruleOutput,
	"exp": ruleOutput, "sqrt": ruleOutput, "reciprocal": ruleOutput,
	// functions of self: hardtanh (ReLU6, ONNX Clip), leaky_relu, gelu, silu, elu, …
	"clip": ruleSelfIP, "relu6": ruleSelfIP, "hardtanh": ruleSelfIP, "leakyrelu": ruleSelfIP, "hardswish": ruleSelfIP,
	"hardsigmoid": ruleSelfIP, "elu": ruleSelfIP, "selu": ruleSelfIP, "celu": ruleSelfIP, "silu": ruleSelfIP,
	"gelu": ruleSelf, "mish": ruleSelf, "softplus": ruleSelf, "erf": ruleSelf, "log": ruleSelf, "pow": ruleSelf,
	"abs": ruleSelf, "prelu": ruleSelf, "swish": ruleSelf,
	// pooling
	"maxpool": ruleMaxPool, "maxpool1d": ruleMaxPool, "maxpool2d": ruleMaxPool, "maxpool3d": ruleMaxPool,
	"maxpooling1d": ruleMaxPool, "maxpooling2d": ruleMaxPool, "maxpooling3d": ruleMaxPool,
	"globalmaxpool": ruleMaxPool, "adaptivemaxpool2d": ruleMaxPool, "globalmaxpooling2d": ruleMaxPool,
	"averagepool": ruleAvgPool, "avgpool1d": ruleAvgPool, "avgpool2d": ruleAvgPool, "avgpool3d": ruleAvgPool,
	"averagepooling1d": ruleAvgPool, "averagepooling2d": ruleAvgPool, "averagepooling3d": ruleAvgPool,
	"pool2d": ruleAvgPool, "adaptiveavgpool2d": ruleAvgPool,
	// global average pooling (adaptive_avg_pool2d to 1x1) keeps self
	"globalaveragepool": ruleAvgPool, "globalaveragepooling1d": ruleAvgPool, "globalaveragepooling2d": ruleAvgPool,
	"globalpool": ruleAvgPool, "reducemean": ruleNoSave, "reducesum": ruleNoSave,
	// no tensor needed
	"add": ruleAdd, "sub": ruleNoSave, "neg": ruleNoSave, "elemwisesum": ruleAdd,
	"concat": ruleCat, "concatenate": ruleCat, "cat": ruleCat,
	"pad": ruleNoSave, "zeropadding2d": ruleNoSave, "zeropad2d": ruleNoSave, "pad2d": ruleNoSave, "padding": ruleNoSave,
	"upsample": ruleNoSave, "resize": ruleNoSave, "upsampling2d": ruleNoSave, "upscale2d": ruleNoSave,
	"cast": ruleNoSave, "expand": ruleNoSave, "tile": ruleNoSave,
	// spec's names
	"globalavgpool": ruleAvgPool, "depthwiseconv": ruleConv,
	"zeropad": ruleNoSave, "subtract": ruleNoSave, "average": ruleNoSave,
	"maximum": ruleBoth, "minimum": ruleBoth,
	// embedding keeps its indices: an input of integers
	"embedding": ruleNoSave,
	"dropout":   ruleDropout, "dropout1d": ruleDropout, "dropout2d": ruleDropout, "alphadropout": ruleDropout,
	"spatialdropout2d": ruleDropout, "gaussiandropout": ruleDropout,
	// views and shape computations
	"reshape": ruleView, "flatten": ruleView, "squeeze": ruleView, "unsqueeze": ruleView, "transpose": ruleView,
	"permute": ruleView, "view": ruleView, "identity": ruleView, "shape": ruleView, "constant": ruleView,
	"constantofshape": ruleView, "size": ruleView, "slice": ruleView, "split": ruleView, "input": ruleInput, "inputlayer": ruleInput,
	"unflatten": ruleView, "gather": ruleView, "nonlinearity": ruleUnknown,
}

// ruleFor is the rule of a layer type: its lower-cased name, then without a
// "Layer" suffix (Lasagne) — an unknown type gets ruleUnknown.
func ruleFor(typ string) rule {
	t := strings.ReplaceAll(strings.ToLower(typ), "_", "") // spec's global_avgpool
	if i := strings.LastIndexByte(t, '.'); i >= 0 {        // domain-qualified ONNX, nn.Conv2d
		t = t[i+1:]
	}
	if r, ok := rules[t]; ok {
		return r
	}
	if s := strings.TrimSuffix(t, "layer"); s != t {
		if r, ok := rules[s]; ok {
			return r
		}
	}
	return ruleUnknown
}
