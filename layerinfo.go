// Package layerinfo reads a neural network's definition and reports, for
// every layer, its output shape, parameters (trainable and not) and FLOPs,
// with the arithmetic behind each number.
//
// The pipeline reads as the source tree: a format package (format/pycode,
// format/spec, …) decodes a file into a graph.Graph; infer walks it once,
// each op (package op) computing shapes, parameters and FLOPs with their
// arithmetic (package calc); stats builds the report; render prints it.
//
//	in, closeFn, err := layerinfo.File("mnist.py")
//	defer closeFn()
//	g, err := layerinfo.Load(ctx, in, layerinfo.Options{})
//	r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{})
//	render.Table(os.Stdout, r)
//
// Every format implements format.Format; this package holds their ordered
// list (Formats) and chooses among them (Load).
package layerinfo

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/format/caffe"
	"github.com/layerinfo/layerinfo/format/checkpoint"
	"github.com/layerinfo/layerinfo/format/hf"
	"github.com/layerinfo/layerinfo/format/keras"
	"github.com/layerinfo/layerinfo/format/onnx"
	"github.com/layerinfo/layerinfo/format/pycode"
	"github.com/layerinfo/layerinfo/format/spec"
	"github.com/layerinfo/layerinfo/format/torchcode"
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
const MaxTextSize = format.MaxText

// Input is a model file: a name for messages and format detection, and
// random access to its bytes (binary formats read only what they need).
type Input struct {
	Name string
	R    io.ReaderAt
	Size int64
	// Dir is the directory holding the file, from which the files it
	// names are read (an index's shards, a config.json beside a
	// checkpoint, the modules a script imports): only regular files
	// inside it, reached through no symbolic link that leads out of it.
	// File sets it; nil (Bytes, standard input) reads no other file,
	// except for an Input made by hand over an *os.File of that Name,
	// whose directory Load opens.
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

// Options tune loading and analysis. The zero value detects the format
// and runs every format with its defaults; each format's options are in
// their own struct, whose zero value is that format's default.
type Options struct {
	Format string // a format name from Formats(); "" detects it

	Python PythonOptions // Python code and notebooks
	ONNX   ONNXOptions
	HF     HFOptions // transformers configurations
	Caffe  CaffeOptions

	// MaxMemory bounds the memory a run may use, in bytes (0: 1 GiB).
	// Allocations a file controls are charged to it before they are
	// made, and a watchdog stops decoding when the heap passes it; the
	// error then matches ErrTooLarge.
	MaxMemory int64
	// Progress, when set, is told how far Analyze has got: after each
	// node, done of total.
	Progress func(done, total int)
	// NoArithmetic leaves the arithmetic text out of Analyze: inference
	// builds none (infer.Options.NoArithmetic) and the report's Explain
	// texts stay empty (stats.Options.NoArithmetic), while every number,
	// shape, note and error is as without it. For a caller that prints
	// only the numbers (the command line's plain table), it saves the
	// time and memory of the text; render.Explain and render.JSON refuse
	// such a report. The zero value makes the complete report.
	NoArithmetic bool
	// LazyRows leaves the report's rows unmade (stats.Options.LazyRows):
	// Report.Layers is nil and Report.AllLayers makes each row from the
	// graph when it reaches it, so that the report of a large model
	// holds no row. render.Table, render.JSON, render.Explain and
	// render.LayerRows read the rows that way; the other renderers index
	// Layers and need it unset. The command line sets it for the plain
	// table. The zero value makes every row.
	LazyRows bool
}

// PythonOptions tune the python and notebook formats, and (Entry,
// InputShapes) the pytorch format. The zero value runs the file as it is.
type PythonOptions struct {
	// Entry is what builds the model: a function ("build_cnn"), a call
	// with literal arguments ("build_lenet5(None, 10)"), or the variable
	// of one of the file's NeuralNets or layers ("net2"); for PyTorch
	// code, the expression that builds the nn.Module ("resnet50()",
	// "Net(num_classes=10)").
	Entry string
	// Set binds names, NAME → a Python literal ("59", "(None, 1, 28, 28)",
	// "'same'", "None"): a top-level name of the file takes the value
	// instead of its assignment; otherwise a parameter of the entry
	// function or a NeuralNet keyword gets it.
	Set map[string]string
	// InputShapes fixes the shapes of Lasagne InputLayers (nolearn's
	// input_shape) by layer name; "" names the first. A shape is the
	// whole shape, batch axis first; a negative size is None. For
	// PyTorch code they are forward's inputs, by parameter name or by
	// position ("" the first, "#2" the second, …).
	InputShapes map[string][]int64
	// InputTypes are PyTorch inputs' tensor types ("long", "bool"),
	// keyed as InputShapes; float by default.
	InputTypes map[string]string
	// Call is the expression that runs a PyTorch model when forward
	// needs more than tensors (m the model, x the first input).
	Call string
}

// ONNXOptions tune the onnx format. The zero value keeps the model's
// declared input shapes.
type ONNXOptions struct {
	// InputShapes fixes the shapes of graph inputs by input name; ""
	// names the first input; a negative size leaves that axis symbolic.
	InputShapes map[string][]int64
}

// CaffeOptions tune the caffe format. The zero value builds the TEST
// net with the input shapes the file states.
type CaffeOptions struct {
	// Phase is the NetState phase, TRAIN or TEST ("": TEST).
	Phase string
	// InputShapes gives the shapes of Input and data layers' tops by top
	// name; "" names the first.
	InputShapes map[string][]int64
}

// HFOptions tune the hf format (transformers configurations): the model
// class, the model type, the batch size and the context length. The
// zero value builds the class the configuration names with symbolic
// batch and sequence sizes.
type HFOptions = hf.Options

// ErrTooLarge matches (errors.Is) the error of a file whose analysis
// needs more memory than Options.MaxMemory.
var ErrTooLarge = budget.ErrExceeded

// given lists the format-specific options opt sets, by option name (the
// CLI's flag without dashes). A new option gets a line here and its name
// in the takes of the formats that use it; Load refuses it for every
// other format.
func (o Options) given() []string {
	var names []string
	add := func(name string, set bool) {
		if set && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	add("entry", o.Python.Entry != "")
	add("set", len(o.Python.Set) > 0)
	add("input-shape", len(o.Python.InputShapes) > 0)
	add("input-shape", len(o.ONNX.InputShapes) > 0)
	add("call", o.Python.Call != "")
	add("class", o.HF.Class != "")
	add("model-type", o.HF.ModelType != "")
	add("batch", o.HF.Batch != 0)
	add("context", o.HF.Context != 0)
	add("phase", o.Caffe.Phase != "")
	add("input-shape", len(o.Caffe.InputShapes) > 0)
	return names
}

// ErrUsage marks an error in how layerinfo was asked rather than in the
// model: an option the file's format does not take, an option value that
// does not parse. The CLI exits 2 on errors that match it (errors.Is).
var ErrUsage = format.ErrUsage

// OptionError is an option given for a file whose format does not use it.
// It matches ErrUsage.
type OptionError struct {
	File   string
	Option string   // the option's name, as the CLI spells its flag without dashes: "class"
	Format string   // the file's format
	Takes  []string // the options that format takes
	For    []string // the formats that take the option
}

func (e *OptionError) Error() string {
	s := fmt.Sprintf("%s: the option %s does not apply to this %s file", e.File, e.Option, e.Format)
	if len(e.For) > 0 {
		s += " (it is for " + strings.Join(e.For, ", ") + ")"
	}
	if len(e.Takes) == 0 {
		return s + "; " + e.Format + " takes none of the model options"
	}
	return s + "; " + e.Format + " takes " + strings.Join(e.Takes, ", ")
}

// Is makes an OptionError match ErrUsage.
func (e *OptionError) Is(target error) bool { return target == ErrUsage }

// UsageError is a format's complaint about the value of one of its
// options (format.UsageError): it matches ErrUsage.
type UsageError = format.UsageError

// usageError wraps a complaint about an option of Load's own so that it
// matches ErrUsage.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }

// entry is a format with the options it takes.
type entry struct {
	format.Format
	takes []string // option names (Options.given)
}

// checkOptions refuses the options f does not take.
func (f entry) checkOptions(name string, given []string) error {
	for _, opt := range given {
		if slices.Contains(f.takes, opt) {
			continue
		}
		var users []string
		for _, g := range formats(Options{}) {
			if slices.Contains(g.takes, opt) {
				users = append(users, g.Name())
			}
		}
		return &OptionError{File: name, Option: opt, Format: f.Name(), Takes: f.takes, For: users}
	}
	return nil
}

// formats is the list of formats, each carrying its options from opt,
// in the order they are tried when equally sure. Binary formats come
// first (their magic numbers are unambiguous); the notebook comes before
// hf and spec (a notebook is JSON too).
func formats(opt Options) []entry {
	py := pycode.Options{Entry: opt.Python.Entry, Set: opt.Python.Set, InputShapes: opt.Python.InputShapes}
	pyTakes := []string{"entry", "set", "input-shape"}
	return []entry{
		{checkpoint.GGUFFormat{}, nil},
		{checkpoint.SafetensorsFormat{}, nil},
		{checkpoint.TorchFormat{}, nil},
		{onnx.Format{Options: onnx.Options{InputShapes: opt.ONNX.InputShapes}}, []string{"input-shape"}},
		// Caffe: .caffemodel binaries and .prototxt nets.
		{caffe.Format{Options: caffe.Options{Phase: opt.Caffe.Phase, InputShapes: opt.Caffe.InputShapes}}, []string{"phase", "input-shape"}},
		{keras.Format{}, nil}, // .h5, .keras, and model JSON with a Keras class_name
		{pycode.Notebook{Options: py}, pyTakes},
		{hf.Format{Options: opt.HF}, []string{"class", "model-type", "batch", "context"}},
		{spec.Format{}, nil},
		// Keras code: a .py that imports keras or tensorflow (Entry and
		// InputShapes from PythonOptions).
		{keras.Code{Options: keras.CodeOptions{Entry: opt.Python.Entry, InputShapes: opt.Python.InputShapes}}, []string{"entry", "input-shape"}},
		// PyTorch code before Lasagne's: a .py that imports torch is
		// never a Lasagne file (Entry and InputShapes from PythonOptions;
		// Set it refuses with a reason).
		{torchcode.Format{Options: torchcode.Options{Entry: opt.Python.Entry, InputShapes: opt.Python.InputShapes, InputTypes: opt.Python.InputTypes, Call: opt.Python.Call, Set: opt.Python.Set}}, append(pyTakes[:3:3], "call")},
		{pycode.Python{Options: py}, pyTakes},
	}
}

// Formats lists the formats, with their default options, in the order
// they are tried when equally sure.
func Formats() []format.Format {
	var fs []format.Format
	for _, f := range formats(Options{}) {
		fs = append(fs, f.Format)
	}
	return fs
}

// FormatNames lists the format names for Options.Format.
func FormatNames() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name())
	}
	sort.Strings(names)
	return names
}

// Attempt is what one format said of a file Load tried it on.
type Attempt struct {
	Format string
	Sure   format.Sure
	Err    error
}

// DecodeError is the error of a file that every format it might be in
// failed to decode: what each said, the surest first. Its message is the
// surest format's, followed by the others'.
type DecodeError struct {
	File  string
	Tried []Attempt // at least two
}

func (e *DecodeError) Error() string {
	s := e.Tried[0].Err.Error()
	for _, a := range e.Tried[1:] {
		s += fmt.Sprintf("\n  read as %s: %v", a.Format, a.Err)
	}
	return s
}

// Unwrap gives every format's error, so that errors.Is and errors.As see
// them all.
func (e *DecodeError) Unwrap() []error {
	errs := make([]error, len(e.Tried))
	for i, a := range e.Tried {
		errs[i] = a.Err
	}
	return errs
}

// Load decodes a model file into a graph, detecting the format unless
// opt.Format names one.
//
// Detection asks every format's Sniff how sure it is that the file is
// in its format, and tries those that are not sure it is not, the
// surest first (in the order of Formats when equally sure), keeping to
// those that take the options given. The first graph decoded is the
// result; when a format fails, the next is tried. An error from a
// certain match, a usage error, a memory budget exceeded or a cancelled
// ctx ends the search at once and is returned as it is; when every
// format fails, the error is the one format's error, or a *DecodeError
// with what each said.
//
// Every graph is validated (graph.Validate) before it is returned.
func Load(ctx context.Context, in Input, opt Options) (*graph.Graph, error) {
	return load(ctx, in, opt, formats(opt))
}

// load is Load choosing among list.
func load(ctx context.Context, in Input, opt Options, list []entry) (g *graph.Graph, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if opt.MaxMemory < 0 {
		return nil, usageError{fmt.Errorf("the memory budget %d is negative", opt.MaxMemory)}
	}
	b := budget.New(opt.MaxMemory)
	stop := b.Watch(0, nil)
	defer stop()
	defer func() {
		var be *budget.Error
		if errors.As(err, &be) {
			g, err = nil, fmt.Errorf("analysing %s %w", in.Name, be)
		}
	}()
	fin := format.Input{Name: in.Name, R: in.R, Size: in.Size, Dir: in.Dir, Budget: b}
	if f, ok := in.R.(*os.File); ok && f.Name() == in.Name && fin.Dir == nil {
		// An Input made by hand over a file: its directory, as File
		// gives it.
		if root, err := os.OpenRoot(filepath.Dir(in.Name)); err == nil {
			defer root.Close()
			fin.Dir = root.FS()
		}
	}
	given := opt.given()
	if opt.Format != "" {
		i := slices.IndexFunc(list, func(f entry) bool { return f.Name() == opt.Format })
		if i < 0 {
			return nil, usageError{fmt.Errorf("unknown format %q (known: %s)", opt.Format, strings.Join(FormatNames(), ", "))}
		}
		f := list[i]
		if err := f.checkOptions(in.Name, given); err != nil {
			return nil, err
		}
		binary := slices.Contains([]string{"gguf", "safetensors", "torch", "onnx"}, f.Name())
		if err := fileio.Check(in.Name, fin.Head(fileio.HeadSize), in.Size, binary || fileio.ModelExt(in.Name)); err != nil {
			return nil, err
		}
		return decode(ctx, f, fin)
	}
	head := fin.Head(format.HeadSize)
	// Empty files, Git LFS pointers and HTML pages are named as such
	// whatever format their name or first bytes suggest.
	if err := fileio.Check(in.Name, head, in.Size, fileio.ModelExt(in.Name)); err != nil {
		return nil, err
	}
	if what := fileio.Unread(in.Name, head); what != "" {
		return nil, fmt.Errorf("%s is %s, which layerinfo does not read: %w (known: %s)", in.Name, what, ErrUnrecognized, strings.Join(FormatNames(), ", "))
	}
	type candidate struct {
		entry
		sure format.Sure
	}
	var cands []candidate
	base := filepath.Base(in.Name)
	for _, f := range list {
		if s := f.Sniff(base, head); s > format.No {
			cands = append(cands, candidate{f, s})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.sure, a.sure) })
	if len(cands) == 0 {
		if what := fileio.Describe(in.Name, head); what != "" {
			return nil, fmt.Errorf("%s is %s, which layerinfo does not read: %w (known: %s)", in.Name, what, ErrUnrecognized, strings.Join(FormatNames(), ", "))
		}
		return nil, &format.MissingError{What: "the format", Option: "format",
			Err: fmt.Errorf("%s: %w (known: %s)", in.Name, ErrUnrecognized, strings.Join(FormatNames(), ", "))}
	}
	// The options given narrow the candidates to the formats that take
	// them; when none does, the surest format refuses them.
	fit := slices.DeleteFunc(slices.Clone(cands), func(c candidate) bool { return c.checkOptions(in.Name, given) != nil })
	if len(fit) == 0 {
		return nil, cands[0].checkOptions(in.Name, given)
	}
	var tried []Attempt
	for _, c := range fit {
		used := b.Used()
		g, err := decode(ctx, c.entry, fin)
		if err == nil {
			for _, a := range tried {
				g.Notes = append(g.Notes, fmt.Sprintf("read as %s: as %s it could not be read: %v", c.Name(), a.Format, a.Err))
			}
			return g, nil
		}
		if c.sure == format.Certain || final(err) {
			return nil, err
		}
		tried = append(tried, Attempt{Format: c.Name(), Sure: c.sure, Err: err})
		b.Release(b.Used() - used) // what a failed format made is garbage now
	}
	if len(tried) == 1 {
		return nil, tried[0].Err
	}
	return nil, &DecodeError{File: in.Name, Tried: tried}
}

// final reports whether an error ends the search for a format: it is not
// the file's but the run's (usage, memory, cancellation).
func final(err error) bool {
	return errors.Is(err, ErrUsage) || errors.Is(err, budget.ErrExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// decode runs one format and validates its graph. A format must not
// panic on any input; should one, the panic is that format's error (a
// bug to report) and Load goes on to the next.
func decode(ctx context.Context, f entry, in format.Input) (g *graph.Graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%s: internal error in the %s reader (please report): %v", in.Name, f.Name(), r)
		}
	}()
	g, err = f.Decode(ctx, in)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("%s: the %s reader returned no graph and no error (please report)", in.Name, f.Name())
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: the %s reader made an invalid graph (please report): %w", in.Name, f.Name(), err)
	}
	return g, nil
}

// Analyze infers every node of g and builds the report, telling
// opt.Progress how far it has got; ctx is checked between nodes.
func Analyze(ctx context.Context, g *graph.Graph, opt Options) (*stats.Report, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if g == nil {
		return nil, errors.New("layerinfo: Analyze of a nil graph")
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: the %s reader made an invalid graph (please report): %w", g.Path, g.Format, err)
	}
	if err := infer.Run(g, infer.Options{Progress: opt.Progress, Context: ctx, NoArithmetic: opt.NoArithmetic}); err != nil {
		return nil, err
	}
	r, err := stats.BuildWith(g, stats.Options{NoArithmetic: opt.NoArithmetic, LazyRows: opt.LazyRows})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.Path, err)
	}
	return r, nil
}
