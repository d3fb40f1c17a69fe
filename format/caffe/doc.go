// Package caffe reads Caffe nets: .prototxt files (a NetParameter in
// protobuf text format, layer { } and V1 layers { }) and .caffemodel
// files (the same message in the wire format, with the weights).
//
// Both become one tree of messages (text.go parses the text format with
// line:col positions; binary.go walks the wire format lazily with
// internal/pbwire, skipping blob data by its length) checked against the
// part of caffe.proto layerinfo knows (schema.go: field names for
// did-you-mean, numbers for the binary reader). net.go turns the tree into
// layers as Caffe's upgrade functions do (V1 types and blobs_lr, the
// net-level input fields as an Input layer named "input") and applies the
// NetState rules of a phase; build.go makes one graph node per layer, a
// blob name standing for its latest top so that an in-place layer is a
// row of its own; layers.go holds Caffe's shape and blob rules per layer
// type, on package op's conv, pool, linear, concat, flatten and reshape
// where they agree with Caffe, and its own where Caffe differs
// (BatchNorm's three non-trainable blobs, Scale, PReLU, Slice, Crop, the
// SSD fork's layers, data layers).
package caffe
