package pycode

import (
	"context"
	"errors"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Python is Python model code as a format.Format, and Notebook a Jupyter
// notebook's code cells; both run through Decode with their Options
// (Entry, Set, InputShapes, MaxSteps; the zero value runs the file as
// it is). The directory and the budget come with the input.
type (
	Python   struct{ Options Options }
	Notebook struct{ Options Options }
)

var (
	_ format.Format = Python{}
	_ format.Format = Notebook{}
)

func (Python) Name() string { return "python" }
func (Python) Doc() string  { return "Python model code: nolearn NeuralNet(...) and Lasagne layers" }

// Sniff: a .py file that mentions Lasagne or nolearn is likely; either
// alone, maybe (other Python code, PyTorch or Keras, is another
// front-end's).
func (Python) Sniff(name string, head []byte) format.Sure {
	s := string(head)
	py := strings.HasSuffix(name, ".py")
	marks := strings.Contains(s, "lasagne") || strings.Contains(s, "NeuralNet(") || strings.Contains(s, "Layer(")
	switch {
	case py && marks:
		return format.Likely
	case py || marks:
		return format.Maybe
	}
	return format.No
}

func (p Python) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	return decode(ctx, in, p.Options)
}

func (Notebook) Name() string { return "notebook" }
func (Notebook) Doc() string {
	return "Jupyter notebooks (.ipynb) of nolearn/Lasagne code: the code cells in order, IPython magics left out"
}

// Sniff: the .ipynb extension, or JSON with nbformat and cells.
func (Notebook) Sniff(name string, head []byte) format.Sure {
	if IsNotebook(name, head) {
		return format.Likely
	}
	return format.No
}

func (n Notebook) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	return decode(ctx, in, n.Options)
}

// decode runs the code with the input's directory (the modules it
// imports) and budget; an option the file cannot use is a
// format.UsageError.
func decode(ctx context.Context, in format.Input, opt Options) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	opt.Dir, opt.Budget = in.Dir, in.Budget
	g, err := Decode(in.Name, src, opt)
	if oe := (*OptionError)(nil); errors.As(err, &oe) {
		if err == error(oe) {
			return nil, &format.UsageError{Option: oe.Option, Err: oe.Err}
		}
		return nil, &format.UsageError{Err: err}
	}
	return g, err
}
