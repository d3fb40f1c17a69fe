package checkpoint

import (
	"bytes"
	"context"
	"path/filepath"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// The three checkpoint formats as format.Format values. They take no
// options: the directory and the budget come with the input.
type (
	// GGUFFormat reads GGUF v2/v3 headers.
	GGUFFormat struct{}
	// SafetensorsFormat reads safetensors headers, and sharded
	// checkpoints through their index (model.safetensors.index.json, or
	// pytorch_model.bin.index.json and its torch.save shards).
	SafetensorsFormat struct{}
	// TorchFormat reads torch.save files.
	TorchFormat struct{}
)

var (
	_ format.Format = GGUFFormat{}
	_ format.Format = SafetensorsFormat{}
	_ format.Format = TorchFormat{}
)

func (GGUFFormat) Name() string { return "gguf" }
func (GGUFFormat) Doc() string {
	return "GGUF v2/v3 checkpoints (llama.cpp): tensor headers and metadata"
}

// Sniff: the GGUF magic.
func (GGUFFormat) Sniff(name string, head []byte) format.Sure {
	if SniffGGUF(name, head) {
		return format.Certain
	}
	return format.No
}

func (GGUFFormat) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return GGUF(in.Name, in.R, in.Size, options(in))
}

func (SafetensorsFormat) Name() string { return "safetensors" }
func (SafetensorsFormat) Doc() string {
	return "safetensors checkpoints, and sharded ones through model.safetensors.index.json"
}

// Sniff: a header's length and opening brace are certain; the
// .safetensors extension, an index's name or its weight_map likely.
func (SafetensorsFormat) Sniff(name string, head []byte) format.Sure {
	switch {
	case SniffSafetensors("", head):
		return format.Certain
	case SniffSafetensors(name, nil), SniffIndex(name, head):
		return format.Likely
	}
	return format.No
}

func (SafetensorsFormat) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if SniffIndex(filepath.Base(in.Name), in.Head(format.HeadSize)) {
		return SafetensorsIndex(in.Name, in.R, in.Size, options(in))
	}
	return Safetensors(in.Name, in.R, in.Size, options(in))
}

func (TorchFormat) Name() string { return "torch" }
func (TorchFormat) Doc() string {
	return "PyTorch .pt/.pth/.ckpt/.bin files written by torch.save: the model's tensors apart from optimizer state (the pickle is read, never run)"
}

// legacyMagic starts a torch.save file of the legacy (non-zip) format.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// Sniff: the legacy format's magic number is certain; a zip archive
// (other zips exist) or a PyTorch extension is likely.
func (TorchFormat) Sniff(name string, head []byte) format.Sure {
	switch {
	case bytes.HasPrefix(head, legacyMagic):
		return format.Certain
	case SniffTorch(name, head):
		return format.Likely
	}
	return format.No
}

func (TorchFormat) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Torch(in.Name, in.R, in.Size, options(in))
}

func options(in format.Input) Options { return Options{Budget: in.Budget, Dir: in.Dir} }
