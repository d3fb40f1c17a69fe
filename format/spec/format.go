package spec

import (
	"context"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Format is layerinfo's own spec as a format.Format. It takes no options.
type Format struct{}

var _ format.Format = Format{}

func (Format) Name() string { return "spec" }
func (Format) Doc() string {
	return "layerinfo's own model spec (YAML or JSON): layers by type and attributes"
}

// Sniff: see the function Sniff.
func (Format) Sniff(name string, head []byte) format.Sure {
	if Sniff(name, head) {
		return format.Likely
	}
	return format.No
}

func (Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	return Decode(in.Name, src)
}
