package pycode

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// OptionError is an option whose value layerinfo cannot use: an entry
// or a set value that does not parse, a call that does not fit the
// function. The fix is in the caller's options, not in the file. The
// message names the option as "option entry"; the CLI, given it as a
// format.UsageError, names the flag.
type OptionError struct {
	Option string // the option's name as the CLI spells its flag: "entry", "set"
	Err    error
}

func (e *OptionError) Error() string { return "option " + e.Option + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// entryCall is a parsed --entry: a name, and when it is written as a
// call, its literal arguments.
type entryCall struct {
	name   string
	method string // Model._setup_network: a method of the class name
	call   bool   // written with parentheses: build_cnn() or build_lenet5(None, 10)
	args   starlark.Tuple
	kwargs []starlark.Tuple
}

// parseEntry reads --entry: NAME, or NAME(literal, …, key=literal, …).
func parseEntry(s string) (*entryCall, error) {
	fail := func(format string, a ...any) (*entryCall, error) {
		return nil, &OptionError{Option: "entry", Err: fmt.Errorf(format, a...)}
	}
	e, err := (&syntax.FileOptions{}).ParseExpr("entry", strings.TrimSpace(s), 0)
	if err != nil {
		return fail("%q is not a name or a call such as 'build_lenet5(None, 10)'", s)
	}
	// Class.method: a method of a class of the file.
	method := func(x syntax.Expr) (string, string, bool) {
		switch x := x.(type) {
		case *syntax.Ident:
			return x.Name, "", true
		case *syntax.DotExpr:
			if id, ok := x.X.(*syntax.Ident); ok {
				return id.Name, x.Name.Name, true
			}
		}
		return "", "", false
	}
	switch x := e.(type) {
	case *syntax.Ident, *syntax.DotExpr:
		name, m, ok := method(x)
		if !ok {
			break
		}
		return &entryCall{name: name, method: m}, nil
	case *syntax.CallExpr:
		name, m, ok := method(x.Fn)
		if !ok {
			return fail("%q: call a function of the file by its name, e.g. 'build_lenet5(None, 10)'", s)
		}
		ec := &entryCall{name: name, method: m, call: true}
		seen := map[string]bool{}
		for _, a := range x.Args {
			if bin, ok := a.(*syntax.BinaryExpr); ok && bin.Op == syntax.EQ {
				k, ok := bin.X.(*syntax.Ident)
				if !ok {
					return fail("%q: a keyword argument is name=value", s)
				}
				if seen[k.Name] {
					return fail("%q: %s is given twice", s, k.Name)
				}
				seen[k.Name] = true
				v, err := entryArg(bin.Y)
				if err != nil {
					return fail("%q: %s: %v", s, k.Name, err)
				}
				ec.kwargs = append(ec.kwargs, starlark.Tuple{starlark.String(k.Name), v})
				continue
			}
			if len(ec.kwargs) > 0 {
				return fail("%q: a positional argument follows a keyword argument", s)
			}
			if u, ok := a.(*syntax.UnaryExpr); ok && (u.Op == syntax.STAR || u.Op == syntax.STARSTAR) {
				return fail("%q: *args and **kwargs are not supported; write the values", s)
			}
			v, err := entryArg(a)
			if err != nil {
				return fail("%q: argument %d: %v", s, len(ec.args)+1, err)
			}
			ec.args = append(ec.args, v)
		}
		return ec, nil
	}
	return fail("%q is not a name or a call such as 'build_lenet5(None, 10)'", s)
}

// entryArg is an argument of an --entry call: a literal, or a name,
// which stands for data layerinfo does not read (build_net(X_train)):
// a size computed from it is reported as such, never taken as a number.
func entryArg(e syntax.Expr) (starlark.Value, error) {
	if id, ok := e.(*syntax.Ident); ok && id.Name != "None" && id.Name != "True" && id.Name != "False" {
		return &pyhost.Opaque{Desc: id.Name, From: &pyhost.Origin{Expr: id.Name + " (an argument of the entry call)", EntryArg: true}}, nil
	}
	return literal(e)
}

// parseLiteral reads a --set value: a Python literal (int, float,
// string, None, True, False, and tuples, lists and dicts of them).
func parseLiteral(s string) (starlark.Value, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, errors.New("the value is empty (write NAME=VALUE, e.g. vocab_size=59)")
	}
	e, err := (&syntax.FileOptions{}).ParseExpr("set", t, 0)
	if err != nil {
		return nil, fmt.Errorf("%q is not a Python literal such as 59, 0.5, 'same', None or (None, 1, 28, 28)", s)
	}
	return literal(e)
}

// literal evaluates a literal expression; names other than None, True
// and False, calls and operators are refused (nothing is run).
func literal(e syntax.Expr) (starlark.Value, error) {
	switch x := e.(type) {
	case *syntax.Literal:
		switch v := x.Value.(type) {
		case string:
			if x.Token == syntax.BYTES {
				return starlark.Bytes(v), nil
			}
			return starlark.String(v), nil
		case int64:
			return starlark.MakeInt64(v), nil
		case *big.Int:
			return starlark.MakeBigInt(v), nil
		case float64:
			return starlark.Float(v), nil
		}
	case *syntax.Ident:
		switch x.Name {
		case "None":
			return starlark.None, nil
		case "True":
			return starlark.True, nil
		case "False":
			return starlark.False, nil
		}
		return nil, fmt.Errorf("%s is a name, not a literal (quote a string: '%s')", x.Name, x.Name)
	case *syntax.ParenExpr:
		return literal(x.X)
	case *syntax.UnaryExpr:
		if x.Op == syntax.MINUS || x.Op == syntax.PLUS {
			v, err := literal(x.X)
			if err != nil {
				return nil, err
			}
			switch n := v.(type) {
			case starlark.Int:
				if x.Op == syntax.MINUS {
					return starlark.MakeInt(0).Sub(n), nil
				}
				return n, nil
			case starlark.Float:
				if x.Op == syntax.MINUS {
					return -n, nil
				}
				return n, nil
			}
			return nil, fmt.Errorf("%s applies to a number", x.Op)
		}
	case *syntax.TupleExpr:
		t := make(starlark.Tuple, len(x.List))
		for i, y := range x.List {
			v, err := literal(y)
			if err != nil {
				return nil, err
			}
			t[i] = v
		}
		return t, nil
	case *syntax.ListExpr:
		xs := make([]starlark.Value, len(x.List))
		for i, y := range x.List {
			v, err := literal(y)
			if err != nil {
				return nil, err
			}
			xs[i] = v
		}
		return starlark.NewList(xs), nil
	case *syntax.DictExpr:
		d := starlark.NewDict(len(x.List))
		for _, y := range x.List {
			ent := y.(*syntax.DictEntry)
			k, err := literal(ent.Key)
			if err != nil {
				return nil, err
			}
			v, err := literal(ent.Value)
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(k, v); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, errors.New("only literals are allowed (numbers, strings, None, True, False, tuples, lists, dicts)")
}
