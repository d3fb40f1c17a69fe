package torchcode

import (
	"context"
	"regexp"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// Format is PyTorch model code as a format.Format, with its Options
// (Entry, InputShapes; the zero value finds the model itself). The
// directory and the budget come with the input.
type Format struct{ Options Options }

var _ format.Format = Format{}

func (Format) Name() string { return "pytorch" }
func (Format) Doc() string {
	return "PyTorch model code (.py importing torch.nn, or a notebook of it): modules and their parameters and buffers, exactly; shapes and FLOPs from forward traced on the input shape"
}

// importsTorch matches `import torch`, `import torch.nn as nn`,
// `from torch import nn`, `from torch.nn import …` at a line's start.
var importsTorch = regexp.MustCompile(`(?m)^[ \t]*(import[ \t]+torch\b|from[ \t]+torch(\.[A-Za-z_.]+)?[ \t]+import\b)`)

// Sniff: a .py file that imports torch is certain — a Lasagne file never
// imports torch, and trying the Lasagne front-end after this one failed
// only hid this one's error (its complaint about --entry came first);
// nothing else is this format's.
func (Format) Sniff(name string, head []byte) format.Sure {
	if strings.HasSuffix(name, ".py") && importsTorch.Match(head) {
		return format.Certain
	}
	// A notebook whose code cells import torch (each source line is a
	// JSON string: "import torch.nn as nn\n").
	if pyhost.IsNotebook(name, head) && notebookImportsTorch.Match(head) {
		return format.Certain
	}
	return format.No
}

var notebookImportsTorch = regexp.MustCompile(`"[ \t]*(import[ \t]+torch\b|from[ \t]+torch(\.[A-Za-z_.]+)?[ \t]+import\b)`)

func (f Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	opt := f.Options
	opt.Dir, opt.Budget = in.Dir, in.Budget
	return Decode(in.Name, src, opt)
}
