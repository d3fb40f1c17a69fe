// Package layerinfo reads a neural network's definition and reports, for
// every layer, its output shape, parameters (trainable and not) and FLOPs,
// with the arithmetic behind each number.
//
// The pipeline reads as the source tree: a format package (format/pycode,
// format/spec, …) decodes a file into a graph.Graph; infer walks it once,
// each op (package op) computing shapes, parameters and FLOPs with their
// arithmetic (package calc); stats builds the report; render prints it.
//
//	g, err := layerinfo.Load(layerinfo.File("mnist.py"), layerinfo.Options{})
//	r, err := layerinfo.Analyze(g)
//	render.Table(os.Stdout, r)
package layerinfo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/format/checkpoint"
	"github.com/layerinfo/layerinfo/format/hf"
	"github.com/layerinfo/layerinfo/format/onnx"
	"github.com/layerinfo/layerinfo/format/pycode"
	"github.com/layerinfo/layerinfo/format/spec"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// ErrUnrecognized is returned (wrapped) when no format recognizes a file.
var ErrUnrecognized = errors.New("unrecognized format")

// MaxTextSize caps text formats (model code, specs, JSON configs): they
// are read whole.
const MaxTextSize = 64 << 20

// Input is a model file: a name for messages and format detection, and
// random access to its bytes (binary formats read only what they need).
type Input struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// File opens a file as an Input; the caller closes it with Close when done.
func File(path string) (Input, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return Input{}, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return Input{}, nil, err
	}
	if st.IsDir() {
		f.Close()
		return Input{}, nil, fmt.Errorf("%s is a directory", path)
	}
	return Input{Name: path, R: f, Size: st.Size()}, f.Close, nil
}

// Bytes is an Input over data held in memory (standard input, tests).
func Bytes(name string, data []byte) Input {
	return Input{Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
}

// text reads a text input whole, capped at MaxTextSize.
func (in Input) text() ([]byte, error) {
	if in.Size > MaxTextSize {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d a text model file may have", in.Name, in.Size, MaxTextSize)
	}
	buf := make([]byte, in.Size)
	n, err := in.R.ReadAt(buf, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == in.Size) {
		return nil, fmt.Errorf("%s: %v", in.Name, err)
	}
	return buf, nil
}

// head is the first bytes of the input, for sniffing.
func (in Input) head(n int) []byte {
	buf := make([]byte, min(int64(n), in.Size))
	k, _ := in.R.ReadAt(buf, 0)
	return buf[:k]
}

// Options tune loading. The zero value detects the format.
type Options struct {
	Format string // a format name from Formats(); "" detects it
	Entry  string // Python code: the function that builds the model
	// Transformer configurations (format hf): the model class to build
	// (default: the config's architectures), and the batch size and
	// context length of the inputs and of the memory and FLOPs estimates
	// (0: symbolic shapes; estimates at batch 1 and the model's context).
	Class   string
	Batch   int64
	Context int64
	// ModelType is the transformers model_type to build ("bert", "gpt2")
	// when the configuration has none (Google's bert_config.json) or to
	// override it.
	ModelType string
	// InputShapes fixes the shapes of a model's inputs (ONNX), by input
	// name; "" names the first input. Symbolic dims become known.
	InputShapes map[string][]int64
	// Progress, when set, is told how far the analysis has got: after
	// each node, done of total.
	Progress func(done, total int)
}

// Format is one input format.
type Format struct {
	Name string
	Doc  string
	// Sniff reports whether the input looks like this format, from its
	// name and first bytes.
	Sniff  func(name string, head []byte) bool
	Decode func(in Input, opt Options) (*graph.Graph, error)
}

// Formats lists the formats in the order they are tried.
func Formats() []Format {
	return []Format{
		// Binary formats first: their magic numbers are unambiguous.
		{
			Name:  "gguf",
			Doc:   "GGUF v2/v3 checkpoints (llama.cpp): tensor headers and metadata",
			Sniff: checkpoint.SniffGGUF,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				return checkpoint.GGUF(in.Name, in.R, in.Size)
			},
		},
		{
			Name: "safetensors",
			Doc:  "safetensors checkpoints, and sharded ones through model.safetensors.index.json",
			Sniff: func(name string, head []byte) bool {
				return checkpoint.SniffSafetensors(name, head) || checkpoint.SniffIndex(name, head)
			},
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				if checkpoint.SniffIndex(filepath.Base(in.Name), in.head(4096)) {
					return checkpoint.SafetensorsIndex(in.Name)
				}
				return checkpoint.Safetensors(in.Name, in.R, in.Size)
			},
		},
		{
			Name:  "torch",
			Doc:   "PyTorch .pt/.pth/.bin checkpoints written by torch.save (the pickle is read, never run)",
			Sniff: checkpoint.SniffTorch,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				return checkpoint.Torch(in.Name, in.R, in.Size)
			},
		},
		{
			Name:  "onnx",
			Doc:   "ONNX models (.onnx): every node's shape, parameters and FLOPs; weights are never read",
			Sniff: onnx.Sniff,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				return onnx.Load(in.Name, in.R, in.Size, onnx.Options{InputShapes: opt.InputShapes})
			},
		},
		{
			Name:  "hf",
			Doc:   "Hugging Face transformers config.json: exact parameters per block, memory, KV cache and FLOPs per token",
			Sniff: hf.Sniff,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				src, err := in.text()
				if err != nil {
					return nil, err
				}
				return hf.Decode(in.Name, src, hf.Options{Class: opt.Class, ModelType: opt.ModelType, Batch: opt.Batch, Context: opt.Context})
			},
		},
		{
			Name:  "spec",
			Doc:   "layerinfo's own model spec (YAML or JSON): layers by type and attributes",
			Sniff: spec.Sniff,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				src, err := in.text()
				if err != nil {
					return nil, err
				}
				return spec.Decode(in.Name, src)
			},
		},
		{
			Name: "python",
			Doc:  "Python model code: nolearn NeuralNet(...) and Lasagne layers",
			Sniff: func(name string, head []byte) bool {
				if strings.HasSuffix(name, ".py") {
					return true
				}
				s := string(head)
				return strings.Contains(s, "lasagne") || strings.Contains(s, "NeuralNet(") || strings.Contains(s, "Layer(")
			},
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				src, err := in.text()
				if err != nil {
					return nil, err
				}
				return pycode.Decode(in.Name, src, pycode.Options{Entry: opt.Entry})
			},
		},
	}
}

// FormatNames lists the format names for --format.
func FormatNames() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// Load decodes a model file into a graph, detecting the format unless
// opt.Format names one.
func Load(in Input, opt Options) (*graph.Graph, error) {
	fs := Formats()
	if opt.Format != "" {
		for _, f := range fs {
			if f.Name == opt.Format {
				return f.Decode(in, opt)
			}
		}
		return nil, fmt.Errorf("unknown format %q (known: %s)", opt.Format, strings.Join(FormatNames(), ", "))
	}
	head := in.head(4096)
	for _, f := range fs {
		if f.Sniff(filepath.Base(in.Name), head) {
			return f.Decode(in, opt)
		}
	}
	return nil, fmt.Errorf("%s: %w (give --format; known: %s)", in.Name, ErrUnrecognized, strings.Join(FormatNames(), ", "))
}

// Analyze infers every node of g and builds the report.
func Analyze(g *graph.Graph) (*stats.Report, error) { return AnalyzeWith(g, Options{}) }

// AnalyzeWith is Analyze reporting its progress to opt.Progress.
func AnalyzeWith(g *graph.Graph, opt Options) (*stats.Report, error) {
	if err := infer.Run(g, infer.Options{Progress: opt.Progress}); err != nil {
		return nil, err
	}
	return stats.Build(g), nil
}
