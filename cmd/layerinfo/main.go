// Command layerinfo prints, for every layer of a neural network definition,
// its output shape, parameters and FLOPs, and with --explain the arithmetic
// behind each number.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/progress"
	"github.com/layerinfo/layerinfo/stats"
)

// Exit codes.
const (
	exitOK    = 0
	exitModel = 1 // the model (or the file) has an error
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: layerinfo [flags] FILE
       layerinfo serve [flags] [FILE]   the page in a browser (layerinfo serve --help)
       layerinfo diff [flags] A B       two models compared (layerinfo diff --help)
       layerinfo check [FILE]           models within their budgets (layerinfo check --help)

layerinfo reads a neural network definition and prints, for every layer,
its output shape, its parameters (trainable and not) and its FLOPs.

FILE is model code or a model file; "-" reads standard input. The format is
detected from the name and the content; --format overrides it.

Formats:
%s
Output (-o FORMAT, to standard output or --out FILE):
  table       (default) index, name, type, output size, parameters, FLOPs, totals
  json        the report as JSON (schema_version 1) for scripts; --json is -o json
  markdown    a GitHub table with the totals, to paste into a pull request or README
  csv         one row per layer after a header row, plain numbers, no totals
  dot         a Graphviz graph: layers with type, shape and params, edges with
              tensor shapes (layerinfo -o dot m.onnx | dot -Tsvg > m.svg)
  mermaid     a Mermaid "graph TD" that GitHub draws in a ` + "```mermaid" + ` block
  html        one self-contained page: the graph (pan, zoom, search), the table,
              a layer's arithmetic on click; opens offline (--out model.html)
  summary     the framework's own layout where there is one: a Keras model as
              model.summary() prints it (Connected to, Total/Trainable/
              Non-trainable params); the table for other formats
  --explain   with table or markdown: the arithmetic of every output size,
              parameter count and FLOP count with the values substituted,
              e.g. (5*5*1+1)*32 = 832

FLOPs count 2 per multiply-add of convolution, linear and matrix-multiply
work, bias excluded (PyTorch FlopCounterMode's convention); with an unknown
(None) batch size they are per example.

Examples:
  layerinfo --explain mnist_nolearn.py          where 217,706 comes from
  layerinfo resnet50.onnx --input-shape input=8x3x224x224 --json
  layerinfo char_rnn.py --set vocab_size=59     a size the script reads from data
  layerinfo lenet.py --entry 'build_lenet5(None, 10)'   the build function, with arguments
  layerinfo kfkd.py --entry net2 --input-shape Nx1x96x96   the second NeuralNet, its input
  layerinfo resnet.py --entry 'resnet50()' --input-shape 1x3x224x224   PyTorch forward traced
  layerinfo lm.py --input-shape 2x64:long --call 'm(x, m.init_hidden(2))'   token ids, a hidden state
  layerinfo -o summary model.h5                 a Keras model as model.summary() prints it
  layerinfo config.json --context 4096 --batch 8    KV cache and FLOPs at that size
  layerinfo model.safetensors.index.json        every shard's tensors, from headers
  cat model.yaml | layerinfo -

Flags:
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" { // the web page (serve.go); ./serve is a file
		return serve(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "diff" { // two models compared (diff.go); ./diff is a file
		return diffCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "check" { // a budget file's models (check.go); ./check is a file
		return checkCmd(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("layerinfo", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed below, in one line
	explain := fs.Bool("explain", false, "show the arithmetic behind every number")
	wide := fs.Bool("wide", false, "print every table cell whole (on a terminal, long names and shapes are cut to fit its width)")
	version := fs.Bool("version", false, "print the version and exit")
	timeout := fs.Duration("timeout", 20*time.Second, "stop a run that takes longer (`DURATION`: 20s, 2m; 0 for no limit): a file that makes layerinfo compute without end is an error, exit 1")
	maxMemory := fs.String("max-memory", "1GiB", "the memory one run may use (`SIZE`: 512MiB, 2GiB); a file that needs more is an error, exit 1")
	asJSON := fs.Bool("json", false, "print the report as JSON (the same as -o json)")
	var output outputFlag
	fs.Var(&output, "o", "the output `FORMAT`: "+strings.Join(outputs, ", ")+" (see Output above)")
	fs.Var(&output, "output", "the output `FORMAT` (the same as -o)")
	outFile := fs.String("out", "", "write the output to `FILE` instead of standard output (made only when the model reads without error)")
	format := fs.String("format", "", "input format (default: detected): "+strings.Join(layerinfo.FormatNames(), ", "))
	entry := fs.String("entry", "", "Python code: what builds the model, `NAME`: a function (build_cnn), a call with literal arguments\n('build_lenet5(None, 10)'), a class or a method\n(Model._setup_network), or the variable of one of the file's NeuralNets or layers (net2)")
	var inputShapes shapesFlag
	fs.Var(&inputShapes, "input-shape", "ONNX and Python: the whole shape of an input, batch axis first, N for an unknown batch,\n`[NAME=]SHAPE[:TYPE]`: input=8x3x224x224, or just Nx1x28x28 for the first input (NAME: an ONNX input,\na Lasagne InputLayer's name, a PyTorch forward's parameter); PyTorch: repeatable in forward's\norder, TYPE a tensor type (1x128:long); repeatable")
	call := fs.String("call", "", "PyTorch code: the `EXPR` that runs the model when forward needs more than tensors:\nm is the model, x the first input, other inputs by name ('m(x, m.init_hidden(1))')")
	var sets setsFlag
	fs.Var(&sets, "set", "Python code: give a value the file cannot know, `NAME=VALUE` with VALUE a Python literal\n(59, 0.5, 'same', None, (None, 1, 28, 28)): NAME takes it instead of its assignments, at\nmodule level or in a function (vocab_size = len(chars) is not run), else the entry\nfunction's parameter or the NeuralNet keyword NAME; repeatable")
	phase := fs.String("phase", "", "Caffe: the net's `PHASE`, TRAIN or TEST (default TEST): layers with include { phase: … } rules are kept or left out as Caffe builds that net")
	class := fs.String("class", "", "transformers config: the model class to build, e.g. BertForMaskedLM, LlamaModel (default: the config's architectures)")
	modelType := fs.String("model-type", "", "transformers config: the model_type to build (bert, gpt2, …) when the config has none, or to override it")
	batch := fs.Int64("batch", 0, "transformers config: batch size of the inputs and of the memory and FLOPs estimates (default: symbolic; estimates at 1)")
	contextLen := fs.Int64("context", 0, "transformers config: sequence length of the inputs and of the KV-cache and FLOPs estimates (default: symbolic; estimates at the model's maximum)")
	mem := addMemoryFlags(fs) // memory.go
	bud := addBudgetFlags(fs) // budget.go
	bud.addMemoryBudgetFlags(fs)
	// The flag package calls Usage on every parse error too; the full
	// text is printed only when asked for (-h, --help), on stdout.
	fs.Usage = func() {}
	help := func() {
		var fl strings.Builder
		for _, f := range layerinfo.Formats() {
			fmt.Fprintf(&fl, "  %-12s  %s\n", f.Name(), f.Doc())
		}
		fmt.Fprintf(stdout, usage, fl.String())
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fmt.Fprintf(stdout, "\nExit status: 0 ok, 1 the model has an error (message on stderr), 2 usage.\n"+
			"             3 over a budget (--max-params, --max-trainable-params, --max-flops), one line per breach on stderr.\n")
	}
	usageErr := usageError(stderr, "layerinfo")
	// Flags may come before or after the file (layerinfo model.onnx --json).
	files, wantHelp, err := parseArgs(fs, args)
	if wantHelp {
		help()
		return exitOK
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if *version {
		fmt.Fprintln(stdout, versionText())
		return exitOK
	}
	switch {
	case len(files) == 0:
		return usageErr("no model file given (FILE, or - for standard input)")
	case len(files) > 1:
		return usageErr("one model file at a time, got %d: %s", len(files), strings.Join(files, " "))
	}
	outName, err := chooseOutput(output, *asJSON, *explain)
	if err != nil {
		return usageErr("%v", err)
	}
	if bud.wantsMemory() {
		*mem.on = true // a memory budget needs the estimate
	}
	if err := mem.check(outName); err != nil {
		return usageErr("%v", err)
	}
	if err := bud.parse(); err != nil {
		return usageErr("%v", err)
	}
	if *outFile != "" {
		lf := &lazyFile{path: *outFile}
		defer lf.Close()
		stdout = lf
	}
	path := files[0]
	var in layerinfo.Input
	if path == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, layerinfo.MaxTextSize+1))
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo: reading standard input: %v\n", err)
			return exitModel
		}
		in = layerinfo.Bytes("<stdin>", data)
	} else {
		f, closeFn, err := layerinfo.File(path)
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo: %v\n", err)
			return exitModel
		}
		defer closeFn()
		in = f
	}
	if *batch < 0 || *contextLen < 0 {
		return usageErr("--batch and --context must be positive")
	}
	limit, err := budget.Parse(*maxMemory)
	if err != nil {
		return usageErr("--max-memory: %v", err)
	}
	defer backstop(in.Name, limit, stderr)()
	if *timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	ctx := context.Background()
	tooLong := func() {
		fmt.Fprintf(stderr, "layerinfo: analysing %s takes more than %s: stopped (a file that makes layerinfo compute without end? --timeout allows more)\n", in.Name, *timeout)
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
		// Decoders check ctx where it is cheap; one that does not (a
		// script computing in a single step) is stopped a second later.
		done := make(chan struct{})
		defer close(done)
		deadline := time.AfterFunc(*timeout+time.Second, func() {
			select {
			case <-done:
			default:
				tooLong()
				os.Exit(exitModel)
			}
		})
		defer deadline.Stop()
	}
	bar := progress.Start(stderr) // only on a terminal, only after a second
	defer bar.Stop()
	bar.Stage("reading " + in.Name)
	opt := layerinfo.Options{
		Format:    *format,
		Python:    layerinfo.PythonOptions{Entry: *entry, Set: sets.m, InputShapes: inputShapes.m, InputTypes: inputShapes.types, Call: *call},
		ONNX:      layerinfo.ONNXOptions{InputShapes: inputShapes.m},
		HF:        layerinfo.HFOptions{Class: *class, ModelType: *modelType, Batch: *batch, Context: *contextLen},
		Caffe:     layerinfo.CaffeOptions{Phase: *phase, InputShapes: inputShapes.m},
		MaxMemory: limit,
		Progress:  bar.Update,
	}
	// The plain table prints no arithmetic: leave it out of the analysis.
	opt.NoArithmetic = !needsArithmetic(outName, *explain)
	// The table, its explanation and the JSON read the rows once, in
	// order: made as they are read, the report holds none.
	opt.LazyRows = outName == "table" || outName == "json"
	g, err := layerinfo.Load(ctx, in, opt)
	if err == nil && len(g.Nodes) >= 10_000 {
		// What the decoder made to build a large graph (a YAML tree,
		// the decoded ONNX messages) is garbage now: collect it before
		// the analysis allocates, which then reuses its memory instead
		// of growing the heap (a 93,000-layer spec: 236 -> 172 MB peak
		// RSS, and less time spent touching fresh pages).
		runtime.GC()
	}
	var partial interface{ PartialGraph() *graph.Graph }
	if errors.As(err, &partial) && partial.PartialGraph() != nil {
		// A shape bug found while tracing: the rows before it, then
		// the error (exit 1).
		if r, aerr := layerinfo.Analyze(ctx, partial.PartialGraph(), opt); aerr == nil {
			bar.Stop()
			report(stdout, stderr, r, outName, *explain, *wide)
		}
	}
	if err == nil {
		bar.Stage("inferring shapes")
		var r *stats.Report
		r, err = layerinfo.Analyze(ctx, g, opt)
		if err == nil {
			err = mem.apply(ctx, in, opt, g, r)
		}
		bar.Stop()
		if err == nil {
			code := report(stdout, stderr, r, outName, *explain, *wide)
			if code == exitOK {
				if err := memorySection(stdout, r, outName, *explain); err != nil {
					fmt.Fprintf(stderr, "layerinfo: %v\n", err)
					return exitModel
				}
			}
			if code == exitOK {
				code = bud.check(r, stderr) // one line per breach, exit 3
			}
			return code
		}
	}
	bar.Stop()
	code, msg := explainError(err)
	switch {
	case code == exitUsage:
		return usageErr("%s", msg)
	case errors.Is(err, context.DeadlineExceeded):
		tooLong()
	default:
		fmt.Fprintf(stderr, "layerinfo: %s\n", msg)
	}
	return code
}

// explainError is the exit code of a library error and its message for
// the command line, in the flags' terms: the library says what is
// missing or refused ("the option class"), the CLI which flag it is.
// The code comes from the error's type and sentinels, never its text.
func explainError(err error) (code int, msg string) {
	var oe *layerinfo.OptionError
	var ue *layerinfo.UsageError
	var me *format.MissingError
	switch {
	case errors.As(err, &oe):
		msg = fmt.Sprintf("%s: --%s does not apply to this %s file", oe.File, oe.Option, oe.Format)
		if len(oe.For) > 0 {
			msg += " (it is for " + strings.Join(oe.For, ", ") + ")"
		}
		if len(oe.Takes) == 0 {
			return exitUsage, msg + "; " + oe.Format + " takes none of the model options"
		}
		return exitUsage, msg + "; " + oe.Format + " takes --" + strings.Join(oe.Takes, ", --")
	case errors.As(err, &ue) && ue.Option != "":
		msg = "--" + ue.Option + ": " + ue.Err.Error()
		if errors.As(ue.Err, &me) && me.Option != "" {
			msg += gives(me) // a value another option gives
		}
		return exitUsage, msg
	case errors.Is(err, layerinfo.ErrUsage): // a value that does not parse
		return exitUsage, err.Error()
	case errors.As(err, &me) && me.Option != "":
		return exitModel, err.Error() + gives(me)
	}
	return exitModel, err.Error()
}

// gives names the flag that gives what me says is missing.
func gives(me *format.MissingError) string {
	flag := "--" + me.Option
	if me.Value != "" {
		flag += " " + me.Value
	}
	return "; " + flag + " gives it"
}

// flagName is how the report words an option: as its flag.
func flagName(option string) string { return "--" + option }

// report prints r as asked.
func report(stdout, stderr io.Writer, r *stats.Report, output string, explain, wide bool) int {
	out := bufio.NewWriterSize(stdout, 64<<10) // one write for a report, not one per line
	err := writeReport(out, stdout, r, output, explain, wide)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo: %v\n", err)
		return exitModel
	}
	return exitOK
}

// shapesFlag collects --input-shape values: name=1x3x224x224, or a shape
// alone for the first input.
type shapesFlag struct {
	m     map[string][]int64
	types map[string]string // a tensor type after a colon (1x128:long)
}

func (s *shapesFlag) String() string { return "" }

func (s *shapesFlag) Set(v string) error {
	name, dims := "", v
	if i := strings.LastIndexByte(v, '='); i >= 0 {
		name, dims = v[:i], v[i+1:]
	}
	typ := ""
	if i := strings.LastIndexByte(dims, ':'); i >= 0 {
		dims, typ = dims[:i], strings.TrimSpace(dims[i+1:])
	}
	if name == "" && s.m != nil {
		// Shapes without names follow forward's order (PyTorch): the
		// second is #2.
		if _, dup := s.m[""]; dup {
			name = fmt.Sprintf("#%d", len(s.m)+1)
		}
	}
	var shape []int64
	for _, part := range strings.FieldsFunc(dims, func(r rune) bool { return r == 'x' || r == 'X' || r == ',' }) {
		switch strings.TrimSpace(part) {
		case "N", "None", "?":
			shape = append(shape, -1) // unknown: Python's None, ONNX's symbolic dim
			continue
		}
		d, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a size (want e.g. input=1x3x224x224, N for an unknown batch)", part)
		}
		shape = append(shape, d)
	}
	if shape == nil {
		return fmt.Errorf("no sizes in %q (want e.g. input=1x3x224x224)", v)
	}
	if s.m == nil {
		s.m = map[string][]int64{}
	}
	if _, dup := s.m[name]; dup {
		return fmt.Errorf("the shape of %q is given twice", name)
	}
	s.m[name] = shape
	if typ != "" {
		if s.types == nil {
			s.types = map[string]string{}
		}
		s.types[name] = typ
	}
	return nil
}

// setsFlag collects --set values: NAME=VALUE, VALUE a Python literal
// (parsed by the Python front-end, which reports a bad one).
type setsFlag struct {
	m map[string]string
}

func (s *setsFlag) String() string { return "" }

func (s *setsFlag) Set(v string) error {
	name, val, ok := strings.Cut(v, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("%q is not NAME=VALUE (e.g. vocab_size=59)", v)
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	if _, dup := s.m[name]; dup {
		return fmt.Errorf("%s is given twice", name)
	}
	s.m[name] = val
	return nil
}

// tableWidth is the width the table must fit: the terminal's, unless
// --wide asks for whole cells or stdout is not a terminal.
func tableWidth(stdout io.Writer, wide bool) int {
	if wide {
		return 0
	}
	return progress.Width(stdout)
}

// versionText is the module version and VCS revision the binary was
// built from, as the Go toolchain recorded them.
func versionText() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	s := "layerinfo " + v
	if rev != "" {
		s += " (" + rev[:min(12, len(rev))]
		if dirty {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + runtime.Version()
}

// backstop keeps the whole run within limit: the garbage collector works
// harder near it (a soft limit), and should the heap stay past it for
// 50 ms — memory a decoder allocated without charging the run's budget —
// the run stops with the message of a file that needs too much. The
// returned function ends the watch.
func backstop(name string, limit int64, stderr io.Writer) (stop func()) {
	prev := debug.SetMemoryLimit(limit / 10 * 9) // headroom below the hard stop
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var since time.Time
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				heap := budget.Resident()
				switch {
				case heap <= limit:
					since = time.Time{}
				case since.IsZero():
					since = now
				case now.Sub(since) >= 50*time.Millisecond:
					fmt.Fprintf(stderr, "layerinfo: analysing %s needs more than %s (it reached %s)\n", name, budget.Size(limit), budget.Size(heap))
					os.Exit(exitModel)
				}
			}
		}
	}()
	return func() {
		close(done)
		debug.SetMemoryLimit(prev)
	}
}
