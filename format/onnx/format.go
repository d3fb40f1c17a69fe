package onnx

import (
	"context"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Format is ONNX as a format.Format: Options tune Build (the zero value
// keeps the model's declared input shapes); the budget comes with the
// input.
type Format struct {
	Options Options
}

var _ format.Format = Format{}

func (Format) Name() string { return "onnx" }
func (Format) Doc() string {
	return "ONNX models (.onnx): every node's shape, parameters and FLOPs; weights are never read"
}

// Sniff: the .onnx extension is likely; the first bytes of a serialized
// ModelProto are three bytes of evidence only, maybe.
func (Format) Sniff(name string, head []byte) format.Sure {
	switch {
	case Sniff(name, nil):
		return format.Likely
	case Sniff("", head):
		return format.Maybe
	}
	return format.No
}

func (f Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt := f.Options
	opt.Budget = in.Budget
	return Load(in.Name, in.R, in.Size, opt)
}
