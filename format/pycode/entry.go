package pycode

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// given is what the command line tells about values the file cannot
// know: the entry, --set bindings and --input-shape shapes, and what
// became of them.
type given struct {
	entry     *entryCall
	sets      map[string]starlark.Value
	setNames  []string // sorted
	setUsed   map[string]bool
	netKw     map[string]bool // --set names taken as NeuralNet keywords
	assigned  map[string]bool // --set names the file assigns (at module level or in a function)
	shapes    map[string][]int64
	shapeUsed map[string]bool
	inputSeen bool         // an InputLayer has been made (the first takes the unnamed shape)
	blind     []blindShape // shapes given where the file's rank is unknown

	// What the entry chose: a NeuralNet, an output layer, or the layers
	// made from index from on (the entry function's).
	pick     *net
	out      *layer
	from     int
	called   bool            // a function of the file was called to build the model
	netNames map[*net]string // the module-level variable of each NeuralNet

	lines   []string                             // the prepared source, for expressions in messages
	exprs   map[syntax.Position]*syntax.CallExpr // by '(' position
	netVars map[syntax.Position]string           // module-level NAME = NeuralNet(…), by '('
	// allAssigns are every NAME = … of the file, functions included, in
	// the file's order: where a variable from data was computed.
	allAssigns []*syntax.AssignStmt
	globals    starlark.StringDict // after the module ran
}

// useOptions parses the options that concern Python code.
func (b *builder) useOptions(opt Options, prep *pyhost.Source) error {
	u := &given{sets: map[string]starlark.Value{}, setUsed: map[string]bool{}, netKw: map[string]bool{}, assigned: map[string]bool{},
		shapes: opt.InputShapes, shapeUsed: map[string]bool{}, netNames: map[*net]string{}}
	b.given = u
	u.lines = strings.Split(prep.Text, "\n")
	if opt.Entry != "" {
		e, err := parseEntry(opt.Entry)
		if err != nil {
			return err
		}
		u.entry = e
	}
	for k, s := range opt.Set {
		if !isName(k) {
			return &OptionError{Option: "set", Err: fmt.Errorf("%q is not a Python name (write NAME=VALUE, e.g. vocab_size=59)", k)}
		}
		v, err := parseLiteral(s)
		if err != nil {
			return &OptionError{Option: "set", Err: fmt.Errorf("%s: %w", k, err)}
		}
		u.sets[k] = v
		u.setNames = append(u.setNames, k)
	}
	sort.Strings(u.setNames)
	return nil
}

func isName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !pyhost.IsIdent(s[i]) {
			return false
		}
	}
	return true
}

// entryAsk asks for the entry point when the file was built from one
// layerinfo chose among several.
var entryAsk = graph.Ask{What: "another function or method to build the model", Option: "entry", Value: "NAME"}

// setVar is the predeclared name holding the value --set gives name.
func setVar(name string) string { return "__set_" + name + "__" }

// bindSets rewrites f so that the names --set gives take their values:
// NAME = expr, at module level or in a function (vocab_size computed in
// main()), becomes NAME = <value> (expr, which may need data, is not
// run), and an unpacking that binds NAME is followed by NAME = <value>.
// A name the file uses but never assigns is predeclared.
// It reports whether f changed; f must then be resolved again.
func (b *builder) bindSets(f *syntax.File, predeclared starlark.StringDict) bool {
	u := b.given
	if len(u.sets) == 0 {
		return false
	}
	changed := false
	var block func(stmts []syntax.Stmt) []syntax.Stmt
	block = func(stmts []syntax.Stmt) []syntax.Stmt {
		var out []syntax.Stmt
		for _, st := range stmts {
			out = append(out, st)
			switch s := st.(type) {
			case *syntax.AssignStmt:
				if s.Op != syntax.EQ {
					continue
				}
				if id, ok := s.LHS.(*syntax.Ident); ok {
					if _, set := u.sets[id.Name]; set {
						start, _ := s.RHS.Span()
						s.RHS = &syntax.Ident{NamePos: start, Name: setVar(id.Name)}
						u.assigned[id.Name], changed = true, true
					}
					continue
				}
				for _, id := range targets(s.LHS) {
					if _, set := u.sets[id.Name]; set {
						out = append(out, &syntax.AssignStmt{OpPos: s.OpPos, Op: syntax.EQ,
							LHS: &syntax.Ident{NamePos: id.NamePos, Name: id.Name},
							RHS: &syntax.Ident{NamePos: id.NamePos, Name: setVar(id.Name)}})
						u.assigned[id.Name], changed = true, true
					}
				}
			case *syntax.IfStmt:
				s.True, s.False = block(s.True), block(s.False)
			case *syntax.ForStmt:
				s.Body = block(s.Body)
			case *syntax.WhileStmt:
				s.Body = block(s.Body)
			case *syntax.DefStmt:
				s.Body = block(s.Body)
			}
		}
		return out
	}
	f.Stmts = block(f.Stmts)
	for _, k := range u.setNames {
		predeclared[setVar(k)] = u.sets[k]
		if !u.assigned[k] {
			predeclared[k] = u.sets[k]
		}
	}
	return changed
}

// targets lists the names an assignment's left side binds.
func targets(e syntax.Expr) []*syntax.Ident {
	switch x := e.(type) {
	case *syntax.Ident:
		return []*syntax.Ident{x}
	case *syntax.ParenExpr:
		return targets(x.X)
	case *syntax.TupleExpr:
		var out []*syntax.Ident
		for _, y := range x.List {
			out = append(out, targets(y)...)
		}
		return out
	case *syntax.ListExpr:
		var out []*syntax.Ident
		for _, y := range x.List {
			out = append(out, targets(y)...)
		}
		return out
	}
	return nil
}

// indexFile records, after resolution, the calls (for the source text of
// data-derived values), the module-level assignments, and which --set
// names the file reads without assigning them.
func (b *builder) indexFile(f *syntax.File) {
	u := b.given
	u.exprs = map[syntax.Position]*syntax.CallExpr{}
	u.netVars = map[syntax.Position]string{}
	for _, st := range f.Stmts {
		if a, ok := st.(*syntax.AssignStmt); ok && a.Op == syntax.EQ {
			id, ok1 := a.LHS.(*syntax.Ident)
			c, ok2 := a.RHS.(*syntax.CallExpr)
			if ok1 && ok2 && callee(c) == "NeuralNet" {
				u.netVars[c.Lparen] = id.Name
			}
		}
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.AssignStmt:
			if x.Op == syntax.EQ {
				u.allAssigns = append(u.allAssigns, x)
			}
		case *syntax.CallExpr:
			u.exprs[x.Lparen] = x
		case *syntax.Ident:
			if bind, ok := x.Binding.(*resolve.Binding); ok && bind.Scope == resolve.Predeclared {
				if _, set := u.sets[x.Name]; set {
					u.setUsed[x.Name] = true
				}
			}
		}
		return true
	})
	for k := range u.assigned {
		u.setUsed[k] = true
	}
}

// text is the source of a node, on one line and shortened.
func (u *given) text(n syntax.Node) string {
	start, end := n.Span()
	if start.Line < 1 || int(end.Line) > len(u.lines) || start.Line > end.Line {
		return ""
	}
	var parts []string
	for l := start.Line; l <= end.Line; l++ {
		r := []rune(u.lines[l-1])
		from, to := 0, len(r)
		if l == start.Line {
			from = min(max(int(start.Col)-1, 0), len(r))
		}
		if l == end.Line {
			to = min(max(int(end.Col)-1, from), len(r))
			// Some nodes (a slice x[1:]) end before their closing bracket.
			for to < len(r) && (r[to] == ']' && strings.Count(string(r[from:to]), "[") > strings.Count(string(r[from:to]), "]") ||
				r[to] == ')' && strings.Count(string(r[from:to]), "(") > strings.Count(string(r[from:to]), ")")) {
				to++
			}
		}
		parts = append(parts, strings.TrimSpace(string(r[from:to])))
	}
	s := strings.Join(parts, " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}

// entryValue is an argument of the --entry call: a name the file
// defines at module level is its value (build(NUM_CLASSES)); any other
// name stands for data.
func (u *given) entryValue(v starlark.Value) starlark.Value {
	if o, ok := v.(*pyhost.Opaque); ok && o.From != nil && o.From.EntryArg {
		if x, ok := u.globals[o.Desc]; ok {
			return x
		}
	}
	return v
}

// noteGlobals remembers the module-level variable of each NeuralNet.
func (b *builder) noteGlobals(globals starlark.StringDict) {
	b.given.globals = globals
	for _, k := range pyhost.SortedNames(globals) {
		if n, ok := globals[k].(*net); ok {
			if _, seen := b.given.netNames[n]; !seen {
				b.given.netNames[n] = k
			}
		}
	}
}

// callEntry decides what builds the model when --entry names it or the
// file's top level builds nothing: a NeuralNet or layer variable of the
// file is taken as it is; a function is called — the one --entry names,
// with its arguments, or else the first function whose name says it
// builds a network and whose arguments are all input variables
// (input_var, target_var: given None, as Lasagne's default) or given by
// --set, or else main(). --set values also go to the function's
// parameters of the same name.
func (b *builder) callEntry(th *starlark.Thread, globals starlark.StringDict, _ string) error {
	u := b.given
	if e := u.entry; e != nil {
		if c := b.classByName[b.file+"\x00"+e.name]; c != nil && globals[e.name] == nil {
			return b.callClass(th, c, e) // --entry Model, Model._setup_network
		}
		if e.method != "" {
			return &OptionError{Option: "entry", Err: fmt.Errorf("the file defines no class %s (write Class.method for a method of a class of the file)", e.name)}
		}
		v, ok := globals[e.name]
		if !ok {
			var names []string
			for _, k := range pyhost.SortedNames(globals) {
				switch globals[k].(type) {
				case *starlark.Function, *net, *layer:
					names = append(names, k)
				}
			}
			msg := fmt.Sprintf("the file defines no function, NeuralNet or layer %s", e.name)
			if s := spell.Nearest(e.name, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else if len(names) > 0 {
				msg += " (it defines " + strings.Join(names, ", ") + ")"
			}
			return &graph.Error{Pos: graph.Pos{File: b.file}, Layer: "entry point", Err: fmt.Errorf("%s", msg)}
		}
		switch x := v.(type) {
		case *net:
			if e.call {
				return &OptionError{Option: "entry", Err: fmt.Errorf("%s is a NeuralNet, not a function: write its name alone, %s", e.name, e.name)}
			}
			u.pick = x
			return nil
		case *layer:
			if e.call {
				return &OptionError{Option: "entry", Err: fmt.Errorf("%s is a layer, not a function: write its name alone, %s", e.name, e.name)}
			}
			u.out = x
			return nil
		case *starlark.Function:
			return b.callBuilder(th, x, e)
		}
		return &OptionError{Option: "entry", Err: fmt.Errorf("%s is %s, not a function, a NeuralNet or a layer", e.name, pyhost.Describe(v))}
	}
	if len(b.nets) > 0 || len(b.layers) > 0 {
		return nil
	}
	var cands []*starlark.Function
	for _, k := range pyhost.SortedNames(globals) {
		f, ok := globals[k].(*starlark.Function)
		if !ok {
			continue
		}
		l := strings.ToLower(k)
		if (strings.HasPrefix(l, "build") || strings.HasPrefix(l, "create") || strings.HasPrefix(l, "make") || strings.HasPrefix(l, "get_") ||
			strings.Contains(l, "model") || strings.Contains(l, "net")) && b.autoCallable(f) &&
			(!b.needsNone(f) || b.ext == nil || b.ext.builders[k]) {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		// Scripts that build and train in main(): run it; what it
		// builds before training code fails is the model.
		if f, ok := globals["main"].(*starlark.Function); ok && b.autoCallable(f) {
			cands = append(cands, f)
		} else {
			// A class whose __init__ or method builds it.
			return b.autoClass(th)
		}
	}
	// Functions that make layers (by the file's syntax) before others (a
	// get_data()); among them, those needing no argument, as before input
	// variables counted; then the file's order.
	rank := func(f *starlark.Function) (builds, noArgs bool) {
		builds = b.ext != nil && b.ext.builders[f.Name()]
		noArgs = f.NumParams()-countDefaults(f) == 0
		return
	}
	sort.SliceStable(cands, func(i, j int) bool {
		bi, ni := rank(cands[i])
		bj, nj := rank(cands[j])
		if bi != bj {
			return bi
		}
		if ni != nj {
			return ni
		}
		return cands[i].Position().Line < cands[j].Position().Line
	})
	fn := cands[0]
	call := fn.Name() + "(" + strings.Join(b.autoArgs(fn), ", ") + ")"
	if len(cands) > 1 {
		var others []string
		for _, c := range cands[1:] {
			others = append(others, c.Name())
		}
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("built by calling %s; the file also defines %s", call, strings.Join(others, ", ")))
		b.g.AddAsk(entryAsk)
	} else {
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("built by calling %s", call))
	}
	return b.callBuilder(th, fn, &entryCall{name: fn.Name()})
}

// fparam is a parameter of a function of the file.
type fparam struct {
	name     string
	required bool
}

// params lists fn's named parameters (not *args, **kwargs).
func params(fn *starlark.Function) []fparam {
	n := fn.NumParams()
	if fn.HasVarargs() {
		n--
	}
	if fn.HasKwargs() {
		n--
	}
	var ps []fparam
	for i := 0; i < n; i++ {
		name, _ := fn.Param(i)
		ps = append(ps, fparam{name: name, required: fn.ParamDefault(i) == nil})
	}
	return ps
}

// inputVarLike reports whether a parameter names a symbolic input
// variable (Theano's input_var, target_var), which Lasagne's InputLayer
// takes as None.
func inputVarLike(name string) bool {
	l := strings.ToLower(name)
	if l == "var" {
		return true
	}
	return strings.HasSuffix(l, "_var") || strings.HasSuffix(l, "_vars") || strings.HasSuffix(l, "var") && strings.HasPrefix(l, "input") ||
		strings.HasSuffix(l, "_sym") || strings.HasPrefix(l, "sym_") || strings.HasSuffix(l, "tensor")
}

// needsNone reports whether calling fn automatically passes None for an
// input variable; such a function is called only if it makes layers.
func (b *builder) needsNone(fn *starlark.Function) bool {
	for _, p := range params(fn) {
		if _, set := b.given.sets[p.name]; p.required && !set {
			return true
		}
	}
	return false
}

// autoCallable reports whether fn can be called without the user's
// help: every required parameter is an input variable or given by --set.
func (b *builder) autoCallable(fn *starlark.Function) bool {
	for _, p := range params(fn) {
		if _, set := b.given.sets[p.name]; p.required && !set && !inputVarLike(p.name) {
			return false
		}
	}
	return true
}

// autoArgs describes the arguments an automatic call passes.
func (b *builder) autoArgs(fn *starlark.Function) []string {
	var out []string
	for _, p := range params(fn) {
		if v, set := b.given.sets[p.name]; set {
			out = append(out, p.name+"="+v.String())
		} else if p.required {
			out = append(out, p.name+"=<a Theano variable>")
		}
	}
	return out
}

// callBuilder calls a function of the file to build the model: with the
// arguments of the --entry call, the --set values of its parameters, and
// None for required input variables not given. The model is then what
// the call built: the NeuralNet it made, or its layers.
func (b *builder) callBuilder(th *starlark.Thread, fn *starlark.Function, e *entryCall) error {
	u := b.given
	ps := params(fn)
	if len(e.args) > len(ps) && !fn.HasVarargs() {
		return &OptionError{Option: "entry", Err: fmt.Errorf("%s takes %d arguments, %d given", fn.Name(), len(ps), len(e.args))}
	}
	given := map[string]bool{}
	for i := range e.args {
		if i < len(ps) {
			given[ps[i].name] = true
		}
	}
	kwargs := append([]starlark.Tuple{}, e.kwargs...)
	for _, kv := range e.kwargs {
		given[string(kv[0].(starlark.String))] = true
	}
	for _, p := range ps {
		v, set := u.sets[p.name]
		switch {
		case set && given[p.name]:
			return &OptionError{Option: "set", Err: fmt.Errorf("%s is also given in the entry call %s(…)", p.name, fn.Name())}
		case set:
			kwargs = append(kwargs, starlark.Tuple{starlark.String(p.name), v})
			u.setUsed[p.name] = true
		case given[p.name] || !p.required:
		case inputVarLike(p.name) && !e.call:
			// What the script's own caller passes (T.tensor4('inputs')):
			// input_var.shape[0] is a size known when the graph runs.
			kwargs = append(kwargs, starlark.Tuple{starlark.String(p.name), &pyhost.Opaque{Desc: p.name, Sym: true}})
		default:
			return &OptionError{Option: "entry", Err: &format.MissingError{What: "the value of " + p.name, Option: "set", Value: p.name + "=VALUE",
				Err: fmt.Errorf("%s needs its argument %s: give it in the call, '%s(…)', or on its own", fn.Name(), p.name, fn.Name())}}
		}
	}
	args := append(starlark.Tuple{}, e.args...)
	for i, a := range args {
		args[i] = b.given.entryValue(a)
	}
	for i, kv := range kwargs {
		kwargs[i] = starlark.Tuple{kv[0], b.given.entryValue(kv[1])}
	}
	u.from, u.called = len(b.layers), true
	nets := len(b.nets)
	v, err := starlark.Call(th, fn, args, kwargs)
	b.nameFrom(v)
	if n, ok := v.(*net); ok {
		u.pick = n
	} else if len(b.nets) > nets {
		u.pick = b.nets[nets]
	}
	return err
}

// chosenNet is the NeuralNet that is the model, nil when it is Lasagne
// layers; with several and no --entry, the first, with a note.
func (b *builder) chosenNet() *net {
	u := b.given
	if u.out != nil {
		return nil
	}
	if u.pick != nil {
		return u.pick
	}
	if u.called || len(b.nets) == 0 {
		return nil // the entry function made no NeuralNet: its layers are the model
	}
	if len(b.nets) > 1 {
		var names []string
		for _, n := range b.nets {
			if k, ok := u.netNames[n]; ok {
				names = append(names, k)
			}
		}
		note := fmt.Sprintf("the file defines %d NeuralNets; this is the first", len(b.nets))
		if len(names) == len(b.nets) {
			note = fmt.Sprintf("the file defines %d NeuralNets (%s); this is %s", len(b.nets), strings.Join(names, ", "), names[0])
			b.g.AddAsk(graph.Ask{What: "another NeuralNet", Option: "entry", Value: names[1]})
		}
		b.g.Notes = append(b.g.Notes, note)
	}
	return b.nets[0]
}

// modelLayers are the layers the lasagne model is read from: the chosen
// output layer's, or those made by the entry call (all when none).
func (b *builder) modelLayers() []*layer {
	if b.given.out != nil {
		return b.ancestors([]*layer{b.given.out})
	}
	return b.layers[b.given.from:]
}

// checkUsed reports --set and --input-shape values nothing took.
func (b *builder) checkUsed() error {
	u := b.given
	for _, k := range u.setNames {
		if u.setUsed[k] {
			continue
		}
		msg := fmt.Sprintf("value given for %s: the file assigns no %s, and no entry function parameter or NeuralNet keyword has that name", k, k)
		if s := spell.Nearest(k, u.assignedNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return &graph.Error{Pos: graph.Pos{File: b.file}, Err: &unusedSet{msg}}
	}
	var names []string
	for k := range u.shapes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if u.shapeUsed[k] {
			continue
		}
		var inputs []string
		for _, l := range b.layers {
			if l.class == "InputLayer" {
				inputs = append(inputs, l.node.Name)
			}
		}
		if k == "" || len(inputs) == 0 {
			return &graph.Error{Pos: graph.Pos{File: b.file}, Err: fmt.Errorf("an input shape is given, but the model has no InputLayer to give it to")}
		}
		msg := fmt.Sprintf("input shape given for %s: the model has no InputLayer named %s (input layers: %s)", k, k, strings.Join(inputs, ", "))
		if s := spell.Nearest(k, inputs); s != "" {
			msg = fmt.Sprintf("input shape given for %s: the model has no InputLayer named %s (did you mean %s?)", k, k, s)
		}
		return &graph.Error{Pos: graph.Pos{File: b.file}, Err: fmt.Errorf("%s", msg)}
	}
	return nil
}

// assignedNames are the names the file assigns, for suggestions.
func (u *given) assignedNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, a := range u.allAssigns {
		for _, id := range targets(a.LHS) {
			if !seen[id.Name] {
				seen[id.Name] = true
				names = append(names, id.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// unusedSet is a --set value nothing took.
type unusedSet struct{ msg string }

func (e *unusedSet) Error() string { return e.msg }

// inputShape is the shape --input-shape gives the InputLayer being made
// (by its name, or the first one made for an unnamed shape), replacing
// the file's shape v. mark records the use; a peek does not.
func (b *builder) inputShape(name string, v starlark.Value, pos graph.Pos, mark bool) (graph.Shape, bool, error) {
	u := b.given
	if u == nil || len(u.shapes) == 0 {
		return nil, false, nil
	}
	key := ""
	fix, ok := u.shapes[name]
	if ok && name != "" {
		key = name
	} else if fix, ok = u.shapes[""]; !ok || u.inputSeen {
		if mark {
			u.inputSeen = true
		}
		return nil, false, nil
	}
	if !mark {
		return graph.S(fix...), true, nil
	}
	u.inputSeen = true
	u.shapeUsed[key] = true
	s := graph.S(fix...)
	if v == nil || v == starlark.None {
		return s, true, nil
	}
	file, err := toShape(v)
	if err != nil {
		// From data: the given shape is the answer, whatever its rank.
		label := "the InputLayer"
		if name != "" {
			label = "InputLayer " + name
		}
		u.blind = append(u.blind, blindShape{layer: label, shape: s})
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("%s: shape %s from the input shape given (the whole shape, batch axis first)", label, shapeFlag(s)))
		return s, true, nil
	}
	if len(file) != len(s) {
		what := "InputLayer"
		if name != "" {
			what = "InputLayer " + name
		}
		return nil, false, &graph.Error{Pos: pos, Layer: what, Err: fmt.Errorf("the input shape given has %d axes (%s) but the file's shape %s has %d: give the whole shape, batch axis first (N for None), e.g. %s",
			len(s), shapeFlag(s), pyShape(file), len(file), shapeFlag(append(graph.Shape{graph.Unknown()}, s...)))}
	}
	for i := range s {
		if file[i].Known() && s[i].Known() && file[i].Size != s[i].Size {
			b.g.Notes = append(b.g.Notes, fmt.Sprintf("input layer %s: axis %d set to %d by the input shape given (the file says %d)", nameOr(name, "InputLayer"), i, s[i].Size, file[i].Size))
		}
	}
	return s, true, nil
}

// blindShape is an --input-shape taken whole where the file's own shape
// comes from data, so that its rank could not be checked.
type blindShape struct {
	layer string
	shape graph.Shape
}

// hintOptions adds to a model error what the options may have to do
// with it: a --set name nothing took (misspelt?), and, when an
// --input-shape with a batch size was given for a shape from data, that
// the flag is the whole shape: 1x28x28 is a rank-3 input, not C, H, W
// after a batch axis.
func (b *builder) hintOptions(err error) error {
	var oe *OptionError
	if err == nil || b.given == nil || errors.As(err, &oe) {
		return err
	}
	u := b.given
	for _, k := range u.setNames {
		var unused *unusedSet
		if u.setUsed[k] || errors.As(err, &unused) {
			continue
		}
		if s := spell.Nearest(k, u.assignedNames()); s != "" {
			return fmt.Errorf("%w (the value given for %s was not used: did you mean %s?)", err, k, s)
		}
	}
	for _, bs := range u.blind {
		if len(bs.shape) > 0 && bs.shape[0].Known() {
			return fmt.Errorf("%w (the input shape given is %s's whole shape %s, batch axis first; if it leaves the batch out, write %s)",
				err, bs.layer, shapeFlag(bs.shape), shapeFlag(append(graph.Shape{graph.Unknown()}, bs.shape...)))
		}
	}
	return err
}

// shapeFlag writes a shape as --input-shape takes it: Nx1x28x28.
func shapeFlag(s graph.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d.Known() {
			parts[i] = fmt.Sprint(d.Size)
		} else {
			parts[i] = "N"
		}
	}
	return strings.Join(parts, "x")
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// setNetKeywords applies --set to a NeuralNet's keywords: one the call
// gives takes the value; one it lacks is added unless the name was bound
// elsewhere (a module-level name, a parameter of the entry function), so
// that --set output_num_units=10 works as the keyword would.
func (b *builder) setNetKeywords(params map[string]starlark.Value, keys []string) []string {
	u := b.given
	for _, k := range u.setNames {
		if _, ok := params[k]; ok {
			params[k] = u.sets[k]
			u.setUsed[k], u.netKw[k] = true, true
			continue
		}
		if u.setUsed[k] && !u.netKw[k] {
			continue // bound as a module-level name or an entry parameter
		}
		params[k] = u.sets[k]
		keys = append(keys, k)
		u.setUsed[k], u.netKw[k] = true, true
	}
	return keys
}

func callee(c *syntax.CallExpr) string {
	switch fn := c.Fn.(type) {
	case *syntax.Ident:
		return fn.Name
	case *syntax.DotExpr:
		return fn.Name.Name
	}
	return ""
}

// otherNet reports whether the NeuralNet being made is not the one
// --entry names: it is left unbuilt, so that its data-dependent sizes and
// its input layer do not matter.
func (b *builder) otherNet(th *starlark.Thread) bool {
	e := b.given.entry
	if e == nil || e.call || th.CallStackDepth() < 2 {
		return false
	}
	named := false
	for _, v := range b.given.netVars {
		named = named || v == e.name
	}
	this, ok := b.given.netVars[th.CallFrame(1).Pos]
	return named && ok && this != e.name
}
