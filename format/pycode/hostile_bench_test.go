package pycode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// hostileSources are 1 MB of each source shape that once made the
// preparation quadratic (or recursed in Starlark).
func hostileSources() map[string]string {
	const size = 1 << 20
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	var chain strings.Builder
	for i := 0; chain.Len() < size; i++ {
		fmt.Fprintf(&chain, "a%d = ", i)
	}
	chain.WriteString("1\n")
	half := size / 2
	return map[string]string{
		"nested brackets":   strings.Repeat("(", half) + "1" + strings.Repeat(")", half) + "\n",
		"nested brackets x": "x = " + strings.Repeat("f(", half/2) + "1" + strings.Repeat(")", half/2) + "\n",
		"chained assign":    chain.String(),
		"unpackings":        "x = f(" + fill("**a, ") + "**a)\n",
		"lambdas":           fill("x = lambda y\n"),
		"adjacent literals": "x = [\n" + fill("  'a'\n  'a',\n") + "]\n",
		"terms":             "x = " + fill("1+") + "1\n",
		"powers":            fill("x = a ** b ** c ** d\n"),
		"generators":        fill("y = sum(x for x in f(a, *b, c=1))\n"),
		"nd slices":         fill("y = X[:, 1:2, ::3]\n"),
		"formats":           fill("s = '%02d' % (i,)\n"),
		"fstrings":          fill("s = f'{a:02d}{b!r}'\n"),
		"try imports":       fill("try:\n    import a\nexcept ImportError:\n    import b\n"),
	}
}

// BenchmarkPrepare runs the source preparation (and the shape check
// that precedes Starlark) on 1 MB of each hostile shape: each should
// take about as long as any other megabyte.
func BenchmarkPrepare(b *testing.B) {
	for name, src := range hostileSources() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = pyhost.CheckShape("model.py", src)
				prepare(src)
			}
		})
	}
}

// BenchmarkDecodeHostile runs Decode whole on the same sources: an error
// (no model, or a cap) in time proportional to the size.
func BenchmarkDecodeHostile(b *testing.B) {
	for name, src := range hostileSources() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Decode("model.py", []byte(src), Options{})
			}
		})
	}
}
