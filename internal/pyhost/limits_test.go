package pyhost

import (
	"regexp"
	"strings"
	"testing"
)

func TestCheckShape(t *testing.T) {
	for _, c := range []struct {
		name, src, want string // want "" = accepted
	}{
		{"ordinary code", "from lasagne.layers import *\nl = DenseLayer(InputLayer((None, 3, 28, 28)), num_units=10, W=lasagne.init.GlorotUniform(gain=1.0))\nx = a.b.c(d)[0] + -1 * 2 ** 3 if not x else y\n", ""},
		// Long but flat: list elements and statements do not nest.
		{"long list", "x = [" + strings.Repeat("1 + 2, ", 50_000) + "]\n", ""},
		{"many statements", strings.Repeat("x = a.b.c + 1\n", 50_000), ""},
		{"chained assignment", "a = b = c = 1\n", ""},
		{"brackets at the cap", "x = " + strings.Repeat("(", maxBrackets-1) + "1" + strings.Repeat(")", maxBrackets-1) + "\n", ""},
		{"brackets in strings", "x = '" + strings.Repeat("(", 5000) + "'\n# " + strings.Repeat("[", 5000) + "\n", ""},
		{"operators in strings", "x = '" + strings.Repeat("+", 50_000) + "'\n", ""},
		{"floats", "x = [" + strings.Repeat("1.5e-3, .5, ", 20_000) + "]\n", ""},
		{"terms", "x = " + strings.Repeat("1+", 20_000) + "1\n", `^m\.py:1:\d+: an expression of more than 10,000 operands`},
		{"terms on line 3", "a = 1\n\ny = (" + strings.Repeat("a*", 20_000) + "a)\n", `^m\.py:3:\d+: an expression of more than 10,000 operands`},
		{"segments add up", "x = f(" + strings.Repeat("a+", 6000) + "g(" + strings.Repeat("b+", 6000) + "1))\n", `more than 10,000 operands`},
		{"dots", "x = a" + strings.Repeat(".b", 20_000) + "\n", `more than 10,000 operands`},
		{"calls", "x = f" + strings.Repeat("[0]", 20_000) + "\n", `more than 10,000 operands`},
		{"brackets", "x = " + strings.Repeat("[", maxBrackets+1) + "\n", `^m\.py:1:1005: brackets nested more than 1,000 deep`},
		{"blocks", func() string {
			var b strings.Builder
			for i := 0; i <= maxBlocks+1; i++ {
				b.WriteString(strings.Repeat(" ", i) + "if x:\n")
			}
			return b.String()
		}(), `^m\.py:1002:1002: blocks nested more than 1,000 deep`},
	} {
		err := CheckShape("m.py", c.src)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.want != "" && (err == nil || !regexp.MustCompile(c.want).MatchString(err.Error())):
			t.Errorf("%s: error %v, want %s", c.name, err, c.want)
		}
	}
}
