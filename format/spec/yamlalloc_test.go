package spec

import (
	"runtime"
	"strings"
	"testing"
)

// No text makes the parser allocate more than 50 times its size: values
// cost 64 bytes and more, and newValue refuses a file of more than one
// value per 3 bytes. Dense shapes of 1 MB, and the benchmark's shapes.
func TestParserAllocationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MB inputs; not in -short")
	}
	type shape struct {
		name string
		src  []byte
	}
	shapes := []shape{
		{"int-flow", []byte("x: [" + strings.Repeat("1,", 1<<19) + "1]\n")},
		{"block-dashes", []byte("x:\n" + strings.Repeat("-\n", 1<<19))},
		{"empty-maps", []byte("x: [" + strings.Repeat("{},", 1<<18) + "1]\n")},
		{"keys-without-values", []byte("x: [" + strings.Repeat("{a},", 1<<18) + "1]\n")},
		{"nested-lists", []byte("x: [" + strings.Repeat("[[1]],", 1<<17) + "1]\n")},
		{"lists-of-empty", []byte("x: [" + strings.Repeat("[[]],", 1<<18) + "1]\n")},
		{"maps-of-lists", []byte("x: [" + strings.Repeat("{a: [1]},", 1<<17) + "1]\n")},
		{"block-nested", []byte(strings.Repeat("- - - - 1\n", 1<<16))},
		{"shapes", []byte("x: [" + strings.Repeat("[null, 3, 224, 224],", 1<<15) + "1]\n")},
		{"aliases", []byte("a: &a [1, 2]\nx: [" + strings.Repeat("*a,", 1<<18) + "1]\n")},
	}
	for _, s := range benchShapesOf(1 << 20) {
		shapes = append(shapes, shape{s.name, s.src})
	}
	for _, s := range shapes {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		_, err := parse("x.yaml", s.src)
		runtime.ReadMemStats(&m1)
		ratio := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(len(s.src))
		t.Logf("%s: %d bytes, %.1fx allocated: %v", s.name, len(s.src), ratio, err)
		if ratio > 50 {
			t.Errorf("%s: %d bytes allocated %.1f times their size", s.name, len(s.src), ratio)
		}
	}
}
