package pycode

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// DefaultMaxSteps bounds a script's execution: enough for any model
// definition, small enough that an endless loop stops in about a second.
const DefaultMaxSteps = pyhost.DefaultMaxSteps

// Options tune Decode. The zero value is the default.
type Options struct {
	MaxSteps uint64 // Starlark execution steps allowed; 0 means DefaultMaxSteps
	// Entry is what builds the model: a function to call ("build_cnn"),
	// a call with literal arguments ("build_lenet5(None, 10)"), or the
	// variable of a NeuralNet or layer of the file ("net2").
	Entry string
	// Set binds names, NAME → a Python literal: a module-level name takes
	// the value instead of its assignment; a parameter of the entry
	// function or a NeuralNet keyword of that name gets it.
	Set map[string]string
	// InputShapes gives InputLayers their shapes, by layer name ("": the
	// first made); the whole shape, batch first; negative sizes are None.
	InputShapes map[string][]int64
	// Dir is the script's directory, from which the modules it imports
	// (from layers import *, import helpers) are read: regular files
	// only, reached through no symbolic link. nil reads none.
	Dir fs.FS
	// Budget is the run's memory budget, charged before every allocation
	// the script controls (repetition, concatenation, materialized
	// ranges, string building); nil is the default budget of a request.
	Budget *budget.Budget
}

// Decode runs Python-syntax model code (nolearn NeuralNet definitions and
// Lasagne layer code) in a sandboxed Starlark interpreter and returns the
// network it builds. name is used in positions. The script has no file,
// network or module access; it stops after the step limit.
func Decode(name string, src []byte, opt Options) (g *graph.Graph, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("%s: internal error while running the script (please report): %v", name, r)
		}
	}()
	b := newBuilder(name)
	if IsNotebook(name, src) {
		text, cs, nerr := pyhost.NotebookSource(name, src)
		if nerr != nil {
			return nil, nerr
		}
		src, b.cells = text, cs
		defer func() {
			if b.g != nil {
				b.cells.Fix(b.g, nil)
			}
			g, err = b.cells.Fix(g, err)
		}()
	}
	text := string(pyhost.StripBOM(src))
	if err := pyhost.CheckShape(name, text); err != nil {
		return nil, err
	}
	prep := prepare(text)
	if err := b.useOptions(opt, prep); err != nil {
		return nil, err
	}
	defer func() { err = b.hintOptions(err) }()
	b.classes = lasagneClasses()
	b.roots = b.modules()
	b.roots["math"] = pyhost.Math()
	np := pyhost.Numpy()
	b.roots["numpy"] = np
	b.roots["collections"] = &pyhost.Module{Name: "collections", Open: true, Members: starlark.StringDict{"OrderedDict": starlark.Universe["dict"]}}
	th, max, stop := pyhost.NewThread(name, opt.MaxSteps, opt.Budget)
	defer stop()
	b.th, b.max = th, max
	b.sib = &siblings{dir: &pyhost.ModuleDir{FS: opt.Dir}, mods: map[string]*pyhost.Module{}, builders: map[string]map[string]bool{}, importErrs: map[*graph.Error]bool{}}
	b.files = map[string]bool{name: true}

	// The script is run, so if __name__ == '__main__': runs; with
	// --entry it is imported and the entry called, so the block does not
	// (python -c 'import m; m.build_model(28, 28, 10)').
	modName := "__main__"
	if opt.Entry != "" {
		modName = strings.TrimSuffix(path.Base(name), ".py")
	}
	u, err := b.newUnit(name, prep, modName, b.dataBuiltins)
	if err != nil {
		return nil, err
	}
	predeclared := u.predeclared
	f, prog := u.f, u.prog
	if b.bindSets(f, predeclared) {
		if prog, err = starlark.FileProgram(f, func(string) bool { return true }); err != nil {
			return nil, sourceError(name, err)
		}
	}
	b.indexFile(f)
	b.findNets(f)
	// Names the file uses but never binds: builtins, or guessed.
	if err := b.guessFrees(name, u); err != nil {
		return nil, err
	}
	// Where the model ends: a statement Starlark cannot parse is left out
	// only after it.
	b.ext = modelExtent(f, prep, b.classes, u)
	for _, s := range u.skipped {
		if s.layers || s.line <= b.ext.top.end {
			return nil, s.err
		}
		b.skipped = append(b.skipped, s.note)
	}

	globals, err := prog.Init(th, predeclared)
	b.setGlobals(name, globals)
	if err != nil && len(b.layers) == 0 && len(b.nets) == 0 {
		// The if __name__ == '__main__': block stopped before anything
		// was built (sys.argv[1] of a script run without its
		// arguments): the model is then what the file's build function
		// makes, as if the block were not run; with none, the error.
		var ee *starlark.EvalError
		if errors.As(err, &ee) && b.ext.inMainGuard(ee.CallStack, name) {
			if rerr := b.runError(err); !b.modelErr(rerr) && !b.importErr(rerr) {
				b.guardErr, err = rerr, nil
			}
		}
	}
	if err := b.tolerate(name, err, max); err != nil {
		return nil, err
	}
	for _, k := range pyhost.SortedNames(globals) {
		b.nameFrom(globals[k])
	}
	b.noteGlobals(globals)
	if b.given.entry != nil || len(b.nets) == 0 && len(b.layers) == 0 {
		th.Uncancel()
		th.SetMaxExecutionSteps(th.ExecutionSteps() + max)
		err := b.callEntry(th, globals, opt.Entry)
		var oe *OptionError
		if errors.As(err, &oe) {
			return nil, oe
		}
		if err := b.tolerate(name, err, max); err != nil {
			return nil, err
		}
	}
	if err := b.checkUsed(); err != nil {
		return nil, err
	}
	if b.guardErr != nil && (len(b.nets) > 0 || len(b.layers) > 0) {
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("the if __name__ == '__main__': block stopped before building anything: %v", b.guardErr))
	}
	b.g.Notes = append(b.g.Notes, b.skipped...)
	return b.finish()
}

// tolerate decides whether a run error ends decoding. An error while
// the model is being built ends it: at top level up to the last
// statement that builds layers (b.ext), anywhere in the function called
// to build the model, in making a layer. Only an error after the model
// is complete (training code after the last layer, at top level or in
// main()) leaves the model whole, with the error as a note.
func (b *builder) tolerate(name string, err error, max uint64) error {
	if err == nil {
		return nil
	}
	if be := pyhost.MemoryOf(b.th).Exceeded(err); be != nil {
		return be
	}
	var be *budget.Error
	if errors.As(err, &be) {
		return be // never a note: the run is over its budget
	}
	var ee *starlark.EvalError
	after := false
	if errors.As(err, &ee) && b.ext != nil {
		entry := ""
		if b.given != nil && b.given.entry != nil {
			entry = b.given.entry.name
		}
		after = b.ext.after(ee.CallStack, name, entry)
		if b.built > b.ext.top.end {
			after = false // a statement after the model's end made layers: the end is later
		}
	}
	err = b.runError(err)
	var ie *infer.Error
	var pe *graph.Error
	if errors.As(err, &pe) && b.sib.importErrs[pe] {
		return err // a layer from a module that could not be found
	}
	if !after || errors.As(err, &ie) || len(b.layers) == 0 || b.modelErr(err) {
		var de *dataError
		if m := b.sib.missing; len(b.layers) == 0 && len(m) > 0 && pe != nil && pe.Layer == "" && !errors.As(err, &de) {
			// Nothing was built: what could not be imported is the
			// likely cause — not of an error about a layer being made
			// (its arguments, --input-shape), which got that far.
			return &graph.Error{Pos: pe.Pos, Layer: pe.Layer, Err: fmt.Errorf("%v; the model may come from what could not be imported: %v", pe.Err, m[0].Err)}
		}
		return err
	}
	b.g.Notes = append(b.g.Notes, fmt.Sprintf("the script stopped after building its model: %v", err))
	return nil
}

// runError is runError for the script and its modules.
func (b *builder) runError(err error) error { return runError(b.file, err, b.max, b.files) }

// importErr reports whether err is a module's that could not be found.
func (b *builder) importErr(err error) bool {
	var pe *graph.Error
	return errors.As(err, &pe) && b.sib.importErrs[pe]
}

// modelErr reports whether err came from making a layer.
func (b *builder) modelErr(err error) bool {
	var pe *graph.Error
	return errors.As(err, &pe) && pe.Layer != ""
}

// nameFrom names unnamed layers after the keys of the dict of layers a
// builder function returns (net['conv1'] = ConvLayer(...)), the names the
// script's author reads.
func (b *builder) nameFrom(v starlark.Value) {
	switch x := v.(type) {
	case *starlark.Dict:
		for _, item := range x.Items() {
			k, ok1 := item[0].(starlark.String)
			l, ok2 := item[1].(*layer)
			if !ok1 || !ok2 || l.named || string(k) == "" {
				continue
			}
			delete(b.names, l.node.Name)
			name := b.uniqueName(string(k))
			b.names[name] = true
			l.node.Name, l.node.Outputs[0].Name, l.named = name, name, true
		}
	case starlark.Tuple:
		for _, y := range x {
			b.nameFrom(y)
		}
	}
}

func countDefaults(f *starlark.Function) int {
	n := 0
	for i := 0; i < f.NumParams(); i++ {
		if f.ParamDefault(i) != nil {
			n++
		}
	}
	if f.HasVarargs() {
		n++
	}
	if f.HasKwargs() {
		n++
	}
	return n
}

// finish keeps the layers of the model (the NeuralNet's, or every layer
// no other layer consumes and what they depend on) as the graph.
func (b *builder) finish() (*graph.Graph, error) {
	var model []*layer
	var outs []*layer
	g := b.g
	nn, layers := b.chosenNet(), b.modelLayers()
	switch {
	case nn != nil:
		model = nn.layers
		if len(model) > 0 {
			outs = []*layer{model[len(model)-1]}
		}
		g.Format = "nolearn"
		g.Prints = graph.Printed{Which: "trainable", Label: "learnable parameters"}
	case len(layers) > 0:
		consumed := b.newMark() // the layers some layer takes as input
		for _, l := range layers {
			for _, v := range l.node.Inputs {
				if p := b.layerOf(v); p != nil {
					p.mark = consumed
				}
			}
		}
		for _, l := range layers {
			if l.mark != consumed {
				outs = append(outs, l)
			}
		}
		model = b.ancestors(outs)
		g.Format = "lasagne"
		g.Prints = graph.Printed{Which: "total", Label: "parameters with lasagne.layers.count_params"}
		if len(outs) > 1 {
			var names []string
			for _, l := range outs {
				names = append(names, l.node.Name)
			}
			g.Notes = append(g.Notes, fmt.Sprintf("%d output layers: %s", len(outs), strings.Join(names, ", ")))
		}
	case b.guardErr != nil:
		return nil, b.guardErr
	default:
		msg := "no network found: the file makes no nolearn NeuralNet and no Lasagne layers (if a function builds it, name it as the entry point)"
		entry := &format.MissingError{What: "the entry point", Option: "entry", Value: "NAME"}
		fns := b.uncalled()
		if len(fns) > 0 {
			// What builds it needs arguments the file does not give.
			first := fns[0][:strings.LastIndex(fns[0], " (line")]
			msg = fmt.Sprintf("no network found: the file makes no nolearn NeuralNet and no Lasagne layers when run; what builds one is given its arguments only by a caller the file does not have: %s; name it as the entry point, e.g. %s (a name in the call stands for data; a size from it is given as the value of a name)",
				strings.Join(fns, ", "), first)
			entry.Value = "'" + first + "'"
		}
		if len(b.skipped) > 0 {
			msg += "; " + strings.Join(b.skipped, "; ")
		}
		if m := b.sib.missing; len(m) > 0 && len(fns) == 0 {
			// The model may be built by what could not be imported
			// (when nothing of the file's would build it).
			msg += "; " + m[0].Err.Error()
		}
		entry.Err = errors.New(msg)
		return nil, &graph.Error{Pos: graph.Pos{File: b.file}, Err: entry}
	}
	// The graph keeps the model's nodes in the order they were made:
	// b.layers[i] made g.Nodes[i].
	mark := b.newMark()
	for _, l := range model {
		l.mark = mark
	}
	nodes := make([]*graph.Node, 0, len(model))
	for _, l := range b.layers {
		if l.mark == mark {
			l.node.NoArithmetic = false // as builder.infer found it
			nodes = append(nodes, l.node)
		}
	}
	g.Nodes = nodes
	// Analyze infers every node again, and makes its parameters anew
	// (infer.Run): the ones the script's run made are let go here, so
	// that they can be collected before the analysis makes its own
	// (some 250 bytes a dense layer). Output shapes, remarks and
	// sharing stay.
	for _, n := range nodes {
		n.Params = nil
	}
	for _, l := range outs {
		g.Outputs = append(g.Outputs, l.node.Outputs[0])
	}
	// layerinfo.Load validates the graph (graph.Validate); the tests
	// and the fuzz test validate what Decode returns.
	return g, nil
}

// sourceError converts a parse or resolve error, with a hint where Python
// syntax that Starlark lacks is the likely cause.
func sourceError(name string, err error) error {
	var se syntax.Error
	if errors.As(err, &se) {
		msg := se.Msg
		if strings.Contains(msg, "got **") || strings.Contains(msg, "'**'") {
			msg += " (the ** operator is not supported; write pow(a, b))"
		}
		return &graph.Error{Pos: graph.Pos{File: name, Line: int(se.Pos.Line), Col: int(se.Pos.Col)}, Err: fmt.Errorf("syntax error: %s", msg)}
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) && len(rl) > 0 {
		return &graph.Error{Pos: graph.Pos{File: name, Line: int(rl[0].Pos.Line), Col: int(rl[0].Pos.Col)}, Err: errors.New(rl[0].Msg)}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// runError converts an execution error: ours keep their position; a
// Starlark error gets the innermost position in the file and the chain of
// calls that led there.
func runError(name string, err error, max uint64, files map[string]bool) error {
	var be *budget.Error
	if errors.As(err, &be) {
		return be
	}
	var pe *graph.Error
	if errors.As(err, &pe) {
		return pe
	}
	var ie *infer.Error
	if errors.As(err, &ie) {
		return ie
	}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", name, err)
	}
	pos, msg := pyhost.Locate(name, ee, max, files)
	return &graph.Error{Pos: pos, Err: errors.New(msg)}
}
