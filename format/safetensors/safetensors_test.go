package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// spec is a tensor to write.
type spec struct {
	name  string
	dtype string
	shape []int64
}

// testBits is the test's own table of element widths, independent of the
// package's.
var testBits = map[string]int64{
	"F64": 64, "F32": 32, "F16": 16, "BF16": 16, "I64": 64, "I32": 32, "I16": 16, "I8": 8,
	"U8": 8, "U16": 16, "U32": 32, "U64": 64, "BOOL": 8, "F8_E4M3": 8, "F8_E5M2": 8, "F4": 4,
	"F6_E2M3": 6, "C64": 64, "F8_E8M0": 8,
}

func nbytes(s spec) int64 {
	n := int64(1)
	for _, d := range s.shape {
		n *= d
	}
	return n * testBits[s.dtype] / 8
}

// header builds a safetensors header for the specs, laid out in order.
func header(meta map[string]string, specs []spec) []byte {
	var b strings.Builder
	b.WriteString("{")
	if meta != nil {
		m, _ := json.Marshal(meta)
		fmt.Fprintf(&b, `"__metadata__":%s`, m)
	}
	var off int64
	for i, s := range specs {
		if i > 0 || meta != nil {
			b.WriteString(",")
		}
		shape, _ := json.Marshal(s.shape)
		n := nbytes(s)
		fmt.Fprintf(&b, `%q:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, s.name, s.dtype, shape, off, off+n)
		off += n
	}
	b.WriteString("}")
	for b.Len()%8 != 0 { // writers pad the header with spaces
		b.WriteString(" ")
	}
	return []byte(b.String())
}

// build returns a whole safetensors file: header and zeroed data.
func build(meta map[string]string, specs []spec) []byte {
	return buildRaw(header(meta, specs), specs)
}

func buildRaw(hdr []byte, specs []spec) []byte {
	var data int64
	for _, s := range specs {
		data += nbytes(s)
	}
	out := make([]byte, 8+len(hdr)+int(data))
	binary.LittleEndian.PutUint64(out, uint64(len(hdr)))
	copy(out[8:], hdr)
	return out
}

var mixed = []spec{
	{"model.embed.weight", "BF16", []int64{100, 16}},
	{"model.norm.weight", "F32", []int64{16}},
	{"model.step", "I64", []int64{}},
	{"model.mask", "BOOL", []int64{3, 5}},
	{"model.q", "F8_E4M3", []int64{16, 16}},
	{"model.packed", "F4", []int64{7, 2}},
	{"model.empty", "F16", []int64{0, 4}},
	{"model.d", "F64", []int64{2, 3, 4}},
}

func TestDecode(t *testing.T) {
	meta := map[string]string{"format": "pt"}
	buf := build(meta, mixed)
	f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	if len(f.Tensors) != len(mixed) {
		t.Fatalf("got %d tensors, want %d", len(f.Tensors), len(mixed))
	}
	var wantElems, wantBytes int64
	for _, s := range mixed {
		n := int64(1)
		for _, d := range s.shape {
			n *= d
		}
		wantElems += n
		wantBytes += nbytes(s)
		got, ok := f.Tensor(s.name)
		if !ok {
			t.Fatalf("tensor %s missing", s.name)
		}
		if got.DType.Name != s.dtype || got.Elements != n || got.Bytes != nbytes(s) || fmt.Sprint(got.Shape) != fmt.Sprint(s.shape) {
			t.Errorf("%s: got %s %v elems %d bytes %d; want %s %v %d %d",
				s.name, got.DType.Name, got.Shape, got.Elements, got.Bytes, s.dtype, s.shape, n, nbytes(s))
		}
	}
	// 1600+16+1+15+256+14+0+24 elements; 3200+64+8+15+256+7+0+192 bytes.
	if wantElems != 1926 || wantBytes != 3742 {
		t.Fatalf("test table broken: %d elements, %d bytes", wantElems, wantBytes)
	}
	if f.Elements() != wantElems || f.DataSize != wantBytes {
		t.Errorf("totals: %d elements %d bytes, want %d %d", f.Elements(), f.DataSize, wantElems, wantBytes)
	}
	hdrLen := int64(binary.LittleEndian.Uint64(buf))
	if f.DataOffset != 8+hdrLen || f.HeaderSize != hdrLen {
		t.Errorf("DataOffset %d HeaderSize %d, header is %d", f.DataOffset, f.HeaderSize, hdrLen)
	}
	if f.Tensors[0].Name != "model.embed.weight" || f.Tensors[0].Offset != f.DataOffset {
		t.Errorf("first tensor %s at %d", f.Tensors[0].Name, f.Tensors[0].Offset)
	}
}

// TestDecodeOrder checks that tensors listed out of data order in the JSON
// keep the header's order (the writer's), with their data located and
// checked for tiling all the same.
func TestDecodeOrder(t *testing.T) {
	hdr := []byte(`{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`)
	buf := buildRaw(hdr, []spec{{"", "U8", []int64{12}}})
	f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Tensors[0].Name != "b" || f.Tensors[1].Name != "a" || f.Tensors[0].Offset != f.DataOffset+4 || f.Tensors[1].Offset != f.DataOffset {
		t.Errorf("order: %+v", f.Tensors)
	}
}

func lenPrefix(n uint64, rest string) []byte {
	b := make([]byte, 8, 8+len(rest))
	binary.LittleEndian.PutUint64(b, n)
	return append(b, rest...)
}

func TestHostile(t *testing.T) {
	ok := build(nil, mixed[:2])
	cases := []struct {
		name string
		data []byte
		want string // substring of the error
	}{
		{"empty", nil, "offset 0: file is 0 bytes"},
		{"header length 2^63", lenPrefix(1<<63, "{}"), "offset 0: header length 9223372036854775808 exceeds limit 100000000"},
		{"header length > file", lenPrefix(1000, "{}"), "offset 0: header length 1000 exceeds file size 10"},
		{"not json", lenPrefix(4, "abcd"), "offset 8: header is not a JSON object"},
		{"json array", lenPrefix(2, "[]"), "header is not a JSON object"},
		{"trailing garbage", lenPrefix(5, "{}  x"), "trailing bytes after header"},
		{"overflowing shape", buildRaw([]byte(`{"x":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}`), nil),
			`tensor "x": shape [4294967296 4294967296 4]: element count overflows int64`},
		{"overflowing bits", buildRaw([]byte(`{"x":{"dtype":"F64","shape":[9223372036854775807],"data_offsets":[0,0]}}`), nil),
			"byte size overflows"},
		{"unknown dtype", buildRaw([]byte(`{"x":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`), nil), `unknown dtype "F128"`},
		{"missing dtype", buildRaw([]byte(`{"x":{"shape":[1],"data_offsets":[0,1]}}`), nil), "missing dtype"},
		{"negative dim", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`), nil), "shape[0] = -1"},
		{"float dim", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}`), nil), "shape[0] = 1.5"},
		{"wrong span", buildRaw([]byte(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`), []spec{{"", "U8", []int64{4}}}),
			"span 4 bytes, but F32[2] needs 8"},
		{"three offsets", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`), nil), "data_offsets has 3 entries"},
		{"misaligned F4", buildRaw([]byte(`{"x":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`), nil), "not a whole number of bytes"},
		{"gap", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`), []spec{{"", "U8", []int64{2}}}), "gap before it"},
		{"overlap", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"y":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`),
			[]spec{{"", "U8", []int64{3}}}), "overlap before it"},
		{"duplicate", buildRaw([]byte(`{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`),
			[]spec{{"", "U8", []int64{1}}}), `duplicate header key "x"`},
		{"bad metadata", buildRaw([]byte(`{"__metadata__":{"a":1}}`), nil), "__metadata__ is not a string-to-string map"},
		{"truncated data", ok[:len(ok)-1], `data [3200, 3264) extends past end of file`},
		{"trailing data", append(append([]byte(nil), ok...), 0), "1 trailing bytes after tensor data"},
		{"huge offsets", buildRaw([]byte(`{"t0":{"dtype":"U8","shape":[2305843009213693951],"data_offsets":[0,2305843009213693951]},"t1":{"dtype":"U8","shape":[2305843009213693951],"data_offsets":[2305843009213693951,4611686018427387902]},"t2":{"dtype":"U8","shape":[2305843009213693951],"data_offsets":[4611686018427387902,6917529027641081853]},"t3":{"dtype":"U8","shape":[2305843009213693951],"data_offsets":[6917529027641081853,9223372036854775804]}}`), nil),
			"overflow the file offset range"},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.data), int64(len(c.data)))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "safetensors: offset ") {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestHeaderOnly checks SkipSizeCheck on a copy truncated to the header.
func TestHeaderOnly(t *testing.T) {
	buf := build(nil, mixed)
	hdrOnly := buf[:8+binary.LittleEndian.Uint64(buf)]
	if _, err := Decode(bytes.NewReader(hdrOnly), int64(len(hdrOnly))); err == nil ||
		!strings.Contains(err.Error(), "truncated") {
		t.Fatalf("header-only copy without SkipSizeCheck: %v", err)
	}
	d := Decoder{SkipSizeCheck: true}
	f, err := d.Decode(bytes.NewReader(hdrOnly), int64(len(hdrOnly)))
	if err != nil {
		t.Fatal(err)
	}
	if f.DataSize != 3742 {
		t.Errorf("DataSize %d", f.DataSize)
	}
}

func TestMaxHeaderSize(t *testing.T) {
	buf := build(nil, mixed)
	d := Decoder{MaxHeaderSize: 16}
	if _, err := d.Decode(bytes.NewReader(buf), int64(len(buf))); err == nil || !strings.Contains(err.Error(), "exceeds limit 16") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenNamesFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.safetensors")
	buf := build(nil, mixed)
	if err := os.WriteFile(p, buf[:len(buf)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": offset ") {
		t.Fatalf("err = %v", err)
	}
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil || f.Name != p {
		t.Fatalf("Open: %v", err)
	}
}

// llama2_7B returns the 291 tensors of Llama-2-7B with their real shapes.
func llama2_7B() []spec {
	const hidden, inter, vocab, layers = 4096, 11008, 32000, 32
	specs := []spec{{"model.embed_tokens.weight", "F16", []int64{vocab, hidden}}}
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("model.layers.%d.", i)
		specs = append(specs,
			spec{p + "self_attn.q_proj.weight", "F16", []int64{hidden, hidden}},
			spec{p + "self_attn.k_proj.weight", "F16", []int64{hidden, hidden}},
			spec{p + "self_attn.v_proj.weight", "F16", []int64{hidden, hidden}},
			spec{p + "self_attn.o_proj.weight", "F16", []int64{hidden, hidden}},
			spec{p + "mlp.gate_proj.weight", "F16", []int64{inter, hidden}},
			spec{p + "mlp.up_proj.weight", "F16", []int64{inter, hidden}},
			spec{p + "mlp.down_proj.weight", "F16", []int64{hidden, inter}},
			spec{p + "input_layernorm.weight", "F16", []int64{hidden}},
			spec{p + "post_attention_layernorm.weight", "F16", []int64{hidden}},
		)
	}
	return append(specs,
		spec{"model.norm.weight", "F16", []int64{hidden}},
		spec{"lm_head.weight", "F16", []int64{vocab, hidden}})
}

// headerOnly returns just the length prefix and header of a file.
func headerOnly(meta map[string]string, specs []spec) []byte {
	hdr := header(meta, specs)
	return append(lenPrefix(uint64(len(hdr)), ""), hdr...)
}

func TestLlama2_7B(t *testing.T) {
	buf := headerOnly(map[string]string{"format": "pt"}, llama2_7B())
	d := Decoder{SkipSizeCheck: true}
	f, err := d.Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	// Llama-2-7B has 6,738,415,616 parameters, stored as F16.
	if len(f.Tensors) != 291 || f.Elements() != 6_738_415_616 || f.DataSize != 2*6_738_415_616 {
		t.Errorf("%d tensors, %d elements, %d bytes", len(f.Tensors), f.Elements(), f.DataSize)
	}
}

func BenchmarkDecodeLlama2_7BHeader(b *testing.B) {
	buf := headerOnly(map[string]string{"format": "pt"}, llama2_7B())
	r := bytes.NewReader(buf)
	d := Decoder{SkipSizeCheck: true}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(r, int64(len(buf))); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(build(map[string]string{"format": "pt"}, mixed))
	f.Add(build(nil, mixed[:1]))
	f.Add(build(nil, nil))
	f.Add(lenPrefix(2, "{}"))
	f.Add(buildRaw([]byte(`{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`),
		[]spec{{"", "U8", []int64{12}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			d := Decoder{SkipSizeCheck: skip, MaxHeaderSize: 1 << 20}
			file, err := d.Decode(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				if !strings.HasPrefix(err.Error(), "safetensors: offset ") {
					t.Fatalf("badly formed error %q", err)
				}
				continue
			}
			var sum int64
			byOffset := append([]Tensor(nil), file.Tensors...)
			sort.SliceStable(byOffset, func(i, j int) bool {
				a, b := byOffset[i], byOffset[j]
				return a.Begin < b.Begin || a.Begin == b.Begin && a.End < b.End
			})
			for _, tn := range byOffset {
				if tn.End-tn.Begin != tn.Bytes || tn.Begin != sum || tn.Elements < 0 {
					t.Fatalf("inconsistent tensor %+v", tn)
				}
				sum += tn.Bytes
			}
			if sum != file.DataSize {
				t.Fatalf("DataSize %d, tensors sum to %d", file.DataSize, sum)
			}
			if !skip && file.DataOffset+file.DataSize != int64(len(data)) {
				t.Fatalf("data region does not end the file")
			}
		}
	})
}
