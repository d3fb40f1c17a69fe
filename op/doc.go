// Package op holds the framework-neutral operations: for each, in one
// place, the output-shape rule, the parameter rule, the FLOPs rule and the
// arithmetic text shown for each of them.
//
// Ops are plain structs whose fields are the operation's attributes in
// resolved form: a front-end translates its framework's conventions (the
// default stride, what 'same' padding means, which tensors a batch norm
// trains) into these fields, and the op applies them without knowing which
// framework it serves. Each op implements graph.Op.
//
// FLOPs follow PyTorch FlopCounterMode: 2 per multiply-add of convolution,
// linear and matrix-multiply work, bias excluded, everything else 0. When
// the batch axis is unknown (None) FLOPs are per example. The other
// arithmetic (elementwise, normalization, softmax, pooling) is counted
// apart, in Node.OtherOps, by the ops that define it (the onnx_*.go ops).
//
// The onnx_*.go ops take their sizes from their inputs, as ONNX does:
// weights are inputs (initializers) whose parameters the front-end
// attaches, and targets, axes and pads may be constant inputs, folded
// from shape computations on small integer constants (graph.Const).
//
// The package uses the standard library only.
package op
