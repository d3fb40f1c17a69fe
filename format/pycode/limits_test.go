package pycode

import (
	"errors"
	"regexp"
	"testing"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// TestMemoryBudget runs allocations a file controls against a small
// budget: each is refused before it is made, with the line that asked.
func TestMemoryBudget(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"x = [0] * 10**6\n", `^needs more than 1 MiB \(model\.py:3: a list of 1,000,000 elements\)$`},
		{"n = 10**6\nx = n * (1,)\n", `\(model\.py:4: a tuple of 1,000,000 elements\)`},
		{"s = 'ab'\nfor i in range(30):\n    s += s\n", `\(model\.py:5: a string of [\d,]+ bytes(\)|, with)`},
		{"x = list(range(10**6))\n", `a list of 1,000,000 elements`},
		{"x = '-'.join(['abc' * 100] * 4000)\n", `a joined string of 1,203,999 bytes`},
		{"x = ('a' * 1000).replace('a', 'b' * 2000)\n", `a replaced string of 2,000,000 bytes`},
		{"x = [[0] * 1000] * 1000\ny = str(x)\n", `\(model\.py:4: the text of str\(\) of`},
		{"x = '%s' * 10**6\n", `a string of 2,000,000 bytes`},
		{"def f():\n    return [None] * 10**6\ny = f()\n", `\(model\.py:4: a list of 1,000,000 elements\)`},
	} {
		_, err := Decode("model.py", []byte(header+c.src), Options{Budget: budget.New(1 << 20)})
		var be *budget.Error
		if !errors.As(err, &be) || !regexp.MustCompile(c.want).MatchString(be.Error()) {
			t.Errorf("%q: error %v, want a budget error matching %s", c.src, err, c.want)
		}
	}
}

// TestMemoryOperators checks that the charged operators compute what
// Python does: numbers stay numbers, list += extends the list in place
// (another name for it sees the change), and methods of values that are
// not strings or lists (a placeholder's) still answer.
func TestMemoryOperators(t *testing.T) {
	src := header + `a = [1]
b = a
a += [2]
c = [0]
c *= 3
s = 'x' + 'y' * 2 + '%d' % 3
n = 2 * 3 + 4 % 3 + 3 * 1
t = (1,) + (2,) * 2
p = ','.join(['a', 'b']).replace(',', ';').split(';')
import os
q = os.path.join('a', 'b')
l = InputLayer((None, len(b) + len(a) + len(c) + len(p) + len(t) + n + len(s)))
`
	// a = b = [1, 2] (2 + 2), c 3, p 2, t 3, n 10, s 'xyy3' 4: 26.
	_, g, err := decodeWith(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Nodes[0].Outputs[0].Shape; len(got) != 2 || got[1].String() != "26" {
		t.Errorf("shape %v, want (None, 26)", got)
	}
}
