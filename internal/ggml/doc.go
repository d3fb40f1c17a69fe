// Package ggml is the table of ggml's tensor types (enum ggml_type in
// ggml.h) with their storage layouts: BlockSize elements in TypeSize
// bytes, as ggml's type_traits give them. It is the one such table: the
// GGUF reader (format/gguf) sizes tensors with it, and the report
// (package stats) estimates a model's weights at the common
// quantizations with it.
//
// The package uses the standard library only, so that the core may
// import it.
package ggml
