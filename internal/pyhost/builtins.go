package pyhost

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Classifier is a class-like value that isinstance understands: a
// front-end's layer class, a class of the file, a framework base class.
type Classifier interface {
	starlark.Value
	IsInstance(v starlark.Value) bool
}

// Builtins are Python builtins Starlark lacks that model code uses, and
// the helpers the rewritten source calls (__pyfmt__, __unpack__, …).
func Builtins() starlark.StringDict {
	return starlark.StringDict{
		"xrange":    starlark.Universe["range"],
		"__pyfmt__": starlark.NewBuiltin("%", pyFormat),
		"__nd__":    &Opaque{Desc: "a multi-axis index"},
		"__ndx__": starlark.NewBuiltin("__ndx__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			return &Index{Items: append(starlark.Tuple{}, a...)}, nil
		}),
		"__sl__": starlark.NewBuiltin("__sl__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 3 {
				return nil, fmt.Errorf("internal error: __sl__ takes 3 arguments")
			}
			return &Slice{Lo: a[0], Hi: a[1], Step: a[2]}, nil
		}),
		"__ellipsis__":  &Opaque{Desc: "Ellipsis"},
		"__unpack__":    starlark.NewBuiltin("__unpack__", unpack),
		"__cmp__":       starlark.NewBuiltin("__cmp__", compare),
		"__slice__":     starlark.NewBuiltin("__slice__", sliceOp),
		"__setslice__":  starlark.NewBuiltin("__setslice__", setSlice),
		"__each__":      starlark.NewBuiltin("__each__", each),
		"__generator__": &Opaque{Desc: "a generator"},
		"__strformat__": starlark.NewBuiltin("format", strFormat),
		// print as Python 3 has it (end=, file=, flush=); the output is dropped.
		"print": starlark.NewBuiltin("print", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.None, nil
		}),
		"list":   chars("list", starlark.Universe["list"].(*starlark.Builtin)),
		"tuple":  chars("tuple", starlark.Universe["tuple"].(*starlark.Builtin)),
		"sorted": chars("sorted", starlark.Universe["sorted"].(*starlark.Builtin)),
		// enumerate(x, start=1): Python takes start by keyword too.
		"enumerate": starlark.NewBuiltin("enumerate", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			for _, p := range kw {
				if k, _ := p[0].(starlark.String); k == "start" && len(a) == 1 {
					a = append(a[:1:1], p[1])
					continue
				}
				return nil, fmt.Errorf("enumerate: unexpected keyword argument %s", p[0])
			}
			return starlark.Call(th, starlark.Universe["enumerate"], a, nil)
		}),
		"sum": starlark.NewBuiltin("sum", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) < 1 {
				return nil, fmt.Errorf("sum needs an iterable")
			}
			var total starlark.Value = starlark.MakeInt(0)
			if len(a) > 1 {
				total = a[1]
			}
			it := starlark.Iterate(a[0])
			if it == nil {
				return nil, fmt.Errorf("sum: %s is not iterable", a[0].Type())
			}
			defer it.Done()
			var x starlark.Value
			for it.Next(&x) {
				var err error
				if total, err = starlark.Binary(syntax.PLUS, total, x); err != nil {
					return nil, err
				}
			}
			return total, nil
		}),
		"abs": starlark.NewBuiltin("abs", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 1 {
				return nil, fmt.Errorf("abs takes one argument")
			}
			switch x := a[0].(type) {
			case starlark.Int:
				if x.Sign() < 0 {
					return starlark.MakeInt(0).Sub(x), nil
				}
				return x, nil
			case starlark.Float:
				return starlark.Float(math.Abs(float64(x))), nil
			}
			return &Opaque{Desc: "abs(…)"}, nil
		}),
		// a @ b (rewriteMatmul): the left operand's __matmul__ when it
		// has one (a front-end's tensor), else a placeholder.
		"__matmul__": starlark.NewBuiltin("__matmul__", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 2 {
				return nil, fmt.Errorf("@ takes two operands")
			}
			if h, ok := a[0].(starlark.HasAttrs); ok {
				if m, err := h.Attr("__matmul__"); err == nil && m != nil {
					if _, callable := m.(starlark.Callable); callable {
						return starlark.Call(th, m, a[1:], nil)
					}
				}
			}
			return &Opaque{Desc: a[0].String() + " @ " + a[1].String()}, nil
		}),
		"pow": starlark.NewBuiltin("pow", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 2 {
				return nil, fmt.Errorf("pow takes two arguments")
			}
			x, ok1 := a[0].(starlark.Int)
			y, ok2 := a[1].(starlark.Int)
			if ok1 && ok2 {
				e, ok := y.Int64()
				if ok && e >= 0 && e < 256 {
					r := starlark.MakeInt(1)
					for i := int64(0); i < e; i++ {
						r = r.Mul(x)
					}
					return r, nil
				}
			}
			fx, ok1 := starlark.AsFloat(a[0])
			fy, ok2 := starlark.AsFloat(a[1])
			// x ** t of a front-end's value (a tensor) is its operator.
			if h, ok := a[0].(starlark.HasBinary); ok && !ok1 {
				if _, isOp := a[0].(*Opaque); !isOp {
					if v, err := h.Binary(syntax.STARSTAR, a[1], starlark.Left); v != nil || err != nil {
						return v, err
					}
				}
			}
			if h, ok := a[1].(starlark.HasBinary); ok && !ok2 {
				if _, isOp := a[1].(*Opaque); !isOp {
					if v, err := h.Binary(syntax.STARSTAR, a[0], starlark.Right); v != nil || err != nil {
						return v, err
					}
				}
			}
			if !ok1 || !ok2 {
				return &Opaque{Desc: "pow(…)"}, nil
			}
			return starlark.Float(math.Pow(fx, fy)), nil
		}),
		"round": starlark.NewBuiltin("round", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) < 1 {
				return nil, fmt.Errorf("round needs a number")
			}
			f, ok := starlark.AsFloat(a[0])
			if !ok {
				return &Opaque{Desc: "round(…)"}, nil
			}
			return starlark.MakeInt64(int64(math.RoundToEven(f))), nil
		}),
		"map": starlark.NewBuiltin("map", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 2 {
				return nil, fmt.Errorf("map takes a function and one iterable")
			}
			it := starlark.Iterate(a[1])
			if it == nil {
				return nil, fmt.Errorf("map: %s is not iterable", a[1].Type())
			}
			defer it.Done()
			var out []starlark.Value
			var x starlark.Value
			for it.Next(&x) {
				y, err := starlark.Call(th, a[0], starlark.Tuple{x}, nil)
				if err != nil {
					return nil, err
				}
				out = append(out, y)
			}
			return starlark.NewList(out), nil
		}),
		"isinstance": starlark.NewBuiltin("isinstance", func(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 2 {
				return nil, fmt.Errorf("isinstance takes two arguments")
			}
			switch t := a[1].(type) {
			case *starlark.Builtin:
				switch t.Name() {
				case "int":
					_, ok := a[0].(starlark.Int)
					return starlark.Bool(ok), nil
				case "float":
					_, ok := a[0].(starlark.Float)
					return starlark.Bool(ok), nil
				case "str":
					_, ok := a[0].(starlark.String)
					return starlark.Bool(ok), nil
				case "list":
					_, ok := a[0].(*starlark.List)
					return starlark.Bool(ok), nil
				case "tuple":
					_, ok := a[0].(starlark.Tuple)
					return starlark.Bool(ok), nil
				case "dict":
					_, ok := a[0].(*starlark.Dict)
					return starlark.Bool(ok), nil
				}
			case Classifier:
				return starlark.Bool(t.IsInstance(a[0])), nil
			case starlark.Tuple:
				// isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))
				for _, c := range t {
					r, err := fn.CallInternal(th, starlark.Tuple{a[0], c}, nil)
					if err != nil || r == starlark.True {
						return r, err
					}
				}
			}
			return starlark.False, nil
		}),
	}
}

// Math is the part of Python's math module that shape arithmetic uses.
func Math() *Module {
	f1 := func(name string, fn func(float64) float64, toInt bool) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) != 1 {
				return nil, fmt.Errorf("%s takes one argument", name)
			}
			x, ok := starlark.AsFloat(a[0])
			if !ok {
				return &Opaque{Desc: name + "(…)"}, nil
			}
			r := fn(x)
			if toInt {
				return starlark.MakeInt64(int64(r)), nil
			}
			return starlark.Float(r), nil
		})
	}
	return &Module{Name: "math", Open: true, Members: starlark.StringDict{
		"floor": f1("floor", math.Floor, true),
		"ceil":  f1("ceil", math.Ceil, true),
		"sqrt":  f1("sqrt", math.Sqrt, false),
		"log":   f1("log", math.Log, false),
		"log2":  f1("log2", math.Log2, false),
		"exp":   f1("exp", math.Exp, false),
		"pi":    starlark.Float(math.Pi),
		"e":     starlark.Float(math.E),
	}}
}

// Numpy evaluates the few numpy functions used for sizes (np.prod of
// a shape, np.ceil); everything else is opaque.
func Numpy() *Module {
	m := Math()
	m.Name = "numpy"
	for _, k := range []string{"floor", "ceil"} {
		fn := m.Members[k].(*starlark.Builtin)
		m.Members[k] = starlark.NewBuiltin(k, func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			v, err := fn.CallInternal(th, a, kw)
			if i, ok := v.(starlark.Int); ok && err == nil {
				f, _ := starlark.AsFloat(i)
				return starlark.Float(f), nil // numpy returns floats
			}
			return v, err
		})
	}
	m.Members["prod"] = starlark.NewBuiltin("prod", func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 1 {
			return &Opaque{Desc: "numpy.prod(…)"}, nil
		}
		it := starlark.Iterate(a[0])
		if it == nil {
			return a[0], nil
		}
		defer it.Done()
		var r starlark.Value = starlark.MakeInt(1)
		var x starlark.Value
		for it.Next(&x) {
			if x == starlark.None {
				return &Opaque{Desc: "numpy.prod(shape with None)"}, nil
			}
			var err error
			if r, err = starlark.Binary(syntax.STAR, r, x); err != nil {
				return &Opaque{Desc: "numpy.prod(…)"}, nil
			}
		}
		return r, nil
	})
	return m
}

// SortedNames are the names of d in order.
func SortedNames(d starlark.StringDict) []string {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// chars wraps a builtin so that a string argument is iterated by
// character, as in Python (list('abc')); Starlark strings are not iterable.
func chars(name string, fn *starlark.Builtin) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if len(a) == 1 {
			if s, ok := a[0].(starlark.String); ok {
				var xs []starlark.Value
				for _, r := range string(s) {
					xs = append(xs, starlark.String(string(r)))
				}
				a = starlark.Tuple{starlark.NewList(xs)}
			}
		}
		return fn.CallInternal(th, a, kw)
	})
}

// PythonBuiltin reports whether a name is a Python builtin Starlark lacks
// (id, super, filter, ValueError, …): not a NameError.
func PythonBuiltin(name string) bool {
	switch name {
	case "id", "iter", "next", "filter", "super", "callable", "vars", "globals", "locals", "object", "issubclass",
		"format", "open", "input", "raw_input", "exit", "quit", "divmod", "hex", "oct", "bin", "bytearray", "frozenset",
		"complex", "compile", "eval", "exec", "execfile", "help", "property", "staticmethod", "classmethod", "memoryview",
		"unicode", "long", "basestring", "file", "reload", "unichr", "cmp", "apply", "buffer", "intern", "coerce",
		"NotImplemented", "Ellipsis", "__import__", "__builtins__", "__doc__", "__package__", "__spec__", "__loader__",
		"display", "get_ipython":
		return true
	}
	return strings.HasSuffix(name, "Error") || strings.HasSuffix(name, "Exception") || strings.HasSuffix(name, "Warning") ||
		name == "KeyboardInterrupt" || name == "StopIteration" || name == "SystemExit" || name == "GeneratorExit"
}
