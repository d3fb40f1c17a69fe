package pyhost

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestItems: o[k], len(o), k in o and for x in o on instances — a native
// container's hooks, a file class's __getitem__/__len__/__iter__, and
// Python's errors for an instance with none of them.
func TestItems(t *testing.T) {
	box := NewNative("Box", &Native{
		GetItem: func(o *Instance, k starlark.Value) (starlark.Value, error) {
			i, err := starlark.AsInt32(k)
			if err != nil || i < 0 || i > 2 {
				return nil, nil // a missing key
			}
			return starlark.MakeInt(10 * i), nil
		},
		Len: func(*Instance) int { return 3 },
		Items: func(*Instance) []starlark.Value {
			return []starlark.Value{starlark.MakeInt(0), starlark.MakeInt(10), starlark.MakeInt(20)}
		},
	})
	roots := map[string]starlark.Value{"lib": &Module{Name: "lib", Members: starlark.StringDict{"Box": box}}}
	src := `from lib import Box
class Sub(Box):
    pass
class Seq:
    def __init__(self):
        self.xs = [1, 2, 3, 4]
    def __getitem__(self, i):
        return self.xs[i]
    def __len__(self):
        return len(self.xs)
    def __iter__(self):
        return self.xs
b = Sub()
s = Seq()
r = [b[1], b[2], s[-1], s[0], len(b), [x for x in b], 2 in b, 5 in b, len(s), sorted(s), [x for x in s]]
`
	run := execString(t, "items.py", src, roots)
	if got, want := run.Globals["r"].String(), "[10, 20, 4, 1, 3, [0, 10, 20], True, False, 4, [1, 2, 3, 4], [1, 2, 3, 4]]"; got != want {
		t.Errorf("r = %s, want %s", got, want)
	}
	for _, c := range []struct{ src, want string }{
		{"class P:\n    pass\np = P()\nx = p[0]\n", "'P' object is not subscriptable"},
		{"class P:\n    pass\np = P()\nx = len(p)\n", "has no len"},
		{"class P:\n    pass\np = P()\nfor x in p:\n    pass\n", "p.py:4:1: Starlark computation cancelled: 'P' object is not iterable"},
		{"class P:\n    pass\np = P()\nx = list(p)\n", "p.py:4:9: Starlark computation cancelled: 'P' object is not iterable"},
		{"class P:\n    pass\np = P()\nx = sorted(p)\n", "'P' object is not iterable"},
	} {
		_, err := Exec("p.py", []byte(c.src), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}

// TestDataclass: a @dataclass's generated __init__ — the decorator and the
// annotations are dropped by the preparation, the fields stay as class
// attributes with their defaults; arguments bind to them in order (the
// bases' first) or by name, as Python's dataclasses do.
func TestDataclass(t *testing.T) {
	src := `from dataclasses import dataclass
@dataclass
class Base:
    vocab: int = 100
@dataclass
class Config(Base):
    n_layer: int = 12
    n_embd: int = 768
    def width(self):
        return self.n_embd * 4
a = Config()
b = Config(50, 2, n_embd=64)
c = Config()
c.__dict__.update({"gpt2": dict(n_layer=3, n_embd=8)}["gpt2"])
c.__dict__["vocab"] = 7
r = [a.vocab, a.n_layer, a.width(), b.vocab, b.n_layer, b.n_embd, b.width(), c.n_layer, c.width(), c.vocab, sorted(c.__dict__.keys())]
`
	run := execString(t, "dc.py", src, nil)
	if got, want := run.Globals["r"].String(), "[100, 12, 3072, 50, 2, 64, 256, 3, 32, 7, [\"n_embd\", \"n_layer\", \"vocab\"]]"; got != want {
		t.Errorf("r = %s, want %s", got, want)
	}
	for _, c := range []struct{ src, want string }{
		{"class C:\n    n = 1\nc = C(nope=2)\n", "C() got an unexpected keyword argument 'nope'"},
		{"class C:\n    n = 1\nc = C(1, 2)\n", "C() takes 1 positional arguments but 2 were given"},
		{"class C:\n    n = 1\nc = C(1, n=2)\n", "multiple values for argument 'n'"},
		{"class C:\n    def f(self):\n        pass\nc = C(1)\n", "C() takes no arguments"},
	} {
		_, err := Exec("c.py", []byte(c.src), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}
