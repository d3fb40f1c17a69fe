// Package safetensors reads the header of safetensors checkpoints and,
// for sharded checkpoints, their model.safetensors.index.json.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes
// of JSON describing every tensor (dtype, shape, data_offsets) plus an
// optional "__metadata__" string map, then the raw tensor data.
//
// Invariants:
//   - Tensor data is never read: only the 8-byte prefix and the JSON header
//     are, so a 100 GB checkpoint is summarized with memory proportional to
//     its header.
//   - Every length is capped before anything is allocated: the header length
//     is checked against Decoder.MaxHeaderSize (100 MB by default, as in the
//     reference implementation) and against the file size.
//   - Element counts and byte sizes are computed with overflow checks; a
//     tensor's data_offsets must span exactly numel*bits/8 bytes, tensors
//     must tile the data region from 0 without gaps or overlaps, and (unless
//     Decoder.SkipSizeCheck is set, for header-only copies) the data region
//     must end exactly at the end of the file.
//   - The JSON header means what encoding/json makes of it: a small
//     scanner (header.go) reads headers of the usual form without
//     encoding/json's token stream, and gives every other header, and
//     every error, to encoding/json (FuzzFastHeader compares the two).
//   - Errors are *graph.OffsetError, of the form "file: offset N: what",
//     where the offset is a byte offset in the file (for JSON errors, in
//     the file, not the header).
package safetensors
