package keras

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// Code is Keras model code (.py) as a format.Format: keras.Sequential,
// the functional API and subclassed models, with the spellings keras,
// tf.keras, tensorflow.keras.
type Code struct{ Options CodeOptions }

// CodeOptions tune DecodeCode. The zero value reads the model the file
// builds at its top level.
type CodeOptions struct {
	// Entry is the expression that gives the model, in the file's
	// namespace: a top-level name ("model"), or a call
	// ("build_model(10)").
	Entry string
	// InputShapes are the input shapes, batch axis first (a negative
	// size is None), of a subclassed model (its call is traced on them)
	// or a Sequential model whose input the file does not give: "" (or
	// call's parameter name) the first, "#2" the second.
	InputShapes map[string][]int64
	MaxSteps    uint64
	Dir         fs.FS
	Budget      *budget.Budget
}

var _ format.Format = Code{}

func (Code) Name() string { return "keras-code" }
func (Code) Doc() string {
	return "Keras model code (.py importing keras or tensorflow): Sequential, functional and subclassed models, model.summary()'s shapes and params"
}

var (
	importsKeras = regexp.MustCompile(`(?m)^[ \t]*(import[ \t]+(keras|tensorflow|tf_keras)\b|from[ \t]+(keras|tensorflow|tf_keras)(\.[A-Za-z_.]+)?[ \t]+import\b)`)
	importsTorch = regexp.MustCompile(`(?m)^[ \t]*(import[ \t]+torch\b|from[ \t]+torch(\.[A-Za-z_.]+)?[ \t]+import\b)`)
)

// Sniff: a .py file that imports keras or tensorflow (and not torch) is
// certain — neither Lasagne's nor PyTorch's code imports them; with a
// torch import too, maybe.
//
// A Jupyter notebook whose cells import keras or tensorflow is certain
// too (its code cells run in order, positions "cell N line L").
func (Code) Sniff(name string, head []byte) format.Sure {
	if pyhost.IsNotebook(name, head) {
		if notebookKeras.Match(head) && !notebookTorch.Match(head) {
			return format.Certain
		}
		return format.No
	}
	if !strings.HasSuffix(strings.ToLower(name), ".py") || !importsKeras.Match(head) {
		return format.No
	}
	if importsTorch.Match(head) {
		return format.Maybe
	}
	return format.Certain
}

// A notebook's source lines are JSON strings: "import keras\n".
var (
	notebookKeras = regexp.MustCompile(`"[ \t]*(import[ \t]+(keras|tensorflow|tf_keras)\b|from[ \t]+(keras|tensorflow|tf_keras)(\.[A-Za-z_.]+)?[ \t]+import\b)`)
	notebookTorch = regexp.MustCompile(`"[ \t]*(import[ \t]+torch\b|from[ \t]+torch(\.[A-Za-z_.]+)?[ \t]+import\b)`)
)

func (c Code) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	opt := c.Options
	opt.Dir, opt.Budget = in.Dir, in.Budget
	return DecodeCode(in.Name, src, opt)
}

// DecodeCode runs Keras model code and reads the model it builds into a
// graph, as the model's JSON would be read.
func DecodeCode(name string, src []byte, opt CodeOptions) (g *graph.Graph, err error) {
	loadTables()
	src = pyhost.StripBOM(src)
	if pyhost.IsNotebook(name, src) {
		text, cells, nerr := pyhost.NotebookSource(name, src)
		if nerr != nil {
			return nil, nerr
		}
		src = text
		defer func() { g, err = cells.Fix(g, err) }()
	}
	return decodeCode(name, src, opt)
}

func decodeCode(name string, src []byte, opt CodeOptions) (*graph.Graph, error) {
	var d *decoder
	var k *kctx
	var run *pyhost.Run
	var top error
	var root *kLayer
	var what string
	// Read as a module first: an if __name__ == "__main__": block
	// (training, model.summary()) is skipped. When the model is made
	// only there, as the script run.
	for _, mod := range []string{"model", "__main__"} {
		d = &decoder{src: &source{file: name, src: src}, b: opt.Budget, resetAfter: true, own: map[*value][]fileWeight{}}
		k = newKctx(name, src, d)
		r, err := pyhost.Exec(name, src, pyhost.Options{
			MaxSteps: opt.MaxSteps, Budget: opt.Budget, Dir: opt.Dir,
			Import:     k.importer(k.modules()),
			ModuleName: mod,
		})
		if r == nil {
			return nil, err
		}
		defer r.Close()
		run, top = r, err
		var ge *graph.Error
		if errors.As(top, &ge) && ge.Layer != "" {
			return nil, top // a layer's error (a shape that does not fit): Keras stops there too
		}
		last := mod == "__main__" || !strings.Contains(string(src), "__main__")
		root, what, err = k.pick(run, opt.Entry, last)
		if err == nil {
			break
		}
		var me *format.MissingError
		if mod == "model" && errors.As(err, &me) && me.Option == "entry" && strings.Contains(err.Error(), "no Keras model found") &&
			strings.Contains(string(src), "__main__") {
			continue
		}
		if top != nil {
			return nil, top
		}
		return nil, err
	}
	var notes []string
	if top != nil {
		notes = append(notes, fmt.Sprintf("the file's top level stopped after the model was made (it is read without the rest): %v", top))
	}
	for _, sk := range run.Skipped {
		notes = append(notes, sk+" (a layer it would have made is not counted)")
	}
	m := root.model
	if err := k.traceSequential(run.Thread, root, 0); err != nil {
		return nil, run.Error(err)
	}
	switch {
	case m.kind == mSubclass && (!m.traced || len(opt.InputShapes) > 0):
		shapes, err := k.subclassInputs(root, opt)
		if err != nil {
			return nil, err
		}
		var ins []starlark.Value
		for _, s := range shapes {
			t, err := k.freshInput(s, graph.Float32, root)
			if err != nil {
				return nil, err
			}
			ins = append(ins, t)
		}
		m.traced = false
		if _, err := run.Call(root.o, starlark.Tuple(ins), nil); err != nil {
			return nil, err
		}
	case m.kind == mSequential && len(opt.InputShapes) > 0:
		s, ok := opt.InputShapes[""]
		if !ok || len(opt.InputShapes) > 1 {
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("a Sequential model has one input: give its shape alone (Nx28x28x1)")}
		}
		m.build, m.built, m.input = dims(s), true, nil
		if len(m.layers) > 0 && m.layers[0].cfg != nil {
			for _, key := range []string{"input_shape", "batch_input_shape", "batch_shape", "input_dim"} {
				m.layers[0].cfg.obj = dropKey(m.layers[0].cfg.obj, key)
			}
		}
	case len(opt.InputShapes) > 0:
		return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("model %s declares its inputs with keras.Input: change them there", root.name)}
	}
	k.err = nil
	v := k.entryValue(root, nil)
	if k.err != nil {
		return nil, k.err
	}
	fd := &decoder{src: d.src, b: opt.Budget, resetAfter: true, own: d.own}
	mod, err := fd.parseModel(v, true, "")
	if err != nil {
		return nil, err
	}
	g, err := fd.graphOf(mod, false)
	if err != nil {
		return nil, err
	}
	if m.kind == mSubclass {
		stripInputs(g)
	}
	g.Format = "keras"
	g.Path = name
	g.Prints = graph.Printed{Which: "total", Label: "Total params"}
	g.Notes = append(g.Notes, fd.notes...)
	if what != "" {
		g.Notes = append(g.Notes, "the model is "+what)
	}
	g.Notes = append(g.Notes, notes...)
	return g, nil
}

func dropKey(ms []member, key string) []member {
	out := ms[:0]
	for _, m := range ms {
		if m.key != key {
			out = append(out, m)
		}
	}
	return out
}

func dims(s []int64) graph.Shape {
	out := make(graph.Shape, len(s))
	for i, d := range s {
		if d < 0 {
			out[i] = graph.Unknown()
		} else {
			out[i] = graph.D(d)
		}
	}
	return out
}

// stripInputs leaves a subclassed model's inputs out of its rows (its
// model.layers has no InputLayer): their tensors become the graph's
// inputs.
func stripInputs(g *graph.Graph) {
	var keep []*graph.Node
	g.Inputs = nil
	for _, n := range g.Nodes {
		if n.Type == "InputLayer" {
			if in, ok := n.Op.(*layerOp); ok {
				if s, dt, ok, err := (&decoder{src: &source{}}).declaredShape(in.l); ok && err == nil {
					v := n.Outputs[0]
					v.Shape, v.DType, v.Producer = s, dt, nil
					g.Inputs = append(g.Inputs, v)
					continue
				}
			}
		}
		n.Index = len(keep)
		keep = append(keep, n)
	}
	g.Nodes = keep
}

// subclassInputs are the shapes a subclassed model is traced on: the
// option's, else model.build's, else none (asked for).
func (k *kctx) subclassInputs(root *kLayer, opt CodeOptions) ([]graph.Shape, error) {
	if len(opt.InputShapes) > 0 {
		var out []graph.Shape
		if s, ok := opt.InputShapes[""]; ok {
			out = append(out, dims(s))
		}
		for i := 2; ; i++ {
			s, ok := opt.InputShapes[fmt.Sprintf("#%d", i)]
			if !ok {
				break
			}
			out = append(out, dims(s))
		}
		if len(out) != len(opt.InputShapes) {
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("give the shapes of %s's call inputs in order, without names", root.class)}
		}
		return out, nil
	}
	if root.model.built {
		return []graph.Shape{root.model.build}, nil
	}
	return nil, &format.MissingError{What: "the shape of the model's input", Option: "input-shape", Value: "Nx…",
		Err: fmt.Errorf("%s: model %s (%s) is subclassed and never built in the file: its call is traced on an input shape", k.file, root.name, root.class)}
}

// pick finds the model: the entry expression's value; else the one model
// the top level binds that no other holds (model when there are several);
// else the last model made; else what a function of the file with no
// arguments and "model" in its name returns.
func (k *kctx) pick(run *pyhost.Run, entry string, last bool) (*kLayer, string, error) {
	isModel := func(v starlark.Value) *kLayer {
		if kl := stateOf(v); kl != nil && kl.model != nil && kl.isModel {
			return kl
		}
		return nil
	}
	if entry = strings.TrimSpace(entry); entry != "" {
		fn, err := starlark.EvalOptions(pyhost.FileOptions, run.Thread, "<entry>", "lambda: "+entry, run.Globals)
		if err != nil {
			return nil, "", &format.UsageError{Option: "entry", Err: fmt.Errorf("%s: %v", entry, err)}
		}
		v, err := run.Call(fn, nil, nil)
		if err != nil {
			return nil, "", err
		}
		kl := isModel(v)
		if kl == nil {
			return nil, "", &format.UsageError{Option: "entry", Err: fmt.Errorf("%s is a %s, not a Keras model", entry, v.Type())}
		}
		return kl, "", nil
	}
	inner := map[*kLayer]bool{}
	for _, l := range k.layers {
		if l.model == nil {
			continue
		}
		for _, sub := range k.modelLayers(l) {
			inner[sub] = true
		}
	}
	var roots []string
	for _, n := range run.Globals.Keys() {
		if kl := isModel(run.Globals[n]); kl != nil && !inner[kl] && kl.model.kind != 0 {
			if kl.model.kind != mSubclass && len(kl.calls) > 0 {
				continue // called as a layer of another model
			}
			dup := false
			for _, r := range roots {
				dup = dup || isModel(run.Globals[r]) == kl
			}
			if !dup {
				roots = append(roots, n)
			}
		}
	}
	switch {
	case len(roots) == 1:
		return isModel(run.Globals[roots[0]]), "", nil
	case len(roots) > 1:
		for _, r := range roots {
			if r == "model" {
				return isModel(run.Globals[r]), "", nil
			}
		}
		sort.Strings(roots)
		return nil, "", &format.MissingError{What: "which model to read", Option: "entry", Value: roots[len(roots)-1],
			Err: fmt.Errorf("%s: the file builds several models (%s): say which one is the model", k.file, strings.Join(roots, ", "))}
	}
	for i := len(k.layers) - 1; i >= 0; i-- {
		if l := k.layers[i]; l.model != nil && l.isModel && !inner[l] && (l.model.kind == mSubclass || len(l.calls) == 0) && l.model.kind != 0 {
			if l.model.kind == mSubclass && !l.model.traced && !l.model.built {
				continue
			}
			return l, "", nil
		}
	}
	// A function that builds the model, callable without arguments:
	// build_model(), create_cnn(input_shape=(28, 28, 1)).
	var fns, models []string
	for _, n := range run.Globals.Keys() {
		f, ok := run.Globals[n].(*starlark.Function)
		if !ok || !noRequired(f) {
			continue
		}
		low := strings.ToLower(n)
		if strings.Contains(low, "model") {
			models = append(models, n)
		}
		for _, p := range []string{"build", "create", "make", "get_", "define"} {
			if strings.HasPrefix(low, p) && (strings.Contains(low, "model") || strings.Contains(low, "net") || strings.Contains(low, "cnn") || strings.Contains(low, "rnn")) {
				fns = append(fns, n)
				break
			}
		}
	}
	if len(models) == 1 {
		fns = models
	}
	if len(fns) > 1 {
		sort.Strings(fns)
		return nil, "", &format.MissingError{What: "which function builds the model", Option: "entry", Value: "'" + fns[0] + "()'",
			Err: fmt.Errorf("%s: several functions may build the model (%s): say which", k.file, strings.Join(fns, ", "))}
	}
	if len(fns) == 1 {
		v, err := run.Call(run.Globals[fns[0]], nil, nil)
		if err != nil {
			return nil, "", err
		}
		if kl := isModel(v); kl != nil {
			return kl, "what " + fns[0] + "() returns", nil
		}
	}
	// A subclassed model class with no arguments (when the file's main
	// block, if any, has been run and made none).
	for _, n := range run.Globals.Keys() {
		if !last {
			break
		}
		if c, ok := run.Globals[n].(*pyhost.Class); ok && c.Native == nil && c.IsSubclass(k.model) {
			v, err := run.Call(c, nil, nil)
			if err == nil {
				if kl := isModel(v); kl != nil {
					return kl, n + "()", nil
				}
			}
		}
	}
	return nil, "", &format.MissingError{What: "what builds the model", Option: "entry", Value: "'build_model()'",
		Err: errors.New(k.file + ": no Keras model found: the file makes no keras.Sequential or keras.Model at its top level")}
}

// noRequired says whether f can be called without arguments (every
// parameter has a default; none is *args or **kwargs).
func noRequired(f *starlark.Function) bool {
	if f.HasVarargs() || f.HasKwargs() {
		return false
	}
	for i := range f.NumParams() {
		if f.ParamDefault(i) == nil {
			return false
		}
	}
	return true
}
