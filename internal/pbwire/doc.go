// Package pbwire walks protobuf wire-format messages in place, for the
// readers of formats that are protobuf (ONNX today, Caffe's caffemodel
// next) without generated code or a schema at run time.
//
// A Reader steps through the fields of a message as they lie in the
// input: a scalar field's value is read, a length-delimited field only
// located (Field.Pos, Field.N), so tensor payloads are skipped by length
// and never read. A caller descends into a nested message with
// Reader.Message and reads the fields it knows; the rest are passed over.
//
// Invariants:
//   - Every declared length is checked against the bytes that remain in
//     the enclosing message before anything is read or allocated for it.
//   - What the caller keeps (strings, repeated values) is charged to a
//     budget.Budget before it is made; a refused charge matches
//     budget.ErrExceeded.
//   - A malformed input is a *graph.OffsetError with the byte offset and
//     the field path of the problem ("graph.node[5].attribute[2]"), built
//     from a chain of Locs only when an error needs it.
//   - Decoding never panics, and strings returned are copies: nothing
//     refers to the input's memory once a walk is over.
//
// For inputs of a million fields, nothing is allocated per field: strings
// are copied into shared chunks (Keep, ElemPath), names that recur are
// interned once with an id (Name, NameID, Names: a table of 8-byte slots,
// not a map), and a caller that sizes its slices in a first pass counts
// fields in one view of the message (CountFields) rather than walking it.
// Affords tells a caller whether memory it is about to charge piece by
// piece may be made at once, so that what is charged, and where a tight
// budget refuses, does not depend on how the caller allocates.
//
// The package builds on google.golang.org/protobuf/encoding/protowire
// (varints, tags, wire types), which it wraps with bounds, budgets and
// positions.
package pbwire
