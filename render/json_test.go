package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/stats"
)

// encodingJSON is the report as encoding/json writes it with the
// Encoder's two-space indentation: what JSON must write, byte for byte.
func encodingJSON(r *stats.Report) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(r)
	return b.Bytes(), err
}

// sameJSON fails the test when JSON and encoding/json differ on r.
func sameJSON(t *testing.T, r *stats.Report) {
	t.Helper()
	want, werr := encodingJSON(r)
	var got bytes.Buffer
	gerr := JSON(&got, r)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("JSON error %v, encoding/json's %v", gerr, werr)
	}
	if werr != nil {
		if got.Len() > 0 {
			t.Fatalf("JSON wrote %d bytes before its error; encoding/json writes none", got.Len())
		}
		return
	}
	if !bytes.Equal(got.Bytes(), want) {
		g, w := got.Bytes(), want
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Fatalf("JSON differs from encoding/json at byte %d:\n got …%q\nwant …%q", i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
	}
}

// strings that exercise the escaping: HTML characters, control
// characters with and without short escapes, invalid UTF-8, the line and
// paragraph separators, and ordinary text.
var jsonStrings = []string{
	"", "conv1", "a b", "<script>&amp;</script>", "\"quoted\" \\ back", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"\xff\xfe", "é ü → ✓ 😀", "\u2028\u2029", "x\xe2\x80", "(5*5*1+1)*32 = 832", "N", "?", "\xed\xa0\x80",
}

// fill gives v random contents, whatever its type: every field of every
// struct (so that a field added to the report is covered without
// changing this test), nil and empty slices, maps and pointers.
func fill(rnd *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		if rnd.IntN(4) == 0 {
			b := make([]byte, rnd.IntN(12))
			for i := range b {
				b[i] = byte(rnd.IntN(256))
			}
			v.SetString(string(b))
		} else {
			v.SetString(jsonStrings[rnd.IntN(len(jsonStrings))])
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		switch rnd.IntN(4) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(-rnd.Int64N(1000))
		case 2:
			v.SetInt(math.MaxInt64 - rnd.Int64N(3))
		default:
			v.SetInt(rnd.Int64N(1 << 40))
		}
	case reflect.Bool:
		v.SetBool(rnd.IntN(2) == 0)
	case reflect.Float64:
		v.SetFloat([]float64{0, 4.5, 16, 1e21, 1e-7, 3.14159, 123456789.125}[rnd.IntN(7)])
	case reflect.Pointer:
		if depth > 6 || rnd.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rnd, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch rnd.IntN(4) {
		case 0:
			return // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		n := 1 + rnd.IntN(3)
		if depth > 6 {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rnd, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if rnd.IntN(3) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range rnd.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			fill(rnd, k, depth+1)
			fill(rnd, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rnd, v.Field(i), depth+1)
			}
		}
	}
}

func randomReport(seed uint64) *stats.Report {
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	r := &stats.Report{}
	fill(rnd, reflect.ValueOf(r).Elem(), 0)
	r.NoArithmetic = false
	// Unknown parameter counts are written null, which encoding/json
	// cannot know (TestJSONParamsUnknown checks them).
	r.Totals.ParamsUnknown = false
	for i := range r.Layers {
		r.Layers[i].ParamsUnknown = false
	}
	// Each row's memory figures (Memory.Layers) are written inside the
	// rows, which encoding/json cannot know (TestJSONMemory checks them).
	if r.Memory != nil {
		r.Memory.Layers = nil
	}
	if seed%25 == 0 && len(r.Layers) > 0 { // longer reports, for the chunked writes
		for len(r.Layers) < 3000 {
			r.Layers = append(r.Layers, r.Layers...)
		}
	}
	return r
}

// TestJSONAsEncodingJSON: JSON writes encoding/json's bytes for reports
// filled at random, every field of every type, with strings that need
// every kind of escape.
func TestJSONAsEncodingJSON(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	for seed := range uint64(n) {
		sameJSON(t, randomReport(seed))
	}
	sameJSON(t, &stats.Report{})
}

// FuzzJSON: the same for reports the fuzzer seeds.
func FuzzJSON(f *testing.F) {
	f.Add(uint64(1))
	f.Add(uint64(1 << 40))
	f.Fuzz(func(t *testing.T, seed uint64) { sameJSON(t, randomReport(seed)) })
}

// TestJSONError: a value encoding/json refuses (a NaN in the transformer
// section) is the same error, with nothing written, as from
// encoding/json.
func TestJSONError(t *testing.T) {
	r := randomReport(3)
	r.Transformer = &stats.Transformer{Weights: []stats.WeightMemory{{BitsPerWeight: math.NaN()}}}
	sameJSON(t, r)
	if err := JSON(&bytes.Buffer{}, r); err == nil {
		t.Error("JSON of a NaN succeeded")
	}
}

// TestJSONNoArithmetic: a report built without its arithmetic is refused,
// not written with blank explanations.
func TestJSONNoArithmetic(t *testing.T) {
	var b bytes.Buffer
	err := JSON(&b, &stats.Report{NoArithmetic: true})
	if !errors.Is(err, ErrNoArithmetic) || b.Len() > 0 {
		t.Errorf("JSON = %v after %d bytes; want ErrNoArithmetic and nothing written", err, b.Len())
	}
}

// TestJSONLongString: a string longer than the writer's pieces is cut
// only between characters: multi-byte characters, invalid bytes and the
// separators across every cut come out as encoding/json writes them.
func TestJSONLongString(t *testing.T) {
	for _, unit := range []string{"abc", "é", "😀x", "\u2028", "\xe2\x80", "\x80\x80\x80", "<&>\n"} {
		long := strings.Repeat(unit, 3*jsonChunk/len(unit)+1)
		for _, s := range []string{long, "a" + long, "ab" + long, "\xe2" + long} {
			sameJSON(t, &stats.Report{Notes: []string{s}, Layers: []stats.Layer{{Name: s}}})
		}
	}
}

// TestJSONParamsUnknown: a row's and the totals' unknown parameter counts
// are null, the others as they are; the report reads back with them
// unknown.
func TestJSONParamsUnknown(t *testing.T) {
	r := &stats.Report{SchemaVersion: stats.SchemaVersion, Layers: []stats.Layer{
		{Name: "a", Params: 10, TrainableParams: 10},
		{Name: "b", ParamsUnknown: true},
	}}
	lb := int64(10)
	r.Totals.ParamsUnknown, r.Totals.ParamsLowerBound = true, &lb
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Layers []map[string]any
		Totals map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"params", "trainable_params", "non_trainable_params"} {
		if v, ok := m.Layers[1][k]; !ok || v != nil {
			t.Errorf("layers[1].%s = %v, want null", k, v)
		}
		if v, ok := m.Totals[k]; !ok || v != nil {
			t.Errorf("totals.%s = %v, want null", k, v)
		}
	}
	if m.Layers[0]["params"] != float64(10) || m.Totals["params_lower_bound"] != float64(10) {
		t.Errorf("known counts: layers[0].params %v, totals.params_lower_bound %v, want 10", m.Layers[0]["params"], m.Totals["params_lower_bound"])
	}
	var back stats.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !back.Layers[1].ParamsUnknown || back.Layers[0].ParamsUnknown || !back.Totals.ParamsUnknown || back.Layers[0].Params != 10 {
		t.Errorf("read back: %+v / %+v / totals %+v", back.Layers[0], back.Layers[1], back.Totals)
	}
}
