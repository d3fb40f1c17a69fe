// Package op holds the framework-neutral layer operations, one file per
// family (conv, pool, linear, norm, recurrent, transformer, merge,
// reshape): for each, in one place, the output-shape rule, the parameter
// rule, the FLOPs rule and the arithmetic text shown for each of them.
//
// Ops are plain structs whose fields are the layer's attributes in
// resolved form: a front-end translates its framework's conventions (the
// default stride, what 'same' padding means, which tensors a batch norm
// trains) into these fields, and the op applies them without knowing which
// framework it serves. A layer creates its parameters (Node.Param) from
// its attributes; Conv can instead take them as given inputs
// (WeightsGiven), for a graph of tensors whose front-end reads the kernel
// from the weight. Each op implements graph.Op.
//
// The dataflow operations of such graphs (elementwise functions,
// reshapes, gathers, matrix products, constant folding) are in package
// op/tensor; framework conventions (ONNX's op_type names, opsets,
// auto_pad) are in the front-ends.
//
// FLOPs follow PyTorch FlopCounterMode: 2 per multiply-add of convolution,
// linear and matrix-multiply work, bias excluded, everything else 0. When
// the batch axis is unknown (None) FLOPs are per example. The other
// arithmetic (elementwise, normalization, softmax, pooling) is counted
// apart, in Node.OtherOps, where a front-end asks for it (the ops of
// op/tensor, ONNX's pooling, Conv with WeightsGiven).
//
// The package uses the standard library only.
package op
