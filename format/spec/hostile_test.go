package spec

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/childtest"
	"github.com/layerinfo/layerinfo/stats"
)

// hostileCase is a generated spec: either refused with an error naming
// its cause (err), or analysed (check).
type hostileCase struct {
	name   string
	gen    func() []byte
	err    string                         // a substring of the error
	check  func(t *testing.T, out string) // for specs that must work
	maxMiB int64                          // peak memory bound of the child
}

// fill repeats unit (with # replaced by a counter) after head up to size
// bytes.
func fill(size int, head, unit, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for i := 0; b.Len()+len(unit)+len(tail)+16 < size; i++ {
		b.WriteString(strings.ReplaceAll(unit, "#", fmt.Sprint(i)))
	}
	b.WriteString(tail)
	return b.Bytes()
}

const (
	fourMB  = 4 << 20
	minimal = "input: [null, 4]\nlayers: [{type: dense, units: 1}]\n"
)

// layersSpec is n dense layers of 16 units on a 16-wide input, each
// 16*16+16 = 272 parameters.
func layersSpec(n int) []byte {
	var b bytes.Buffer
	b.WriteString("name: deep-mlp\ninput: [null, 16]\nlayers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: fc%d, type: dense, units: 16, activation: relu}  # layer %d\n", i, i)
	}
	return b.Bytes()
}

func hostileCases() []hostileCase {
	return []hostileCase{
		// input and layers are the first two keys: k99998 is the 100,001st.
		{name: "300k-keys", err: "spec.yaml:100001:1: more than 100,000 keys in one mapping", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString(minimal)
			for i := range 300_000 {
				fmt.Fprintf(&b, "k%d: 1\n", i)
			}
			return b.Bytes()
		}},
		{name: "4MB-flow-mapping", err: "more than 100,000 keys in one mapping", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-a: {", "k#: 1, ", "z: 1}\n")
		}},
		{name: "4MB-json-keys", err: "more than 100,000 keys in one mapping", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, `{"input": [null, 4], "layers": [{"type": "dense", "units": 1}], "x-a": {`, `"k#": 1, `, `"z": 1}}`)
		}},
		// 144,629 layers: parsed, then refused by the layer count.
		{name: "4MB-layers", err: "spec.yaml:100003:5: layers: more than 100,000 layers", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, "input: [null, 16]\nlayers:\n", "  - {type: dense, units: 16}\n", "")
		}},
		{name: "4MB-block-layers", err: "spec.yaml:200003:5: layers: more than 100,000 layers", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, "input: [null, 16]\nlayers:\n", "  - type: dense\n    units: 16\n", "")
		}},
		{name: "4MB-one-flow-list", err: "more than 1,000,000 values", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-a: [", "1,", "1]\n")
		}},
		{name: "4MB-commas", err: "spec.yaml:3:9: YAML: expected a value, got ','", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-a: [1", ",", "]\n")
		}},
		{name: "4MB-line", err: "spec.yaml:3:6: a scalar of more than 65,536 bytes", maxMiB: 256, gen: func() []byte {
			return []byte(minimal + "x-a: " + strings.Repeat("x", fourMB-100) + "\n")
		}},
		{name: "4MB-quoted-string", err: "spec.yaml:3:6: a quoted string of more than 65,536 bytes", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-a: \"", "word \\\" 'x' k#: v\n", "\"\n")
		}},
		{name: "4MB-block-scalar", err: "spec.yaml:3:6: a block scalar of more than 65,536 bytes", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-a: |\n", "  k#: v\n", "")
		}},
		{name: "long-key", err: "spec.yaml:3:1: a key of more than 1,024 bytes", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, minimal+"x-"+strings.Repeat("k", 60_000)+":\n", "  - 1\n", "")
		}},
		{name: "long-paths", err: "more than 1,000,000 values", maxMiB: 256, gen: func() []byte {
			// 40 nested keys of 1,000 bytes: every value below had a
			// 40 KB path in go-yaml; the values are what is counted now.
			var b bytes.Buffer
			b.WriteString(minimal + "x-a:\n")
			for i := 1; i <= 40; i++ {
				fmt.Fprintf(&b, "%sk%s:\n", strings.Repeat(" ", i), strings.Repeat("k", 1000))
			}
			b.WriteString(strings.Repeat(" ", 41) + "[")
			return fill(fourMB, b.String(), "1, ", "1]\n")
		}},
		{name: "deep-flow", err: "collections are nested more than 64 deep", maxMiB: 256, gen: func() []byte {
			return []byte(minimal + "x-a: " + strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000) + "\n")
		}},
		{name: "deep-json", err: "collections are nested more than 64 deep", maxMiB: 256, gen: func() []byte {
			return []byte(`{"layers": [{"type": "dense", "units": 1}], "x": ` + strings.Repeat(`{"a": `, 500_000) + "1" + strings.Repeat("}", 500_000) + "}")
		}},
		{name: "deep-block", err: "nested more than", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString(minimal + "x-a:\n")
			for i := 1; i <= 1000; i++ {
				fmt.Fprintf(&b, "%sa:\n", strings.Repeat(" ", i))
			}
			return b.Bytes()
		}},
		{name: "deep-dashes", err: "nested sequence entries on one line", maxMiB: 256, gen: func() []byte {
			return []byte(minimal + "x-a:\n" + strings.Repeat("- ", 1_000_000) + "1\n")
		}},
		{name: "billion-laughs", err: "once aliases are expanded", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString("input: [null, 4]\nx-0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
			for i := 1; i < 30; i++ {
				a := fmt.Sprintf("*a%d", i-1)
				fmt.Fprintf(&b, "x-%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(a+", ", 10), ", "))
			}
			b.WriteString("layers: [{type: dense, units: 1, x-laughs: *a29}]\n")
			return b.Bytes()
		}},
		{name: "merge-bomb", err: "once aliases are expanded", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString("input: [null, 4]\nx-big: &big {type: dense, units: 1")
			for i := range 9000 {
				fmt.Fprintf(&b, ", x-%d: 1", i)
			}
			b.WriteString("}\nlayers:\n")
			for range 2000 {
				b.WriteString("  - {<<: *big}\n")
			}
			return b.Bytes()
		}},
		{name: "alias-layers", err: "once aliases are expanded", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString("input: [null, 4]\nx-big: &big {type: dense, units: 4")
			for i := range 9000 {
				fmt.Fprintf(&b, ", x-%d: 1", i)
			}
			b.WriteString("}\nlayers: [")
			b.WriteString(strings.Repeat("*big, ", 200))
			b.WriteString("*big]\n")
			return b.Bytes()
		}},
		{name: "documents", err: "spec.yaml:17:1: more than 16 document markers", maxMiB: 256, gen: func() []byte {
			return fill(fourMB, "", "---\n", "")
		}},
		{name: "4MB-comments", maxMiB: 256, gen: func() []byte {
			// 350,000 comments are under the token limit: go-yaml
			// reads them (and, v1.19.2, rejects the file).
			return fill(fourMB, minimal, "# a comment\n", "")
		}, check: func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "error: ") && !strings.HasPrefix(out, "ok ") {
				t.Errorf("got %s", out)
			}
		}},
		{name: "20k-layers", maxMiB: 1024, gen: func() []byte { return layersSpec(20_000) }, check: func(t *testing.T, out string) {
			// 20,000 dense layers of 16*16 weights and 16 biases.
			want := fmt.Sprintf("ok layers=%d params=%d", 20_000, 20_000*(16*16+16))
			if out != want {
				t.Errorf("got %q, want %q", out, want)
			}
		}},
	}
}

// TestHostile decodes each generated spec in a child process: refused
// with an error that names the cause, or analysed correctly, within the
// memory bound (and a generous 20 s; the figures are logged).
func TestHostile(t *testing.T) {
	const env = "LAYERINFO_SPEC_HOSTILE"
	if name := childtest.Case(env); name != "" {
		for _, c := range hostileCases() {
			if c.name == name {
				childtest.Report(runHostile(c.gen()))
				return
			}
		}
		t.Fatalf("no case %q", name)
	}
	if testing.Short() {
		t.Skip("child processes of up to 4 MB specs; not in -short")
	}
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			r := childtest.Run(t, "TestHostile", env, c.name)
			t.Logf("%s: %.2fs, peak %d MiB: %s", c.name, r.Wall.Seconds(), r.PeakKiB>>10, clip(r.Output, 200))
			switch {
			case c.check != nil:
				c.check(t, r.Output)
			case !strings.HasPrefix(r.Output, "error: ") || !strings.Contains(r.Output, c.err):
				t.Errorf("got %s\nwant an error containing %q", clip(r.Output, 300), c.err)
			}
			if r.PeakKiB > c.maxMiB<<10 {
				t.Errorf("peak memory %d MiB, want under %d MiB", r.PeakKiB>>10, c.maxMiB)
			}
			if r.Wall.Seconds() > 20 {
				t.Errorf("took %v, more than the 20 s any input may take", r.Wall)
			}
		})
	}
}

// runHostile is the child's work: decode, infer, report.
func runHostile(data []byte) string {
	g, err := Decode("spec.yaml", data)
	if err != nil {
		return "error: " + err.Error()
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		return "error: " + err.Error()
	}
	r, err := stats.Build(g)
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("ok layers=%d params=%d", len(r.Layers)-1, r.Totals.Params)
}
