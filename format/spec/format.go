package spec

import (
	"bytes"
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

// Sniff: a layers list whose entries have a type is likely; any other
// YAML file Sniff takes (by its extension) only maybe, so that a format
// surer of it is tried first.
func (Format) Sniff(name string, head []byte) format.Sure {
	switch {
	case !Sniff(name, head):
		return format.No
	case yamlLayers.Match(head) || bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte("{")):
		return format.Likely
	}
	return format.Maybe
}

func (Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	return decode(in.Name, src, true) // Text's buffer is ours
}
