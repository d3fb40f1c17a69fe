package uniq

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// check numbers keys with an Index and with a map, and compares.
func check(t *testing.T, keys []string) {
	t.Helper()
	x := New(len(keys))
	want := map[string]int{}
	for _, k := range keys {
		i, isNew := x.Add(k)
		j, seen := want[k]
		if !seen {
			j = len(want)
			want[k] = j
		}
		if i != j || isNew == seen {
			t.Fatalf("keys %q: Add(%q) = %d, %v; want %d, %v", keys, k, i, isNew, j, !seen)
		}
	}
	if x.Len() != len(want) {
		t.Fatalf("Len %d, want %d", x.Len(), len(want))
	}
	for k, j := range want {
		if x.Key(j) != k {
			t.Fatalf("Key(%d) = %q, want %q", j, x.Key(j), k)
		}
	}
}

func TestIndex(t *testing.T) {
	var gen []string
	for i := range 1000 {
		gen = append(gen, fmt.Sprintf("model.layers.%d.weight", i))
	}
	cases := [][]string{
		nil,
		{"a"},
		{"a", "a", "a"},
		{"a", "b", "a"},
		{"b", "a", "b"},
		gen,
		append(slices.Clone(gen), "model.layers.7.weight"),
		append(slices.Clone(gen), "model.layers.07.weight", "model.layers.7.weight"),
		{"x9", "x10", "x9"},
		{"x9", "x10", "x010", "x10"},
		{"a.bias", "a.c.weight", "a.weight", "a.c.weight"},
	}
	sorted := slices.Clone(gen)
	slices.Sort(sorted)
	cases = append(cases, sorted, append(slices.Clone(sorted), sorted[0]))
	for _, keys := range cases {
		check(t, keys)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		keys := make([]string, r.IntN(12))
		for i := range keys {
			keys[i] = randKey(r)
		}
		if r.IntN(2) == 0 {
			slices.SortFunc(keys, Natural)
		}
		check(t, keys)
	}
}

func randKey(r *rand.Rand) string {
	const alpha = "a0.19/:"
	b := make([]byte, r.IntN(5))
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
	}
	return string(b)
}

func TestNaturalIsATotalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		a, b, c := randKey(r), randKey(r), randKey(r)
		ab, ba := Natural(a, b), Natural(b, a)
		if ab != -ba || (ab == 0) != (a == b) {
			t.Fatalf("Natural(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		if ab <= 0 && Natural(b, c) <= 0 && Natural(a, c) > 0 {
			t.Fatalf("not transitive: %q ≤ %q ≤ %q", a, b, c)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"x9", "x10", -1}, {"x10", "x9", 1}, {"x1", "x01", -1}, {"x.", "x0", -1}, {"x:", "x99", 1}, {"x", "x0", -1}, {"a9b", "a9c", -1}} {
		if got := Natural(c.a, c.b); got != c.want {
			t.Errorf("Natural(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add("model.layers.9.w\nmodel.layers.10.w\nmodel.layers.9.w")
	f.Add("a\nb\na")
	f.Fuzz(func(t *testing.T, s string) {
		var keys []string
		start := 0
		for i := 0; i < len(s); i++ {
			if s[i] == '\n' {
				keys = append(keys, s[start:i])
				start = i + 1
			}
		}
		check(t, append(keys, s[start:]))
	})
}
