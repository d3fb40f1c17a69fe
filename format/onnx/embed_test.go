package onnx

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestEmbedSmall(t *testing.T) {
	g := pb{}.str(graphName, "g").
		msg(graphNode, bNode("n", "Add", []string{"a", "b"}, []string{"c"})).
		msg(graphInitializer, bTensor("a", Float, 2, 3).
			str(12, "doc is kept").
			msg(tensorExternalData, bEntry("location", "w.bin")).
			int(tensorDataLocation, int64(External))).
		msg(graphInitializer, bTensor("b", Float, 2).bytes(protowire.Number(RawData), le32(7, 8))).
		msg(graphInitializer, bTensor("q", Int4, 3).
			msg(tensorExternalData, bEntry("location", "w.bin")).
			int(tensorDataLocation, int64(External))).
		str(graphName, "trailing fields are copied")
	in := bModel(g, pb{}.msg(modelMetadataProps, bEntry("k", "v")))

	var out bytes.Buffer
	n, err := Embed(&out, bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(out.Len()) {
		t.Errorf("Embed returned %d, wrote %d", n, out.Len())
	}
	orig := decodeAll(t, in)
	m := decodeAll(t, out.Bytes())
	if !sameNodes(orig.Graph.Nodes, m.Graph.Nodes) || !reflect.DeepEqual(orig.MetadataProps, m.MetadataProps) {
		t.Error("nodes or metadata changed")
	}
	for i, want := range orig.Graph.Initializers {
		got := m.Graph.Initializers[i]
		size, _ := want.ByteSize()
		if got.Name != want.Name || !reflect.DeepEqual(got.Dims, want.Dims) || got.DataType != want.DataType ||
			got.DataLocation != Default || got.ExternalData != nil || got.DataField != RawData || got.Length != size {
			t.Errorf("initializer %d = %+v, from %+v", i, got, want)
		}
	}
	if v, err := m.Graph.Initializer("a").Float64s(bytes.NewReader(out.Bytes()), 0); err != nil || !reflect.DeepEqual(v, make([]float64, 6)) {
		t.Errorf("a = %v, %v", v, err)
	}
	if v, err := m.Graph.Initializer("b").Float64s(bytes.NewReader(out.Bytes()), 0); err != nil || !reflect.DeepEqual(v, []float64{7, 8}) {
		t.Errorf("b = %v, %v", v, err)
	}
	if n, _ := m.Graph.Initializer("q").ByteSize(); n != 2 {
		t.Errorf("int4[3] is %d bytes", n)
	}

	// A model with nothing external is copied unchanged.
	var again bytes.Buffer
	if _, err := Embed(&again, bytes.NewReader(out.Bytes()), int64(out.Len())); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Error("embedding an embedded model changed it")
	}

	// Errors are reported like Decode's.
	if _, err := Embed(&again, bytes.NewReader(in[:len(in)-5]), int64(len(in)-5)); err == nil {
		t.Error("Embed of a truncated model succeeded")
	}
}

// TestEmbedAlexNet fills in AlexNet's 244 MB of weights and checks that the
// result decodes to the same graph with payloads of the right size, read
// without holding them in memory.
func TestEmbedAlexNet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 244 MB file")
	}
	src := filepath.Join("testdata", "torchvision__alexnet__preserve.onnx")
	dst := filepath.Join(t.TempDir(), "alexnet.onnx")
	if err := EmbedFile(dst, src); err != nil {
		t.Fatal(err)
	}
	orig, err := DecodeFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := Open(dst)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("decoding %d bytes allocated %d bytes", fi.Size(), alloc)
	}
	m := f.Model

	if !sameNodes(orig.Graph.Nodes, m.Graph.Nodes) {
		t.Error("nodes changed")
	}
	var total int64
	for i, want := range orig.Graph.Initializers {
		got := m.Graph.Initializers[i]
		numel, _ := want.NumElements()
		if got.Name != want.Name || !reflect.DeepEqual(got.Dims, want.Dims) || got.DataType != want.DataType {
			t.Errorf("initializer %d header %+v, want %+v", i, got, want)
		}
		if got.DataLocation != Default || len(got.ExternalData) != 0 || got.DataField != RawData ||
			got.Length != numel*int64(got.DataType.Size()) {
			t.Errorf("%s: %s %s of %d bytes, want raw_data of %d", got.Name, got.DataLocation, got.DataField, got.Length, numel*int64(got.DataType.Size()))
		}
		total += got.Length
	}
	if total < 244e6 || fi.Size() < total {
		t.Errorf("payloads total %d bytes in a file of %d", total, fi.Size())
	}
}

// sameNodes compares nodes but not their offsets, which move when the
// graph's length prefix grows.
func sameNodes(a, b []Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Offset, y.Offset = 0, 0
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
