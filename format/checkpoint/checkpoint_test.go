package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/stats"
)

func report(t *testing.T, g *graph.Graph, err error) *stats.Report {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// writeSafetensors writes a header-and-zeros safetensors file.
func writeSafetensors(t *testing.T, path string, tensors [][3]any) { writeSparse(t, path, tensors) }

// writeSparse writes a safetensors header, its keys in the order given;
// the data region is a hole.
func writeSparse(t testing.TB, path string, tensors [][3]any) {
	t.Helper()
	js := []byte(`{"__metadata__":{"format":"pt"}`)
	var off int64
	for _, x := range tensors {
		name, dtype, shape := x[0].(string), x[1].(string), x[2].([]int64)
		n := int64(1)
		for _, d := range shape {
			n *= d
		}
		size := n * map[string]int64{"F32": 4, "BF16": 2, "I64": 8}[dtype]
		entry, _ := json.Marshal(map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int64{off, off + size}})
		key, _ := json.Marshal(name)
		js = append(append(append(append(js, ','), key...), ':'), entry...)
		off += size
	}
	js = append(js, '}')
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	buf = append(buf, js...)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(buf))+off); err != nil {
		t.Fatal(err)
	}
}

func TestSafetensors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	// A two-layer Llama-style slice: embed 100x16, one layer, norm.
	writeSafetensors(t, path, [][3]any{
		{"model.embed_tokens.weight", "BF16", []int64{100, 16}},
		{"model.layers.10.mlp.up_proj.weight", "BF16", []int64{32, 16}},
		{"model.layers.2.mlp.up_proj.weight", "BF16", []int64{32, 16}},
		{"model.layers.2.input_layernorm.weight", "F32", []int64{16}},
		{"model.norm.weight", "F32", []int64{16}},
		{"bn.running_mean", "F32", []int64{8}},
		{"bn.num_batches_tracked", "I64", []int64{}},
	})
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644)
	f, _ := os.Open(path)
	defer f.Close()
	st, _ := f.Stat()
	fsys, closeDir, err := fileio.Dir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDir()
	g, err := Safetensors(path, f, st.Size(), Options{Dir: fsys})
	r := report(t, g, err)
	want := int64(100*16 + 32*16 + 32*16 + 16 + 16 + 8 + 1)
	if r.Totals.Params != want || r.Totals.NonTrainableParams != 8+1 {
		t.Errorf("params %d (non-trainable %d), want %d (9)", r.Totals.Params, r.Totals.NonTrainableParams, want)
	}
	if b := r.Totals.ParamBytesByDType; b["bfloat16"] != (100*16+2*32*16)*2 || b["float32"] != (16+16+8)*4 || b["int64"] != 8 {
		t.Errorf("bytes by dtype %v", b)
	}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name)
	}
	// The header's order, as written.
	if got := strings.Join(names, " "); got != "model.embed_tokens model.layers.10.mlp.up_proj model.layers.2.mlp.up_proj model.layers.2.input_layernorm model.norm bn" {
		t.Errorf("module order: %s", got)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "config.json describes the architecture") {
		t.Errorf("notes %v", r.Notes)
	}
}

func TestSafetensorsIndex(t *testing.T) {
	dir := t.TempDir()
	writeSafetensors(t, filepath.Join(dir, "a.safetensors"), [][3]any{{"x.weight", "F32", []int64{4, 4}}})
	writeSafetensors(t, filepath.Join(dir, "b.safetensors"), [][3]any{{"y.weight", "F32", []int64{2, 3}}})
	idx := filepath.Join(dir, "model.safetensors.index.json")
	os.WriteFile(idx, []byte(`{"metadata": {"total_size": 88}, "weight_map": {"x.weight": "a.safetensors", "y.weight": "b.safetensors"}}`), 0o644)
	g, err := indexFile(t, idx)
	r := report(t, g, err)
	if r.Totals.Params != 16+6 || r.Totals.ParamBytes == nil || *r.Totals.ParamBytes != (16+6)*4 {
		t.Errorf("params %d bytes %v", r.Totals.Params, r.Totals.ParamBytes)
	}
	os.Remove(filepath.Join(dir, "b.safetensors"))
	if _, err := indexFile(t, idx); err == nil || !strings.Contains(err.Error(), "b.safetensors") {
		t.Errorf("missing shard: %v", err)
	}
}

// TestTorch reads the fixture torch.save wrote (see ../torchpt/testdata):
// the model is the state dict under "model", the tied embedding/head
// weight counts once; Adam's state and the loose "view" tensor are not
// the model's.
func TestTorch(t *testing.T) {
	path := "../torchpt/testdata/checkpoint.pt"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	g, err := Torch(path, f, st.Size(), Options{})
	r := report(t, g, err)
	// steps (5) and mask (2x3) are integer/bool buffers; embed 10x4 (head
	// tied to it); LayerNorm(4) weight+bias; Linear(4,6).
	want := int64(5 + 2*3 + 10*4 + 2*4 + (4*6 + 6))
	if r.Totals.Params != want || r.Totals.NonTrainableParams != 5+6 {
		t.Errorf("params %d (non-trainable %d), want %d (11)", r.Totals.Params, r.Totals.NonTrainableParams, want)
	}
}

func TestSniff(t *testing.T) {
	if !SniffGGUF("x", []byte("GGUF\x03\x00")) || SniffGGUF("x", []byte("PK")) {
		t.Error("gguf")
	}
	legacy := []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e}
	if !SniffTorch("x", []byte("PK\x03\x04")) || !SniffTorch("m.pth", nil) || !SniffTorch("checkpoint.pth.tar", legacy) {
		t.Error("torch")
	}
	hdr := binary.LittleEndian.AppendUint64(nil, 20)
	if !SniffSafetensors("x", append(hdr, `{"a":1}`...)) {
		t.Error("safetensors")
	}
}

// writeGGUF writes a GGUF v3 file: general.architecture and two tensors,
// an F32 vector and a Q4_0 matrix (blocks of 32 weights in 18 bytes).
func writeGGUF(t *testing.T, path string) {
	t.Helper()
	le := binary.LittleEndian
	var b []byte
	str := func(s string) { b = le.AppendUint64(b, uint64(len(s))); b = append(b, s...) }
	b = append(b, "GGUF"...)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, 2) // tensors
	b = le.AppendUint64(b, 1) // metadata
	str("general.architecture")
	b = le.AppendUint32(b, 8) // string
	str("llama")
	// output_norm.weight: F32 [16]
	str("output_norm.weight")
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, 16)
	b = le.AppendUint32(b, 0) // F32
	b = le.AppendUint64(b, 0)
	// token_embd.weight: Q4_0, ggml ne = [32, 64] (innermost first) = PyTorch (64, 32)
	str("token_embd.weight")
	b = le.AppendUint32(b, 2)
	b = le.AppendUint64(b, 32)
	b = le.AppendUint64(b, 64)
	b = le.AppendUint32(b, 2) // Q4_0
	b = le.AppendUint64(b, 64)
	for len(b)%32 != 0 {
		b = append(b, 0)
	}
	b = append(b, make([]byte, 64+64*32/32*18)...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGGUF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	writeGGUF(t, path)
	f, _ := os.Open(path)
	defer f.Close()
	st, _ := f.Stat()
	g, err := GGUF(path, f, st.Size(), Options{})
	r := report(t, g, err)
	if r.Totals.Params != 16+64*32 {
		t.Errorf("params %d", r.Totals.Params)
	}
	if b := r.Totals.ParamBytesByDType; b["q4_0"] != 64*32/32*18 || b["float32"] != 16*4 {
		t.Errorf("bytes %v", b)
	}
	if shape := graph.Shape(r.Layers[len(r.Layers)-1].Weights[0].Shape); !shape.Equal(graph.S(64, 32)) {
		t.Errorf("token_embd shape %s, want 64x32 (PyTorch order)", shape)
	}
	if !strings.Contains(strings.Join(r.Notes, " "), "architecture llama") {
		t.Errorf("notes %v", r.Notes)
	}
}

// indexFile reads the index file path with its directory, as
// layerinfo.File does.
func indexFile(t *testing.T, path string) (*graph.Graph, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir, closeDir, err := fileio.Dir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDir()
	return SafetensorsIndex(path, bytes.NewReader(data), int64(len(data)), Options{Dir: dir})
}
