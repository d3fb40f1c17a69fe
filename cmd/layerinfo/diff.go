package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/diff"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// exitDiffer is diff's status with --exit-code when the models differ
// (git diff --exit-code uses 1, which layerinfo gives a model's error).
const exitDiffer = 4

const diffUsage = `usage: layerinfo diff [flags] A B

diff compares two models, of any two formats: it pairs their layers (by
name, then by module path — an ONNX export's "/layer1/layer1.0/conv1/Conv"
meets PyTorch's "layer1.0.conv1" — then by structure: kind of layer, output
shape, parameter count, order) and prints the layers added (+), removed (-)
and changed (~) with their output shapes, parameters and FLOPs as A → B
(delta), unchanged layers folded into one line, then the totals with their
deltas and percentages. A figure unknown on either side has an unknown
delta ("?", null in JSON), never 0.

With a transformers config.json as A and a checkpoint as B (safetensors, a
sharded model.safetensors.index.json, .gguf, a torch .pt/.bin), diff checks
instead that the checkpoint holds exactly the tensors the configuration
makes: missing, unexpected and shape-mismatched tensors, as transformers'
load report, with the totals on both sides.

Output (-o): table (default), json (--json), markdown (a pull-request
comment).

Budgets (--max-params, --max-trainable-params, --max-flops) apply to B.

Exit status: 0 whether or not the models differ (as diff(1) without
--exit-code), 1 a model has an error, 2 usage, 3 B is over a budget,
4 with --exit-code: the models differ (or the checkpoint does not match).

Examples:
  layerinfo diff old.onnx new.onnx
  layerinfo diff mnist_nolearn.py mnist.yaml -o markdown
  layerinfo diff resnet.py resnet.onnx --input-shape 1x3x224x224
  layerinfo diff config.json model.safetensors --exit-code
  layerinfo diff main.onnx pr.onnx --max-params 25M --json

Flags:
`

// diffCmd is "layerinfo diff A B".
func diffCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("layerinfo diff", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	asJSON := fs.Bool("json", false, "print the comparison as JSON (the same as -o json)")
	var output string
	fs.StringVar(&output, "o", "table", "the output `FORMAT`: table, json, markdown")
	fs.StringVar(&output, "output", "table", "the output `FORMAT` (the same as -o)")
	exitCode := fs.Bool("exit-code", false, "exit 4 when the models differ (as git diff --exit-code)")
	timeout := fs.Duration("timeout", 20*time.Second, "stop reading a model that takes longer (`DURATION`)")
	maxMemory := fs.String("max-memory", "1GiB", "the memory reading one model may use (`SIZE`)")
	format := fs.String("format", "", "input format of both files (default: detected): "+strings.Join(layerinfo.FormatNames(), ", "))
	entry := fs.String("entry", "", "Python code: what builds the model (as layerinfo --entry)")
	var inputShapes shapesFlag
	fs.Var(&inputShapes, "input-shape", "`[NAME=]SHAPE[:TYPE]` of an input of both models (as layerinfo --input-shape); repeatable")
	call := fs.String("call", "", "PyTorch code: the `EXPR` that runs the model (as layerinfo --call)")
	var sets setsFlag
	fs.Var(&sets, "set", "Python code: `NAME=VALUE` (as layerinfo --set); repeatable")
	class := fs.String("class", "", "transformers config: the model class to build")
	modelType := fs.String("model-type", "", "transformers config: the model_type to build")
	bud := addBudgetFlags(fs)
	usageErr := usageError(stderr, "layerinfo diff")
	files, wantHelp, err := parseArgs(fs, args)
	if wantHelp {
		fmt.Fprint(stdout, diffUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) != 2 {
		return usageErr("two model files, A and B, got %d", len(files))
	}
	switch output = strings.ToLower(output); output {
	case "table", "text", "json", "markdown", "md":
	default:
		return usageErr("-o %s: diff writes table, json or markdown", output)
	}
	if *asJSON {
		if output != "table" && output != "json" {
			return usageErr("--json is -o json: it cannot be combined with -o %s", output)
		}
		output = "json"
	}
	if files[0] == "-" || files[1] == "-" {
		return usageErr("diff reads both models by their paths, not standard input")
	}
	limit, err := budget.Parse(*maxMemory)
	if err != nil {
		return usageErr("--max-memory: %v", err)
	}
	if *timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	if err := bud.parse(); err != nil {
		return usageErr("%v", err)
	}
	opt := layerinfo.Options{
		Format:    *format,
		Python:    layerinfo.PythonOptions{Entry: *entry, Set: sets.m, InputShapes: inputShapes.m, InputTypes: inputShapes.types, Call: *call},
		ONNX:      layerinfo.ONNXOptions{InputShapes: inputShapes.m},
		HF:        layerinfo.HFOptions{Class: *class, ModelType: *modelType},
		Caffe:     layerinfo.CaffeOptions{InputShapes: inputShapes.m},
		MaxMemory: limit,
		// diff prints no arithmetic: leave it out (100k-layer ONNX
		// graphs against each other: see the commit).
		NoArithmetic: true,
	}
	var reports [2]*stats.Report
	for i, path := range files {
		r, code := analyzeFile(path, opt, *timeout, stderr)
		if code != exitOK {
			return code
		}
		reports[i] = r
	}
	a, b := reports[0], reports[1]
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	differ := false
	if isConfig(a) && isCheckpoint(b) || isConfig(b) && isCheckpoint(a) {
		if isConfig(b) {
			a, b = b, a
		}
		c := diff.Tensors(a, b)
		switch output {
		case "json":
			err = c.WriteJSON(out)
		case "markdown", "md":
			err = c.WriteMarkdown(out)
		default:
			err = c.WriteText(out)
		}
		differ = !c.OK()
	} else {
		res := diff.Compare(a, b)
		switch output {
		case "json":
			err = res.WriteJSON(out)
		case "markdown", "md":
			err = res.WriteMarkdown(out)
		default:
			err = res.WriteText(out)
		}
		differ = res.Differ()
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo diff: %v\n", err)
		return exitModel
	}
	if code := bud.check(reports[1], stderr); code != exitOK {
		return code
	}
	if *exitCode && differ {
		return exitDiffer
	}
	return exitOK
}

// analyzeFile reads and analyses one model for diff and check, printing
// its error the way layerinfo does; the code is exitOK or the error's.
func analyzeFile(path string, opt layerinfo.Options, timeout time.Duration, stderr io.Writer) (*stats.Report, int) {
	if r, ok, err := savedReport(path); ok {
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo: %v\n", err)
			return nil, exitModel
		}
		return r, exitOK
	}
	in, closeFn, err := layerinfo.File(path)
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo: %v\n", err)
		return nil, exitModel
	}
	defer closeFn()
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	g, err := layerinfo.Load(ctx, in, opt)
	// The model options apply to the file that takes them (--entry to the
	// PyTorch code, not to its ONNX export): one the file's format does
	// not take is left out for it (each is cleared at most once).
	for tries := 0; tries < 8; tries++ {
		var oe *layerinfo.OptionError
		if !errors.As(err, &oe) || !withoutOption(&opt, oe.Option) {
			break
		}
		g, err = layerinfo.Load(ctx, in, opt)
	}
	var r *stats.Report
	if err == nil {
		r, err = layerinfo.Analyze(ctx, g, opt)
	}
	if err == nil {
		return r, exitOK
	}
	code, msg := explainError(err)
	switch {
	case code == exitUsage:
		fmt.Fprintf(stderr, "layerinfo: %s\nRun 'layerinfo diff --help' for usage.\n", msg)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stderr, "layerinfo: analysing %s takes more than %s: stopped (--timeout allows more)\n", path, timeout)
	default:
		fmt.Fprintf(stderr, "layerinfo: %s\n", msg)
	}
	return nil, code
}

// isConfig: a transformers configuration (the hf format reports itself
// as "transformers").
func isConfig(r *stats.Report) bool {
	return r.Model.Format == "transformers" || r.Model.Format == "hf"
}

func isCheckpoint(r *stats.Report) bool {
	switch r.Model.Format {
	case "safetensors", "gguf", "torch":
		return true
	}
	return false
}

// withoutOption clears the option diff gave both files, for a file whose
// format does not take it; false when there is nothing to clear.
func withoutOption(opt *layerinfo.Options, name string) bool {
	before := fmt.Sprintf("%+v", *opt)
	switch name {
	case "entry":
		opt.Python.Entry = ""
	case "input-shape":
		opt.Python.InputShapes, opt.Python.InputTypes = nil, nil
		opt.ONNX.InputShapes, opt.Caffe.InputShapes = nil, nil
	case "set":
		opt.Python.Set = nil
	case "call":
		opt.Python.Call = ""
	case "class":
		opt.HF.Class = ""
	case "model-type":
		opt.HF.ModelType = ""
	}
	return fmt.Sprintf("%+v", *opt) != before
}

// savedReport reads path as a report layerinfo wrote (--json), when it
// is one: a .json file whose top level has schema_version, model, layers
// and totals (a transformers config or a spec has not). ok is false for
// any other file, which the formats then read. The report is checked as
// it is read (stats.Report.UnmarshalJSON): one whose totals do not add up
// is an error, not numbers to compare.
func savedReport(path string) (r *stats.Report, ok bool, err error) {
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		return nil, false, nil
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) > layerinfo.MaxTextSize {
		return nil, false, nil // the formats say what is wrong
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return nil, false, nil
	}
	for _, k := range []string{"schema_version", "model", "layers", "totals"} {
		if _, has := top[k]; !has {
			return nil, false, nil
		}
	}
	r = new(stats.Report)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, true, fmt.Errorf("%s: a layerinfo report that does not read: %v", path, err)
	}
	if r.Model.Path == "" {
		r.Model.Path = path
	}
	return r, true, nil
}
