package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	yaml "github.com/goccy/go-yaml"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

const checkUsage = `usage: layerinfo check [flags] [FILE]

check reads a budget file (default layerinfo.yaml) listing models, by path
or glob, with their budgets, analyses each model and prints a summary
table: every figure with its budget and whether it is within. One CI step:

  models:
    - path: models/resnet50.onnx
      max_params: 26M              # counts take SI suffixes: 25M, 4.1G, 1.5k
      max_trainable_params: 26M
      max_flops: 8.2G
      input_shape: input=1x3x224x224   # model options, as the flags
      layers:                      # optional: every layer whose name matches
        - match: "/layer4/*"       # (a glob, as path.Match) within these
          max_params: 5M
          max_flops: 1G
    - path: "models/*.safetensors"
      max_params: 7.5G

Paths and globs are relative to the budget file's directory. Other model
options: format, entry, call, class, model_type, set (a map of NAME:
VALUE). A figure that is unknown cannot be shown within its budget: it is
over, and so is a layer pattern that matches no layer. Budget files are YAML or JSON, without anchors or aliases, at most
256 KiB.

Exit status: 0 every model within its budgets, 1 a model (or the budget
file) has an error, 2 usage, 3 a budget is exceeded (one line per breach
on stderr).

Flags:
`

// checkFile is a budget file.
type checkFile struct {
	Models []checkModel `yaml:"models"`
}

// checkModel is one entry of a budget file: the model(s), their options
// and budgets.
type checkModel struct {
	Path               string            `yaml:"path"`
	MaxParams          string            `yaml:"max_params"`
	MaxTrainableParams string            `yaml:"max_trainable_params"`
	MaxFLOPs           string            `yaml:"max_flops"`
	Layers             []checkLayers     `yaml:"layers"`
	Format             string            `yaml:"format"`
	Entry              string            `yaml:"entry"`
	Call               string            `yaml:"call"`
	Class              string            `yaml:"class"`
	ModelType          string            `yaml:"model_type"`
	InputShape         []string          `yaml:"input_shape"`
	Set                map[string]string `yaml:"set"`

	limits [3]*int64
}

// checkLayers is a budget for each layer whose name matches.
type checkLayers struct {
	Match     string `yaml:"match"`
	MaxParams string `yaml:"max_params"`
	MaxFLOPs  string `yaml:"max_flops"`

	limits [2]*int64
}

// maxCheckFile caps a budget file's size before it is parsed.
const maxCheckFile = 256 << 10

// parseCheckFile reads a budget file and its counts.
func parseCheckFile(name string, data []byte) (*checkFile, error) {
	if len(data) > maxCheckFile {
		return nil, fmt.Errorf("%s: a budget file of %d bytes; at most %d", name, len(data), maxCheckFile)
	}
	if i := bytes.IndexByte(data, '&'); i >= 0 {
		line := bytes.Count(data[:i], []byte("\n")) + 1
		return nil, fmt.Errorf("%s:%d: '&': a budget file has no anchors or aliases", name, line)
	}
	var f checkFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.ReplaceAll(yaml.FormatError(err, false, false), "\n", " "))
	}
	if len(f.Models) == 0 {
		return nil, fmt.Errorf("%s: no models (want models: a list of {path, max_params, …})", name)
	}
	for i := range f.Models {
		m := &f.Models[i]
		where := fmt.Sprintf("%s: models[%d]", name, i)
		if m.Path == "" {
			return nil, fmt.Errorf("%s: no path", where)
		}
		if _, err := path.Match(filepath.ToSlash(m.Path), ""); err != nil {
			return nil, fmt.Errorf("%s: path %q: %v", where, m.Path, err)
		}
		for k, s := range []string{m.MaxParams, m.MaxTrainableParams, m.MaxFLOPs} {
			if s == "" {
				continue
			}
			n, err := parseCount(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", where, strings.ReplaceAll(budgetNames[k], "-", "_"), err)
			}
			m.limits[k] = &n
		}
		for j := range m.Layers {
			l := &m.Layers[j]
			lw := fmt.Sprintf("%s.layers[%d]", where, j)
			if l.Match == "" {
				return nil, fmt.Errorf("%s: no match (a glob of layer names)", lw)
			}
			if _, err := path.Match(l.Match, ""); err != nil {
				return nil, fmt.Errorf("%s: match %q: %v", lw, l.Match, err)
			}
			for k, s := range []string{l.MaxParams, l.MaxFLOPs} {
				if s == "" {
					continue
				}
				n, err := parseCount(s)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %v", lw, []string{"max_params", "max_flops"}[k], err)
				}
				l.limits[k] = &n
			}
		}
	}
	return &f, nil
}

// checkCmd is "layerinfo check [FILE]".
func checkCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("layerinfo check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	timeout := fs.Duration("timeout", 20*time.Second, "stop reading a model that takes longer (`DURATION`)")
	maxMemory := fs.String("max-memory", "1GiB", "the memory reading one model may use (`SIZE`)")
	usageErr := usageError(stderr, "layerinfo check")
	files, wantHelp, err := parseArgs(fs, args)
	if wantHelp {
		fmt.Fprint(stdout, checkUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	if err != nil {
		return usageErr("%v", err)
	}
	name := "layerinfo.yaml"
	switch len(files) {
	case 0:
	case 1:
		name = files[0]
	default:
		return usageErr("one budget file at a time, got %d", len(files))
	}
	limit, err := budget.Parse(*maxMemory)
	if err != nil {
		return usageErr("--max-memory: %v", err)
	}
	data, err := os.ReadFile(name)
	if err == nil && len(data) > maxCheckFile {
		err = fmt.Errorf("%s: a budget file of %d bytes; at most %d", name, len(data), maxCheckFile)
	}
	var cf *checkFile
	if err == nil {
		cf, err = parseCheckFile(name, data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo check: %v\n", err)
		return exitModel
	}
	dir := filepath.Dir(name)
	rows := [][]string{{"model", "figure", "value", "budget", "status"}}
	// A model's error outranks a breach: exit 1 if any, else 3 if any.
	code := exitOK
	fail := func(c int) {
		if code != exitModel {
			code = c
		}
	}
	for i := range cf.Models {
		m := &cf.Models[i]
		paths, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(m.Path)))
		if err == nil && len(paths) == 0 {
			err = fmt.Errorf("%s: models[%d]: %s matches no file", name, i, m.Path)
		}
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo check: %v\n", err)
			fail(exitModel)
			continue
		}
		sort.Strings(paths)
		opt, err := m.options(limit)
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo check: %s: models[%d]: %v\n", name, i, err)
			fail(exitModel)
			continue
		}
		for _, p := range paths {
			if same, _ := filepath.Match(filepath.Clean(name), filepath.Clean(p)); same {
				continue // a glob that takes in the budget file itself
			}
			r, c := analyzeFile(p, opt, *timeout, stderr)
			if c != exitOK {
				rows = append(rows, []string{p, "", "", "", "error"})
				fail(exitModel)
				continue
			}
			if over := m.check(p, r, &rows, stderr); over {
				fail(exitBudget)
			}
		}
	}
	var b strings.Builder
	writeTable(&b, rows)
	io.WriteString(stdout, b.String())
	return code
}

// options are the model options of an entry.
func (m *checkModel) options(limit int64) (layerinfo.Options, error) {
	var shapes shapesFlag
	for _, s := range m.InputShape {
		if err := shapes.Set(s); err != nil {
			return layerinfo.Options{}, fmt.Errorf("input_shape: %v", err)
		}
	}
	return layerinfo.Options{
		Format:       m.Format,
		Python:       layerinfo.PythonOptions{Entry: m.Entry, Set: m.Set, InputShapes: shapes.m, InputTypes: shapes.types, Call: m.Call},
		ONNX:         layerinfo.ONNXOptions{InputShapes: shapes.m},
		HF:           layerinfo.HFOptions{Class: m.Class, ModelType: m.ModelType},
		Caffe:        layerinfo.CaffeOptions{InputShapes: shapes.m},
		MaxMemory:    limit,
		NoArithmetic: true, // check prints figures, not their arithmetic
	}, nil
}

// check adds a row per budget of the entry to rows, prints a line per
// breach, and reports whether there was one.
func (m *checkModel) check(p string, r *stats.Report, rows *[][]string, stderr io.Writer) (over bool) {
	t := &r.Totals
	figures := [3]*int64{}
	if !t.ParamsUnknown {
		figures[0], figures[1] = &t.Params, &t.TrainableParams
	}
	figures[2] = t.FLOPs
	labels := [3]string{"params", "trainable params", "FLOPs"}
	keys := [3]string{"max_params", "max_trainable_params", "max_flops"}
	given := [3]string{m.MaxParams, m.MaxTrainableParams, m.MaxFLOPs}
	add := func(label, key, given string, fig *int64, lim int64) {
		line := breach(p, label, key, given, fig, lim)
		status := "ok"
		if line != "" {
			status, over = "OVER", true
			fmt.Fprintln(stderr, strings.Replace(line, "--"+key, key, 1))
		}
		*rows = append(*rows, []string{p, label, numOrUnknown(fig), stats.Thousands(lim), status})
	}
	for k, lim := range m.limits {
		if lim != nil {
			add(labels[k], keys[k], given[k], figures[k], *lim)
		}
	}
	for _, lb := range m.Layers {
		matched := 0
		for _, l := range r.AllLayers() {
			if ok, _ := path.Match(lb.Match, l.Name); !ok {
				continue
			}
			matched++
			var params *int64
			if !l.ParamsUnknown {
				n := l.Params
				params = &n
			}
			flops := l.FLOPs
			if flops != nil {
				n := *flops
				flops = &n
			}
			if lb.limits[0] != nil {
				add("layer "+l.Name+" params", "max_params", lb.MaxParams, params, *lb.limits[0])
			}
			if lb.limits[1] != nil {
				add("layer "+l.Name+" FLOPs", "max_flops", lb.MaxFLOPs, flops, *lb.limits[1])
			}
		}
		if matched == 0 {
			// A pattern that matches nothing checks nothing: say so,
			// rather than pass in silence.
			fmt.Fprintf(stderr, "layerinfo check: %s: no layer matches %q\n", p, lb.Match)
			*rows = append(*rows, []string{p, "layers " + lb.Match, "no layer", "", "OVER"})
			over = true
		}
	}
	return over
}

func numOrUnknown(n *int64) string {
	if n == nil {
		return "?"
	}
	return stats.Thousands(*n)
}

// writeTable writes rows padded to their columns, the first a header.
func writeTable(b *strings.Builder, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for k, row := range rows {
		var l strings.Builder
		for i, c := range row {
			if i > 0 {
				l.WriteString("  ")
			}
			l.WriteString(c)
			l.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
		if k == 0 {
			for i, n := range width {
				if i > 0 {
					b.WriteString("  ")
				}
				b.WriteString(strings.Repeat("-", n))
			}
			b.WriteByte('\n')
		}
	}
}
