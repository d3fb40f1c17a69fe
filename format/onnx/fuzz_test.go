package onnx

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

// memReader is an in-memory input the decoder walks in place, as it does
// a mapped File.
type memReader []byte

func (m memReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(m).ReadAt(p, off)
}

func (m memReader) bytes() []byte { return m }

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.onnx")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	sample := sampleModel()
	f.Add([]byte(sample))
	f.Add([]byte(sample[:len(sample)-7]))
	f.Add([]byte(bModel(nestedIf(MaxDepth + 1))))
	f.Add([]byte(bModel(nestedIf(3))))
	f.Add([]byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte("PK\x03\x04 definitely not a model"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m1, err1 := Decode(memReader(b), int64(len(b)))
		runtime.ReadMemStats(&after)
		// Memory is bounded by the input size, whatever it declares.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20+1024*uint64(len(b)) {
			t.Fatalf("decoding %d bytes allocated %d bytes", len(b), alloc)
		}
		m2, err2 := decodeWindow(bytes.NewReader(b), int64(len(b)), 16)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("in place: %v; windowed: %v", err1, err2)
		}
		if err1 != nil {
			var e *graph.OffsetError
			if !errors.As(err1, &e) || e.Offset < 0 || e.Offset > int64(len(b)) || e.Path == "" {
				t.Fatalf("bad error %#v", err1)
			}
			if err1.Error() != err2.Error() {
				t.Fatalf("in place: %v; windowed: %v", err1, err2)
			}
			return
		}
		if !same(reflect.ValueOf(m1), reflect.ValueOf(m2)) {
			t.Fatal("in-place and windowed decodes differ")
		}
		readValues(m1.Graph, bytes.NewReader(b))
		checkEmbed(t, b, m1)
	})
}

// checkEmbed embeds the external initializers of the model m decoded from b,
// when the result is small, and checks that the copy decodes to the same
// graph with every initializer embedded.
func checkEmbed(t *testing.T, b []byte, m *Model) {
	var p embedPlan
	if err := p.plan(bytes.NewReader(b), int64(len(b))); err != nil {
		return
	}
	var total int64
	for _, c := range p.pieces {
		total += c.len()
	}
	if total > 1<<20 {
		return
	}
	var out bytes.Buffer
	if err := p.write(&out, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if int64(out.Len()) != total {
		t.Fatalf("embedded copy has %d bytes, planned %d", out.Len(), total)
	}
	e, err := Decode(memReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("embedded copy does not decode: %v", err)
	}
	if len(e.Graph.Nodes) != len(m.Graph.Nodes) || len(e.Graph.Initializers) != len(m.Graph.Initializers) {
		t.Fatal("embedded copy has a different graph")
	}
	for i := range m.Graph.Nodes {
		// Offsets move with the graph's length prefix; compare the rest.
		x, y := &m.Graph.Nodes[i], &e.Graph.Nodes[i]
		if x.Name != y.Name || x.OpType != y.OpType || x.Path != y.Path ||
			!reflect.DeepEqual(x.Inputs, y.Inputs) || !reflect.DeepEqual(x.Outputs, y.Outputs) ||
			len(x.Attributes) != len(y.Attributes) {
			t.Fatalf("node %d differs in the embedded copy", i)
		}
	}
	for i, want := range m.Graph.Initializers {
		got := e.Graph.Initializers[i]
		if got.Name != want.Name || !reflect.DeepEqual(got.Dims, want.Dims) || got.DataType != want.DataType {
			t.Fatalf("initializer %d differs in the embedded copy", i)
		}
		if want.IsExternal() {
			size, _ := want.ByteSize()
			if got.IsExternal() || got.DataField != RawData || got.Length != size {
				t.Fatalf("initializer %d not embedded: %+v", i, got)
			}
		}
	}
}

// same is reflect.DeepEqual with floats compared by bits, so that NaN
// attributes compare equal.
func same(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() || a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float()) ||
			math.IsNaN(a.Float()) && math.IsNaN(b.Float())
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			v := b.MapIndex(k)
			if !v.IsValid() || !same(a.MapIndex(k), v) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() == b.Uint()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	}
	panic("same: unhandled kind " + a.Kind().String())
}

// readValues reads every tensor and Constant in g, ignoring errors: it must
// not panic.
func readValues(g *Graph, r *bytes.Reader) {
	for _, t := range g.Initializers {
		t.Int64s(r, 0)
		t.Float64s(r, 0)
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		n.ConstInt64s(r, 0)
		n.ConstFloat64s(r, 0)
		for _, a := range n.Attributes {
			if a.T != nil {
				a.T.Int64s(r, 0)
				a.T.Float64s(r, 0)
			}
			if a.G != nil {
				readValues(a.G, r)
			}
			for _, sg := range a.Graphs {
				readValues(sg, r)
			}
		}
	}
}
