package tensor

// Func is the function an Elementwise op applies. The names are the
// functions' usual ones (numpy's, PyTorch's, ONNX's agree on most); a
// front-end maps its own spelling to them. Constant folding knows the
// arithmetic, comparison and logic functions; the others (Sin, Gelu, …)
// give shapes and counts but are never folded.
type Func int

const (
	Identity Func = iota

	// Unary functions.
	Abs
	Acos
	Acosh
	Asin
	Asinh
	Atan
	Atanh
	BitwiseNot
	Ceil
	Celu
	Cos
	Cosh
	Elu
	Erf
	Exp
	Floor
	Gelu
	HardSigmoid
	HardSwish
	LeakyRelu
	Log
	Mish
	Neg
	Reciprocal
	Relu
	Round // half to even
	Selu
	Shrink
	Sigmoid
	Sign
	Sin
	Sinh
	Softplus
	Softsign
	Sqrt
	Swish
	Tan
	Tanh
	ThresholdedRelu

	// Binary functions.
	Add
	Sub
	Mul
	Div      // integers truncate toward zero, as C (and ONNX) do
	FloorDiv // the quotient rounded down: Python's // (PyTorch rounding_mode="floor")
	Pow
	Mod  // Python's %: the sign of the divisor
	Fmod // C's fmod: the sign of the dividend
	BitShift
	BitwiseAnd
	BitwiseOr
	BitwiseXor
	PRelu

	// Comparisons and logic: the result is bool.
	Equal
	Less
	Greater
	LessOrEqual
	GreaterOrEqual
	And
	Or
	Xor
	Not
	IsNaN
	IsInf

	// Variadic functions (any number of inputs, broadcast together).
	Sum
	Mean
	Max
	Min

	// Where(cond, x, y) picks x where cond holds, else y; its result has
	// x's element type.
	Where
	// Clip(x, lo, hi) bounds x; either bound may be omitted.
	Clip

	numFuncs
)

var funcNames = [numFuncs]string{
	Identity: "Identity",
	Abs:      "Abs", Acos: "Acos", Acosh: "Acosh", Asin: "Asin", Asinh: "Asinh", Atan: "Atan", Atanh: "Atanh",
	BitwiseNot: "BitwiseNot", Ceil: "Ceil", Celu: "Celu", Cos: "Cos", Cosh: "Cosh", Elu: "Elu", Erf: "Erf",
	Exp: "Exp", Floor: "Floor", Gelu: "Gelu", HardSigmoid: "HardSigmoid", HardSwish: "HardSwish",
	LeakyRelu: "LeakyRelu", Log: "Log", Mish: "Mish", Neg: "Neg", Reciprocal: "Reciprocal", Relu: "Relu",
	Round: "Round", Selu: "Selu", Shrink: "Shrink", Sigmoid: "Sigmoid", Sign: "Sign", Sin: "Sin", Sinh: "Sinh",
	Softplus: "Softplus", Softsign: "Softsign", Sqrt: "Sqrt", Swish: "Swish", Tan: "Tan", Tanh: "Tanh",
	ThresholdedRelu: "ThresholdedRelu",
	Add:             "Add", Sub: "Sub", Mul: "Mul", Div: "Div", FloorDiv: "FloorDiv", Pow: "Pow", Mod: "Mod", Fmod: "Fmod",
	BitShift: "BitShift", BitwiseAnd: "BitwiseAnd", BitwiseOr: "BitwiseOr", BitwiseXor: "BitwiseXor", PRelu: "PRelu",
	Equal: "Equal", Less: "Less", Greater: "Greater", LessOrEqual: "LessOrEqual", GreaterOrEqual: "GreaterOrEqual",
	And: "And", Or: "Or", Xor: "Xor", Not: "Not", IsNaN: "IsNaN", IsInf: "IsInf",
	Sum: "Sum", Mean: "Mean", Max: "Max", Min: "Min",
	Where: "Where", Clip: "Clip",
}

// String is the function's name, shown in explanations: "Add".
func (f Func) String() string {
	if f >= 0 && f < numFuncs {
		return funcNames[f]
	}
	return "Func(?)"
}

// IsBool reports whether the function's result is bool (a comparison or
// a logical function).
func (f Func) IsBool() bool { return f >= Equal && f <= IsInf }

// Reduction is the function a Reduce op applies along its axes.
type Reduction int

const (
	ReduceSum Reduction = iota
	ReduceMean
	ReduceMax
	ReduceMin
	ReduceProd
	ReduceL1
	ReduceL2
	ReduceLogSum
	ReduceLogSumExp
	ReduceSumSquare
)

// step is the binary function that folds a reduction element by element;
// ok is false for the reductions that are not folded.
func (r Reduction) step() (Func, bool) {
	switch r {
	case ReduceSum:
		return Add, true
	case ReduceProd:
		return Mul, true
	case ReduceMax:
		return Max, true
	case ReduceMin:
		return Min, true
	}
	return 0, false
}
