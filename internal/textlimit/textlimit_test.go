package textlimit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

var small = Limits{MaxDepth: 4, MaxItems: 3, MaxKeys: 3, MaxValues: 40, MaxString: 8, MaxKey: 5, MaxDocs: 2}

func TestJSON(t *testing.T) {
	for _, c := range []struct{ src, err string }{
		{`{"a": [1, 2, 3], "b": {"c": "12345678"}}`, ""},
		{`{"a": [1, 2, 3, 4]}`, "1:17: more than 3 elements in one array"},
		{`{"a": 1, "b": 2, "c": 3, "d": 4}`, "1:29: more than 3 keys in one object"},
		{`[[[[[1]]]]]`, "1:5: arrays and objects nested more than 4 deep"},
		{"{\n  \"a\": \"123456789\"}", "2:8: a string of more than 8 bytes"},
		{`{"a": "1234567\"8"}`, "1:7: a string of more than 8 bytes"},
		{`[123456789]`, "1:2: a number or word of more than 8 bytes"},
		{`{"a":[1,2],"b":[1,2],"c":[1,2]}` + strings.Repeat(` {"a":[1,2],"b":[1,2],"c":[1,2]}`, 3), "more than 40 values in all"},
		// Not JSON: left to the decoder.
		{`{"a": "unterm`, ""},
		{`]]]}}}`, ""},
	} {
		err := JSON([]byte(c.src), small)
		if got := fmt.Sprint(err); (c.err == "" && err != nil) || (c.err != "" && !strings.Contains(got, c.err)) {
			t.Errorf("JSON(%q) = %v, want %q", c.src, err, c.err)
		}
	}
}

func TestYAML(t *testing.T) {
	lim := Limits{MaxKeys: 3, MaxItems: 3, MaxValues: 60, MaxString: 16, MaxKey: 5, MaxDocs: 2}
	for _, c := range []struct{ src, err string }{
		{"a: 1\nb: 2\nc: [1, 2, 3]\n", ""},
		{"a: 1\nb: 2\nc: 3\nd: 4\n", "4:1: more than 3 keys in one mapping"},
		// Keys of different mappings at the same column are not added up.
		{"- a: 1\n  b: 2\n  c: 3\n- a: 1\n  b: 2\n  c: 3\n- {a: 1, b: 2, c: 3}\n", ""},
		{"a:\n  x: 1\n  y: 1\nb:\n  x: 1\n  y: 1\nc:\n  x: 1\n  y: 1\n", ""},
		{"l:\n- 1\n- 2\n- 3\n- 4\n", "5:1: more than 3 entries in one sequence"},
		{"a:\n- 1\n- 2\nb: 1\nc: 1\nd: 1\n", "6:1: more than 3 keys in one mapping"},
		{"x: {a: 1, b: 2, c: 3, d: 4}\n", "1:21: more than 3 keys in one mapping"},
		{"x: [1, [2, 3, 4, 5]]\n", "more than 3 entries in one sequence"},
		{"x: 12345678901234567\n", "1:4: a scalar of more than 16 bytes"},
		{"x: \"12345678\n  901234567\"\n", "1:4: a quoted string of more than 16 bytes"},
		{"x: |\n  12345\n  67890123\ny: 1\n", "1:4: a block scalar of more than 16 bytes"},
		{"abcdef: 1\n", "1:1: a key of more than 5 bytes"},
		{"---\na: 1\n---\n---\n", "4:1: more than 2 document markers"},
		{"x: " + strings.Repeat("a ", 8), ""}, // one plain scalar
		{strings.Repeat("# c\n", 61), "61:1: more than 60 YAML tokens"},
		// Quotes, comments and block scalars hide what they hold.
		{"a: 'x: 1, y: 2'  # c: 3, d: 4\nb: \"[{\"\nc: 1\n", ""},
		{"a: |\n  b: 1\n  c: 1\n  d: 1\nb: 1\n", "1:4: a block scalar"}, // 20 bytes
		{"a: |\n  b: 1\n  c: 1\nb: 1\n", ""},
		{"a: 'it''s'\nb: \"say \\\"x\\\"\"\nc: 1\n", ""},
		// A multi-line string is one scalar; the keys after it count.
		{"a: \"x\ny: 1\nz\"\nb: 1\nc: 1\nd: 1\n", "6:1: more than 3 keys in one mapping"},
	} {
		err := YAML([]byte(c.src), lim)
		if got := fmt.Sprint(err); (c.err == "" && err != nil) || (c.err != "" && !strings.Contains(got, c.err)) {
			t.Errorf("YAML(%q) = %v, want %q", c.src, err, c.err)
		}
	}
}

// TestYAMLPaths checks that long keys above many values are charged
// whether the values are in a block or a flow collection, and whether the
// flow collection's lines are indented or not.
func TestYAMLPaths(t *testing.T) {
	key := strings.Repeat("k", 1000)
	for _, src := range []string{
		key + ":\n" + strings.Repeat("  - 1\n", 100),
		key + ": [\n" + strings.Repeat("1,\n", 100) + "]\n",
		key + ":\n  " + key + ":\n" + strings.Repeat("    - [1]\n", 50),
		key + ": [\na: 1, " + strings.Repeat("b: 1, ", 100) + "]\n",
	} {
		err := YAML([]byte(src), Limits{MaxPaths: 50_000})
		var le *Error
		if !errors.As(err, &le) || !strings.Contains(le.Msg, "paths") {
			t.Errorf("YAML(%q) = %v, want a paths error", strings.ReplaceAll(src, key, "K"), err)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1048576: "1,048,576", -12345: "-12,345"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzYAML and FuzzJSON: the scans never panic, on any input.
func FuzzYAML(f *testing.F) {
	for _, s := range []string{"a: 1\n", "- [a, {b: c}]\n", "x: |\n  y\n", "'a\n  b'\n", "k: \"\\\n\"", "--- !t &a *a\n? x\n: y\n", "[: ]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		YAML(data, Limits{MaxKeys: 5, MaxValues: 50, MaxString: 10, MaxKey: 3, MaxPaths: 100, MaxDocs: 2})
		YAML(data, Limits{})
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, {"b": null}]}`, `"\`, `[[[`, `{"a":"\""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		JSON(data, small)
		JSON(data, Limits{})
	})
}

// BenchmarkScan measures the scans on 4 MB inputs of the hostile shapes.
func BenchmarkScan(b *testing.B) {
	gen := func(head, unit string) []byte {
		var buf bytes.Buffer
		buf.WriteString(head)
		for i := 0; buf.Len() < 4<<20; i++ {
			buf.WriteString(strings.ReplaceAll(unit, "#", fmt.Sprint(i)))
		}
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		json bool
		data []byte
	}{
		{"yaml-keys", false, gen("", "k#: 1\n")},
		{"yaml-layers", false, gen("layers:\n", "  - {name: l#, type: dense, units: 16}\n")},
		{"yaml-block-layers", false, gen("layers:\n", "  - name: l#\n    type: dense\n    units: 16\n")},
		{"yaml-flow-list", false, gen("x: [", "1, ")},
		{"yaml-deep", false, gen("", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]\n")},
		{"yaml-long-line", false, []byte("x: " + strings.Repeat("x", 4<<20))},
		{"yaml-quoted-lines", false, gen("x: \"", "word, 'word' \\\" [x] k: v\n")},
		{"json-array", true, gen(`{"x": [`, "1,")},
		{"json-objects", true, gen(`[`, `{"a": "b", "c": [1, 2]},`)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if c.json {
					JSON(c.data, Limits{})
				} else {
					YAML(c.data, Limits{})
				}
			}
		})
	}
}

// jsonCost is what encoding/json builds for a value: values (keys
// included), the longest array, the most keys, the depth.
func jsonCost(v any, depth int, c *[4]int) {
	c[0]++
	c[3] = max(c[3], depth)
	switch x := v.(type) {
	case []any:
		c[1] = max(c[1], len(x))
		for _, e := range x {
			jsonCost(e, depth+1, c)
		}
	case map[string]any:
		c[2] = max(c[2], len(x))
		for _, e := range x {
			c[0]++ // the key
			jsonCost(e, depth+1, c)
		}
	}
}

// FuzzJSONBound: on any JSON encoding/json accepts, the scan's counts
// bound what it decodes, so that no text passes the limits and still
// costs more.
func FuzzJSONBound(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2, {"b": [[]]}], "c": "d"}`, `[1, "2", null, true]`, `{"a": {"a": {"a": 1}}, "a": 2}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		var c [4]int
		jsonCost(v, 0, &c)
		for i, lim := range []Limits{{MaxValues: c[0] - 1}, {MaxItems: c[1] - 1}, {MaxKeys: c[2] - 1}, {MaxDepth: c[3] - 1}} {
			if c[i] > 1 && JSON(data, lim) == nil {
				t.Errorf("count %d is %d, but the scan passed %+v on %q", i, c[i], lim, data)
			}
		}
	})
}
