package pyhost

import (
	"go.starlark.net/syntax"
)

// RewriteClasses finishes, on the parsed tree, what Prepare began for
// PrepareOptions.Classes. Each class statement, now
//
//	def C(__bases__=__classbases__(Base)):
//	    expansion = 4
//	    def forward(self, x): return super().forward(x)
//
// becomes the function of its body and the statement that makes the class:
//
//	def C():
//	    __m_C__expansion = 4
//	    def __m_C__forward(self, x): return super(C, self).forward(x)
//	    return {"expansion": __m_C__expansion, "forward": __m_C__forward}
//	C = __newclass__("C", __classbases__(Base), C)
//
// The body's names are renamed (MethodVar) so that a method's body sees
// the globals, not the class namespace, as in Python; a method's name in a
// call stack reads C.forward (DisplayName). Decorated methods are wrapped
// (__decorated__("static", f)); a property's setter is left out. super()
// without arguments gets the class and the method's first parameter.
func RewriteClasses(f *syntax.File, src *Source) {
	if len(src.ClassDefs) == 0 {
		return
	}
	f.Stmts = classStmts(f.Stmts, src)
}

func classStmts(stmts []syntax.Stmt, src *Source) []syntax.Stmt {
	if len(stmts) == 0 {
		return stmts // an if without else keeps a nil False (IfStmt.Span reads it)
	}
	out := make([]syntax.Stmt, 0, len(stmts))
	for _, s := range stmts {
		switch x := s.(type) {
		case *syntax.DefStmt:
			x.Body = classStmts(x.Body, src)
			if name, ok := src.ClassDefs[int(x.Def.Line)]; ok && x.Name.Name == name {
				out = append(out, classDef(x, name, src)...)
				continue
			}
		case *syntax.IfStmt:
			x.True = classStmts(x.True, src)
			x.False = classStmts(x.False, src)
		case *syntax.ForStmt:
			x.Body = classStmts(x.Body, src)
		case *syntax.WhileStmt:
			x.Body = classStmts(x.Body, src)
		}
		out = append(out, s)
	}
	return out
}

// classDef rewrites one class statement (its nested classes done).
func classDef(d *syntax.DefStmt, name string, src *Source) []syntax.Stmt {
	pos := d.Def
	ident := func(n string) *syntax.Ident { return &syntax.Ident{NamePos: pos, Name: n} }
	str := func(s string) *syntax.Literal {
		return &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: `"` + s + `"`, Value: s}
	}
	var bases syntax.Expr = &syntax.CallExpr{Fn: ident("__classbases__"), Lparen: pos, Rparen: pos}
	if len(d.Params) == 1 {
		if b, ok := d.Params[0].(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
			bases = b.Y
		}
	}
	d.Params = nil

	// The names the body binds, in order, and what each method is.
	type entry struct{ name, kind string }
	var entries []entry
	seen := map[string]bool{}
	renames := map[string]string{}
	bind := func(n, kind string) {
		renames[n] = MethodVar(name, n)
		if !seen[n] {
			seen[n] = true
			entries = append(entries, entry{n, kind})
		}
	}
	var collect func(ss []syntax.Stmt)
	var targets func(e syntax.Expr)
	targets = func(e syntax.Expr) {
		switch t := e.(type) {
		case *syntax.Ident:
			bind(t.Name, "")
		case *syntax.TupleExpr:
			for _, x := range t.List {
				targets(x)
			}
		case *syntax.ListExpr:
			for _, x := range t.List {
				targets(x)
			}
		case *syntax.ParenExpr:
			targets(t.X)
		}
	}
	collect = func(ss []syntax.Stmt) {
		for _, s := range ss {
			switch x := s.(type) {
			case *syntax.DefStmt:
				kind := src.Decorators[int(x.Def.Line)]
				if kind == "setter" {
					// @x.setter: assignments are stored as attributes.
					x.Name.Name = MethodVar(name, x.Name.Name+".setter")
					continue
				}
				// Python's last definition of a name wins, decorated or not.
				for i := range entries {
					if entries[i].name == x.Name.Name {
						entries[i].kind = kind
					}
				}
				bind(x.Name.Name, kind)
				superArgs(x, name)
			case *syntax.AssignStmt:
				targets(x.LHS)
			case *syntax.ForStmt:
				targets(x.Vars)
				collect(x.Body)
			case *syntax.WhileStmt:
				collect(x.Body)
			case *syntax.IfStmt:
				collect(x.True)
				collect(x.False)
			}
		}
	}
	collect(d.Body)
	renameStmts(d.Body, renames)

	dict := &syntax.DictExpr{Lbrace: pos, Rbrace: pos}
	for _, e := range entries {
		var v syntax.Expr = ident(renames[e.name])
		if e.kind != "" {
			v = &syntax.CallExpr{Fn: ident("__decorated__"), Lparen: pos, Args: []syntax.Expr{str(e.kind), v}, Rparen: pos}
		}
		dict.List = append(dict.List, &syntax.DictEntry{Key: str(e.name), Colon: pos, Value: v})
	}
	d.Body = append(d.Body, &syntax.ReturnStmt{Return: pos, Result: dict})
	mk := &syntax.AssignStmt{OpPos: pos, Op: syntax.EQ, LHS: ident(name),
		RHS: &syntax.CallExpr{Fn: ident("__newclass__"), Lparen: pos, Args: []syntax.Expr{str(name), bases, ident(name)}, Rparen: pos}}
	return []syntax.Stmt{d, mk}
}

// superArgs gives super() in method m of class name its arguments:
// super(name, first parameter).
func superArgs(m *syntax.DefStmt, name string) {
	if len(m.Params) == 0 {
		return
	}
	self, ok := m.Params[0].(*syntax.Ident)
	if !ok {
		return
	}
	syntax.Walk(&syntax.File{Stmts: m.Body}, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok && len(c.Args) == 0 {
			if id, ok := c.Fn.(*syntax.Ident); ok && id.Name == "super" {
				c.Args = []syntax.Expr{
					&syntax.Ident{NamePos: id.NamePos, Name: name},
					&syntax.Ident{NamePos: id.NamePos, Name: self.Name},
				}
			}
		}
		return true
	})
}

// renameStmts renames the class namespace's names in the class body's
// own statements: not inside its methods (but in their defaults, which
// the class body evaluates), nor in lambdas.
func renameStmts(ss []syntax.Stmt, renames map[string]string) {
	for _, s := range ss {
		switch x := s.(type) {
		case *syntax.DefStmt:
			if n, ok := renames[x.Name.Name]; ok {
				x.Name.Name = n
			}
			for _, p := range x.Params {
				if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
					renameExpr(b.Y, renames)
				}
			}
		case *syntax.AssignStmt:
			renameExpr(x.LHS, renames)
			renameExpr(x.RHS, renames)
		case *syntax.ExprStmt:
			renameExpr(x.X, renames)
		case *syntax.ReturnStmt:
			if x.Result != nil {
				renameExpr(x.Result, renames)
			}
		case *syntax.IfStmt:
			renameExpr(x.Cond, renames)
			renameStmts(x.True, renames)
			renameStmts(x.False, renames)
		case *syntax.ForStmt:
			renameExpr(x.Vars, renames)
			renameExpr(x.X, renames)
			renameStmts(x.Body, renames)
		case *syntax.WhileStmt:
			renameExpr(x.Cond, renames)
			renameStmts(x.Body, renames)
		}
	}
}

func renameExpr(e syntax.Expr, renames map[string]string) {
	switch x := e.(type) {
	case nil:
	case *syntax.Ident:
		if n, ok := renames[x.Name]; ok {
			x.Name = n
		}
	case *syntax.DotExpr:
		renameExpr(x.X, renames) // not the attribute's name
	case *syntax.CallExpr:
		renameExpr(x.Fn, renames)
		for _, a := range x.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				renameExpr(b.Y, renames) // not the keyword
				continue
			}
			renameExpr(a, renames)
		}
	case *syntax.BinaryExpr:
		renameExpr(x.X, renames)
		renameExpr(x.Y, renames)
	case *syntax.UnaryExpr:
		renameExpr(x.X, renames)
	case *syntax.ParenExpr:
		renameExpr(x.X, renames)
	case *syntax.CondExpr:
		renameExpr(x.Cond, renames)
		renameExpr(x.True, renames)
		renameExpr(x.False, renames)
	case *syntax.IndexExpr:
		renameExpr(x.X, renames)
		renameExpr(x.Y, renames)
	case *syntax.SliceExpr:
		renameExpr(x.X, renames)
		renameExpr(x.Lo, renames)
		renameExpr(x.Hi, renames)
		renameExpr(x.Step, renames)
	case *syntax.ListExpr:
		for _, y := range x.List {
			renameExpr(y, renames)
		}
	case *syntax.TupleExpr:
		for _, y := range x.List {
			renameExpr(y, renames)
		}
	case *syntax.DictExpr:
		for _, y := range x.List {
			renameExpr(y, renames)
		}
	case *syntax.DictEntry:
		renameExpr(x.Key, renames)
		renameExpr(x.Value, renames)
	case *syntax.Comprehension:
		// Its own scope, as in Python 3, but for the first iterable.
		if len(x.Clauses) > 0 {
			if fc, ok := x.Clauses[0].(*syntax.ForClause); ok {
				renameExpr(fc.X, renames)
			}
		}
	}
}
