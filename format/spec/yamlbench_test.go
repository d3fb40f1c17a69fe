package spec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml/parser"
)

// benchShapes are 4 MB specs of the shapes a front-end meets: each is
// analysed or refused with an error in well under a second (the
// benchmarks report the time; tests never assert on it).
func benchShapes() []struct {
	name string
	src  []byte
} {
	return benchShapesOf(fourMB)
}

// benchShapesOf makes the shapes at size bytes.
func benchShapesOf(size int) []struct {
	name string
	src  []byte
} {
	deep := func() []byte {
		// Mappings 40 deep, repeated under x- keys.
		var b bytes.Buffer
		b.WriteString(minimal)
		for i := 0; b.Len() < size-4096; i++ {
			fmt.Fprintf(&b, "x-%d:\n", i)
			for d := 1; d <= 40; d++ {
				fmt.Fprintf(&b, "%sk%d: {a: [1, 2, 3], b: x}\n%sn%d:\n", strings.Repeat(" ", d), d, strings.Repeat(" ", d), d)
			}
			fmt.Fprintf(&b, "%send: 1\n", strings.Repeat(" ", 41))
		}
		return b.Bytes()
	}
	return []struct {
		name string
		src  []byte
	}{
		{"flow-layers", fill(size, "input: [null, 16]\nlayers:\n", "  - {name: l#, type: dense, units: 16, activation: relu}\n", "")},
		{"block-layers", fill(size, "input: [null, 16]\nlayers:\n", "  - name: l#\n    type: dense\n    units: 16\n", "")},
		{"json-layers", fill(size, "{\"input\": [null, 16], \"layers\": [\n", "\t{\"name\": \"l#\", \"type\": \"dense\", \"units\": 16},\n", "\t{\"type\": \"relu\"}\n]}\n")},
		{"int-list", fill(size, minimal+"x-a: [", "1, ", "1]\n")},
		{"block-int-list", fill(size, minimal+"x-a:\n", "- 1\n", "")},
		{"many-keys", fill(size, minimal, "k#: 1\n", "")},
		{"deep-nesting", deep()},
		{"long-strings", fill(size, minimal, "x-#: \""+strings.Repeat("word ", 1000)+"\"\n", "")},
		{"block-scalars", fill(size, minimal, "x-#: |\n"+strings.Repeat("  a line of text\n", 100), "")},
	}
}

// BenchmarkParse is the YAML parser alone, per shape.
func BenchmarkParse(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(s.src)))
			b.ReportAllocs()
			start := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				_, err := parse("spec.yaml", s.src)
				if b.N == 1 && err != nil {
					b.Logf("%v", clip(err.Error(), 120))
				}
			}
		})
	}
}

// BenchmarkAnalyse is Decode, infer and stats, per shape: what the CLI
// does with the file.
func BenchmarkAnalyse(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(s.src)))
			b.ReportAllocs()
			start := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				out := runHostile(s.src)
				if b.N == 1 {
					b.Logf("%s", clip(out, 120))
				}
			}
		})
	}
}

// BenchmarkParseGoYAML compares go-yaml's parser alone (no pre-scan, no
// conversion) with parseYAML on 1 MB of each shape: what the spec front-end
// spent before.
func BenchmarkParseGoYAML(b *testing.B) {
	for _, s := range benchShapesOf(1 << 20) {
		if s.name == "many-keys" {
			// go-yaml is quadratic in a block mapping's keys: 1 MB of
			// "k#: 1" lines took it 63 s of CPU and 45 GB of allocations.
			s.src = s.src[:bytes.LastIndexByte(s.src[:64<<10], '\n')+1]
		}
		b.Run(s.name+"/go-yaml", func(b *testing.B) {
			b.SetBytes(int64(len(s.src)))
			b.ReportAllocs()
			start := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				parser.ParseBytes(s.src, 0)
			}
		})
		b.Run(s.name+"/parseYAML", func(b *testing.B) {
			b.SetBytes(int64(len(s.src)))
			b.ReportAllocs()
			start := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				parseYAML("spec.yaml", s.src)
			}
		})
	}
}

// cpuTime is the process's user and system time: wall time means little
// on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// chainSpec is n relu layers, each the input of the next, written in
// order or in reverse order (then every inputs: names a layer written
// below it).
func chainSpec(n int, reverse bool) []byte {
	var b bytes.Buffer
	b.WriteString("name: chain\ninput: [null, 8]\nlayers:\n")
	for k := range n {
		i := k
		if reverse {
			i = n - 1 - k
		}
		in := "input"
		if i > 0 {
			in = "l" + strconv.FormatInt(int64(i-1), 36)
		}
		fmt.Fprintf(&b, "- {name: l%s,type: relu,inputs: %s}\n", strconv.FormatInt(int64(i), 36), in)
	}
	return b.Bytes()
}

// BenchmarkChain analyses a 100,000-layer chain written in order and in
// reverse order: the two take about the same time.
func BenchmarkChain(b *testing.B) {
	for _, rev := range []bool{false, true} {
		src := chainSpec(100_000, rev)
		b.Run(map[bool]string{false: "in-order", true: "reverse"}[rev], func(b *testing.B) {
			start := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for b.Loop() {
				if out := runHostile(src); !strings.HasPrefix(out, "ok layers=100000 ") {
					b.Fatal(out)
				}
			}
		})
	}
}
