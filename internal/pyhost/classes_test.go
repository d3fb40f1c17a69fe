package pyhost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// execString runs src with the given stub roots and fails the test on
// an error.
func execString(t *testing.T, name, src string, roots map[string]starlark.Value) *Run {
	t.Helper()
	run, err := Exec(name, []byte(src), Options{Import: importer(roots)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Close)
	if len(run.Skipped) > 0 {
		t.Errorf("skipped: %v", run.Skipped)
	}
	return run
}

// TestClassSemantics checks the Python that model files use, each value
// derived by hand from Python's rules.
func TestClassSemantics(t *testing.T) {
	src := `from typing import Optional, Callable, List

class A:
    tag: str = "a"
    count = 0
    doubled = count * 2 + 1   # class body names are visible in the body

    def __init__(self, x: int = 1) -> None:
        self.x: int = x
        A.count += 1

    def who(self) -> str:
        return "A" + self.tag

    @staticmethod
    def twice(n: int) -> int:
        return 2 * n

    @classmethod
    def make(cls, x):
        return cls(x)

    @property
    def double(self) -> int:
        return 2 * self.x

class B(A):
    tag = "b"
    def who(self):
        return "B" + super().who()

class C(A):
    def who(self):
        return "C" + super(C, self).who()

class D(B, C):
    def who(self):
        return "D" + super().who()

def count():   # a global of the same name as A.count: methods see this one
    return 42

class E(A):
    def __init__(self, norm_layer: Optional[Callable[..., A]] = None, *layers: List[int], **kw):
        super().__init__(len(layers))
        assert norm_layer is None
        self.norm = norm_layer or A
        self.layers = list(layers)
        self.msg = f"E with {len(layers)} layers, {kw.get('k', 0):02d}"
    def globals_seen(self):
        return count()

a = A(3)
d = D()
e = E(None, 1, 2, k=7)
out = {
    "mro": [k.__name__ for k in D.__mro__],
    "who": d.who(),
    "x": a.x, "double": a.double, "twice": A.twice(4), "twice_i": a.twice(5),
    "made": A.make(6).x, "made_d": D.make(2).who(),
    "count": A.count, "doubled": A.doubled,
    "isinstance": [isinstance(d, A), isinstance(d, (int, C)), isinstance(a, B), isinstance(3, A)],
    "issubclass": [issubclass(D, C), issubclass(A, D)],
    "e": [e.x, e.layers, e.msg, e.norm == A, e.globals_seen()],
    "hasattr": [hasattr(a, "x"), hasattr(a, "nope"), getattr(a, "nope", 5)],
    "class": type(a) == "A",
}
`
	run := execString(t, "semantics.py", src, nil)
	got := run.Globals["out"].(*starlark.Dict)
	want := map[string]string{
		"mro":        `["D", "B", "C", "A", "object"]`, // C3: D(B, C), B(A), C(A)
		"who":        `"DBCAb"`,                        // super() follows the MRO of D, not of B; self.tag is B's
		"x":          `3`,
		"double":     `6`,
		"twice":      `8`,
		"twice_i":    `10`,
		"made":       `6`,
		"made_d":     `"DBCAb"`,
		"count":      `5`, // A(3), D(), E(…), then A.make(6) and D.make(2), evaluated before "count"
		"doubled":    `1`,
		"isinstance": `[True, True, False, False]`,
		"issubclass": `[True, False]`,
		"e":          `[2, [1, 2], "E with 2 layers, 07", True, 42]`,
		"hasattr":    `[True, False, 5]`,
		"class":      `True`,
	}
	for k, w := range want {
		v, _, _ := got.Get(starlark.String(k))
		if v == nil || v.String() != w {
			t.Errorf("%s = %v, want %s", k, v, w)
		}
	}
}

// TestClassErrors: an error in a method is placed at its line, with the
// method named as the user wrote it.
func TestClassErrors(t *testing.T) {
	src := "class Net:\n    def __init__(self):\n        self.a = 1\n    def forward(self, x):\n        return x + self.b\n\nn = Net()\n"
	run := execString(t, "net.py", src, nil)
	_, err := run.Call(run.Globals["n"].(*Instance).Class, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fwd, _ := run.Globals["n"].(*Instance).Attr("forward")
	_, err = run.Call(fwd, starlark.Tuple{starlark.MakeInt(1)}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "net.py:5:") || !strings.Contains(err.Error(), "'Net' object has no attribute 'b'") || !strings.Contains(err.Error(), "in Net.forward") {
		t.Errorf("error %v", err)
	}
}

// TestKerasSubclassedModel runs a Keras model written as the Keras guide
// writes subclassed models: layers assigned in __init__ (one of them a
// list of custom layers), call() run when the model is called. The stub
// keras.Model and keras.layers.Layer track the layers assigned to self
// and run call(); the expected tree and call order are read off the
// source below.
func TestKerasSubclassedModel(t *testing.T) {
	src := `import keras
from keras import layers


class ResidualBlock(layers.Layer):
    def __init__(self, filters: int, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(filters, 3, padding="same")
        self.bn1 = layers.BatchNormalization()
        self.conv2 = layers.Conv2D(filters, 3, padding="same")
        self.add = layers.Add()

    def call(self, inputs, training=False):
        x = self.conv1(inputs)
        x = self.bn1(x, training=training)
        x = self.conv2(x)
        return self.add([inputs, x])


class MyModel(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = layers.Conv2D(32, 3, activation="relu")
        self.blocks = [ResidualBlock(32, name=f"block{i}") for i in range(2)]
        self.pool = layers.GlobalAveragePooling2D()
        self.dense1 = layers.Dense(64, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.classifier = layers.Dense(num_classes)

    def call(self, inputs, training=False):
        x = self.stem(inputs)
        for block in self.blocks:
            x = block(x, training=training)
        x = self.pool(x)
        x = self.dense1(x)
        if training:
            x = self.dropout(x, training=training)
        return self.classifier(x)


model = MyModel(num_classes=5)
`
	fw := &stubFramework{forward: "call"}
	fw.isSub = func(v starlark.Value) bool {
		if l, ok := v.(*starlark.List); ok && l.Len() > 0 {
			v = l.Index(0) // Keras tracks lists of layers
		}
		o, ok := v.(*Instance)
		return ok && o.Class.IsSubclass(fw.base)
	}
	layer := fw.newBase("Layer", true)
	lm := &Module{Name: "keras.layers", Members: starlark.StringDict{"Layer": layer}}
	for _, k := range []string{"Conv2D", "BatchNormalization", "Add", "GlobalAveragePooling2D", "Dense", "Dropout"} {
		lm.Members[k] = fw.leaf(k)
	}
	keras := &Module{Name: "keras", Members: starlark.StringDict{
		"layers": lm,
		"Model":  NewNative("Model", &Native{}, layer),
	}}
	run := execString(t, "model.py", src, map[string]starlark.Value{"keras": keras})
	model, ok := run.Globals["model"].(*Instance)
	if !ok || kind(model) != "MyModel" {
		t.Fatalf("model = %v", run.Globals["model"])
	}
	var tree []string
	fw.walk(model, "", func(m *Instance, p string) { tree = append(tree, p+":"+kind(m)) })
	fw.paths(model)
	wantTree := []string{":MyModel", "stem:Conv2D",
		"blocks.0:ResidualBlock", "blocks.0.conv1:Conv2D", "blocks.0.bn1:BatchNormalization", "blocks.0.conv2:Conv2D", "blocks.0.add:Add",
		"blocks.1:ResidualBlock", "blocks.1.conv1:Conv2D", "blocks.1.bn1:BatchNormalization", "blocks.1.conv2:Conv2D", "blocks.1.add:Add",
		"pool:GlobalAveragePooling2D", "dense1:Dense", "dropout:Dropout", "classifier:Dense"}
	if strings.Join(tree, " ") != strings.Join(wantTree, " ") {
		t.Errorf("tree\n%v\nwant\n%v", tree, wantTree)
	}
	// Constructor arguments as the file computed them.
	if b := model.attrs["blocks"].(*starlark.List).Index(1).(*Instance); state(b).kw["name"] != starlark.String("block1") {
		t.Errorf("second block's name %v", state(b).kw["name"])
	}
	if c := model.attrs["classifier"].(*Instance); intArg(c, 0, "units", 0) != 5 {
		t.Errorf("classifier %v", state(c).args)
	}
	// call(): the leaves in order, the dropout skipped (training=False).
	if _, err := run.Call(model, starlark.Tuple{stubTensor{}}, nil); err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, c := range fw.calls {
		calls = append(calls, state(c).path)
	}
	wantCalls := "stem blocks.0.conv1 blocks.0.bn1 blocks.0.conv2 blocks.0.add blocks.1.conv1 blocks.1.bn1 blocks.1.conv2 blocks.1.add pool dense1 classifier"
	if strings.Join(calls, " ") != wantCalls {
		t.Errorf("calls %v\nwant %s", calls, wantCalls)
	}
}

// TestKerasCodeRuns runs the Keras scripts of ../shared/reference/keras/code
// (Sequential, .add(), the functional API with helper functions and
// f-strings) with every library a placeholder: each runs to its end, no
// statement left out.
func TestKerasCodeRuns(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(reference, "keras", "code", "*.py"))
	if len(files) == 0 {
		t.Skip("no reference data: ../shared/reference is needed for this test")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		run := execString(t, filepath.Base(f), string(src), nil)
		if _, ok := run.Globals["model"]; !ok {
			t.Errorf("%s: no model bound", filepath.Base(f))
		}
	}
}

// TestUndefinedName: a name the file never binds is an error where the
// line that uses it runs, with Python's message; Python's own builtins
// Starlark lacks are placeholders.
func TestUndefinedName(t *testing.T) {
	run := execString(t, "m.py", "def f():\n    return conv3x4(3)\ndef g():\n    raise ValueError('x')\n", nil)
	_, err := run.Call(run.Globals["f"], nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "m.py:2:19: name 'conv3x4' is not defined") {
		t.Errorf("f: %v", err)
	}
	_, err = run.Call(run.Globals["g"], nil, nil)
	if err == nil || !strings.Contains(err.Error(), "m.py:4:") || strings.Contains(err.Error(), "not defined") {
		t.Errorf("g: %v", err)
	}
}

// TestModulesBeside: a module the script imports from its directory runs
// once, relative imports start at the importing file's package, and an
// error in a module is placed in that module's file.
func TestModulesBeside(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"pkg/__init__.py": "",
		"pkg/blocks.py":   "from .base import Base\nclass Block(Base):\n    def width(self):\n        return self.w * 2\n",
		"pkg/base.py":     "count = [0]\nclass Base:\n    def __init__(self, w):\n        count[0] += 1\n        self.w = w\n    def broken(self):\n        return self.nope\n",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := "from pkg.blocks import Block\nfrom pkg import base\nb = Block(3)\nw = b.width()\nn = base.count[0]\n"
	run, err := Exec("model/net.py", []byte(src), Options{Dir: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if w, n := run.Globals["w"], run.Globals["n"]; w.String() != "6" || n.String() != "1" {
		t.Errorf("w = %v, n = %v; want 6 and 1", w, n)
	}
	broken, _ := run.Globals["b"].(*Instance).Attr("broken")
	_, err = run.Call(broken, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "model/pkg/base.py:7:") {
		t.Errorf("error %v, want one at model/pkg/base.py:7", err)
	}
}
