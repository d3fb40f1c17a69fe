package pyhost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.starlark.net/starlark"
)

// reference is ../shared/reference from the project root.
const reference = "../../../shared/reference"

// torchStub is torch and torch.nn with stub classes.
func torchStub() (*stubFramework, map[string]starlark.Value) {
	fw := &stubFramework{forward: "forward"}
	fw.isSub = func(v starlark.Value) bool {
		o, ok := v.(*Instance)
		return ok && o.Class.IsSubclass(fw.base)
	}
	nn := &Module{Name: "torch.nn", Members: starlark.StringDict{
		"Module": fw.newBase("Module", false),
		"init":   &Module{Name: "torch.nn.init", Open: true},
	}}
	for _, k := range []string{"Conv2d", "BatchNorm2d", "GroupNorm", "ReLU", "MaxPool2d", "AdaptiveAvgPool2d", "Linear", "Dropout"} {
		nn.Members[k] = fw.leaf(k)
	}
	nn.Members["Sequential"] = fw.container("Sequential")
	torch := &Module{Name: "torch", Open: true, Members: starlark.StringDict{
		"nn": nn,
		"flatten": starlark.NewBuiltin("flatten", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return stubTensor{}, nil
		}),
	}}
	return fw, map[string]starlark.Value{"torch": torch}
}

// ownParams is the parameter count PyTorch gives a leaf module made with
// these arguments (weight and bias as its constructor defines them).
func ownParams(o *Instance) int64 {
	switch kind(o) {
	case "Conv2d":
		in, out, k := intArg(o, 0, "in_channels", 0), intArg(o, 1, "out_channels", 0), intArg(o, 2, "kernel_size", 0)
		g, bias := intArg(o, 6, "groups", 1), intArg(o, 7, "bias", 1)
		return in/g*out*k*k + bias*out
	case "BatchNorm2d":
		return 2 * intArg(o, 0, "num_features", 0)
	case "Linear":
		in, out, bias := intArg(o, 0, "in_features", 0), intArg(o, 1, "out_features", 0), intArg(o, 2, "bias", 1)
		return in*out + bias*out
	}
	return 0
}

type torchRow struct {
	path, class string
	params      int64
}

// expectedRows reads a torchcode case: its layer rows (call order) and
// container rows.
func expectedRows(t *testing.T, name string) (layers, containers []torchRow) {
	raw, err := os.ReadFile(filepath.Join(reference, "torchcode", name+".expected.json"))
	if err != nil {
		t.Skipf("no reference data (%v): ../shared/reference is needed for this test", err)
	}
	var e struct{ Layers, Containers [][]any }
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	conv := func(rs [][]any) []torchRow {
		var out []torchRow
		for _, r := range rs {
			out = append(out, torchRow{r[0].(string), r[1].(string), int64(r[3].(float64))})
		}
		return out
	}
	return conv(e.Layers), conv(e.Containers)
}

// TestResNetClasses runs torchvision's resnet.py as written: its classes
// are defined, resnet18() and resnet50() build the module tree through
// the stub nn classes, and forward runs. The tree and the calls are
// compared with PyTorch's own record of the same model (torchcode's
// expected.json): every module's path and class, each leaf's parameters
// computed from the arguments the file gave its constructor, and the
// leaf calls of one forward pass in order.
func TestResNetClasses(t *testing.T) {
	file := filepath.Join(reference, "torchcode", "torchvision", "resnet.py")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("no reference data (%v): ../shared/reference is needed for this test", err)
	}
	for _, entry := range []string{"resnet18", "resnet50"} {
		t.Run(entry, func(t *testing.T) {
			wantLayers, wantContainers := expectedRows(t, entry)
			fw, roots := torchStub()
			run, err := Exec("resnet.py", src, Options{Import: importer(roots)})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			for _, c := range []string{"BasicBlock", "Bottleneck", "ResNet"} {
				if _, ok := run.Globals[c].(*Class); !ok {
					t.Errorf("%s is %v, want a class", c, run.Globals[c])
				}
			}
			v, err := run.Call(run.Globals[entry], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			model, ok := v.(*Instance)
			if !ok || kind(model) != "ResNet" {
				t.Fatalf("%s() = %v, want a ResNet", entry, v)
			}
			fw.paths(model)

			// The tree: every module with its path and class.
			want := map[string]torchRow{}
			for _, r := range append(wantLayers, wantContainers...) {
				want[r.path] = r
			}
			got := map[string]bool{}
			counts := map[string]int{}
			fw.walk(model, "", func(m *Instance, p string) {
				got[p] = true
				w, ok := want[p]
				switch {
				case !ok:
					t.Errorf("module %q (%s) is not in PyTorch's model", p, kind(m))
				case w.class != kind(m):
					t.Errorf("module %q is a %s, want %s", p, kind(m), w.class)
				case state(m).kind != "" && ownParams(m) != w.params:
					t.Errorf("module %q (%s%v): %d parameters from its arguments, PyTorch has %d", p, kind(m), state(m).args, ownParams(m), w.params)
				}
				counts[kind(m)]++
			})
			for p, w := range want {
				if !got[p] {
					t.Errorf("PyTorch's module %q (%s) was not made", p, w.class)
				}
			}
			// The leaves were made by their constructors, once each.
			if len(fw.made) != countLeaves(wantLayers) {
				t.Errorf("%d leaf constructors called, PyTorch's model has %d leaves", len(fw.made), countLeaves(wantLayers))
			}
			t.Logf("%s: %d Conv2d, %d BatchNorm2d, %d Linear, %d modules", entry, counts["Conv2d"], counts["BatchNorm2d"], counts["Linear"], len(got))

			// forward: the leaf calls in order.
			if _, err := run.Call(model, starlark.Tuple{stubTensor{}}, nil); err != nil {
				t.Fatal(err)
			}
			if len(fw.calls) != len(wantLayers) {
				t.Errorf("forward called %d leaves, PyTorch %d", len(fw.calls), len(wantLayers))
			}
			for i := 0; i < min(len(fw.calls), len(wantLayers)); i++ {
				if g, w := state(fw.calls[i]).path, wantLayers[i].path; g != w {
					t.Errorf("call %d: %s, PyTorch called %s", i, g, w)
					break
				}
			}
		})
	}
}

func countLeaves(rows []torchRow) int {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.path] = true
	}
	return len(seen)
}

// TestResNetConstructorCalls checks the nn constructor calls of
// resnet50() against counts derived from the architecture as the ResNet
// paper and torchvision's docstring give it (Bottleneck blocks [3, 4, 6,
// 3], three convolutions each, a projection on the first block of each
// stage, the stem convolution): 1 + 3*16 + 4 = 53 Conv2d, as many
// BatchNorm2d, one Linear.
func TestResNetConstructorCalls(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(reference, "torchcode", "torchvision", "resnet.py"))
	if err != nil {
		t.Skipf("no reference data (%v): ../shared/reference is needed for this test", err)
	}
	fw, roots := torchStub()
	run, err := Exec("resnet.py", src, Options{Import: importer(roots)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if _, err := run.Call(run.Globals["resnet50"], nil, nil); err != nil {
		t.Fatal(err)
	}
	blocks := []int{3, 4, 6, 3}
	n := 0
	for _, b := range blocks {
		n += b
	}
	want := map[string]int{"Conv2d": 1 + 3*n + len(blocks), "BatchNorm2d": 1 + 3*n + len(blocks), "Linear": 1}
	got := map[string]int{}
	for _, m := range fw.made {
		got[kind(m)]++
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s constructed %d times, want %d", k, got[k], w)
		}
	}
	// The last Linear is nn.Linear(512 * Bottleneck.expansion, 1000).
	last := fw.made[len(fw.made)-1]
	if kind(last) != "Linear" || intArg(last, 0, "", 0) != 512*4 || intArg(last, 1, "", 0) != 1000 {
		t.Errorf("last constructor %s%v, want Linear(2048, 1000)", kind(last), state(last).args)
	}
	// Every statement ran: the weight enums' {**_COMMON_META, …} too.
	if len(run.Skipped) > 0 {
		t.Errorf("skipped: %v", run.Skipped)
	}
}

// BenchmarkResNet50 prepares and runs resnet.py, builds resnet50() and
// runs its forward through the stub classes: the host's share of
// analysing the model.
func BenchmarkResNet50(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(reference, "torchcode", "torchvision", "resnet.py"))
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		_, roots := torchStub()
		run, err := Exec("resnet.py", src, Options{Import: importer(roots)})
		if err != nil {
			b.Fatal(err)
		}
		m, err := run.Call(run.Globals["resnet50"], nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Call(m, starlark.Tuple{stubTensor{}}, nil); err != nil {
			b.Fatal(err)
		}
		run.Close()
	}
}
