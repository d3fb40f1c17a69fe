// Package spec reads layerinfo's native model spec: a YAML or JSON file
// that lists a network's layers by type and attributes, for designing a
// network without a framework. doc/spec.md describes the format.
//
// Decode parses the file with the package's own YAML parser (yamlparse.go:
// YAML is a superset of JSON, so one parser serves both; one pass, linear
// time and memory, every value keeps its line and column), translates each
// layer entry into an op of package op, wires the inputs by name and
// returns a graph that passes graph.Validate; package infer then computes
// shapes, parameters and FLOPs. A small file using a YAML construct the
// parser leaves out (a complex "? " key, say) is read with
// github.com/goccy/go-yaml instead (goccy.go). The package decides
// conventions as a front-end (layout, padding modes, which tensors are
// trainable) and computes no number itself.
//
// Errors carry the position of the entry or value at fault and name the
// layer: "model.yaml:7:5: layer conv2 (conv2d): unknown attribute
// "filter" (did you mean "filters"?)". Decode never panics; a hostile file
// gets an error.
package spec
