package pycode

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// unit is one compiled file: the script or a module beside it.
type unit struct {
	f            *syntax.File
	prog         *starlark.Program
	predeclared  starlark.StringDict
	skipped      []skippedStmt
	modBuilders  map[string]map[string]bool // module bound to a name → its functions that build layers
	nameBuilders map[string]bool            // names bound to functions of sibling modules that build layers
	missing      map[string]bool            // names bound to modules, or from modules, that could not be found
	opaqueStar   bool                       // a star import of a library layerinfo does not model (from pylab import *)
}

// skippedStmt is a top-level statement left out because Starlark cannot
// parse it: harmless after the model, an error before it.
type skippedStmt struct {
	line   int
	layers bool // its text makes layers
	err    error
	note   string
}

// compile prepares a module beside the script as Decode prepares the
// script: its imports bound, what Starlark cannot parse left out, its
// free names guessed.
func (b *builder) compile(file string, prep *pyhost.Source, modName string) (*unit, error) {
	u, err := b.newUnit(file, prep, modName, nil)
	if err != nil {
		return nil, err
	}
	b.findNets(u.f)
	if err := b.guessFrees(file, u); err != nil {
		return nil, err
	}
	return u, nil
}

// newUnit is what the script and the modules beside it share: the
// predeclared names (builtins, the file's classes, and what extra adds),
// the imports bound and the source parsed.
func (b *builder) newUnit(file string, prep *pyhost.Source, modName string, extra func(starlark.StringDict)) (*unit, error) {
	predeclared := starlark.StringDict{
		"__name__": starlark.String(modName),
		"__file__": starlark.String(file),
	}
	for k, v := range pyhost.Builtins() {
		predeclared[k] = v
	}
	predeclared["slice"] = starlark.NewBuiltin("slice", newSlice) // SliceLayer's
	pyhost.MemoryBuiltins(predeclared)
	if extra != nil {
		extra(predeclared)
	}
	for i := range prep.Classes {
		if c := &prep.Classes[i]; c.Name != "" {
			c.File = file
			predeclared[c.Name] = &userClass{b: b, name: c.Name, bases: c.Bases, line: c.Line, src: c}
		}
	}
	b.registerClasses(predeclared)
	u := &unit{predeclared: predeclared}
	if err := b.bindImports(file, prep, u); err != nil {
		return nil, err
	}
	if err := b.parse(file, prep, u); err != nil {
		return nil, err
	}
	return u, nil
}

// bindImports binds the names the file's import statements bind, and
// the __imp__ and __try__ builtins of imports inside try statements.
func (b *builder) bindImports(file string, prep *pyhost.Source, u *unit) error {
	u.modBuilders, u.nameBuilders, u.missing = map[string]map[string]bool{}, map[string]bool{}, map[string]bool{}
	builders := func(imp pyhost.Binding, v starlark.Value) {
		if o, ok := v.(*pyhost.Opaque); ok && o.Missing != nil {
			u.missing[imp.Name] = true
		}
		m, ok := v.(*pyhost.Module)
		if imp.Star && ok {
			for n := range b.sib.builders[m.Name] {
				u.nameBuilders[n] = true
			}
			return
		}
		mod := strings.TrimLeft(imp.Mod, ".")
		if ok && !imp.Star {
			// import helpers / import utils.layer_macros: helpers.conv_bn(…)
			u.modBuilders[imp.Name] = b.sib.builders[m.Name]
			if !imp.From && imp.Path != imp.Mod {
				u.modBuilders[mod] = b.sib.builders[mod]
			}
			return
		}
		if fns := b.sib.builders[mod]; fns != nil && imp.From && mod != "" {
			name := strings.TrimLeft(imp.Path, ".")[len(mod)+1:]
			if fns[name] {
				u.nameBuilders[imp.Name] = true
			}
		}
	}
	for _, imp := range prep.Imports {
		v, err := b.resolve(imp, file)
		if err != nil {
			return err
		}
		builders(imp, v)
		if imp.Star {
			if m, ok := v.(*pyhost.Module); ok {
				for k, x := range m.Members {
					u.predeclared[k] = x
				}
			}
			if o, ok := v.(*pyhost.Opaque); ok && o.Missing == nil {
				u.opaqueStar = true
			}
			continue
		}
		u.predeclared[imp.Name] = v
	}
	// Imports inside try statements run where they are written, and the
	// try runs its body unless an import there cannot be resolved.
	tryImports := prep.TryImports
	vals := make([]starlark.Value, len(tryImports))
	errs := make([]error, len(tryImports))
	for i, imp := range tryImports {
		vals[i], errs[i] = b.resolve(imp, file)
		if errs[i] == nil {
			builders(imp, vals[i])
		}
	}
	works := func(ks []int) bool {
		for _, k := range ks {
			if errs[k] != nil {
				return false
			}
			if o, ok := vals[k].(*pyhost.Opaque); ok && o.Missing != nil {
				return false // ImportError in Python
			}
		}
		return true
	}
	layers := func(ks []int) int {
		n := 0
		for _, k := range ks {
			if classNameOf(vals[k]) != "" {
				n++
			}
		}
		return n
	}
	u.predeclared["__imp__"] = starlark.NewBuiltin("__imp__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := starlark.AsInt32(a[0])
		if err != nil || k < 0 || k >= len(vals) {
			return nil, fmt.Errorf("internal error: import %v", a[0])
		}
		if errs[k] != nil {
			return nil, errs[k]
		}
		return vals[k], nil
	})
	u.predeclared["__preimp__"] = starlark.NewBuiltin("__preimp__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := starlark.AsInt32(a[0])
		if err != nil || k < 0 || k >= len(vals) || errs[k] != nil {
			return starlark.None, nil
		}
		return vals[k], nil
	})
	u.predeclared["__try__"] = starlark.NewBuiltin("__try__", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		k, err := starlark.AsInt32(a[0])
		if err != nil || k < 0 || k >= len(prep.Tries) {
			return nil, fmt.Errorf("internal error: try %v", a[0])
		}
		t := prep.Tries[k]
		switch {
		case !works(t.Body):
			return starlark.False, nil
		case len(t.Handler) > 0 && works(t.Handler) && layers(t.Handler) > layers(t.Body):
			// Prefer the branch that imports a known layer.
			return starlark.False, nil
		}
		return starlark.True, nil
	})
	return nil
}

// layerCall finds text that makes a layer or a NeuralNet.
var layerCall = regexp.MustCompile(`\b(\w*Layer|NeuralNet|batch_norm)\s*\(`)

// parse parses the prepared text. A top-level function Starlark cannot
// parse (numpy fancy indexing in a data loader) is left out and fails
// only if called; another top-level statement is left out and remembered
// (an error if it comes before the end of the model). rewriteAST adapts
// what data code does with placeholders.
func (b *builder) parse(file string, prep *pyhost.Source, u *unit) error {
	// What Starlark reads, after preparation (which joins adjacent string
	// literals with +), recursing no deeper than its caps allow.
	if err := pyhost.CheckShape(file, prep.Text); err != nil {
		return err
	}
	chains := false
	for tries := 0; ; tries++ {
		f, err := pyhost.FileOptions.Parse(file, prep.Text, 0)
		var ce syntax.Error
		if err != nil && !chains && errors.As(err, &ce) && strings.Contains(ce.Msg, "does not associate with") {
			// Python's chained comparisons (0.3 < x < 0.7), every one
			// of the file at once.
			chains = true
			prep.Text = pyhost.RewriteChains(prep.Text)
			tries--
			continue
		}
		if err == nil {
			pyhost.RewriteAST(f, prep.Generators)
			prog, err := starlark.FileProgram(f, func(string) bool { return true })
			if err != nil {
				return sourceError(file, err)
			}
			u.f, u.prog = f, prog
			return nil
		}
		var se syntax.Error
		// Each try parses the whole text again: at most 50, and fewer for
		// a large file (a megabyte of broken lines would take seconds).
		if !errors.As(err, &se) || tries > 50 || tries*len(prep.Text) > 8<<20 {
			return sourceError(file, err)
		}
		serr := sourceError(file, err)
		why := serr.Error()
		if pe, ok := serr.(*graph.Error); ok {
			why = pe.Err.Error()
		}
		if c, m, text, ok := prep.SkipMethod(int(se.Pos.Line)); ok {
			// A method Starlark cannot parse: left out; calling it is an
			// error if it makes layers, else a placeholder.
			m.Skipped = fmt.Sprintf("%s:%d: method %s.%s skipped: %s", file, m.Line, c.Name, m.Name, why)
			m.Builds = layerCall.MatchString(text) || strings.Contains(text, "layers.") || strings.Contains(text, "Layer")
			b.skipped = append(b.skipped, m.Skipped)
			continue
		}
		if fn, line, text, ok := prep.SkipDef(int(se.Pos.Line)); ok {
			note := fmt.Sprintf("%s:%d: function %s skipped: %s", file, line, fn, why)
			b.skipped = append(b.skipped, note)
			if layerCall.MatchString(text) || strings.Contains(text, "layers.") || strings.Contains(text, "Layer") {
				// It builds layers: calling it is an error.
				u.predeclared[fn] = starlark.NewBuiltin(fn, func(th *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
					return nil, &graph.Error{Pos: b.callerPos(th), Err: fmt.Errorf("cannot call %s: %s", fn, note)}
				})
			} else {
				// A data loader: its result is a placeholder, as data is.
				u.predeclared[fn] = &pyhost.Opaque{Desc: fn}
			}
			continue
		}
		line, text, ok := prep.SkipStmt(int(se.Pos.Line))
		if !ok {
			return serr
		}
		u.skipped = append(u.skipped, skippedStmt{line: line, layers: layerCall.MatchString(text), err: serr,
			note: fmt.Sprintf("%s:%d: statement skipped (Starlark cannot run it): %s", file, line, why)})
	}
}

// guessFrees binds the names the file uses but never binds: builtins, or
// guessed (guessFree). A layer-like name from a star import of a missing
// module is that import's error.
func (b *builder) guessFrees(file string, u *unit) error {
	var ferr error
	syntax.Walk(u.f, func(n syntax.Node) bool {
		id, ok := n.(*syntax.Ident)
		if !ok || ferr != nil {
			return ferr == nil
		}
		bind, ok := id.Binding.(*resolve.Binding)
		if !ok || bind.Scope != resolve.Predeclared {
			return true
		}
		if _, ok := u.predeclared[id.Name]; ok {
			return true
		}
		if v, ok := starlark.Universe[id.Name]; ok {
			u.predeclared[id.Name] = v
			return true
		}
		v, err := b.guessFree(id.Name)
		var pe *graph.Error
		if errors.As(err, &pe) {
			ferr = pe // a missing module's error, at its import
			return false
		}
		pos := graph.Pos{File: file, Line: int(id.NamePos.Line), Col: int(id.NamePos.Col)}
		if err != nil {
			ferr = &graph.Error{Pos: pos, Err: err}
			return false
		}
		if o, ok := v.(*pyhost.Opaque); ok && o.Missing == nil && !u.opaqueStar && !pyhost.PythonBuiltin(id.Name) {
			// A name nothing binds is Python's NameError: harmless in
			// data code, an error when a layer is given to it or it is
			// given as a layer.
			msg := fmt.Sprintf("name %s is not defined", id.Name)
			if s := spell.Nearest(id.Name, boundNames(u)); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			pe := &graph.Error{Pos: pos, Err: errors.New(msg)}
			b.sib.importErrs[pe] = true
			v = &pyhost.Opaque{Desc: o.Desc, Missing: &pyhost.Missing{Pos: pos, Name: id.Name, Err: pe}}
		}
		u.predeclared[id.Name] = v
		return true
	})
	return ferr
}

// boundNames are the names the file binds and imports, for suggestions.
func boundNames(u *unit) []string {
	var names []string
	if m, ok := u.f.Module.(*resolve.Module); ok {
		for _, g := range m.Globals {
			names = append(names, g.First.Name)
		}
	}
	for k := range u.predeclared {
		if !strings.HasPrefix(k, "__") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// guessFree is guessFree, except that a name that looks like a layer
// comes from a star import of a missing module when there is one.
func (b *builder) guessFree(name string) (starlark.Value, error) {
	v, err := guessFree(b.roots, name)
	if len(b.sib.stars) == 0 {
		return v, err
	}
	// from blocks import *, with no blocks.py: the name may be from it.
	m := *b.sib.stars[0]
	m.Name = name
	m.Err = b.missingErr(&m)
	if pe, ok := m.Err.(*graph.Error); ok {
		b.sib.importErrs[pe] = true
	}
	if err != nil {
		return nil, m.Err
	}
	if o, ok := v.(*pyhost.Opaque); ok {
		return &pyhost.Opaque{Desc: o.Desc, Missing: &m}, nil
	}
	return v, nil
}
