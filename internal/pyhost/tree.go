package pyhost

import (
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/syntax"
)

// Helpers that read the parsed tree of a prepared file.

// TopDefs are the file's top-level functions and the methods of its
// compiled classes (in their if "class C": blocks).
func TopDefs(f *syntax.File) []*syntax.DefStmt {
	var out []*syntax.DefStmt
	for _, s := range f.Stmts {
		switch s := s.(type) {
		case *syntax.DefStmt:
			out = append(out, s)
		case *syntax.IfStmt:
			if ClassBlock(s) != "" {
				for _, x := range s.True {
					if d, ok := x.(*syntax.DefStmt); ok {
						out = append(out, d)
					}
				}
			}
		}
	}
	return out
}

// ClassBlock is the class name of a compiled class's block, "" if s is
// not one.
func ClassBlock(s *syntax.IfStmt) string {
	lit, ok := s.Cond.(*syntax.Literal)
	if !ok || lit.Token != syntax.STRING {
		return ""
	}
	v, _ := lit.Value.(string)
	name, ok := strings.CutPrefix(v, "class ")
	if !ok {
		return ""
	}
	return name
}

// Predeclared reports whether a name is not the file's own variable:
// bound by an import or guessed (the front-end's or a builtin). Before the file is resolved, every name
// counts.
func Predeclared(id *syntax.Ident) bool {
	b, ok := id.Binding.(*resolve.Binding)
	return !ok || b.Scope == resolve.Predeclared || b.Scope == resolve.Universal
}

// IsMainGuard reports whether x is __name__ == '__main__'.
func IsMainGuard(x syntax.Expr) bool {
	b, ok := Unparen(x).(*syntax.BinaryExpr)
	if !ok || b.Op != syntax.EQL {
		return false
	}
	id, ok1 := b.X.(*syntax.Ident)
	lit, ok2 := b.Y.(*syntax.Literal)
	if !ok1 || !ok2 {
		id, ok1 = b.Y.(*syntax.Ident)
		lit, ok2 = b.X.(*syntax.Literal)
	}
	return ok1 && ok2 && id.Name == "__name__" && lit.Value == "__main__"
}

// Dotted is the text of a name or a chain of attribute accesses
// (lasagne.layers), "" for any other expression.
func Dotted(x syntax.Expr) string {
	switch x := x.(type) {
	case *syntax.Ident:
		return x.Name
	case *syntax.DotExpr:
		if p := Dotted(x.X); p != "" {
			return p + "." + x.Name.Name
		}
	}
	return ""
}

// Unparen is e without the parentheses around it.
func Unparen(e syntax.Expr) syntax.Expr {
	for {
		p, ok := e.(*syntax.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}
