// Package gguf reads the header of GGUF (v2 and v3) model files: the
// metadata key/values and the tensor infos, with exact byte sizes for every
// ggml tensor type including the block-quantized ones.
//
// Layout: magic "GGUF", uint32 version, uint64 tensor count, uint64
// metadata count, the metadata key/values, the tensor infos (name, n_dims,
// ne[n_dims] innermost first, ggml type, offset), padding to the alignment
// (general.alignment, default 32), then the tensor data.
//
// Invariants:
//   - Tensor data is never read; only the header is, through a small
//     buffered reader, so memory is bounded by the header's content and not
//     by the file size. Numeric metadata arrays longer than
//     Decoder.MaxArrayValues are skipped without being read, and large
//     string arrays (tokenizer.ggml.tokens) are scanned for their length
//     only; Array.Decode reads them later on request, with a cap.
//   - Every count and length is checked before allocation: against the
//     Decoder's caps and against the bytes left in the file. Element counts
//     and byte sizes are overflow-checked.
//   - Errors are *graph.OffsetError, of the form "file: offset N: what", N
//     being the byte offset in the file of the offending field.
package gguf
