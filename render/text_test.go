package render

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/stats"
)

// TestCSVField: a field is written as encoding/csv writes it.
func TestCSVField(t *testing.T) {
	fields := []string{"", "a", `\.`, `\..`, "a,b", `say "hi"`, "a\nb", "a\rb", " lead", "\tlead", "\u00a0nbsp", "\u2028x", "trail ", "é", "\xff", "?", "1x3x224x224"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rnd.IntN(6))
		const pool = " ,\"\r\n\\.a\xc2\xa0\xe2\x80\xa8"
		for i := range b {
			b[i] = pool[rnd.IntN(len(pool))]
		}
		fields = append(fields, string(b))
	}
	for _, f := range fields {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Write([]string{f, "x"})
		cw.Flush()
		got := append(appendCSVField(nil, []byte(f)), ",x\n"...)
		if string(got) != want.String() {
			t.Errorf("field %q: %q, encoding/csv %q", f, got, want.String())
		}
	}
}

// TestMDEscaped: a cell is escaped as mdEscape escapes text.
func TestMDEscaped(t *testing.T) {
	for _, s := range []string{"", "plain", `a\b|c*d_e` + "`f<g>h[i]j\nk\rl", "é → ✓", "&amp;"} {
		if got, want := string(appendMDEscaped(nil, []byte(s))), mdEscape(s); got != want {
			t.Errorf("appendMDEscaped(%q) = %q, mdEscape %q", s, got, want)
		}
	}
}

// TestAppendThousands: the cells' counts are stats.Thousands's.
func TestAppendThousands(t *testing.T) {
	ns := []int64{0, 1, -1, 999, -999, 1000, -1000, 999999, 1000000, -1234567, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for p := int64(1); p > 0 && p < math.MaxInt64/10; p *= 10 {
		ns = append(ns, p, p-1, -p, 7*p+3)
	}
	for _, n := range ns {
		if got, want := string(appendThousands([]byte("x"), n)), "x"+stats.Thousands(n); got != want {
			t.Errorf("appendThousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCutCell: a cell too wide is cut to its width in characters, the
// last one "…".
func TestCutCell(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"abcdefghij", 8, "abcdefg…"}, {"éééééééééé", 8, "ééééééé…"}, {"a→b→c→d→e→", 3, "a→…"}, {"ab", 1, "…"}} {
		if got := string(cutCell([]byte(c.in), c.n)); got != c.want {
			t.Errorf("cutCell(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// TestTableNoAllocsPerRow: the table makes no allocation per row: a
// report ten times longer takes no more allocations.
func TestTableNoAllocsPerRow(t *testing.T) {
	report := func(n int) *stats.Report {
		r := smallNet()
		for len(r.Layers) < n {
			r.Layers = append(r.Layers, r.Layers...)
		}
		for i := range r.Layers {
			r.Layers[i].Name = "layer" + strconv.Itoa(i) + strings.Repeat("é", i%7)
		}
		return r
	}
	small, large := report(2000), report(20000)
	allocs := func(r *stats.Report) float64 {
		return testing.AllocsPerRun(3, func() {
			if err := TableWith(discard{}, r, Options{Width: 60}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(small), allocs(large); b > a {
		t.Errorf("table of %d rows: %v allocations, of %d rows: %v", len(small.Layers), a, len(large.Layers), b)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestCellWidth: the width the table works out for a cell is that of
// the cell's text, in characters, for every column.
func TestCellWidth(t *testing.T) {
	r := smallNet()
	big, neg := int64(math.MaxInt64), int64(math.MinInt64)
	for _, n := range []int64{0, 9, 10, 999, 1000, -1, -999, -1000, -1234567, big, neg, neg + 1} {
		r.Layers = append(r.Layers, stats.Layer{Name: "é" + strconv.FormatInt(n, 10), Type: "t→", Params: n, TrainableParams: n, NonTrainableParams: -n, FLOPs: &n, OtherOps: &n,
			Weights: []stats.Weight{{Name: "w", Bytes: n}}})
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		for _, c := range append(columns(r, false), columns(r, true)...) {
			for _, index := range []int{i, i * 1000003, -i} {
				text := appendCell(nil, c.id, index, l, false)
				n, made := cellWidth(nil, c.id, index, l)
				if want := cellLen(text); n != want || made != nil && string(made) != string(text) {
					t.Errorf("row %d, %s: width %d (%q), text %q of %d", i, c.Key, n, made, text, want)
				}
			}
		}
	}
}
