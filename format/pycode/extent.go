package pycode

import (
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// extent is where a file builds its model, read from the syntax tree
// before it runs: the last statement that makes a layer or a NeuralNet,
// directly or through a function of the file. An error up to that
// statement happened while the model was being built and ends decoding;
// an error after it (training loops, plots, data code) leaves a whole
// model and becomes a note.
type extent struct {
	top      span            // the last top-level statement that builds; zero: none
	fns      map[string]span // per top-level function: the same in its body
	builders map[string]bool
	guards   []span // top-level if __name__ == '__main__': blocks
}

// span is the lines of a statement, first and last.
type span struct{ start, end int }

// after reports whether a run error, at the frames of stack in file,
// happened after the model was complete: at top level, or in main() or a
// function that does not build, after the last statement that builds; in
// that statement, where the function it calls had got to. In a function
// whose name says it builds (or --entry's), nothing is after.
func (e *extent) after(stack starlark.CallStack, file string, entry string) bool {
	var frames []starlark.CallFrame
	for _, fr := range stack {
		if fr.Pos.IsValid() && fr.Pos.Filename() == file {
			frames = append(frames, fr)
		}
	}
	for i, fr := range frames {
		sp, ok := e.top, true
		if fr.Name != "<toplevel>" {
			name := fr.Name
			if _, m := pyhost.MethodOf(name); m != "" {
				name = m // Model._setup_network: the method's name says it
			}
			if fr.Name == entry || builderName(name) {
				return false
			}
			sp, ok = e.fns[fr.Name]
		}
		line := int(fr.Pos.Line)
		switch {
		case !ok || sp.end == 0 || line < sp.start || i == len(frames)-1 && line <= sp.end:
			return false
		case line > sp.end:
			return true
		}
	}
	return false
}

// noteBuilt remembers the top-level statement that is making a layer, so
// that a statement extent did not see build (a layer made through a
// list of constructors, getattr) moves the model's end at run time.
func (b *builder) noteBuilt(th *starlark.Thread) {
	if th == nil {
		return
	}
	// Outermost first, as th.CallStack() lists them, without making
	// the whole stack for every layer.
	for d := th.CallStackDepth() - 1; d >= 0; d-- {
		fr := th.CallFrame(d)
		if fr.Name == "<toplevel>" && fr.Pos.Filename() == b.file {
			b.built = max(b.built, int(fr.Pos.Line))
			return
		}
	}
}

// builderName says a function builds a network, as callEntry reads names.
func builderName(name string) bool {
	l := strings.ToLower(name)
	return l != "main" && (strings.HasPrefix(l, "build") || strings.HasPrefix(l, "create") || strings.HasPrefix(l, "make") ||
		strings.HasPrefix(l, "get_") || strings.Contains(l, "model") || strings.Contains(l, "net"))
}

// notConstructors are lasagne.layers functions that read a network
// rather than build one (training and plotting code calls them).
var notConstructors = map[string]bool{
	"get_output": true, "get_all_params": true, "get_all_param_values": true, "set_all_param_values": true,
	"count_params": true, "get_all_layers": true, "get_output_shape": true, "Layer": true, "MergeLayer": true,
}

// layerHelpers are lasagne.layers functions that add layers.
var layerHelpers = map[string]bool{
	"batch_norm": true, "batch_norm_dnn": true, "instance_norm": true, "layer_norm": true, "prelu": true, "rrelu": true,
	"standardize": true, "dropout_channels": true, "spatial_dropout": true, "dropout_locations": true,
	"dropout": true, "flatten": true, "reshape": true, "dimshuffle": true, "pad": true, "concat": true, "NeuralNet": true,
}

// layerish reports whether a name called as a function makes a layer by
// its name alone: a Lasagne class, NeuralNet, or a class named like one
// (including the misspellings guessFree reports). Lasagne's lower-case
// helpers (batch_norm, flatten, reshape) count only where they are
// Lasagne's: see modelExtent.
func (e *extent) layerish(name string, classes map[string]class) bool {
	if notConstructors[name] {
		return false
	}
	if _, ok := classes[name]; ok {
		return true
	}
	return name == "NeuralNet" || strings.HasSuffix(name, "Layer") || strings.HasSuffix(name, "Layr") || strings.HasSuffix(name, "Lyaer")
}

// modelExtent reads f: which functions build layers (a fixpoint over the
// functions calling each other), then the last building statement at top
// level and in each function's body. modBuilders are the builder
// functions of sibling modules by the name the file binds the module to;
// nameBuilders the ones it imports by name (from helpers import conv_bn).
func modelExtent(f *syntax.File, prep *pyhost.Source, classes map[string]class, u *unit) *extent {
	modBuilders, nameBuilders := u.modBuilders, u.nameBuilders
	e := &extent{fns: map[string]span{}, builders: map[string]bool{}}
	imported := map[string]string{}
	for _, imp := range prep.Imports {
		if !imp.Star {
			imported[imp.Name] = imp.Path
		}
	}
	for _, c := range prep.Classes {
		if c.Name != "" && strings.Contains(c.Bases, "Layer") {
			e.builders[c.Name] = true
		}
	}
	for n := range nameBuilders {
		e.builders[n] = true
	}
	// Names the file binds itself: a helper's name (concat, reshape) is
	// Lasagne's only when the file does not define it.
	own := map[string]bool{}
	for _, s := range f.Stmts {
		switch s := s.(type) {
		case *syntax.DefStmt:
			own[s.Name.Name] = true
		case *syntax.AssignStmt:
			if id, ok := s.LHS.(*syntax.Ident); ok {
				own[id.Name] = true
			}
		}
	}
	// layersModule reports whether x is lasagne.layers (or a submodule):
	// written so, or a name an import binds to it, or layers or L used
	// without an import (guessFree binds them so) — not a variable of the
	// file's (layers = OrderedDict()).
	layersModule := func(x syntax.Expr) bool {
		prefix := pyhost.Dotted(x)
		if prefix == "lasagne.layers" || strings.HasPrefix(prefix, "lasagne.layers.") {
			return true
		}
		root := x
		for {
			d, ok := root.(*syntax.DotExpr)
			if !ok {
				break
			}
			root = d.X
		}
		id, ok := root.(*syntax.Ident)
		if !ok || !pyhost.Predeclared(id) {
			return false
		}
		if p, ok := imported[id.Name]; ok {
			return strings.HasPrefix(p+strings.TrimPrefix(prefix, id.Name), "lasagne.layers")
		}
		return prefix == "layers" || prefix == "L"
	}
	// A function of a module that could not be found builds layers when
	// it is given a variable that holds one (l = res_block(l, 64)); given
	// data (iterate_minibatches(X, y, batch_size)) it does not.
	layerVars := map[string]bool{}
	missing := func(name string, call *syntax.CallExpr) bool {
		if !u.missing[name] {
			return false
		}
		for _, a := range call.Args {
			if id, ok := a.(*syntax.Ident); ok && layerVars[id.Name] {
				return true
			}
		}
		return false
	}
	// Methods of the file's classes by their names (self.build_net()),
	// and the variables that hold instances (m = Model()).
	defs := pyhost.TopDefs(f)
	methods := map[string][]string{}
	for _, d := range defs {
		if _, m := pyhost.MethodOf(d.Name.Name); m != "" {
			methods[m] = append(methods[m], d.Name.Name)
		}
	}
	instances := map[string]bool{"self": true, "cls": true}
	for _, c := range prep.Classes {
		if c.Compiled {
			instances[c.Name] = true
		}
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		if as, ok := n.(*syntax.AssignStmt); ok {
			if id, ok := as.LHS.(*syntax.Ident); ok {
				if c, ok := as.RHS.(*syntax.CallExpr); ok {
					if fn, ok := c.Fn.(*syntax.Ident); ok && instances[fn.Name] && fn.Name != "self" && fn.Name != "cls" {
						instances[id.Name] = true
					}
				}
			}
		}
		return true
	})
	isBuild := func(call *syntax.CallExpr) bool {
		switch fn := call.Fn.(type) {
		case *syntax.Ident:
			n := fn.Name
			if e.builders[n] || e.layerish(n, classes) || missing(n, call) || e.builders[pyhost.MethodVar(n, "__init__")] {
				return true
			}
			if layerHelpers[n] && !own[n] && pyhost.Predeclared(fn) && (imported[n] == "" || strings.HasPrefix(imported[n], "lasagne.")) {
				return true // batch_norm(…) from lasagne.layers
			}
			if p, ok := imported[n]; ok {
				last := p[strings.LastIndex(p, ".")+1:]
				if e.layerish(last, classes) || strings.HasPrefix(p, "lasagne.layers.") && !notConstructors[last] {
					return true
				}
			}
		case *syntax.DotExpr:
			n := fn.Name.Name
			if e.layerish(n, classes) {
				return true
			}
			if receiverIsInstance(fn.X, instances) {
				for _, v := range methods[n] {
					if e.builders[v] {
						return true // self._setup_network(), Model().build(), m.build()
					}
				}
			}
			prefix := pyhost.Dotted(fn.X)
			if prefix == "" {
				return false
			}
			if layersModule(fn.X) && !notConstructors[n] {
				return true // lasagne.layers.batch_norm(…), L.concat(…); not x.flatten()
			}
			if fns := modBuilders[prefix]; fns[n] {
				return true
			}
			if missing(strings.Split(prefix, ".")[0], call) {
				return true
			}
		}
		return false
	}
	builds := func(n syntax.Node) bool {
		found := false
		syntax.Walk(n, func(x syntax.Node) bool {
			if c, ok := x.(*syntax.CallExpr); ok && isBuild(c) {
				found = true
			}
			return !found
		})
		return found
	}
	// Functions, aliases and layer variables, to a fixpoint.
	for changed := true; changed; {
		changed = false
		syntax.Walk(f, func(n syntax.Node) bool {
			if as, ok := n.(*syntax.AssignStmt); ok && as.Op == syntax.EQ {
				if id, ok := as.LHS.(*syntax.Ident); ok && !layerVars[id.Name] {
					if c, ok := as.RHS.(*syntax.CallExpr); ok && isBuild(c) {
						layerVars[id.Name] = true
						changed = true
					}
				}
			}
			return true
		})
		stmts := append([]syntax.Stmt{}, f.Stmts...)
		for _, d := range defs {
			if _, m := pyhost.MethodOf(d.Name.Name); m != "" {
				stmts = append(stmts, d)
			}
		}
		for _, s := range stmts {
			name, body := "", syntax.Node(nil)
			switch s := s.(type) {
			case *syntax.DefStmt:
				name, body = s.Name.Name, s
			case *syntax.AssignStmt:
				id, ok := s.LHS.(*syntax.Ident)
				if !ok || s.Op != syntax.EQ {
					continue
				}
				switch r := s.RHS.(type) {
				case *syntax.LambdaExpr:
					name, body = id.Name, r
				case *syntax.Ident, *syntax.DotExpr:
					// conv = lasagne.layers.Conv2DLayer: an alias.
					if isBuild(&syntax.CallExpr{Fn: r}) {
						name = id.Name
					}
				case *syntax.CallExpr:
					// conv = partial(Conv2DLayer, filter_size=3)
					if d := pyhost.Dotted(r.Fn); (d == "partial" || strings.HasSuffix(d, ".partial")) && len(r.Args) > 0 && isBuild(&syntax.CallExpr{Fn: r.Args[0]}) {
						name = id.Name
					}
				}
			}
			if name == "" || e.builders[name] {
				continue
			}
			if body == nil || builds(body) {
				e.builders[name] = true
				changed = true
			}
		}
	}
	later := func(a, b span) span {
		if b.end > a.end {
			return b
		}
		return a
	}
	var last func(stmts []syntax.Stmt) span
	last = func(stmts []syntax.Stmt) span {
		var sp span
		for _, s := range stmts {
			switch s := s.(type) {
			case *syntax.DefStmt:
				continue // defining a function builds nothing
			case *syntax.IfStmt:
				// if __name__ == '__main__': runs, as when the script is
				// run; where it is is remembered (inMainGuard).
				if pyhost.IsMainGuard(s.Cond) {
					e.guards = append(e.guards, spanOf(s))
				}
				if builds(s.Cond) {
					sp = later(sp, spanOf(s.Cond))
				}
				sp = later(later(sp, last(s.True)), last(s.False))
				continue
			}
			if builds(s) {
				sp = later(sp, spanOf(s)) // a loop that builds is built when it ends
			}
		}
		return sp
	}
	e.top = last(f.Stmts)
	for _, d := range defs {
		e.fns[d.Name.Name] = last(d.Body)
	}
	return e
}

// receiverIsInstance reports whether x, the receiver of a method call,
// is an instance of one of the file's classes (self, Model(), a
// variable assigned Model(…)) or the class itself: net.fit(X, y) of a
// NeuralNet is not a method of the file's.
func receiverIsInstance(x syntax.Expr, instances map[string]bool) bool {
	switch x := x.(type) {
	case *syntax.Ident:
		return instances[x.Name]
	case *syntax.CallExpr:
		id, ok := x.Fn.(*syntax.Ident)
		return ok && instances[id.Name]
	}
	return false
}

// inMainGuard reports whether a run error happened while the top level
// of file ran its if __name__ == '__main__': block.
func (e *extent) inMainGuard(stack starlark.CallStack, file string) bool {
	for _, fr := range stack {
		if fr.Name == "<toplevel>" && fr.Pos.IsValid() && fr.Pos.Filename() == file {
			line := int(fr.Pos.Line)
			for _, g := range e.guards {
				if line >= g.start && line <= g.end {
					return true
				}
			}
			return false
		}
	}
	return false
}

func spanOf(n syntax.Node) span {
	start, end := n.Span()
	return span{int(start.Line), int(end.Line)}
}
