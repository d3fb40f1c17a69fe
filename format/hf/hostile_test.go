package hf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/childtest"
)

// hostileConfig is a generated config.json and the error it must get
// ("" when it must decode).
type hostileConfig struct {
	name   string
	gen    func() []byte
	err    string
	maxMiB int64
}

// repeat writes head, n times unit (with # replaced by a counter, comma
// separated), then tail, into a buffer sized up front.
func repeat(size int, head, unit string, n int, tail string) []byte {
	b := bytes.NewBuffer(make([]byte, 0, size))
	b.WriteString(head)
	if !strings.Contains(unit, "#") {
		b.WriteString(unit)
		b.Write(bytes.Repeat([]byte(","+unit), n-1))
	} else {
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.ReplaceAll(unit, "#", strconv.Itoa(i)))
		}
	}
	b.WriteString(tail)
	return b.Bytes()
}

func hostileConfigs() []hostileConfig {
	return []hostileConfig{
		// The case: 60 MB holding one array took 2.2 GB.
		{name: "60MB-one-array", err: "config.json:1:2000030: more than 1,000,000 elements in one array", maxMiB: 256, gen: func() []byte {
			return repeat(60<<20+64, `{"model_type": "bert", "x": [`, "1", 30_000_000, "]}")
		}},
		{name: "60MB-one-object", err: "config.json:1:2088928: more than 200,000 keys in one object", maxMiB: 256, gen: func() []byte {
			return repeat(60<<20, `{"model_type": "bert", "x": {`, `"#":1`, 4_500_000, "}}")
		}},
		{name: "small-arrays", err: "more than 2,000,000 values in all", maxMiB: 256, gen: func() []byte {
			return repeat(40<<20, `{"model_type": "bert", "x": [`, "[1,1,1,1,1,1,1,1,1]", 2_000_000, "]}")
		}},
		{name: "deep-arrays", err: "config.json:1:92: arrays and objects nested more than 64 deep", maxMiB: 256, gen: func() []byte {
			return []byte(`{"model_type": "bert", "x": ` + strings.Repeat("[", 10_000_000) + strings.Repeat("]", 10_000_000) + "}")
		}},
		{name: "deep-objects", err: "arrays and objects nested more than 64 deep", maxMiB: 256, gen: func() []byte {
			return []byte(`{"model_type": "bert", "x": ` + strings.Repeat(`{"a":`, 2_000_000) + "1" + strings.Repeat("}", 2_000_000) + "}")
		}},
		{name: "60MB-string", err: "config.json:1:29: a string of more than 1,048,576 bytes", maxMiB: 256, gen: func() []byte {
			return []byte(`{"model_type": "bert", "x": "` + strings.Repeat("a", 60<<20) + `"}`)
		}},
		{name: "60MB-number", err: "a number or word of more than 1,048,576 bytes", maxMiB: 256, gen: func() []byte {
			return []byte(`{"model_type": "bert", "hidden_size": ` + strings.Repeat("9", 60<<20) + `}`)
		}},
		{name: "1M-keys", err: "more than 2,000,000 values in all", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"model_type": "bert"`)
			for i := range 10 {
				fmt.Fprintf(&b, `, "x%d": {`, i)
				for j := range 110_000 {
					if j > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `"%d":1`, j)
				}
				b.WriteString("}")
			}
			b.WriteString("}")
			return b.Bytes()
		}},
		// An ImageNet-21k classifier's labels, both ways: must decode.
		{name: "21k-labels", maxMiB: 256, gen: func() []byte {
			var b bytes.Buffer
			b.WriteString(`{"model_type": "vit", "architectures": ["ViTForImageClassification"], "id2label": {`)
			for i := range 21_843 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"%d": "n%08d, a label"`, i, i)
			}
			b.WriteString(`}, "label2id": {`)
			for i := range 21_843 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"n%08d, a label": %d`, i, i)
			}
			b.WriteString("}}")
			return b.Bytes()
		}},
	}
}

// TestHostile decodes each generated config.json in a child process: an
// error naming the cause, within the memory bound (and a generous 20 s;
// the figures are logged).
func TestHostile(t *testing.T) {
	const env = "LAYERINFO_HF_HOSTILE"
	if name := childtest.Case(env); name != "" {
		for _, c := range hostileConfigs() {
			if c.name == name {
				g, err := Decode("config.json", c.gen(), Options{})
				if err != nil {
					childtest.Report("error: " + err.Error())
				} else {
					childtest.Report(fmt.Sprintf("ok %s, %d nodes", g.Name, len(g.Nodes)))
				}
				return
			}
		}
		t.Fatalf("no case %q", name)
	}
	if testing.Short() {
		t.Skip("child processes decoding up to 60 MB; not in -short")
	}
	for _, c := range hostileConfigs() {
		t.Run(c.name, func(t *testing.T) {
			r := childtest.Run(t, "TestHostile", env, c.name)
			t.Logf("%s: %.2fs, peak %d MiB: %.200s", c.name, r.Wall.Seconds(), r.PeakKiB>>10, r.Output)
			if c.err == "" {
				if !strings.HasPrefix(r.Output, "ok ") {
					t.Errorf("got %.300s, want it decoded", r.Output)
				}
			} else if !strings.HasPrefix(r.Output, "error: ") || !strings.Contains(r.Output, c.err) {
				t.Errorf("got %.300s\nwant an error containing %q", r.Output, c.err)
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
