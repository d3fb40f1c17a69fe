package pyhost

import (
	"fmt"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// rewriteAST adapts the parsed file so that data code around the model
// runs on placeholders as Python would run it on data, every position
// kept:
//
//   - an assignment to several targets (fig, ax = plt.subplots()) gets
//     __unpack__(value, shape): a placeholder for each target;
//   - an order comparison (X.shape[0] > 1000) is __cmp__(op, x, y): a
//     placeholder when a side is one (Starlark compares only like types);
//   - a slice with a bound (X[:split]) is __slice__(x, lo, hi, step): a
//     placeholder when the bound or the operand is one.
//
// A function that yields (its yields are returns) returns a placeholder,
// which iterates as empty, when it ends without one.
func RewriteAST(f *syntax.File, generators map[int]bool) {
	rewriteStmts(f.Stmts)
	f.Stmts = prebindImports(f.Stmts)
	syntax.Walk(f, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DefStmt); ok && generators[int(d.Def.Line)] {
			d.Body = append(d.Body, &syntax.ReturnStmt{Return: d.Def, Result: &syntax.Ident{NamePos: d.Def, Name: "__generator__"}})
		}
		return true
	})
}

func rewriteStmt(s syntax.Stmt) syntax.Stmt {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.RHS = rewriteExpr(s.RHS)
		if sl, ok := s.LHS.(*syntax.SliceExpr); ok {
			// X[a:b] = v, which Starlark cannot assign:
			// __setslice__(X, a, b, step, v, op).
			none := func(e syntax.Expr) syntax.Expr {
				if e == nil {
					return &syntax.Ident{NamePos: sl.Lbrack, Name: "None"}
				}
				return rewriteExpr(e)
			}
			_, end := s.RHS.Span()
			op := &syntax.Literal{Token: syntax.INT, TokenPos: s.OpPos, Raw: fmt.Sprint(int(s.Op)), Value: int64(s.Op)}
			c := ourCall("__setslice__", s.OpPos, end, rewriteExpr(sl.X), none(sl.Lo), none(sl.Hi), none(sl.Step), s.RHS, op)
			return &syntax.ExprStmt{X: c}
		}
		if s.Op == syntax.EQ {
			start, end := s.RHS.Span()
			if shape := unpackShape(s.LHS, start); shape != nil {
				s.RHS = ourCall("__unpack__", start, end, s.RHS, shape)
			}
		}
		chargedAugmented(s)
		rewriteTarget(s.LHS)
	case *syntax.ExprStmt:
		s.X = rewriteExpr(s.X)
	case *syntax.IfStmt:
		s.Cond = rewriteExpr(s.Cond)
		rewriteStmts(s.True)
		rewriteStmts(s.False)
	case *syntax.ForStmt:
		s.X = rewriteExpr(s.X)
		s.X = eachUnpacked(s.Vars, s.X)
		rewriteTarget(s.Vars)
		rewriteStmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = rewriteExpr(s.Cond)
		rewriteStmts(s.Body)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = rewriteExpr(s.Result)
		}
	case *syntax.DefStmt:
		for i, p := range s.Params {
			if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = rewriteExpr(b.Y) // default values
			}
			s.Params[i] = p
		}
		rewriteStmts(s.Body)
	}
	return s
}

func rewriteStmts(ss []syntax.Stmt) {
	for i, s := range ss {
		ss[i] = rewriteStmt(s)
	}
}

// prebindImports binds, before a top-level if whose branches import
// (if args.dataset == 'mnist': from loaders.mnist import Loader elif …),
// each name to its first branch's import (None if it cannot be
// imported: __preimp__): when no branch runs — the
// condition reads a placeholder — the name is still bound, as Python
// would bind it in one of them.
func prebindImports(stmts []syntax.Stmt) []syntax.Stmt {
	var out []syntax.Stmt
	for _, s := range stmts {
		ifs, ok := s.(*syntax.IfStmt)
		if !ok {
			out = append(out, s)
			continue
		}
		if c, ok := ifs.Cond.(*syntax.CallExpr); ok {
			if id, ok := c.Fn.(*syntax.Ident); ok && id.Name == "__try__" {
				out = append(out, s) // a try: __try__ decides
				continue
			}
		}
		seen := map[string]bool{}
		syntax.Walk(ifs, func(n syntax.Node) bool {
			as, ok := n.(*syntax.AssignStmt)
			if !ok {
				_, def := n.(*syntax.DefStmt)
				return !def
			}
			id, ok1 := as.LHS.(*syntax.Ident)
			c, ok2 := as.RHS.(*syntax.CallExpr)
			if !ok1 || !ok2 || seen[id.Name] {
				return true
			}
			if fn, ok := c.Fn.(*syntax.Ident); ok && fn.Name == "__imp__" {
				seen[id.Name] = true
				out = append(out, &syntax.AssignStmt{OpPos: as.OpPos, Op: syntax.EQ,
					LHS: &syntax.Ident{NamePos: id.NamePos, Name: id.Name},
					RHS: &syntax.CallExpr{Fn: &syntax.Ident{NamePos: fn.NamePos, Name: "__preimp__"}, Lparen: c.Lparen, Args: c.Args, Rparen: c.Rparen}})
			}
			return true
		})
		out = append(out, s)
	}
	return out
}

// eachUnpacked wraps what a loop with several targets iterates (for
// name, (X, y) in data) in __each__(xs, shape), whose placeholder
// elements give a placeholder for each target.
func eachUnpacked(vars, x syntax.Expr) syntax.Expr {
	start, end := x.Span()
	if shape := unpackShape(vars, start); shape != nil {
		return ourCall("__each__", start, end, x, shape)
	}
	return x
}

// rewriteTarget rewrites the expressions inside an assignment target
// (the index of x[i < 3] = …), not the target itself.
func rewriteTarget(e syntax.Expr) {
	switch e := e.(type) {
	case *syntax.IndexExpr:
		e.X = rewriteExpr(e.X)
		e.Y = rewriteExpr(e.Y)
	case *syntax.DotExpr:
		e.X = rewriteExpr(e.X)
	case *syntax.ParenExpr:
		rewriteTarget(e.X)
	case *syntax.TupleExpr:
		for _, x := range e.List {
			rewriteTarget(x)
		}
	case *syntax.ListExpr:
		for _, x := range e.List {
			rewriteTarget(x)
		}
	}
}

func rewriteExprList(xs []syntax.Expr) {
	for i, x := range xs {
		xs[i] = rewriteExpr(x)
	}
}

func rewriteExpr(e syntax.Expr) syntax.Expr {
	switch x := e.(type) {
	case *syntax.BinaryExpr:
		x.X = rewriteExpr(x.X)
		x.Y = rewriteExpr(x.Y)
		switch x.Op {
		case syntax.LT, syntax.GT, syntax.LE, syntax.GE:
			_, end := x.Y.Span()
			op := &syntax.Literal{Token: syntax.INT, TokenPos: x.OpPos, Raw: fmt.Sprint(int(x.Op)), Value: int64(x.Op)}
			return ourCall("__cmp__", x.OpPos, end, op, x.X, x.Y)
		}
		return chargedBinaryExpr(x)
	case *syntax.UnaryExpr:
		if x.X != nil {
			x.X = rewriteExpr(x.X)
		}
	case *syntax.CallExpr:
		x.Fn = rewriteExpr(x.Fn)
		for i, a := range x.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = rewriteExpr(b.Y) // keyword argument
				continue
			}
			x.Args[i] = rewriteExpr(a)
		}
		return chargedMethodCall(x)
	case *syntax.CondExpr:
		x.Cond = rewriteExpr(x.Cond)
		x.True = rewriteExpr(x.True)
		x.False = rewriteExpr(x.False)
	case *syntax.DictExpr:
		for _, it := range x.List {
			if de, ok := it.(*syntax.DictEntry); ok {
				de.Key = rewriteExpr(de.Key)
				de.Value = rewriteExpr(de.Value)
			}
		}
	case *syntax.DotExpr:
		x.X = rewriteExpr(x.X)
	case *syntax.IndexExpr:
		x.X = rewriteExpr(x.X)
		x.Y = rewriteExpr(x.Y)
	case *syntax.LambdaExpr:
		x.Body = rewriteExpr(x.Body)
	case *syntax.ListExpr:
		rewriteExprList(x.List)
	case *syntax.TupleExpr:
		rewriteExprList(x.List)
	case *syntax.ParenExpr:
		x.X = rewriteExpr(x.X)
	case *syntax.Comprehension:
		x.Body = rewriteExpr(x.Body)
		for _, c := range x.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = eachUnpacked(c.Vars, rewriteExpr(c.X))
			case *syntax.IfClause:
				c.Cond = rewriteExpr(c.Cond)
			}
		}
	case *syntax.SliceExpr:
		x.X = rewriteExpr(x.X)
		none := func(e syntax.Expr) syntax.Expr {
			if e == nil {
				return &syntax.Ident{NamePos: x.Lbrack, Name: "None"}
			}
			return rewriteExpr(e)
		}
		if x.Lo == nil && x.Hi == nil && x.Step == nil {
			return x // X[:]
		}
		start, _ := x.X.Span()
		c := ourCall("__slice__", x.Lbrack, x.Rbrack, x.X, none(x.Lo), none(x.Hi), none(x.Step))
		c.Fn.(*syntax.Ident).NamePos = start
		return c
	}
	return e
}

// ourCall is a call of a builtin of ours at the position of what it replaces.
func ourCall(fn string, pos, end syntax.Position, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: pos, Name: fn}, Lparen: pos, Args: args, Rparen: end}
}

// unpackShape is the shape of an assignment target: a tuple with None
// for each simple target and the shape of each nested one; nil for a
// simple target.
func unpackShape(lhs syntax.Expr, pos syntax.Position) syntax.Expr {
	if p, ok := lhs.(*syntax.ParenExpr); ok {
		lhs = p.X
	}
	var list []syntax.Expr
	switch t := lhs.(type) {
	case *syntax.TupleExpr:
		list = t.List
	case *syntax.ListExpr:
		list = t.List
	default:
		return nil
	}
	shape := &syntax.TupleExpr{Lparen: pos, Rparen: pos}
	for _, x := range list {
		s := unpackShape(x, pos)
		if s == nil {
			s = &syntax.Ident{NamePos: pos, Name: "None"}
		}
		shape.List = append(shape.List, s)
	}
	return shape
}

// unpack is __unpack__.
func unpack(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("internal error: __unpack__ takes 2 arguments")
	}
	return unpackValue(a[0], a[1]), nil
}

func unpackValue(v, shape starlark.Value) starlark.Value {
	s, ok := shape.(starlark.Tuple)
	if !ok {
		return v
	}
	if o, ok := v.(*Opaque); ok {
		t := make(starlark.Tuple, len(s))
		for i := range t {
			t[i] = unpackValue(o.Index(i), s[i])
		}
		return t
	}
	seq, ok := v.(starlark.Indexable)
	if !ok || !IsSequence(v) || seq.Len() != len(s) {
		return v // Starlark says what is wrong
	}
	t := make(starlark.Tuple, len(s))
	for i := range t {
		t[i] = unpackValue(seq.Index(i), s[i])
	}
	return t
}

// compare is __cmp__(op, x, y).
func compare(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 3 {
		return nil, fmt.Errorf("internal error: __cmp__ takes 3 arguments")
	}
	op, err := starlark.AsInt32(a[0])
	if err != nil {
		return nil, fmt.Errorf("internal error: __cmp__ operator %v", a[0])
	}
	for _, v := range a[1:] {
		if o, ok := v.(*Opaque); ok {
			return o.Binary(syntax.Token(op), v, starlark.Left)
		}
	}
	ok, err := starlark.Compare(syntax.Token(op), a[1], a[2])
	return starlark.Bool(ok), err
}

// sliceOp is __slice__(x, lo, hi, step): x[lo:hi:step] as Python has it.
// RawSliceable is a front-end's value that takes x[lo:hi:step] as
// written (its length may be unknown: a symbolic tensor's first axis).
type RawSliceable interface {
	SliceRaw(lo, hi, step starlark.Value) (starlark.Value, error)
}

func sliceOp(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 4 {
		return nil, fmt.Errorf("internal error: __slice__ takes 4 arguments")
	}
	x := a[0]
	for _, v := range a {
		if o, ok := v.(*Opaque); ok {
			if ox, ok := x.(*Opaque); ok {
				o = ox
			}
			return o.Slice(0, 0, 1), nil
		}
	}
	if r, ok := x.(RawSliceable); ok {
		return r.SliceRaw(a[1], a[2], a[3])
	}
	s, ok := x.(starlark.Sliceable)
	if !ok {
		return nil, fmt.Errorf("invalid slice operand %s", x.Type())
	}
	n := s.Len()
	step := 1
	if a[3] != starlark.None {
		v, err := starlark.AsInt32(a[3])
		if err != nil {
			return nil, fmt.Errorf("invalid slice step: %w", err)
		}
		if v == 0 {
			return nil, fmt.Errorf("zero is not a valid slice step")
		}
		step = v
	}
	bound := func(v starlark.Value, def int, what string) (int, error) {
		if v == starlark.None {
			return def, nil
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return 0, fmt.Errorf("invalid %s index: %w", what, err)
		}
		if i < 0 {
			i += n
		}
		lo, hi := 0, n
		if step < 0 {
			lo, hi = -1, n-1
		}
		return min(max(i, lo), hi), nil
	}
	var start, end int
	var err error
	if step > 0 {
		start, err = bound(a[1], 0, "start")
		if err == nil {
			end, err = bound(a[2], n, "end")
		}
	} else {
		start, err = bound(a[1], n-1, "start")
		if err == nil {
			end, err = bound(a[2], -1, "end")
		}
	}
	if err != nil {
		return nil, err
	}
	return s.Slice(start, end, step), nil
}

// each is __each__(xs, shape).
func each(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("internal error: __each__ takes 2 arguments")
	}
	if _, ok := a[0].(*Opaque); ok {
		return a[0], nil
	}
	it := starlark.Iterate(a[0])
	if it == nil {
		return a[0], nil // Starlark says what is wrong
	}
	defer it.Done()
	var out []starlark.Value
	var x starlark.Value
	for it.Next(&x) {
		out = append(out, unpackValue(x, a[1]))
	}
	return starlark.NewList(out), nil
}

// setSlice is __setslice__(x, lo, hi, step, v, op): a placeholder takes
// any assignment; a list, x[lo:hi] = v.
func setSlice(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 6 {
		return nil, fmt.Errorf("internal error: __setslice__ takes 6 arguments")
	}
	if _, ok := a[0].(*Opaque); ok {
		return starlark.None, nil
	}
	l, ok := a[0].(*starlark.List)
	op, _ := starlark.AsInt32(a[5])
	if !ok || a[3] != starlark.None || syntax.Token(op) != syntax.EQ {
		return nil, fmt.Errorf("cannot assign to a slice of %s", a[0].Type())
	}
	n := l.Len()
	bound := func(v starlark.Value, def int) (int, error) {
		if v == starlark.None {
			return def, nil
		}
		i, err := starlark.AsInt32(v)
		if err != nil {
			return 0, fmt.Errorf("invalid slice index: %w", err)
		}
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n), nil
	}
	lo, err := bound(a[1], 0)
	if err != nil {
		return nil, err
	}
	hi, err := bound(a[2], n)
	if err != nil {
		return nil, err
	}
	hi = max(hi, lo)
	var vals []starlark.Value
	it := starlark.Iterate(a[4])
	if it == nil {
		return nil, fmt.Errorf("can only assign an iterable to a slice, got %s", a[4].Type())
	}
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		vals = append(vals, x)
	}
	elems := make([]starlark.Value, 0, n-(hi-lo)+len(vals))
	for i := 0; i < lo; i++ {
		elems = append(elems, l.Index(i))
	}
	elems = append(elems, vals...)
	for i := hi; i < n; i++ {
		elems = append(elems, l.Index(i))
	}
	if err := l.Clear(); err != nil {
		return nil, err
	}
	for _, e := range elems {
		if err := l.Append(e); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}
