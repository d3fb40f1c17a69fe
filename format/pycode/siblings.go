package pycode

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// MaxModuleSize is the largest module a script may import from beside
// it (pyhost.MaxModuleSize).
const MaxModuleSize = pyhost.MaxModuleSize

// siblings are the Python modules beside the script (from layers import
// *, import helpers, from utils.layer_macros import conv2dbn): read from
// Options.Dir, prepared and run like the script, with the same builder
// and thread, so they share its layers and its step limit.
type siblings struct {
	dir      *pyhost.ModuleDir
	mods     map[string]*pyhost.Module  // by dotted path; nil while it is being loaded
	builders map[string]map[string]bool // by dotted path: its functions that build layers
	stars    []*pyhost.Missing          // star imports of missing modules
	missing  []*pyhost.Missing          // every import of a missing module
	// importErrs are the errors of missing modules: a layer that needs
	// one ends decoding wherever it is.
	importErrs map[*graph.Error]bool
}

// knownLibraries are modules a model script imports that layerinfo does
// not model: they are inert placeholders, never "missing".
var knownLibraries = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`__future__ __main__ abc argparse array ast bisect builtins bz2 cPickle cStringIO codecs
		collections colorsys configparser ConfigParser contextlib copy copy_reg cProfile csv ctypes datetime decimal difflib
		doctest enum errno fnmatch fractions functools future gc getopt getpass glob gzip hashlib heapq hmac html http imp
		importlib inspect io itertools json logging lzma marshal math mmap multiprocessing numbers operator optparse os
		pathlib pdb pickle platform pprint profile pstats queue Queue random re resource sched select shelve shlex shutil
		signal six socket sqlite3 ssl stat statistics string StringIO struct subprocess sys tarfile tempfile textwrap
		threading time timeit traceback types typing unittest urllib urllib2 urlparse uuid warnings weakref xml zipfile zlib
		numpy scipy sklearn matplotlib pylab seaborn pandas PIL Image cv2 skimage h5py tables theano lasagne nolearn
		tqdm joblib yaml requests IPython ipywidgets lmdb caffe keras tensorflow torch torchvision progressbar
		pydot graphviz nose pytest mock dill cloudpickle bokeh plotly statsmodels gensim nltk sympy numba cython
		boto boto3 psutil colorama termcolor tabulate click docopt sacred mlflow wandb tensorboard_logger visdom
		imageio scikits pylearn2 fuel pygpu pycuda theanets hyperopt spearmint`) {
		knownLibraries[m] = true
	}
}

// missingErr is the error the model gets when it uses a value of a missing module.
func (b *builder) missingErr(m *pyhost.Missing) error {
	what := m.Mod
	if m.Name != m.Mod {
		what = m.Name + " from " + m.Mod
	}
	msg := fmt.Sprintf("cannot import %s: %s", what, b.notBeside(m.Mod, m.Pos.File))
	root := strings.Split(strings.TrimLeft(m.Mod, "."), ".")[0]
	var libs []string
	for k := range b.roots {
		libs = append(libs, k)
	}
	for k := range knownLibraries {
		libs = append(libs, k)
	}
	sort.Strings(libs)
	if s := spell.Nearest(root, libs); s != "" && s != root {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return &graph.Error{Pos: m.Pos, Err: errors.New(msg)}
}

// notBeside says why a module imported by file was not found.
func (b *builder) notBeside(mod, file string) string {
	rel := strings.ReplaceAll(strings.TrimLeft(mod, "."), ".", "/")
	script := filepath.Base(file)
	if b.sib == nil || b.sib.dir.FS == nil {
		return fmt.Sprintf("no %s.py could be read: modules beside a script are read only when it is given as a file", rel)
	}
	return fmt.Sprintf("no %s.py beside %s", rel, script)
}

// resolve finds the value an import pyhost.Binding names: a modelled module
// (lasagne, nolearn, numpy, math), a module beside the script, a known
// library (a placeholder), or a missing module — an error when what it
// imports is plainly a layer, else a placeholder that fails when a layer
// gets it.
func (b *builder) resolve(imp pyhost.Binding, file string) (starlark.Value, error) {
	pos := graph.Pos{File: file, Line: imp.Line, Col: 1}
	mod := strings.TrimLeft(imp.Mod, ".")
	p := strings.TrimLeft(imp.Path, ".")
	from := imp.From && !imp.Star
	if mod == "" { // from . import helpers: import helpers
		mod, from = p, false
	}
	root := strings.Split(p, ".")[0]
	if _, ok := b.roots[root]; ok {
		v, err := lookup(b.roots, p)
		if err != nil {
			return nil, &graph.Error{Pos: pos, Err: err}
		}
		return v, nil
	}
	m, err := b.sib.load(b, mod, pos)
	if err != nil {
		return nil, err
	}
	if m != nil {
		switch {
		case imp.Star || !from && p == mod:
			return m, nil // from m import * (the caller copies), import a.b as x
		case !from:
			return b.sib.mods[root], nil // import a.b binds a
		}
		name := p[len(mod)+1:]
		if v, ok := m.Members[name]; ok {
			return v, nil
		}
		if sub, err := b.sib.load(b, mod+"."+name, pos); err != nil || sub != nil {
			return sub, err
		}
		msg := fmt.Sprintf("cannot import %s from %s: %s does not define it", name, mod, m.Name)
		if s := spell.Nearest(name, m.AttrNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, &graph.Error{Pos: pos, Err: errors.New(msg)}
	}
	if knownLibraries[root] {
		return &pyhost.Opaque{Desc: p, Sym: root == "theano"}, nil
	}
	name := mod
	if from {
		name = p[len(mod)+1:]
	}
	miss := &pyhost.Missing{Pos: pos, Name: name, Mod: mod}
	miss.Err = b.missingErr(miss)
	b.sib.missing = append(b.sib.missing, miss)
	if pe, ok := miss.Err.(*graph.Error); ok {
		b.sib.importErrs[pe] = true
	}
	if from && (strings.HasSuffix(name, "Layer") || b.classes[name].build != nil) {
		// A layer class: an error where the model uses it, a
		// placeholder while nothing does.
		return &pyhost.Opaque{Desc: p, Missing: miss, Class: true}, nil
	}
	if imp.Star {
		b.sib.stars = append(b.sib.stars, miss)
		return nil, nil
	}
	return &pyhost.Opaque{Desc: p, Missing: miss}, nil
}

// load reads the module at a dotted path from beside the script: a.py,
// or a/__init__.py, or a directory a/ (a namespace package), and every
// package above it. It returns nil, nil when there is no such module.
func (s *siblings) load(b *builder, mod string, pos graph.Pos) (*pyhost.Module, error) {
	if s == nil || s.dir.FS == nil || mod == "" {
		return nil, nil
	}
	parts := strings.Split(mod, ".")
	for _, p := range parts {
		if !modName(p) {
			return nil, nil
		}
	}
	var parent *pyhost.Module
	for i := range parts {
		dotted := strings.Join(parts[:i+1], ".")
		m, ok := s.mods[dotted]
		if ok && m == nil {
			return nil, &graph.Error{Pos: pos, Err: fmt.Errorf("import cycle: %s imports itself through the modules it imports", dotted)}
		}
		if !ok {
			rel := strings.Join(parts[:i+1], "/")
			var err error
			switch {
			case s.dir.Regular(rel + ".py"):
				m, err = s.run(b, dotted, rel+".py", pos)
			case s.dir.Regular(rel + "/__init__.py"):
				m, err = s.run(b, dotted, rel+"/__init__.py", pos)
			case s.dir.IsDir(rel):
				m = &pyhost.Module{Name: dotted, Members: starlark.StringDict{}}
				s.mods[dotted] = m
			default:
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
		if parent != nil {
			if _, has := parent.Members[parts[i]]; !has {
				parent.Members[parts[i]] = m
			}
		}
		parent = m
	}
	return parent, nil
}

// regular reports whether rel is a regular file inside the directory,
// reached through no symbolic link.

// run reads, prepares and runs one module; its globals, the names it
// imports and its classes become the module's members.
func (s *siblings) run(b *builder, dotted, rel string, pos graph.Pos) (*pyhost.Module, error) {
	if len(s.mods) >= pyhost.MaxModules {
		return nil, &graph.Error{Pos: pos, Err: fmt.Errorf("cannot import %s: the script imports more than %d modules", dotted, pyhost.MaxModules)}
	}
	src, err := s.dir.Read(rel)
	if err != nil {
		return nil, &graph.Error{Pos: pos, Err: fmt.Errorf("cannot import %s: %w", dotted, err)}
	}
	s.mods[dotted] = nil // loading: a cycle back to it is an error
	file := rel
	if d := filepath.Dir(b.file); d != "." && d != "" {
		file = filepath.Join(d, filepath.FromSlash(rel))
	}
	b.files[file] = true
	text := string(pyhost.StripBOM(src))
	if err := pyhost.CheckShape(file, text); err != nil {
		return nil, err
	}
	prep := prepare(text)
	u, err := b.compile(file, prep, dotted)
	if err != nil {
		return nil, err
	}
	globals, err := u.prog.Init(b.th, u.predeclared)
	b.setGlobals(file, globals)
	if err != nil {
		return nil, b.runError(err)
	}
	m := &pyhost.Module{Name: dotted, Members: starlark.StringDict{}}
	for k, v := range u.predeclared {
		if _, builtin := starlark.Universe[k]; !builtin && !strings.HasPrefix(k, "__") {
			m.Members[k] = v
		}
	}
	for k, v := range globals {
		m.Members[k] = v
	}
	for k := range pyhost.Builtins() {
		delete(m.Members, k)
	}
	delete(m.Members, "slice")
	s.mods[dotted] = m
	ext := modelExtent(u.f, prep, b.classes, u)
	s.builders[dotted] = ext.builders
	for _, n := range u.skipped {
		b.skipped = append(b.skipped, n.note)
	}
	return m, nil
}

// modName reports whether s can be one part of a module's dotted path.
func modName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !pyhost.IsIdent(s[i]) {
			return false
		}
	}
	return true
}
