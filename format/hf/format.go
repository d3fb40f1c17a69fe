package hf

import (
	"context"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Format is a transformers configuration as a format.Format, built with
// its Options (the zero value builds the class the configuration names,
// with symbolic batch and sequence sizes).
type Format struct {
	Options Options
}

var _ format.Format = Format{}

func (Format) Name() string { return "hf" }
func (Format) Doc() string {
	return "Hugging Face transformers config.json: exact parameters per block, memory, KV cache and FLOPs per token"
}

// Sniff: a JSON object with model_type, architectures and a size, or
// one family's keys are likely; sizes alone maybe.
func (Format) Sniff(name string, head []byte) format.Sure { return sniff(name, head) }

// Decode reads the configuration; a model type layerinfo does not build,
// given in Options, is a format.UsageError.
func (f Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Options.ModelType != "" {
		if err := CheckModelType(f.Options.ModelType); err != nil {
			return nil, &format.UsageError{Option: "model-type", Err: err}
		}
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	return Decode(in.Name, src, f.Options)
}
