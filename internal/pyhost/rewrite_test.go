package pyhost

import "testing"

// Python's chained comparisons, which Starlark's parser refuses.
func TestRewriteChains(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"if 0 < a < 10:\n", "if ((0 < a) and (a < 10)):\n"},
		{"x = f(0.3 < i[0] < 0.7, b)\n", "x = f(((0.3 < i[0]) and (i[0] < 0.7)), b)\n"},
		{"ok = not a <= b == c != d\n", "ok = not ((a <= b) and (b == c) and (c != d))\n"},
		{"y = [v for v in xs if 0 < v < n]\n", "y = [v for v in xs if ((0 < v) and (v < n))]\n"},
		{"z = (0 <\n     x + 1 < 5)  # c < d < e\n", "z = (((0 < \n     x + 1) and (x + 1 < 5)))  # c < d < e\n"},
		{"q = a < b and c < d\n", "q = a < b and c < d\n"},
		{"s = '1 < 2 < 3' < t\n", "s = '1 < 2 < 3' < t\n"},
		{"r = 1 < g(2 < h < 3) < 4\n", "r = ((1 < g(((2 < h) and (h < 3)))) and (g(((2 < h) and (h < 3))) < 4))\n"},
		{"w = x << 2 < y < z >> 1\n", "w = ((x << 2 < y) and (y < z >> 1))\n"},
	} {
		if got := RewriteChains(c.in); got != c.want {
			t.Errorf("RewriteChains(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The tuple parameters of a Python 2 lambda.
func TestRewriteLambdaTuples(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"key=lambda (k, v): v)", "key=lambda __lt0: (lambda k, v: v)(__lt0[0], __lt0[1]))"},
		{"f = lambda x, (a, b): x + a * b\n", "f = lambda x, __lt0: (lambda x, a, b: x + a * b)(x, __lt0[0], __lt0[1])\n"},
		{"g = lambda (a,): a, 3\n", "g = lambda __lt0: (lambda a: a)(__lt0[0]), 3\n"},
		{"h = lambda x: (x, 1)\n", "h = lambda x: (x, 1)\n"},
	} {
		if got := rewriteLambdaTuples(c.in); got != c.want {
			t.Errorf("rewriteLambdaTuples(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Python's matrix-product operator, which Starlark lacks: a binary @
// becomes __matmul__(a, b); a decorator, @= and an @ in a string stay.
func TestRewriteMatmul(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"att = (q @ k.transpose(-2, -1)) * s", "att = (__matmul__(q, k.transpose(-2, -1))) * s"},
		{"y = att @ v", "y = __matmul__(att, v)"},
		{"z = x[0] @ w.T @ u", "z = __matmul__(__matmul__(x[0], w.T), u)"},
		{"@torch.no_grad()", "@torch.no_grad()"},
		{"x @= w", "x @= w"},
		{"s = 'a @ b'", "s = 'a @ b'"},
	} {
		if got := rewriteMatmul(c.in); got != c.want {
			t.Errorf("rewriteMatmul(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Run: the operand's __matmul__ is not modelled here, so the result
	// is a placeholder, and the function with @ is not skipped.
	run, err := Exec("m.py", []byte("def f(a, b):\n    return a @ b\nclass C:\n    def g(self, x):\n        return x @ x\ny = f(1, 2)\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if len(run.Skipped) > 0 {
		t.Errorf("skipped: %v", run.Skipped)
	}
	if _, ok := run.Globals["y"].(*Opaque); !ok {
		t.Errorf("y = %v, want a placeholder", run.Globals["y"])
	}
}

// Multi-axis indices keep their items (x[:, :t, None], x[..., 0]), line
// for line; f(*a, x) becomes one unpacking.
func TestRewriteIndexAndUnpacking(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"y = x[:, :t, :]\n", "y = x[__ndx__(__sl__(None,None,None),__sl__(None,t,None),__sl__(None,None,None))]\n"},
		{"y = x[..., 0]\n", "y = x[__ndx__(__ellipsis__, 0)]\n"},
		{"y = x[None, 1::2]\n", "y = x[__ndx__(None,__sl__( 1,None,2))]\n"},
		{"y = x[:,\n  f(a, b):]\n", "y = x[__ndx__(__sl__(None,None,None),__sl__(\n  f(a, b),None,None))]\n"},
		{"y = d[1]\n", "y = d[1]\n"},
		{"z = v.reshape(*s[:-1], -1, 2)\n", "z = v.reshape(*(list(s[:-1])+[ -1]+[ 2]))\n"},
		{"z = f(a, *b, c, k=1)\n", "z = f(a,*( list(b)+[ c]), k=1)\n"},
	} {
		if got := rewriteExprs(c.in); got != c.want {
			t.Errorf("rewriteExprs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
