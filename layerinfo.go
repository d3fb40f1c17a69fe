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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/format/checkpoint"
	"github.com/layerinfo/layerinfo/format/hf"
	"github.com/layerinfo/layerinfo/format/onnx"
	"github.com/layerinfo/layerinfo/format/pycode"
	"github.com/layerinfo/layerinfo/format/spec"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
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
	// Dir is the directory holding the file, from which the files it
	// names are read (an index's shards, a config.json beside a
	// checkpoint): only regular files inside it, reached through no
	// symbolic link that leads out of it. File sets it; nil (Bytes,
	// standard input) reads no other file.
	Dir fs.FS
}

// File opens a file as an Input; the caller closes it with Close when done.
func File(path string) (Input, func() error, error) {
	in, closeFile, err := openFile(path)
	if err != nil {
		return in, nil, err
	}
	dir, closeDir, err := fileio.Dir(path)
	if err != nil {
		return in, closeFile, nil // the file alone, as from standard input
	}
	in.Dir = dir
	return in, func() error {
		closeDir()
		return closeFile()
	}, nil
}

func openFile(path string) (Input, func() error, error) {
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

// check refuses inputs that cannot be read: no reader, a negative size.
func (in Input) check() error {
	switch {
	case in.R == nil:
		return fmt.Errorf("%s: the input has no reader (use layerinfo.File or layerinfo.Bytes)", orStdin(in.Name))
	case in.Size < 0:
		return fmt.Errorf("%s: the input's size %d is negative", orStdin(in.Name), in.Size)
	}
	return nil
}

func orStdin(name string) string {
	if name == "" {
		return "<input>"
	}
	return name
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
	// Python code: what builds the model — a function ("build_cnn"), a
	// call with literal arguments ("build_lenet5(None, 10)"), or the
	// variable of one of the file's NeuralNets or layers ("net2").
	Entry string
	// Set binds names in Python code, NAME → a Python literal ("59",
	// "(None, 1, 28, 28)", "'same'", "None"): a top-level name of the file
	// takes the value instead of its assignment; otherwise a parameter of
	// the entry function or a NeuralNet keyword gets it.
	Set map[string]string
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
	// InputShapes fixes the shapes of a model's inputs by input name (ONNX
	// graph inputs, Lasagne InputLayers, nolearn's input_shape); "" names
	// the first input. A shape is the whole shape, batch axis first, as
	// the framework writes it; a negative size leaves that axis unknown
	// (Python's None, ONNX's symbolic dim).
	InputShapes map[string][]int64
	// Progress, when set, is told how far the analysis has got: after
	// each node, done of total.
	Progress func(done, total int)
	// MaxMemory bounds the memory a run may use, in bytes (0: 1 GiB).
	// Allocations a file controls are charged to it before they are
	// made, and a watchdog stops decoding when the heap passes it; the
	// error then matches ErrTooLarge.
	MaxMemory int64

	budget *budget.Budget // the run's, made by Load from MaxMemory
}

// ErrTooLarge matches (errors.Is) the error of a file whose analysis
// needs more memory than Options.MaxMemory.
var ErrTooLarge = budget.ErrExceeded

// given lists the format-specific options opt sets, by the name of the
// CLI flag. A new option gets a line here and its name in the Takes of
// the formats that use it; Load refuses it for every other format.
func (o Options) given() []string {
	var names []string
	add := func(name string, set bool) {
		if set {
			names = append(names, name)
		}
	}
	add("entry", o.Entry != "")
	add("set", len(o.Set) > 0)
	add("input-shape", len(o.InputShapes) > 0)
	add("class", o.Class != "")
	add("model-type", o.ModelType != "")
	add("batch", o.Batch != 0)
	add("context", o.Context != 0)
	return names
}

// ErrUsage marks an error in how layerinfo was asked rather than in the
// model: an option the file's format does not take, an option value that
// does not parse. The CLI exits 2 on errors that match it (errors.Is).
var ErrUsage = errors.New("usage error")

// OptionError is an option given for a file whose format does not use it.
// It matches ErrUsage.
type OptionError struct {
	File   string
	Option string   // the flag's name, without dashes: "class"
	Format string   // the file's format
	Takes  []string // the options that format takes
	For    []string // the formats that take the option
}

func (e *OptionError) Error() string {
	s := fmt.Sprintf("%s: --%s does not apply to this %s file", e.File, e.Option, e.Format)
	if len(e.For) > 0 {
		s += " (it is for " + strings.Join(e.For, ", ") + ")"
	}
	if len(e.Takes) == 0 {
		return s + "; " + e.Format + " takes none of the model options"
	}
	return s + "; " + e.Format + " takes --" + strings.Join(e.Takes, ", --")
}

// Is makes an OptionError match ErrUsage.
func (e *OptionError) Is(target error) bool { return target == ErrUsage }

// usageError wraps a format's complaint about an option's value so that
// it matches ErrUsage.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }

// checkOptions refuses the options f does not take.
func (f Format) checkOptions(in Input, opt Options) error {
	for _, name := range opt.given() {
		if slices.Contains(f.Takes, name) {
			continue
		}
		var users []string
		for _, g := range Formats() {
			if slices.Contains(g.Takes, name) {
				users = append(users, g.Name)
			}
		}
		return &OptionError{File: in.Name, Option: name, Format: f.Name, Takes: f.Takes, For: users}
	}
	return nil
}

// Format is one input format.
type Format struct {
	Name string
	Doc  string
	// Sniff reports whether the input looks like this format, from its
	// name and first bytes.
	Sniff  func(name string, head []byte) bool
	Decode func(in Input, opt Options) (*graph.Graph, error)
	// Takes names the format-specific options (Options.given, by flag
	// name) the format uses; Load refuses any other with an *OptionError.
	Takes []string
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
				return checkpoint.GGUF(in.Name, in.R, in.Size, in.checkpoint(opt))
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
					return checkpoint.SafetensorsIndex(in.Name, in.R, in.Size, in.checkpoint(opt))
				}
				return checkpoint.Safetensors(in.Name, in.R, in.Size, in.checkpoint(opt))
			},
		},
		{
			Name:  "torch",
			Doc:   "PyTorch .pt/.pth/.ckpt/.bin files written by torch.save: the model's tensors apart from optimizer state (the pickle is read, never run)",
			Sniff: checkpoint.SniffTorch,
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				return checkpoint.Torch(in.Name, in.R, in.Size, in.checkpoint(opt))
			},
		},
		{
			Name:  "onnx",
			Doc:   "ONNX models (.onnx): every node's shape, parameters and FLOPs; weights are never read",
			Sniff: onnx.Sniff,
			Takes: []string{"input-shape"},
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				return onnx.Load(in.Name, in.R, in.Size, onnx.Options{InputShapes: opt.InputShapes, Budget: opt.budget})
			},
		},
		{
			// Before hf and spec: a notebook is JSON too.
			Name:   "notebook",
			Doc:    "Jupyter notebooks (.ipynb) of nolearn/Lasagne code: the code cells in order, IPython magics left out",
			Takes:  []string{"entry", "set", "input-shape"},
			Sniff:  pycode.IsNotebook,
			Decode: decodePython,
		},
		{
			Name:  "hf",
			Doc:   "Hugging Face transformers config.json: exact parameters per block, memory, KV cache and FLOPs per token",
			Sniff: hf.Sniff,
			Takes: []string{"class", "model-type", "batch", "context"},
			Decode: func(in Input, opt Options) (*graph.Graph, error) {
				if opt.ModelType != "" {
					if err := hf.CheckModelType(opt.ModelType); err != nil {
						return nil, usageError{fmt.Errorf("--model-type: %v", err)}
					}
				}
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
			Name:  "python",
			Doc:   "Python model code: nolearn NeuralNet(...) and Lasagne layers",
			Takes: []string{"entry", "set", "input-shape"},
			Sniff: func(name string, head []byte) bool {
				if strings.HasSuffix(name, ".py") {
					return true
				}
				s := string(head)
				return strings.Contains(s, "lasagne") || strings.Contains(s, "NeuralNet(") || strings.Contains(s, "Layer(")
			},
			Decode: decodePython,
		},
	}
}

// checkpoint is what the checkpoint readers take besides the file.
func (in Input) checkpoint(opt Options) checkpoint.Options {
	return checkpoint.Options{Budget: opt.budget, Dir: in.Dir}
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
func Load(in Input, opt Options) (g *graph.Graph, err error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if opt.MaxMemory < 0 {
		return nil, usageError{fmt.Errorf("the memory budget %d is negative", opt.MaxMemory)}
	}
	opt.budget = budget.New(opt.MaxMemory)
	stop := opt.budget.Watch(0, nil)
	defer stop()
	defer func() {
		var be *budget.Error
		if errors.As(err, &be) {
			g, err = nil, fmt.Errorf("analysing %s %w", in.Name, be)
		}
	}()
	fs := Formats()
	if opt.Format != "" {
		for _, f := range fs {
			if f.Name == opt.Format {
				if err := f.checkOptions(in, opt); err != nil {
					return nil, err
				}
				binary := f.Name == "gguf" || f.Name == "safetensors" || f.Name == "torch" || f.Name == "onnx"
				if err := fileio.Check(in.Name, in.head(fileio.HeadSize), in.Size, binary || fileio.ModelExt(in.Name)); err != nil {
					return nil, err
				}
				return f.Decode(in, opt)
			}
		}
		return nil, usageError{fmt.Errorf("unknown format %q (known: %s)", opt.Format, strings.Join(FormatNames(), ", "))}
	}
	head := in.head(4096)
	// Empty files, Git LFS pointers and HTML pages are named as such
	// whatever format their name or first bytes suggest.
	if err := fileio.Check(in.Name, head, in.Size, fileio.ModelExt(in.Name)); err != nil {
		return nil, err
	}
	if what := fileio.Unread(in.Name, head); what != "" {
		return nil, fmt.Errorf("%s is %s, which layerinfo does not read: %w (known: %s)", in.Name, what, ErrUnrecognized, strings.Join(FormatNames(), ", "))
	}
	for _, f := range fs {
		if f.Sniff(filepath.Base(in.Name), head) {
			if err := f.checkOptions(in, opt); err != nil {
				return nil, err
			}
			return f.Decode(in, opt)
		}
	}
	if what := fileio.Describe(in.Name, head); what != "" {
		return nil, fmt.Errorf("%s is %s, which layerinfo does not read: %w (known: %s)", in.Name, what, ErrUnrecognized, strings.Join(FormatNames(), ", "))
	}
	return nil, fmt.Errorf("%s: %w (give --format; known: %s)", in.Name, ErrUnrecognized, strings.Join(FormatNames(), ", "))
}

// Analyze infers every node of g and builds the report.
func Analyze(g *graph.Graph) (*stats.Report, error) { return AnalyzeWith(g, Options{}) }

// AnalyzeWith is Analyze reporting its progress to opt.Progress.
func AnalyzeWith(g *graph.Graph, opt Options) (*stats.Report, error) {
	if g == nil {
		return nil, errors.New("layerinfo: Analyze of a nil graph")
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: the %s reader made an invalid graph (please report): %w", g.Path, g.Format, err)
	}
	if err := infer.Run(g, infer.Options{Progress: opt.Progress}); err != nil {
		return nil, err
	}
	r, err := stats.Build(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.Path, err)
	}
	return r, nil
}
