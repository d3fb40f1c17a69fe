package pyhost

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// fuzzSeeds are sources of each kind the preparation handles: classes,
// annotations, decorators, dict unpacking, Python 2 and the shapes that
// once amplified or prepared slowly.
var fuzzSeeds = []string{
	"class A(B):\n  def f(self): pass\ntry:\n  import x\nexcept:\n  pass\n",
	"class A(nn.Module):\n    expansion: int = 4\n    def __init__(self, x: Optional[Callable[..., nn.Module]] = None, *, k: int = 1) -> None:\n        super().__init__()\n        self.x: int = x\n    @staticmethod\n    def s(a): return a\n    @property\n    def p(self): return 1\n",
	"d = {**a, 'k': {**b}, **c}\nx: int\ny: List[int] = [1]\n",
	"class D(B, C, metaclass=M):\n    class Inner:\n        pass\n    def f(self, /, a, *args: int, **kw: Any): return super().f()\n",
	"def f():\n    with open('x') as g:\n        yield g\nx = 2 ** 3\na = b = 1\n",
	"try:\n    import cPickle as pickle\nexcept ImportError:\n    import pickle\nif x:\n    from a import b as c\nelse:\n    import d as c\n",
	"while True:\n    pass\n",
	"def f(n):\n    return f(n + 1)\nf(0)\n",
	"x = [0] * 10**9\n",
	"s = 'ab'\nfor i in range(40):\n    s += s\n",
	"y = '{:999999999}'.format(1) + ','.join(['ab'] * 10**6)\n",
	"x = " + strings.Repeat("(", 60) + "1" + strings.Repeat(")", 60) + "\n",
	"x = f(**a, **b)\ny = lambda z\nz = f'{a:02d}{b!r}' if 0 < a < 3 else u'x'\n",
	"class A:\n    def __init__(self):\n        self.a = A()\nA()\n",
	"class A(A):\n    pass\nclass B(B, B):\n    pass\n",
}

// FuzzPrepare prepares arbitrary text both ways (with and without
// classes): never a panic, and every line keeps its number.
func FuzzPrepare(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join(reference, "seed", "mnist_nolearn.py")); err == nil {
		f.Add(string(seed))
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if CheckShape("fuzz.py", src) != nil {
			return
		}
		lines := strings.Count(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
		for _, classes := range []bool{false, true} {
			p := Prepare(src, PrepareOptions{Classes: classes})
			if n := strings.Count(p.Text, "\n"); n != lines {
				t.Fatalf("classes=%v: %d lines prepared from %d: %q → %q", classes, n, lines, src, p.Text)
			}
			if f, err := FileOptions.Parse("fuzz.py", p.Text, 0); err == nil {
				RewriteClasses(f, p)
				RewriteAST(f, p.Generators)
			}
		}
	})
}

// FuzzExec runs arbitrary text with classes: an error or a run, never a
// panic (a recovered one is an "internal error"); the step limit and the
// memory budget stop every script.
func FuzzExec(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join(reference, "torchcode", "torchvision", "resnet.py")); err == nil {
		f.Add(string(seed))
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		run, err := Exec("fuzz.py", []byte(src), Options{MaxSteps: 200000, Budget: budget.New(64 << 20)})
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 512<<20 {
			t.Fatalf("%q allocated %d MiB", src, d>>20)
		}
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("panic on %q: %v", src, err)
		}
		if run != nil {
			run.Close()
		}
	})
}
