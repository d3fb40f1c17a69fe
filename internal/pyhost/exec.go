package pyhost

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
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
	// Dir is the script's directory, the name given to Exec a path in
	// it: the modules the script imports from it (import helpers, from
	// .ops.misc import X) run as the script does. nil reads none.
	Dir fs.FS
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
	opt      Options
	std      map[string]starlark.Value
	dir      *ModuleDir
	mods     map[string]*Module // by file in dir; nil while it runs
	files    map[string]bool    // the script and its modules, for positions
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
	pos, msg := Locate(r.Name, ee, r.maxSteps, r.files)
	return &graph.Error{Pos: pos, Msg: msg, Err: errors.Unwrap(ee)}
}

// Exec prepares Python source with classes (PrepareOptions.Classes) and
// runs it in the sandbox: no file, network or module access beyond
// opt.Import and the modules of opt.Dir, a step limit, memory charged to
// the budget. A statement Starlark cannot parse is left out (a function
// or class: bound to a placeholder), with a note in Run.Skipped. The Run
// is returned with an error of the top level, so that what was defined
// can still be used.
func Exec(name string, src []byte, opt Options) (run *Run, err error) {
	defer func() {
		if r := recover(); r != nil {
			if run != nil {
				run.Close()
			}
			run, err = nil, fmt.Errorf("%s: internal error while running the script (please report): %v", name, r)
		}
	}()
	th, max, stop := NewThread(name, opt.MaxSteps, opt.Budget)
	r := &Run{Name: name, Thread: th, maxSteps: max, stop: stop, opt: opt, std: StdModules(),
		dir: &ModuleDir{FS: opt.Dir}, mods: map[string]*Module{}, files: map[string]bool{name: true}}
	run = r
	mod := opt.ModuleName
	if mod == "" {
		mod = "__main__"
	}
	globals, prep, err := r.unit(name, src, mod, ".")
	r.Globals, r.Source = globals, prep
	if globals == nil && err != nil {
		stop()
		return nil, err
	}
	return r, r.Error(err)
}

// unit prepares and runs one file (the script, or a module it imports)
// on the run's thread: its globals, with the names its imports bound.
// pkg is its directory in opt.Dir, from which relative imports start.
func (r *Run) unit(name string, src []byte, mod, pkg string) (starlark.StringDict, *Source, error) {
	text := string(StripBOM(src))
	if err := CheckShape(name, text); err != nil {
		return nil, nil, err
	}
	prep := Prepare(text, PrepareOptions{Classes: true})
	pre := Builtins()
	MemoryBuiltins(pre)
	ClassBuiltins(pre)
	pre["__name__"] = starlark.String(mod)
	pre["__file__"] = starlark.String(name)
	for k, v := range r.opt.Predeclared {
		pre[k] = v
	}
	resolveImport := func(b Binding) (starlark.Value, error) {
		if r.opt.Import != nil {
			v, err := r.opt.Import(b)
			if err != nil || v != nil {
				return v, err
			}
		}
		if v, err := r.module(b, pkg); v != nil || err != nil {
			return v, err
		}
		if v := lookupPath(r.std, b.Path); v != nil {
			return v, nil
		}
		return &Opaque{Desc: b.Path}, nil
	}
	for _, b := range prep.Imports {
		v, err := resolveImport(b)
		if err != nil {
			return nil, nil, err
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
	prog, err := r.compile(name, prep, pre)
	if err != nil {
		return nil, nil, err
	}
	globals, err := prog.Init(r.Thread, pre)
	for k, v := range pre {
		if _, ok := globals[k]; !ok && !strings.HasPrefix(k, "__") {
			if _, builtin := starlark.Universe[k]; !builtin {
				globals[k] = v // imports, for entry expressions and importers
			}
		}
	}
	return globals, prep, err
}

// module is the module of opt.Dir an import names, run once (each run
// sharing the thread, its steps and budget): relative imports from pkg
// (a leading dot more than pkg is deep stays at the top), absolute ones
// from the top; nil if no such file is there. An import back into a
// module being run gets placeholders, as Python's partly made module.
func (r *Run) module(b Binding, pkg string) (starlark.Value, error) {
	if r.dir.FS == nil || b.Mod == "" {
		return nil, nil
	}
	mod := strings.TrimLeft(b.Mod, ".")
	base := "."
	if dots := len(b.Mod) - len(mod); dots > 0 {
		base = pkg
		for i := 1; i < dots && base != "." && base != "/"; i++ {
			base = path.Dir(base)
		}
	}
	rel := path.Join(base, strings.ReplaceAll(mod, ".", "/"))
	file := ""
	switch {
	case r.dir.Regular(rel + ".py"):
		file = rel + ".py"
	case r.dir.Regular(rel + "/__init__.py"):
		file = rel + "/__init__.py"
	default:
		return nil, nil
	}
	m, seen := r.mods[file]
	if !seen {
		if len(r.mods) >= MaxModules {
			return nil, fmt.Errorf("%s: cannot import %s: more than %d modules", r.Name, b.Mod, MaxModules)
		}
		r.mods[file] = nil
		src, err := r.dir.Read(file)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot import %s: %w", r.Name, b.Mod, err)
		}
		// Named as the script is: beside it.
		shown := path.Join(path.Dir(r.Name), file)
		r.files[shown] = true
		globals, _, err := r.unit(shown, src, mod, path.Dir(file))
		if err != nil {
			return nil, r.Error(err)
		}
		m = &Module{Name: mod, Open: true, Members: globals}
		r.mods[file] = m
	}
	if m == nil {
		return &Opaque{Desc: b.Path}, nil // a cycle
	}
	if !b.From || b.Path == b.Mod {
		return m, nil
	}
	name := strings.TrimPrefix(strings.TrimLeft(b.Path, "."), mod+".")
	if v, ok := m.Members[name]; ok {
		return v, nil
	}
	// from pkg import submodule
	if v, err := r.module(Binding{Mod: b.Mod + "." + name, Path: b.Mod + "." + name}, pkg); v != nil || err != nil {
		return v, err
	}
	return &Opaque{Desc: b.Path}, nil
}

// compile parses the prepared text, leaving out what Starlark cannot
// parse: a top-level function or class becomes a placeholder of its name,
// another statement is dropped; each with a note.
func (r *Run) compile(name string, prep *Source, pre starlark.StringDict) (*starlark.Program, error) {
	chains := false
	for tries := 0; ; tries++ {
		f, err := FileOptions.Parse(name, prep.Text, 0)
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
				return nil, SourceError(name, err)
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
			return nil, SourceError(name, err)
		}
		why := se.Msg
		if fn, line, _, ok := prep.SkipDef(int(se.Pos.Line)); ok {
			what := "function"
			if _, ok := prep.ClassDefs[line]; ok {
				what = "class"
			}
			r.Skipped = append(r.Skipped, fmt.Sprintf("%s:%d: %s %s skipped: %s", name, line, what, fn, why))
			pre[fn] = &Opaque{Desc: fn}
			continue
		}
		line, _, ok := prep.SkipStmt(int(se.Pos.Line))
		if !ok {
			return nil, SourceError(name, err)
		}
		r.Skipped = append(r.Skipped, fmt.Sprintf("%s:%d: statement skipped (Starlark cannot run it): %s", name, line, why))
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
	return fmt.Errorf("%s: %w", name, err)
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
