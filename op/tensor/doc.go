// Package tensor holds the dataflow tensor operations, the ones a traced
// or exported graph is made of rather than a layer definition:
// elementwise functions with numpy broadcasting, reshaping (Reshape,
// Squeeze, Transpose, Expand, …), selection (Gather, Slice, Concat,
// Split, Pad, …), making tensors (Shape, Range, Full, Constant),
// reductions, matrix products (MatMul, Gemm, Einsum) and normalizations
// whose scale and bias are inputs. Each op implements graph.Op.
//
// Every operand is an input tensor, weights included: the front-end
// attaches a weight's graph.Param to the value, and inference counts it at
// the first node that consumes it (package op, by contrast, holds the
// layers that create their parameters from their attributes). Attributes
// are typed Go fields with framework-neutral meaning: the function an
// Elementwise applies is a Func (tensor.Add, tensor.Relu), not a name a
// framework spells. An operand that one framework gives as an attribute
// and another as a tensor (Reshape's target, Squeeze's axes, Slice's
// bounds) is a field: given, it is used; left nil, it is read from the
// input at the position the op documents, which must then be a constant.
// A front-end translates its framework's conventions (ONNX's op_type
// names and opset history, PyTorch's argument spellings) into these
// fields; format/onnx does so for ONNX.
//
// Constant folding: small integer and float tensors (at most MaxConst
// elements) carry their content in graph.Value.Const, and the ops compute
// their outputs' content from their inputs', so that shape computations
// (Shape → Gather → Mul → Reshape) stay concrete. An integer element may
// stand for a symbolic dim (the batch of Shape(x)); it keeps its name
// through the identities x+0, x*1, x/1, max(x, x) and cancels in Reshape.
//
// FLOPs follow PyTorch FlopCounterMode, as in package op: 2 per
// multiply-add of matrix products, 0 for everything else, whose
// arithmetic is counted apart in Node.OtherOps (Cost operations per
// element where the op has a Cost field).
//
// The package uses the standard library only.
package tensor
