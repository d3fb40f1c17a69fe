package main

import (
	"fmt"
	"strings"
	"testing"
)

// Hostile Python: memory bombs inside one operation (which the step limit
// does not see), stack bombs for Starlark's recursive parser and
// resolver, and sources that made the preparation quadratic.
func init() {
	const head = "from lasagne.layers import *\n"
	py := func(name, want string, body func() string) hostileCase {
		return hostileCase{name: "python " + name, code: 1, want: want,
			make: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "model.py", []byte(head+body()))}
			}}
	}
	budget := func(what string) string {
		return `analysing .*model\.py needs more than 1 GiB \(.*model\.py:\d+: ` + what
	}
	fixed := func(s string) func() string { return func() string { return s } }
	hostileCases = append(hostileCases,
		py("list repeat", budget(`a list of 1,000,000,000 elements(\)|, with)`), fixed("x = [0]*10**9\n")),
		py("list repeat, count first", budget(`a list of 1,000,000,000 elements(\)|, with)`), fixed("n = 10**9\nx = n * [None]\n")),
		py("augmented repeat", budget(`a list of`), fixed("x = [0]\nx *= 10**9\n")),
		py("string doubling", budget(`a string of \d[\d,]* bytes(\)|, with)`), fixed("s = 'ab'\n"+strings.Repeat("s = s + s\n", 40))),
		py("augmented doubling", budget(`a string of`), fixed("s = 'ab'\n"+strings.Repeat("s += s\n", 40))),
		py("tuple repeat", budget(`a tuple of 268,435,456 elements(\)|, with)`), fixed("x = ('a',)*(2**28)\n")),
		py("string repeat", budget(`a string of 1,073,741,823 bytes(\)|, with)`), fixed("x = 'x'*(2**30-1)\n")),
		py("list of a range", budget(`a list of 1,000,000,000 elements(\)|, with)`), fixed("x = list(range(10**9))\n")),
		py("set of a range", budget(`a set of`), fixed("x = set(range(10**8))\n")),
		py("dict of a huge range", budget(`an enumerate list of`), fixed("d = dict(enumerate(range(10**9)))\n")),
		py("format repeat", budget(`a tuple of 100,000,000 elements(\)|, with)`), fixed("s = ('%s' * 10**8) % tuple(range(10**8))\n")),
		py("format of a shared list", budget(`formatted text of`), fixed("x = [[[0]*1000]*1000]*1000\ns = '%s' % (x,)\n")),
		py("str of a shared list", budget(`the text of str\(\) of`), fixed("x = [[[0]*1000]*1000]*1000\ns = str(x)\n")),
		py("join", budget(`a joined string of`), fixed("s = ','.join(['ab' * 10**4] * 10**5)\n")),
		py("replace", budget(`a replaced string of`), fixed("s = ('a' * 10**6).replace('a', 'b' * 10**4)\n")),
		py("split", budget(`a list of .* strings\)`), fixed("s = (' ' * 10**8).split(' ')\n")),
		py("extend", budget(`a list of`), fixed("x = []\nx.extend(range(10**9))\n")),
		py("sum of lists", budget(`a list of`), fixed("x = sum([[0] * 10**6] * 10**3, [])\n")),
		py("width", budget(`formatted text of`), fixed("s = '{:2000000000}'.format(1)\n")),
		// Small allocations adding up in a loop: the charges, or the
		// thread cancelled when the heap passes the script's share.
		py("append in a loop", budget(`(the values the script gathers|a list of 50 elements, with)`), fixed("x = []\nfor i in range(10**7):\n    x.append([0] * 50)\n")),
		py("format in a loop", budget(`(the values the script gathers|a string of 6,000 bytes, with)`), fixed("x = []\nfor i in range(10**7):\n    x.append('%d' % i * 1000)\n")),
		py("nested comprehensions", `steps`, fixed("x = [[i for i in range(10**4)] for j in range(10**4)]\n")),
		py("recursion", `stack overflow|steps`, fixed("def f(n):\n    return f(n + 1)\nf(0)\n")),
		// Stack bombs: refused before Starlark recurses.
		py("3M terms", `model\.py:2:\d+: an expression of more than 10,000 operands`, func() string {
			return "x = " + strings.Repeat("1+", 3_000_000) + "1\n"
		}),
		py("attribute chain", `more than 10,000 operands`, func() string { return "x = a" + strings.Repeat(".b", 200_000) + "\n" }),
		py("call chain", `more than 10,000 operands`, func() string { return "x = f" + strings.Repeat("()", 200_000) + "\n" }),
		py("not chain", `more than 10,000 operands`, func() string { return "x = " + strings.Repeat("not ", 200_000) + "1\n" }),
		py("nested brackets", `model\.py:2:\d+: brackets nested more than 1,000 deep`, func() string {
			return "x = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + "\n"
		}),
		py("nested defs", `blocks nested more than 1,000 deep`, func() string {
			var b strings.Builder
			for i := 0; i < 2000; i++ {
				fmt.Fprintf(&b, "%sdef f%d():\n", strings.Repeat(" ", i), i)
			}
			b.WriteString(strings.Repeat(" ", 2000) + "pass\n")
			return b.String()
		}),
		// Sources that made the preparation quadratic: now linear, an
		// ordinary error (no model) well within the time.
		py("chained assignment", `no network found`, func() string {
			var b strings.Builder
			for i := 0; b.Len() < 1<<20; i++ {
				fmt.Fprintf(&b, "a%d = ", i)
			}
			return b.String() + "1\n"
		}),
		py("many unpackings", `kwargs`, func() string {
			return "a = {}\nx = dict(" + strings.Repeat("**a, ", 200_000) + "**a)\n"
		}),
		py("lambdas without colon", `syntax error`, func() string { return strings.Repeat("x = lambda y\n", 80_000) }),
		py("adjacent literals", `no network found`, func() string {
			return "x = [\n" + strings.Repeat("  'a'\n  'a',\n", 100_000) + "]\n"
		}),
	)
}
