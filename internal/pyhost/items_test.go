package pyhost

import (
	"strings"
	"testing"

	"go.starlark.net/starlark"
)

// TestItems: o[k] on instances — a native container's hook, a file
// class's __getitem__, and Python's error for an instance with neither.
func TestItems(t *testing.T) {
	box := NewNative("Box", &Native{
		GetItem: func(o *Instance, k starlark.Value) (starlark.Value, error) {
			i, err := starlark.AsInt32(k)
			if err != nil || i < 0 || i > 2 {
				return nil, err
			}
			return starlark.MakeInt(10 * i), nil
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
b = Sub()
s = Seq()
r = [b[1], b[2], s[-1], s[0]]
`
	run := execString(t, "items.py", src, roots)
	if got, want := run.Globals["r"].String(), "[10, 20, 4, 1]"; got != want {
		t.Errorf("r = %s, want %s", got, want)
	}
	for _, c := range []struct{ src, want string }{
		{"class P:\n    pass\np = P()\nx = p[0]\n", "'P' object is not subscriptable"},
		{"class P:\n    pass\np = P()\nx = len(p)\n", "has no len"},
		{"class P:\n    pass\np = P()\nfor x in p:\n    pass\n", "not iterable"},
		{"class P:\n    pass\np = P()\nx = list(p)\n", "want iterable"},
	} {
		_, err := Exec("p.py", []byte(c.src), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}
