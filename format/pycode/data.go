package pycode

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// dataError is a size layerinfo cannot compute, usually because it
// comes from data: it names the argument, the expression and line it
// came from, and what would give it; as a format.MissingError (As) it
// says which option does, for the CLI to name its flag.
type dataError struct {
	arg   string
	o     *pyhost.Origin // nil: not known yet (call.explain finds the argument's expression)
	data  bool           // the value is known to come from data (len(chars))
	input string         // the InputLayer whose shape it is ("" unnamed); set with isIn
	isIn  bool
	elem  int // 1 + the index of the entry of a tuple argument it is, 0 if none
}

func (e *dataError) Error() string {
	what := "the value"
	if e.arg != "" {
		what = e.arg
	}
	from := "a value layerinfo does not compute (data, or a library call)"
	if e.data {
		from = "data that layerinfo does not read"
	}
	s := fmt.Sprintf("%s comes from %s", what, from)
	if e.o != nil {
		s += ": " + e.o.String()
	}
	return s + "; give " + e.missing().What
}

// missing is what would give the value, and the option that takes it.
func (e *dataError) missing() *format.MissingError {
	switch {
	case e.o != nil && (e.o.IsVar || e.o.Name != "" && !e.isIn):
		return &format.MissingError{What: "the value of " + e.o.Name, Option: "set", Value: e.o.Name + "=VALUE", Err: e}
	case e.isIn && e.input != "":
		return &format.MissingError{What: "the whole shape of input layer " + e.input + ", batch first", Option: "input-shape", Value: e.input + "=Nx…", Err: e}
	case e.isIn:
		return &format.MissingError{What: "the InputLayer's whole shape, batch first (e.g. Nx1x28x28)", Option: "input-shape", Value: "Nx…", Err: e}
	}
	return &format.MissingError{What: "the size in the file, or the value of a name it is computed from", Option: "set", Value: "NAME=VALUE", Err: e}
}

// As makes a dataError a *format.MissingError to errors.As.
func (e *dataError) As(target any) bool {
	if t, ok := target.(**format.MissingError); ok {
		*t = e.missing()
		return true
	}
	return false
}

// argSrc is where an argument of a layer call is written: its
// expression, and for nolearn the NeuralNet keyword that gave it.
type argSrc struct {
	expr syntax.Expr
	key  string
}

// netArgs are the NeuralNet keywords of the layer being made.
type netArgs struct {
	layer string
	info  *netSyntax
}

// argSources finds the expressions of a layer call's arguments: the
// NeuralNet keywords <layer>_<arg>, or the call's own arguments. Only
// where they are is found now; they are listed when a message first
// asks (argSrcs.get): most calls never do.
func (b *builder) argSources(th *starlark.Thread, ps []param) argSrcs {
	if na := b.netArgs; na.info != nil {
		return argSrcs{na: na}
	}
	u := b.given
	if u == nil || th.CallStackDepth() < 2 {
		return argSrcs{}
	}
	call, ok := u.exprs[th.CallFrame(1).Pos]
	if !ok {
		return argSrcs{}
	}
	return argSrcs{call: call, ps: ps}
}

// argSrcs are a call's argument expressions by parameter name.
type argSrcs struct {
	na   netArgs          // the NeuralNet keywords of the layer, or
	call *syntax.CallExpr // the layer's call
	ps   []param
	m    map[string]argSrc
	made bool
}

func (s *argSrcs) get(name string) (argSrc, bool) {
	s.make()
	a, ok := s.m[name]
	return a, ok
}

func (s *argSrcs) set(name string, a argSrc) {
	s.make()
	if s.m == nil {
		s.m = map[string]argSrc{}
	}
	s.m[name] = a
}

func (s *argSrcs) make() {
	if s.made {
		return
	}
	s.made = true
	put := func(k string, a argSrc) {
		if s.m == nil {
			s.m = map[string]argSrc{}
		}
		s.m[k] = a
	}
	if na := s.na; na.info != nil {
		for k, e := range na.info.kwExpr {
			if p, ok := strings.CutPrefix(k, na.layer+"_"); ok {
				put(p, argSrc{expr: e, key: k})
			}
		}
		return
	}
	if s.call == nil {
		return
	}
	i := 0
	for _, a := range s.call.Args {
		if bin, ok := a.(*syntax.BinaryExpr); ok && bin.Op == syntax.EQ {
			if id, ok := bin.X.(*syntax.Ident); ok {
				put(id.Name, argSrc{expr: bin.Y})
			}
			continue
		}
		if i < len(s.ps) {
			put(s.ps[i].name, argSrc{expr: a})
		}
		i++
	}
}

// explain completes a dataError with the argument's expression and the
// option that can give the value.
func (c *call) explain(de *dataError) {
	if c.class == "InputLayer" && de.arg == "shape" {
		de.isIn, de.input = true, c.name
	}
	if c.b == nil || c.b.given == nil {
		return
	}
	s, ok := c.src.get(de.arg)
	if !ok {
		return
	}
	if de.o != nil {
		// From data, made in the NeuralNet keyword itself
		// (output_num_units=len(classes)): that keyword can be set.
		start, end := s.expr.Span()
		before := func(l1, c1, l2, c2 int) bool { return l1 < l2 || l1 == l2 && c1 < c2 }
		l, col := de.o.Pos.Line, de.o.Pos.Col
		inside := l > 0 && !before(l, col, int(start.Line), int(start.Col)) && before(l, col, int(end.Line), int(end.Col))
		if de.o.Name == "" && s.key != "" && inside {
			o := *de.o
			o.Name = s.key
			de.o = &o
		}
		return
	}
	if de.elem > 0 {
		var elems []syntax.Expr
		switch x := pyhost.Unparen(s.expr).(type) {
		case *syntax.TupleExpr:
			elems = x.List
		case *syntax.ListExpr:
			elems = x.List
		}
		if de.elem <= len(elems) {
			s.expr = elems[de.elem-1]
		}
	}
	start, _ := s.expr.Span()
	o := &pyhost.Origin{Expr: c.b.given.text(s.expr), Pos: graph.Pos{File: c.pos.File, Line: int(start.Line), Col: int(start.Col)}, Name: s.key}
	if id, ok := s.expr.(*syntax.Ident); ok {
		if bind, ok := id.Binding.(*resolve.Binding); ok && (bind.Scope == resolve.Global || bind.Scope == resolve.Local) {
			// A variable: show where it is computed (its last
			// assignment before this use), and --set it.
			// A function's parameter nothing assigns is not one --set
			// reaches (unless the entry's): the hint stays generic.
			o.Name, o.Expr, o.IsVar = id.Name, "", bind.Scope == resolve.Global
			for _, a := range c.b.given.allAssigns {
				l, ok := a.LHS.(*syntax.Ident)
				at, _ := a.RHS.Span()
				if ok && l.Name == id.Name && (at.Line < start.Line || at.Line == start.Line && at.Col < start.Col) {
					o.Expr, o.Pos.Line, o.Pos.Col, o.IsVar = c.b.given.text(a.RHS), int(at.Line), int(at.Col), true
				}
			}
		}
	}
	de.o = o
}

// asDataError finds a dataError in err and names the argument it is
// about when that is not yet known.
func asDataError(err error, arg string) (*dataError, bool) {
	var de *dataError
	if !errors.As(err, &de) {
		return nil, false
	}
	if de.arg == "" {
		de.arg = arg
	}
	return de, true
}

// origin describes the call being evaluated by a builtin: its source
// text and position, and the module-level variable it is assigned to.
func (b *builder) origin(th *starlark.Thread, fallback string) *pyhost.Origin {
	o := &pyhost.Origin{Expr: fallback}
	u := b.given
	if th == nil || th.CallStackDepth() < 2 || u == nil {
		return o
	}
	p := th.CallFrame(1).Pos
	if !p.IsValid() || p.Filename() != b.file {
		return o
	}
	o.Pos = graph.Pos{File: b.file, Line: int(p.Line), Col: int(p.Col)}
	call, ok := u.exprs[p]
	if !ok {
		return o
	}
	if t := u.text(call); t != "" {
		o.Expr = t
	}
	start, _ := call.Span()
	o.Pos.Col = int(start.Col)
	for _, a := range u.allAssigns {
		if id, ok := a.LHS.(*syntax.Ident); ok && sameSpan(a.RHS, call) {
			o.Name, o.IsVar = id.Name, true
			break
		}
		lt, ok1 := pyhost.Unparen(a.LHS).(*syntax.TupleExpr)
		rt, ok2 := pyhost.Unparen(unpacked(a.RHS)).(*syntax.TupleExpr)
		if ok1 && ok2 && len(lt.List) == len(rt.List) {
			for i, x := range rt.List {
				if id, ok := lt.List[i].(*syntax.Ident); ok && sameSpan(x, call) {
					o.Name, o.IsVar = id.Name, true
				}
			}
		}
	}
	return o
}

// unpacked is the value of an unpacking assignment, which the front-end
// wraps as __unpack__(value, n).
func unpacked(e syntax.Expr) syntax.Expr {
	if c, ok := e.(*syntax.CallExpr); ok && len(c.Args) > 0 {
		if id, ok := c.Fn.(*syntax.Ident); ok && id.Name == "__unpack__" {
			return c.Args[0]
		}
	}
	return e
}

func sameSpan(a, b syntax.Node) bool {
	s1, e1 := a.Span()
	s2, e2 := b.Span()
	return s1 == s2 && e1 == e2
}

// dataBuiltins replace the builtins that would turn a placeholder for
// data into a number or a collection: len(data) would be 0 and
// list(data) empty. Given a placeholder they return one that remembers
// where it was made; otherwise they are Python's. sys.argv is what a
// script run without arguments sees, so that len(sys.argv) > 1 is a
// comparison of numbers.
func (b *builder) dataBuiltins(predeclared starlark.StringDict) {
	if _, ok := b.roots["sys"]; !ok && b.roots != nil {
		b.roots["sys"] = &pyhost.Module{Name: "sys", Open: true, Members: starlark.StringDict{"argv": &argvList{file: b.file}}}
	}
	wrap := func(name string) {
		inner, ok := predeclared[name].(starlark.Callable)
		if !ok {
			inner, ok = starlark.Universe[name].(starlark.Callable)
		}
		if !ok {
			return
		}
		predeclared[name] = starlark.NewBuiltin(name, func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if hasOpaque(a) || hasOpaqueKw(kw) {
				return &pyhost.Opaque{Desc: name + "(…)", From: b.origin(th, name+"(…)")}, nil
			}
			return starlark.Call(th, inner, a, kw)
		})
	}
	for _, name := range []string{"len", "int", "float", "list", "tuple", "set", "sorted", "reversed", "dict", "enumerate", "zip", "range", "xrange", "max", "min", "sum"} {
		wrap(name)
	}
}

func hasOpaque(a starlark.Tuple) bool {
	for _, x := range a {
		if _, ok := x.(*pyhost.Opaque); ok {
			return true
		}
	}
	return false
}

func hasOpaqueKw(kw []starlark.Tuple) bool {
	for _, kv := range kw {
		if _, ok := kv[1].(*pyhost.Opaque); ok {
			return true
		}
	}
	return false
}
