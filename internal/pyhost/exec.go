package pyhost

import (
	"errors"
	"fmt"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// FileOptions are the Starlark dialect the host runs prepared Python in.
var FileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}

// Options tune Exec. The zero value runs the file with every import a
// placeholder, the default step limit and budget.
type Options struct {
	MaxSteps uint64         // 0: DefaultMaxSteps
	Budget   *budget.Budget // nil: the default budget of a request
	// Import is the value an import statement binds (a *Module, a
	// *Class, a builtin); nil and no error leave it to the standard
	// modules the host has (StdModules), else a placeholder, as any
	// library the front-end does not model.
	Import func(b Binding) (starlark.Value, error)
	// Predeclared are the front-end's names, after the builtins.
	Predeclared starlark.StringDict
	// ModuleName is __name__; "" is "__main__" (if __name__ ==
	// "__main__": blocks then run).
	ModuleName string
}

// Run is a file that has been executed: its globals, and the thread to
// call what it defines with (resnet50(), Net(10)); Close ends the run's
// watches.
type Run struct {
	Name    string
	Globals starlark.StringDict
	Thread  *starlark.Thread
	Source  *Source
	// Skipped are notes on the statements and functions left out because
	// Starlark cannot parse them (file:line: …).
	Skipped  []string
	maxSteps uint64
	stop     func()
}

// Close ends the run's memory and budget watches.
func (r *Run) Close() { r.stop() }

// Call calls fn on the run's thread with a fresh step allowance; an
// error is placed in the file (Error).
func (r *Run) Call(fn starlark.Value, args starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	r.Thread.Uncancel()
	r.Thread.SetMaxExecutionSteps(r.Thread.ExecutionSteps() + r.maxSteps)
	v, err := starlark.Call(r.Thread, fn, args, kw)
	return v, r.Error(err)
}

// Error places a run error in the file: a *graph.Error with the
// innermost position and the chain of calls; a budget error and an
// error that already has a position are returned as they are.
func (r *Run) Error(err error) error {
	if err == nil {
		return nil
	}
	if be := MemoryOf(r.Thread).Exceeded(err); be != nil {
		return be
	}
	var be *budget.Error
	var ge *graph.Error
	if errors.As(err, &be) || errors.As(err, &ge) {
		return err
	}
	var ee *starlark.EvalError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", r.Name, err)
	}
	pos, msg := Locate(r.Name, ee, r.maxSteps, nil)
	return &graph.Error{Pos: pos, Msg: msg, Err: errors.Unwrap(ee)}
}

// Exec prepares Python source with classes (PrepareOptions.Classes) and
// runs it in the sandbox: no file, network or module access beyond
// opt.Import, a step limit, memory charged to the budget. A statement
// Starlark cannot parse is left out (a function or class: bound to a
// placeholder), with a note in Run.Skipped. The Run is returned with
// an error of the top level, so that what was defined can still be used.
func Exec(name string, src []byte, opt Options) (run *Run, err error) {
	defer func() {
		if r := recover(); r != nil {
			if run != nil {
				run.Close()
			}
			run, err = nil, fmt.Errorf("%s: internal error while running the script (please report): %v", name, r)
		}
	}()
	text := string(StripBOM(src))
	if err := CheckShape(name, text); err != nil {
		return nil, err
	}
	prep := Prepare(text, PrepareOptions{Classes: true})
	th, max, stop := NewThread(name, opt.MaxSteps, opt.Budget)
	r := &Run{Name: name, Thread: th, Source: prep, maxSteps: max, stop: stop}
	run = r
	mod := opt.ModuleName
	if mod == "" {
		mod = "__main__"
	}
	pre := Builtins()
	MemoryBuiltins(pre)
	ClassBuiltins(pre)
	pre["__name__"] = starlark.String(mod)
	pre["__file__"] = starlark.String(name)
	for k, v := range opt.Predeclared {
		pre[k] = v
	}
	std := StdModules()
	resolveImport := func(b Binding) (starlark.Value, error) {
		if opt.Import != nil {
			v, err := opt.Import(b)
			if err != nil || v != nil {
				return v, err
			}
		}
		if v := lookupPath(std, b.Path); v != nil {
			return v, nil
		}
		return &Opaque{Desc: b.Path}, nil
	}
	for _, b := range prep.Imports {
		v, err := resolveImport(b)
		if err != nil {
			stop()
			return nil, err
		}
		if b.Star {
			if m, ok := v.(*Module); ok {
				for k, x := range m.Members {
					pre[k] = x
				}
			}
			continue
		}
		pre[b.Name] = v
	}
	// Imports in try statements and under conditions: bound where they
	// are written; a try runs its body unless one of its imports fails.
	vals := make([]starlark.Value, len(prep.TryImports))
	errs := make([]error, len(prep.TryImports))
	for i, b := range prep.TryImports {
		vals[i], errs[i] = resolveImport(b)
	}
	index := func(a starlark.Tuple, n int) (int, error) {
		k, err := starlark.AsInt32(a[0])
		if err != nil || k < 0 || k >= n {
			return 0, fmt.Errorf("internal error: import %v", a[0])
		}
		return k, nil
	}
	pre["__imp__"] = starlark.NewBuiltin("__imp__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := index(a, len(vals))
		if err != nil {
			return nil, err
		}
		return vals[k], errs[k]
	})
	pre["__preimp__"] = starlark.NewBuiltin("__preimp__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := index(a, len(vals))
		if err != nil || errs[k] != nil {
			return starlark.None, nil
		}
		return vals[k], nil
	})
	pre["__try__"] = starlark.NewBuiltin("__try__", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := index(a, len(prep.Tries))
		if err != nil {
			return nil, err
		}
		for _, i := range prep.Tries[k].Body {
			if errs[i] != nil {
				return starlark.False, nil
			}
		}
		return starlark.True, nil
	})
	prog, err := r.compile(prep, pre)
	if err != nil {
		stop()
		return nil, err
	}
	globals, err := prog.Init(th, pre)
	r.Globals = globals
	for k, v := range pre {
		if _, ok := r.Globals[k]; !ok && !strings.HasPrefix(k, "__") {
			if _, builtin := starlark.Universe[k]; !builtin {
				r.Globals[k] = v // imports, for entry expressions
			}
		}
	}
	return r, r.Error(err)
}

// compile parses the prepared text, leaving out what Starlark cannot
// parse: a top-level function or class becomes a placeholder of its name,
// another statement is dropped; each with a note.
func (r *Run) compile(prep *Source, pre starlark.StringDict) (*starlark.Program, error) {
	chains := false
	for tries := 0; ; tries++ {
		f, err := FileOptions.Parse(r.Name, prep.Text, 0)
		var se syntax.Error
		if err != nil && !chains && errors.As(err, &se) && strings.Contains(se.Msg, "does not associate with") {
			chains = true
			prep.Text = RewriteChains(prep.Text)
			tries--
			continue
		}
		if err == nil {
			RewriteClasses(f, prep)
			RewriteAST(f, prep.Generators)
			prog, err := starlark.FileProgram(f, func(string) bool { return true })
			if err != nil {
				return nil, SourceError(r.Name, err)
			}
			// Names the file uses but never binds: Starlark's builtins,
			// placeholders for Python's (ValueError, vars), and for any
			// other a value that is Python's NameError when used.
			syntax.Walk(f, func(n syntax.Node) bool {
				if id, ok := n.(*syntax.Ident); ok {
					if b, ok := id.Binding.(*resolve.Binding); ok && b.Scope == resolve.Predeclared {
						if _, ok := pre[id.Name]; !ok {
							switch v, ok := starlark.Universe[id.Name]; {
							case ok:
								pre[id.Name] = v
							case PythonBuiltin(id.Name):
								pre[id.Name] = &Opaque{Desc: id.Name}
							default:
								pre[id.Name] = undefined(id.Name)
							}
						}
					}
				}
				return true
			})
			return prog, nil
		}
		if !errors.As(err, &se) || tries > 50 || tries*len(prep.Text) > 8<<20 {
			return nil, SourceError(r.Name, err)
		}
		why := se.Msg
		if fn, line, _, ok := prep.SkipDef(int(se.Pos.Line)); ok {
			what := "function"
			if _, ok := prep.ClassDefs[line]; ok {
				what = "class"
			}
			r.Skipped = append(r.Skipped, fmt.Sprintf("%s:%d: %s %s skipped: %s", r.Name, line, what, fn, why))
			pre[fn] = &Opaque{Desc: fn}
			continue
		}
		line, _, ok := prep.SkipStmt(int(se.Pos.Line))
		if !ok {
			return nil, SourceError(r.Name, err)
		}
		r.Skipped = append(r.Skipped, fmt.Sprintf("%s:%d: statement skipped (Starlark cannot run it): %s", r.Name, line, why))
	}
}

// SourceError converts a parse or resolve error into a *graph.Error, with
// a hint where Python syntax that Starlark lacks is the likely cause.
func SourceError(name string, err error) error {
	var se syntax.Error
	if errors.As(err, &se) {
		msg := se.Msg
		if strings.Contains(msg, "got **") || strings.Contains(msg, "'**'") {
			msg += " (the ** operator is not supported; write pow(a, b))"
		}
		return &graph.Error{Pos: graph.Pos{File: name, Line: int(se.Pos.Line), Col: int(se.Pos.Col)}, Msg: "syntax error: " + msg}
	}
	var rl resolve.ErrorList
	if errors.As(err, &rl) && len(rl) > 0 {
		return &graph.Error{Pos: graph.Pos{File: name, Line: int(rl[0].Pos.Line), Col: int(rl[0].Pos.Col)}, Msg: rl[0].Msg}
	}
	return fmt.Errorf("%s: %v", name, err)
}

// undefined is a name the file uses but never binds: an error where it
// is used (called, read, combined), as Python's NameError is when the
// line runs.
type undefined string

func (u undefined) err() error                          { return fmt.Errorf("name '%s' is not defined", string(u)) }
func (u undefined) String() string                      { return string(u) }
func (u undefined) Type() string                        { return "undefined name " + string(u) }
func (u undefined) Freeze()                             {}
func (u undefined) Truth() starlark.Bool                { return true }
func (u undefined) Hash() (uint32, error)               { return 0, u.err() }
func (u undefined) Name() string                        { return string(u) }
func (u undefined) AttrNames() []string                 { return nil }
func (u undefined) Attr(string) (starlark.Value, error) { return nil, u.err() }
func (u undefined) CallInternal(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return nil, u.err()
}
func (u undefined) Binary(syntax.Token, starlark.Value, starlark.Side) (starlark.Value, error) {
	return nil, u.err()
}
