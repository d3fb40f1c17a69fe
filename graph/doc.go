// Package graph is the framework-neutral model every input format decodes
// into: a DAG of Nodes connected by Values (tensors), with Params (weights)
// that may be shared between nodes.
//
// A front-end (package format/...) builds a Graph: nodes in source order,
// each with its Op, inputs, declared outputs and source position. Package
// infer then walks it once, and each Op fills in its node's output shapes,
// parameters, FLOPs and the arithmetic behind them. After inference a Graph
// is read-only.
//
// Invariants checked by Validate: names of nodes are unique, every input of
// a node is a graph input, a constant or the output of some node, and the
// producer links agree with the node lists.
//
// The package uses the standard library only.
package graph
