package torchcode

import (
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
	"github.com/layerinfo/layerinfo/op"
)

// Options tune Decode. The zero value builds the model the file makes at
// its top level, or its one nn.Module class whose constructor needs no
// arguments.
type Options struct {
	// Entry is the expression that builds the model, in the file's
	// namespace: "resnet50()", "Net(num_classes=10)", or a top-level
	// name ("model").
	Entry string
	// InputShapes are the shapes of forward's inputs, batch first, by
	// forward's parameter name, or by position: "" the first, "#2" the
	// second, …; a negative size is the symbolic batch N.
	InputShapes map[string][]int64
	// InputTypes are their element types by torch's names ("long",
	// "bool"), same keys; float by default.
	InputTypes map[string]string
	// Call is the expression that runs the model when forward needs
	// more than tensors: m is the model, x the first input, the other
	// inputs by their names ("m(x, m.init_hidden(1))").
	Call string
	// Set is refused: names bound before the file runs are the Lasagne
	// front-end's; a PyTorch model takes its values in Entry.
	Set      map[string]string
	MaxSteps uint64         // 0: the host's default step limit
	Dir      fs.FS          // the script's directory: the modules it imports
	Budget   *budget.Budget // nil: the default budget of a request
}

// NotTraced is the note of a graph read without an input to trace
// forward on.
const NotTraced = "no input to trace forward on: output shapes and FLOPs are unknown (the parameters and buffers are those the modules' constructors register, exactly)"

// row is a module that becomes a graph node: its named_modules path.
type row struct {
	path string
	o    *pyhost.Instance
}

// built is the model the entry made and its rows.
type built struct {
	t     *torch
	model *pyhost.Instance
	rows  []row
	entry string // what built it, for the note
	notes []string
}

// Decode runs PyTorch model code and reads the module tree its entry
// builds into a graph: one node per row module, holding the module's own
// parameters and buffers.
func Decode(name string, src []byte, opt Options) (*graph.Graph, error) {
	if !pyhost.IsNotebook(name, src) {
		return decode(name, src, opt)
	}
	// A Jupyter notebook: its code cells in order, IPython magics left
	// out; positions name the cell (nb.ipynb:cell 3:12:5).
	text, cells, err := pyhost.NotebookSource(name, src)
	if err != nil {
		return nil, err
	}
	g, err := decode(name, text, opt)
	var p *Partial
	if errors.As(err, &p) && p.Graph != nil {
		cells.Fix(p.Graph, nil)
	}
	return cells.Fix(g, err)
}

func decode(name string, src []byte, opt Options) (*graph.Graph, error) {
	if len(opt.Set) > 0 {
		return nil, &format.UsageError{Option: "set", Err: errors.New("PyTorch code takes no values to bind: give them as the entry's arguments (Net(num_classes=10))")}
	}
	b, run, err := build(name, src, opt)
	if run != nil {
		defer run.Close()
	}
	if err != nil {
		return nil, once(err)
	}
	ins, from, err := b.inputs(opt)
	if err != nil {
		return nil, err
	}
	if ins == nil && strings.TrimSpace(opt.Call) == "" {
		g, err := b.graph(name, opt.Budget)
		if g != nil {
			g.AddAsk(graph.Ask{What: "the shape of forward's input", Option: "input-shape", Value: "…"})
		}
		return g, err
	}
	g, _, err := b.trace(run, b.t, name, opt, ins, from)
	if err != nil {
		var p *Partial
		if errors.As(err, &p) {
			p.Err = once(p.Err)
			return nil, p
		}
		return nil, once(err)
	}
	return g, nil
}

// inputs are what forward is traced on: the shapes given, else the
// input the file feeds the model; nil when there is none.
func (b *built) inputs(opt Options) ([]traceInput, string, error) {
	if len(opt.InputShapes) > 0 {
		ins, err := givenInputs(b.model, opt)
		return ins, "given", err
	}
	if ins, from, ok := b.t.fedInputs(b.model); ok {
		return ins, from, nil
	}
	return nil, "", nil
}

// once is a host error whose message already holds its cause's text
// without the cause said twice; it still matches the cause.
func once(err error) error {
	var ge *graph.Error
	if errors.As(err, &ge) && ge == err && ge.Err != nil && strings.Contains(ge.Msg, ge.Err.Error()) {
		return &placed{ge}
	}
	return err
}

type placed struct{ e *graph.Error }

func (p *placed) Error() string {
	c := *p.e
	c.Err = nil
	return c.Error()
}

func (p *placed) Unwrap() error { return p.e }

func build(name string, src []byte, opt Options) (*built, *pyhost.Run, error) {
	exec := func(src []byte) (*torch, *pyhost.Run, error) {
		t, tm := newTorch()
		run, err := pyhost.Exec(name, src, pyhost.Options{
			MaxSteps: opt.MaxSteps, Budget: opt.Budget, Dir: opt.Dir,
			Import: t.importer(tm),
			// The file is read as a module: its if __name__ ==
			// "__main__": block (training, a demo) is skipped.
			ModuleName: "model",
		})
		return t, run, err
	}
	t, run, err := exec(src)
	if run == nil {
		return nil, nil, err
	}
	top := err
	model, entry, err := t.entry(run, src, opt.Entry)
	var cut string
	if err != nil && top != nil {
		// The top level stopped before the model could be made (demo
		// or training code before the classes): read the file's
		// definitions alone.
		if defs := definitionsOnly(src); string(defs) != string(src) {
			t2, run2, top2 := exec(defs)
			if run2 != nil {
				if m2, e2, err2 := t2.entry(run2, defs, opt.Entry); err2 == nil {
					run.Close()
					run, model, entry, err, t = run2, m2, e2, nil, t2
					cut = fmt.Sprintf("the file's top level stopped (%v); the model was read from its imports, functions, classes and assignments, its top-level calls and loops left out", once(top))
					top = top2
				} else {
					run2.Close()
				}
			}
		}
	}
	if err != nil {
		if top != nil {
			return nil, run, top
		}
		return nil, run, err
	}
	b := &built{t: t, model: model, entry: entry}
	if cut != "" {
		b.notes = append(b.notes, cut)
	}
	b.notes = append(b.notes, t.wrapped...)
	for _, sk := range run.Skipped {
		b.notes = append(b.notes, sk+" (a module it would have made is not counted)")
	}
	var inForward *graph.Error
	if top != nil && !(errors.As(top, &inForward) && inForward.Layer != "") {
		// The model was built; what failed is other top-level code (a
		// forward call on a tensor the host does not trace yet). A
		// shape bug in the model's forward is not repeated here: the
		// trace runs forward again and reports it with the modules'
		// names.
		b.notes = append(b.notes, fmt.Sprintf("the file's top level stopped (the model is read without it): %v", once(top)))
	}
	err = walk(model, func(o *pyhost.Instance, path string) error {
		m := stateOf(o)
		owns := false
		for _, s := range append(append([]slot{}, m.params...), m.buffers...) {
			owns = owns || s.val != starlark.None
		}
		hasChild := false
		for _, c := range m.children {
			hasChild = hasChild || c.val != starlark.None
		}
		if owns || !hasChild {
			b.rows = append(b.rows, row{path, o})
		}
		return nil
	})
	return b, run, err
}

// importer binds torch and torch.nn to this run's classes, and gives
// torchvision's model files what they take from torchvision.models._api
// (WeightsEnum, whose verify(None) is None) so that building a model
// without weights works; other imports are the host's.
func (t *torch) importer(tm *pyhost.Module) func(b pyhost.Binding) (starlark.Value, error) {
	enum := pyhost.NewNative("WeightsEnum", &pyhost.Native{})
	enum.Set("verify", starlark.NewBuiltin("verify", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) == 0 {
			return starlark.None, nil
		}
		if a[len(a)-1] != starlark.None {
			return nil, fmt.Errorf("pretrained weights cannot be loaded here: build the model with weights=None")
		}
		return starlark.None, nil
	}))
	identity := starlark.NewBuiltin("register_model", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.NewBuiltin("register_model", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 1 {
				return nil, fmt.Errorf("register_model() decorates one function")
			}
			return a[0], nil
		}), nil
	})
	copyMod := copyModule()
	return func(b pyhost.Binding) (starlark.Value, error) {
		parts := strings.Split(b.Path, ".")
		if parts[0] == "torch" {
			var v starlark.Value = tm
			for _, p := range parts[1:] {
				h, ok := v.(starlark.HasAttrs)
				if !ok {
					return nil, nil
				}
				x, err := h.Attr(p)
				if err != nil || x == nil {
					return nil, nil
				}
				v = x
			}
			return v, nil
		}
		if parts[0] == "copy" {
			var v starlark.Value = copyMod
			if len(parts) == 2 {
				v = copyMod.Members[parts[1]]
			}
			if v == nil || len(parts) > 2 {
				return nil, nil
			}
			return v, nil
		}
		if strings.HasSuffix(b.Mod, "_api") {
			switch parts[len(parts)-1] {
			case "WeightsEnum":
				return enum, nil
			case "register_model":
				return identity, nil
			}
		}
		return nil, nil
	}
}

var noArgFuncs = regexp.MustCompile(`(?m)^def\s+([A-Za-z_][A-Za-z0-9_]*)\(\s*\)`)

var classRE = regexp.MustCompile(`(?m)^class\s+([A-Za-z_][A-Za-z0-9_]*)`)

// entry finds the model: the entry expression; else the one module the
// file builds at its top level; else the last nn.Module class of the file
// whose constructor needs no arguments.
func (t *torch) entry(run *pyhost.Run, src []byte, expr string) (*pyhost.Instance, string, error) {
	if expr = strings.TrimSpace(expr); expr != "" {
		fn, err := starlark.EvalOptions(pyhost.FileOptions, run.Thread, "<entry>", "lambda: "+expr, run.Globals)
		if err != nil {
			return nil, "", &format.UsageError{Option: "entry", Err: fmt.Errorf("%s: %v", expr, err)}
		}
		v, err := run.Call(fn, nil, nil)
		if err != nil {
			return nil, "", err
		}
		m, ok := t.isModule(v)
		if !ok {
			return nil, "", &format.UsageError{Option: "entry", Err: fmt.Errorf("%s is a %s, not an nn.Module", expr, v.Type())}
		}
		return m, expr, nil
	}
	// Modules bound at the top level, less those inside another.
	var tops []string
	inside := map[*pyhost.Instance]bool{}
	for _, n := range run.Globals.Keys() {
		if m, ok := t.isModule(run.Globals[n]); ok {
			tops = append(tops, n)
			walk(m, func(o *pyhost.Instance, p string) error {
				if p != "" {
					inside[o] = true
				}
				return nil
			})
		}
	}
	var roots []string
	for _, n := range tops {
		m, _ := t.isModule(run.Globals[n])
		if !inside[m] && !contains(roots, run.Globals, m) {
			roots = append(roots, n)
		}
	}
	switch len(roots) {
	case 1:
		m, _ := t.isModule(run.Globals[roots[0]])
		return m, "the top-level " + roots[0] + " (" + m.Class.Name() + ")", nil
	case 0:
	default:
		sort.Strings(roots)
		return nil, "", &format.MissingError{What: "which model to read", Option: "entry", Value: roots[0],
			Err: fmt.Errorf("%s: the file builds several models (%s): say which one is the model", run.Name, strings.Join(roots, ", "))}
	}
	// The file's own nn.Module classes, last defined first.
	var cands []string
	for _, m := range classRE.FindAllSubmatch(src, -1) {
		n := string(m[1])
		c, ok := run.Globals[n].(*pyhost.Class)
		if !ok || !c.IsSubclass(t.base) || c.Native != nil {
			continue
		}
		cands = append(cands, n)
	}
	// A class another class of the file uses is a part (a block), not
	// the model.
	parts := usedInClasses(src, cands)
	var noArgs []string
	for _, n := range cands {
		if !parts[n] && needsNoArgs(run.Globals[n].(*pyhost.Class)) {
			noArgs = append(noArgs, n)
		}
	}
	if len(noArgs) == 0 {
		what := "the file defines no nn.Module class"
		var roots []string
		for _, n := range cands {
			if !parts[n] {
				roots = append(roots, n)
			}
		}
		if len(roots) > 0 {
			what = "its nn.Module classes that no other class uses need constructor arguments (" + strings.Join(roots, ", ") + ")"
		}
		if fns := noArgFuncs.FindAllSubmatch(src, 20); len(fns) > 0 {
			var names []string
			for _, f := range fns {
				names = append(names, string(f[1])+"()")
			}
			what += "; functions of the file that take no arguments: " + strings.Join(names, ", ")
		}
		return nil, "", &format.MissingError{What: "the expression that builds the model", Option: "entry", Value: "MODEL(...)",
			Err: fmt.Errorf("%s: no model is built at the top level and %s: say what builds the model", run.Name, what)}
	}
	n := noArgs[len(noArgs)-1]
	v, err := run.Call(run.Globals[n], nil, nil)
	if err != nil {
		return nil, "", err
	}
	m, ok := t.isModule(v)
	if !ok {
		return nil, "", fmt.Errorf("%s: %s() is a %s, not an nn.Module", run.Name, n, v.Type())
	}
	return m, n + "(), the last nn.Module class of the file that needs no arguments", nil
}

// usedInClasses are the names among cands that appear in the body of
// another top-level class of src.
func usedInClasses(src []byte, cands []string) map[string]bool {
	lines := strings.Split(string(src), "\n")
	type body struct {
		name string
		text string
	}
	var bodies []body
	for i := 0; i < len(lines); i++ {
		m := classRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		j := i + 1
		for j < len(lines) {
			l := lines[j]
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && l[0] != ' ' && l[0] != '\t' {
				break
			}
			j++
		}
		bodies = append(bodies, body{m[1], strings.Join(lines[i+1:j], "\n")})
		i = j - 1
	}
	used := map[string]bool{}
	for _, n := range cands {
		re := regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`)
		for _, b := range bodies {
			if b.name != n && re.MatchString(b.text) {
				used[n] = true
			}
		}
	}
	return used
}

func contains(names []string, g starlark.StringDict, m *pyhost.Instance) bool {
	for _, n := range names {
		if g[n] == m {
			return true
		}
	}
	return false
}

// needsNoArgs reports whether a class of the file can be made with no
// arguments: its __init__ (or its bases') has defaults for all of them.
func needsNoArgs(c *pyhost.Class) bool {
	init, k := c.Lookup("__init__")
	if init == nil || k.Native != nil {
		return true
	}
	f, ok := init.(*starlark.Function)
	if !ok {
		return false
	}
	n := f.NumParams()
	if f.HasKwargs() {
		n-- // **kwargs, last
	}
	if f.HasVarargs() {
		n-- // *args, before it
	}
	for i := 1; i < n; i++ {
		if f.ParamDefault(i) == nil {
			return false
		}
	}
	return true
}

// graph makes one node per row: the module's own parameters and
// buffers as parameter values (a tied tensor is one graph.Param, counted
// at its first row), no known output (the trace will give it), unknown FLOPs.
func (b *built) graph(name string, bud *budget.Budget) (*graph.Graph, error) {
	if err := bud.Charge(int64(len(b.rows))*1024, "the graph of the modules"); err != nil {
		return nil, err
	}
	g := &graph.Graph{Name: b.model.Class.Name(), Format: "pytorch", Path: name,
		Notes: append([]string{"model: " + b.entry, NotTraced}, b.notes...),
		// model.parameters(), which torchinfo's summary totals.
		Prints: graph.Printed{Which: "total", Label: `"Total params" in torchinfo's summary`}}
	params := map[*Tensor]*graph.Param{}
	names := map[string]bool{}
	for _, r := range b.rows {
		m := stateOf(r.o)
		var ins []*graph.Value
		for i, list := range [][]slot{m.params, m.buffers} {
			for _, s := range list {
				x, ok := s.val.(*Tensor)
				if !ok {
					continue
				}
				full := s.name
				if r.path != "" {
					full = r.path + "." + s.name
				}
				if !x.Known {
					return nil, &graph.Error{Pos: m.pos, Layer: r.path, Msg: fmt.Sprintf("%s %s (%s): its shape is unknown (made from %s), so it cannot be counted", kindOf(i), full, r.o.Class.Name(), x.Desc)}
				}
				p := params[x]
				dt := graph.Float32
				if s.name == "num_batches_tracked" && i == 1 {
					dt = graph.Int64
				}
				if p == nil {
					p = &graph.Param{Name: full, Role: s.name, Shape: graph.S(x.Shape...), DType: dt, Trainable: i == 0 && x.Grad, Buffer: i == 1}
					params[x] = p
				}
				ins = append(ins, &graph.Value{Name: full, Shape: p.Shape, DType: dt, Param: p})
			}
		}
		n := r.path
		if n == "" || names[n] {
			n = r.o.Class.Name()
			for names[n] {
				n += "'"
			}
		}
		names[n] = true
		g.NewNode(n, r.o.Class.Name(), op.Weights{}, ins, 0, m.pos)
	}
	// Without a trace nothing says whether an attribute made by a
	// library layerinfo does not model (self.backbone =
	// torchvision.models.resnet18()) is a module: its parameters are
	// unknown, and the totals a lower bound.
	paths := map[*pyhost.Instance]string{}
	_ = walk(b.model, func(o *pyhost.Instance, path string) error {
		paths[o] = path
		return nil
	})
	for _, a := range b.t.opaqueAt {
		path, ok := paths[a.owner]
		if !ok {
			continue
		}
		if path != "" {
			path += "."
		}
		n := g.NewNode(path+a.attr, a.v.Desc, uncounted{op.Weights{}}, nil, 0, stateOf(a.owner).pos)
		n.Uncounted = true
		g.Notes = append(g.Notes, fmt.Sprintf("%s = %s is not read by layerinfo (a library it does not model): if it is a module, its parameters are not known", path+a.attr, a.v.Desc))
	}
	return g, nil
}

func kindOf(i int) string {
	if i == 0 {
		return "parameter"
	}
	return "buffer"
}
