// Package onnx reads ONNX model files (serialized onnx.ModelProto) into a
// lightweight Go description: the opsets, the graph with its nodes,
// attributes, inputs, outputs and value_info, the initializers, and the
// model-local functions. Subgraphs of If, Loop and Scan nodes are decoded
// recursively.
//
// The reader walks the protobuf wire format directly with
// google.golang.org/protobuf/encoding/protowire; it uses no generated
// message types and never unmarshals the whole file. It reads through an
// io.ReaderAt with a small bounded window, or walks a memory-mapped file in
// place (see Open), so a 550 MB model with embedded weights is read in
// milliseconds with a heap of a few hundred KB.
//
// Invariants:
//
//   - Tensor payloads (raw_data, float_data, int32_data, int64_data,
//     double_data, uint64_data, string_data) are skipped by length and never
//     read during decoding. A TensorInfo records where its payload lies in the
//     file; its Int64s and Float64s methods read the values of a small tensor
//     on demand, through an io.ReaderAt over the same file, after checking its
//     element count against a caller-supplied limit (DefaultValueLimit when
//     the limit is 0).
//   - Every declared length or count is checked against the bytes that remain
//     in the enclosing message before anything is allocated for it, so memory
//     use is bounded by the size of the non-payload part of the file.
//   - Messages nest at most MaxDepth levels deep (subgraphs, nested types).
//   - Malformed input yields a *graph.OffsetError naming the file, the byte offset and
//     the field path, e.g.
//     "model.onnx: offset 1234: graph.node[5].attribute[2]: truncated length-delimited field".
//     Decoding never panics.
//   - Strings kept in the result are copies: nothing in a Model refers to the
//     input's memory, so a Model outlives the File it came from.
//
// Not read: doc strings, training_info, quantization annotations, device
// configurations, the metadata_props of nodes, tensors and value infos, and
// TYPE_PROTO attribute values.
//
// Node paths name a node in the model: "graph.node[12]",
// "graph.node[3].attribute[then_branch].g.node[0]" for a subgraph,
// "functions[1].node[4]" for a function body. Attributes are named by their
// name once it is known and by their index before that.
//
// Embed writes a copy of a model whose external tensors are replaced by
// embedded raw_data of the right length, for benchmarks with large files.
//
// Build (and Load, which decodes first) turns a Model into a graph.Graph
// for layerinfo's analysis: one node per ONNX node, named by its name or
// its first output; model functions inlined; the nodes of If, Loop and
// Scan bodies included; initializers as parameter values (trainable when
// floating-point, except BatchNormalization's running statistics), with
// the values of small integer ones kept for constant folding. ONNX's
// conventions are decided here: ops.go maps each op_type to an op of
// package op/tensor (dataflow) or op (layers), with the attributes that
// became inputs read by opset; conv.go reads auto_pad and takes a
// convolution's kernel from its weight; pool.go and rnn.go hold ONNX's
// pooling counts and recurrent layouts; control.go flattens If, Loop and
// Scan. The shape, parameter and FLOPs rules are those packages'. Sniff
// recognizes a file as ONNX.
package onnx
