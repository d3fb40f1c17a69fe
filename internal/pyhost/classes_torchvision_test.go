package pyhost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// anyFn is a namespace whose every attribute is a function returning a
// tensor (torch.nn.functional, a tensor's methods).
type anyFn struct{ name string }

func (f anyFn) String() string        { return f.name }
func (f anyFn) Type() string          { return "module" }
func (f anyFn) Freeze()               {}
func (f anyFn) Truth() starlark.Bool  { return true }
func (f anyFn) Hash() (uint32, error) { return 0, nil }
func (f anyFn) AttrNames() []string   { return nil }
func (f anyFn) Attr(name string) (starlark.Value, error) {
	return starlark.NewBuiltin(f.name+"."+name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		switch name {
		case "size":
			return starlark.Tuple{starlark.MakeInt(1), starlark.MakeInt(8), starlark.MakeInt(4), starlark.MakeInt(4)}, nil
		case "chunk", "split", "unbind":
			return starlark.Tuple{tensorValue{}, tensorValue{}}, nil
		case "is_scripting", "is_tracing":
			return starlark.False, nil
		}
		return tensorValue{}, nil
	}), nil
}

// tensorValue is stubTensor with methods (view, size, chunk, mean, …).
type tensorValue struct{ stubTensor }

func (tensorValue) Attr(name string) (starlark.Value, error) { return anyFn{"tensor"}.Attr(name) }
func (tensorValue) AttrNames() []string                      { return nil }
func (t tensorValue) Index(int) starlark.Value               { return t }
func (tensorValue) Len() int                                 { return 1 }
func (t tensorValue) Get(starlark.Value) (starlark.Value, bool, error) {
	return t, true, nil
}

// torchvisionStub is torchStub with the modules torchvision's files use.
func torchvisionStub() (*stubFramework, map[string]starlark.Value) {
	fw, roots := torchStub()
	fw.tensor = tensorValue{}
	torch := roots["torch"].(*Module)
	nn := torch.Members["nn"].(*Module)
	for _, k := range []string{"ReLU6", "Hardswish", "Hardsigmoid", "SiLU", "Sigmoid", "AvgPool2d", "Identity", "Flatten", "Softmax", "Conv3d", "BatchNorm3d", "Embedding", "Tanh"} {
		nn.Members[k] = fw.leaf(k)
	}
	// A recurrent layer returns (output, h_n).
	gru := fw.leaf("GRU")
	gru.Native.Call = func(th *starlark.Thread, o *Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		fw.calls = append(fw.calls, o)
		return starlark.Tuple{tensorValue{}, tensorValue{}}, nil
	}
	nn.Members["GRU"] = gru
	nn.Members["ModuleList"] = fw.container("ModuleList")
	nn.Members["ModuleDict"] = fw.container("ModuleDict")
	nn.Members["functional"] = anyFn{"torch.nn.functional"}
	for _, k := range []string{"flatten", "cat", "chunk", "mean", "transpose", "unsqueeze"} {
		name := k
		torch.Members[k] = starlark.NewBuiltin(k, func(th *starlark.Thread, b *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			v, _ := anyFn{"torch"}.Attr(name)
			return starlark.Call(th, v, a, kw)
		})
	}
	torch.Members["jit"] = anyFn{"torch.jit"}
	return fw, roots
}

// apiStub is torchvision's models/_api.py, which the reference does not
// have, as far as building without weights needs it: WeightsEnum, whose
// verify(None) is None. Other imports go to the stub roots.
func apiStub(roots map[string]starlark.Value) func(b Binding) (starlark.Value, error) {
	enum := NewNative("WeightsEnum", &Native{})
	enum.Set("verify", starlark.NewBuiltin("verify", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return a[0], nil
	}))
	stub := importer(roots)
	return func(b Binding) (starlark.Value, error) {
		if b.Mod == "._api" && b.Path == "._api.WeightsEnum" {
			return enum, nil
		}
		return stub(b)
	}
}

// TestTorchvisionClasses runs every torchvision model of torchcode (the
// files as torchvision 0.14 ships them, with the helpers they import from
// ops/misc.py and _utils.py run beside them), and the small models of
// own/ but tiny_lm, and compares the module
// tree the constructors build with PyTorch's record of the same model
// (the helpers are found by the host in Options.Dir):
// paths, classes, and the parameters of each Conv2d, BatchNorm2d and
// Linear computed from the arguments the file gave. Then forward runs on
// a placeholder tensor (whose methods and torch functions return one):
// the leaf modules it calls, in order, are those PyTorch's forward hooks
// saw.
func TestTorchvisionClasses(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(reference, "torchcode", "*.expected.json"))
	if len(cases) == 0 {
		t.Skip("no reference data: ../shared/reference is needed for this test")
	}
	sort.Strings(cases)
	for _, c := range cases {
		raw, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			File, Entry, Error string
			Layers, Containers [][]any
			NotCalled          [][]any `json:"not_called"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		// tiny_lm's TransformerEncoder copies its layer (a front-end's
		// work, not the host's); the shape-bug case has no tree.
		if e.Error != "" || strings.HasSuffix(e.File, "tiny_lm.py") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(c), ".expected.json")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(reference, "torchcode", e.File))
			if err != nil {
				t.Fatal(err)
			}
			fw, roots := torchvisionStub()
			run, err := Exec(filepath.Base(e.File), src, Options{Import: apiStub(roots), Dir: os.DirFS(filepath.Join(reference, "torchcode", filepath.Dir(e.File))), ModuleName: "models"})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			if len(run.Skipped) > 0 {
				t.Errorf("skipped: %v", run.Skipped)
			}
			entry := strings.TrimSuffix(e.Entry, "()")
			v, err := run.Call(run.Globals[entry], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			model, ok := v.(*Instance)
			if !ok {
				t.Fatalf("%s = %v", e.Entry, v)
			}
			want := map[string]torchRow{}
			for _, rows := range [][][]any{e.Layers, e.Containers, e.NotCalled} {
				for _, r := range rows {
					row := torchRow{path: r[0].(string), class: r[1].(string)}
					row.params = int64(r[len(r)-1].(float64))
					want[row.path] = row
				}
			}
			got := map[string]bool{}
			fw.walk(model, "", func(m *Instance, p string) {
				got[p] = true
				w, ok := want[p]
				switch k := kind(m); {
				case !ok && ranNot(want, p):
					// A container that did not run (googlenet's aux
					// heads in eval mode): its leaves are in not_called.
				case !ok:
					t.Errorf("module %q (%s) is not in PyTorch's model", p, k)
				case w.class != k:
					t.Errorf("module %q is a %s, want %s", p, k, w.class)
				case (k == "Conv2d" || k == "BatchNorm2d" || k == "Linear") && ownParams(m) != w.params:
					t.Errorf("module %q (%s%v %v): %d parameters from its arguments, PyTorch has %d", p, k, state(m).args, state(m).kw, ownParams(m), w.params)
				}
			})
			for p, w := range want {
				if !got[p] {
					t.Errorf("PyTorch's module %q (%s) was not made", p, w.class)
				}
			}
			t.Logf("%s: %d modules", e.Entry, len(got))

			// forward on a placeholder tensor: the leaf calls in order.
			fw.paths(model)
			if _, err := run.Call(model, starlark.Tuple{tensorValue{}}, nil); err != nil {
				t.Fatalf("forward: %v", err)
			}
			var calls, wantCalls []string
			for _, c := range fw.calls {
				calls = append(calls, state(c).path)
			}
			for _, r := range e.Layers {
				wantCalls = append(wantCalls, r[0].(string))
			}
			if g, w := strings.Join(calls, " "), strings.Join(wantCalls, " "); g != w {
				t.Errorf("forward called\n%s\nPyTorch called\n%s", g, w)
			}
		})
	}
}

// ranNot reports whether a module at path holds modules PyTorch's record
// has (a container that never ran is in no list, its leaves are).
func ranNot(want map[string]torchRow, path string) bool {
	for p := range want {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}
