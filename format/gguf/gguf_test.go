package gguf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// w writes GGUF bytes.
type w struct {
	bytes.Buffer
	o binary.AppendByteOrder
}

func newW(big bool) *w {
	if big {
		return &w{o: binary.BigEndian}
	}
	return &w{o: binary.LittleEndian}
}

func (b *w) u8(v uint8)   { b.WriteByte(v) }
func (b *w) u16(v uint16) { b.Write(b.o.AppendUint16(nil, v)) }
func (b *w) u32(v uint32) { b.Write(b.o.AppendUint32(nil, v)) }
func (b *w) u64(v uint64) { b.Write(b.o.AppendUint64(nil, v)) }
func (b *w) str(s string) { b.u64(uint64(len(s))); b.WriteString(s) }

// val writes a typed value; arrays are given as arr.
type arr struct {
	elem uint32
	vals []any
}

func (b *w) val(v any) {
	switch x := v.(type) {
	case uint8:
		b.u8(x)
	case int8:
		b.u8(uint8(x))
	case uint16:
		b.u16(x)
	case int16:
		b.u16(uint16(x))
	case uint32:
		b.u32(x)
	case int32:
		b.u32(uint32(x))
	case float32:
		b.u32(math.Float32bits(x))
	case bool:
		if x {
			b.u8(1)
		} else {
			b.u8(0)
		}
	case string:
		b.str(x)
	case arr:
		b.u32(x.elem)
		b.u64(uint64(len(x.vals)))
		for _, e := range x.vals {
			b.val(e)
		}
	case uint64:
		b.u64(x)
	case int64:
		b.u64(uint64(x))
	case float64:
		b.u64(math.Float64bits(x))
	default:
		panic(fmt.Sprintf("bad value %T", v))
	}
}

func typeCode(v any) uint32 {
	switch v.(type) {
	case uint8:
		return 0
	case int8:
		return 1
	case uint16:
		return 2
	case int16:
		return 3
	case uint32:
		return 4
	case int32:
		return 5
	case float32:
		return 6
	case bool:
		return 7
	case string:
		return 8
	case arr:
		return 9
	case uint64:
		return 10
	case int64:
		return 11
	case float64:
		return 12
	}
	panic("bad value")
}

type kv struct {
	key string
	val any
}

type tspec struct {
	name string
	typ  uint32
	ne   []uint64 // ggml order
}

// layout is the test's own table of ggml block layouts, derived from the
// block structs in ggml-common.h (sizeof(ggml_half) = 2, QK_K = 256,
// K_SCALE_SIZE = 12).
func layout(typ uint32) (blck, size int64) {
	const h, qk = 2, 256
	switch typ {
	case 0:
		return 1, 4 // F32
	case 1, 30:
		return 1, 2 // F16, BF16
	case 2:
		return 32, h + 32/2 // Q4_0
	case 3:
		return 32, 2*h + 32/2 // Q4_1
	case 6:
		return 32, h + 4 + 32/2 // Q5_0
	case 7:
		return 32, 2*h + 4 + 32/2 // Q5_1
	case 8:
		return 32, h + 32 // Q8_0
	case 10:
		return qk, 2*h + qk/16 + qk/4 // Q2_K
	case 11:
		return qk, h + qk/4 + qk/8 + 12 // Q3_K
	case 12:
		return qk, 2*h + 12 + qk/2 // Q4_K
	case 13:
		return qk, 2*h + 12 + qk/2 + qk/8 // Q5_K
	case 14:
		return qk, h + qk/16 + 3*qk/4 // Q6_K
	case 15:
		return qk, 4 + qk + qk/16*2 // Q8_K
	case 16:
		return qk, h + qk/8*2 // IQ2_XXS
	case 19:
		return qk, h + qk/8 + qk/16 // IQ1_S
	case 20:
		return 32, h + 32/2 // IQ4_NL
	case 23:
		return qk, h + 2 + qk/64 + qk/2 // IQ4_XS
	case 24:
		return 1, 1 // I8
	case 28:
		return 1, 8 // F64
	case 29:
		return qk, qk/8 + qk/16 + qk/32 // IQ1_M
	case 35:
		return qk, h + qk/4 // TQ2_0
	case 39:
		return 32, 1 + 32/2 // MXFP4
	}
	panic(fmt.Sprintf("layout: type %d not in the test table", typ))
}

func tbytes(t tspec) int64 {
	n := int64(1)
	for _, d := range t.ne {
		n *= int64(d)
	}
	blck, size := layout(t.typ)
	return n / blck * size
}

// file builds a whole GGUF file: header, aligned tensor data (zeros).
func file(version uint32, big bool, align int64, kvs []kv, ts []tspec) []byte {
	return build(version, big, align, kvs, ts, true)
}

// build builds a GGUF file, without the tensor data unless withData.
func build(version uint32, big bool, align int64, kvs []kv, ts []tspec, withData bool) []byte {
	b := newW(big)
	b.WriteString("GGUF")
	b.u32(version)
	b.u64(uint64(len(ts)))
	b.u64(uint64(len(kvs)))
	for _, e := range kvs {
		b.str(e.key)
		b.u32(typeCode(e.val))
		b.val(e.val)
	}
	var off int64
	offs := make([]int64, len(ts))
	for i, t := range ts {
		b.str(t.name)
		b.u32(uint32(len(t.ne)))
		for _, d := range t.ne {
			b.u64(d)
		}
		b.u32(t.typ)
		offs[i] = off
		b.u64(uint64(off))
		off += (tbytes(t) + align - 1) / align * align
	}
	for int64(b.Len())%align != 0 {
		b.u8(0)
	}
	if withData {
		b.Write(make([]byte, off))
	}
	return b.Bytes()
}

const nVocab = 3000 // longer than DefaultMaxArrayValues

func tokens() arr {
	a := arr{elem: 8}
	for i := 0; i < nVocab; i++ {
		a.vals = append(a.vals, fmt.Sprintf("tok%d", i))
	}
	return a
}

func metadata(paramCount uint64) []kv {
	scores := arr{elem: 6}
	types := arr{elem: 5}
	for i := 0; i < nVocab; i++ {
		scores.vals = append(scores.vals, float32(-i))
		types.vals = append(types.vals, int32(1))
	}
	return []kv{
		{"general.architecture", "llama"},
		{"general.name", "Tiny Llama"},
		{"general.parameter_count", paramCount},
		{"general.file_type", uint32(15)},
		{"llama.block_count", uint32(1)},
		{"llama.context_length", uint32(4096)},
		{"llama.embedding_length", uint32(256)},
		{"llama.feed_forward_length", uint32(512)},
		{"llama.attention.head_count", uint32(4)},
		{"llama.rope.freq_base", float32(10000)},
		{"llama.attention.layer_norm_rms_epsilon", float32(1e-5)},
		{"llama.some.flags", arr{elem: 7, vals: []any{true, false}}},
		{"tokenizer.ggml.model", "gpt2"},
		{"tokenizer.ggml.tokens", tokens()},
		{"tokenizer.ggml.scores", scores},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.merges", arr{elem: 8, vals: []any{"t o", "o k"}}},
		{"test.nested", arr{elem: 9, vals: []any{arr{elem: 0, vals: []any{uint8(1), uint8(2)}}, arr{elem: 11, vals: []any{int64(-3)}}}}},
		{"test.i8", int8(-8)},
		{"test.u16", uint16(16)},
		{"test.i16", int16(-16)},
		{"test.i64", int64(-64)},
		{"test.f64", 0.5},
	}
}

// model returns the tensors of a tiny one-layer llama with assorted quant
// types, with or without an untied output.weight.
func model(tied bool) []tspec {
	ts := []tspec{
		{"token_embd.weight", 12, []uint64{256, nVocab}}, // Q4_K
		{"blk.0.attn_norm.weight", 0, []uint64{256}},
		{"blk.0.attn_q.weight", 8, []uint64{256, 256}},       // Q8_0
		{"blk.0.attn_k.weight", 2, []uint64{256, 64}},        // Q4_0
		{"blk.0.attn_v.weight", 7, []uint64{256, 64}},        // Q5_1
		{"blk.0.attn_output.weight", 23, []uint64{256, 256}}, // IQ4_XS
		{"blk.0.ffn_gate.weight", 10, []uint64{256, 512}},    // Q2_K
		{"blk.0.ffn_up.weight", 16, []uint64{256, 512}},      // IQ2_XXS
		{"blk.0.ffn_down.weight", 14, []uint64{512, 256}},    // Q6_K
		{"blk.0.ffn_norm.weight", 30, []uint64{256}},         // BF16
		{"blk.0.exp.weight", 39, []uint64{64, 8, 4}},         // MXFP4, 3-D
		{"blk.0.tq.weight", 35, []uint64{256, 2}},            // TQ2_0
		{"blk.0.iq1.weight", 29, []uint64{256, 3}},           // IQ1_M
		{"output_norm.weight", 0, []uint64{256}},
		{"rope_freqs.weight", 28, []uint64{32}}, // F64
	}
	if !tied {
		ts = append(ts, tspec{"output.weight", 14, []uint64{256, nVocab}}) // Q6_K
	}
	return ts
}

func count(ts []tspec) (elems, nbytes int64) {
	for _, t := range ts {
		n := int64(1)
		for _, d := range t.ne {
			n *= int64(d)
		}
		elems += n
		nbytes += tbytes(t)
	}
	return
}

func TestDecode(t *testing.T) {
	for _, tied := range []bool{true, false} {
		for _, big := range []bool{false, true} {
			ts := model(tied)
			wantElems, wantBytes := count(ts)
			buf := file(3, big, 32, metadata(uint64(wantElems)), ts)
			f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
			if err != nil {
				t.Fatalf("tied=%v big=%v: %v", tied, big, err)
			}
			if f.Version != 3 || f.BigEndian != big || f.Alignment != 32 {
				t.Errorf("version %d big %v align %d", f.Version, f.BigEndian, f.Alignment)
			}
			if f.Architecture() != "llama" || f.ModelName() != "Tiny Llama" {
				t.Errorf("arch %q name %q", f.Architecture(), f.ModelName())
			}
			if pc, ok := f.ParameterCount(); !ok || pc != wantElems {
				t.Errorf("parameter_count %d %v", pc, ok)
			}
			var gotBytes int64
			for i, tn := range f.Tensors {
				gotBytes += tn.Bytes
				if tn.Bytes != tbytes(ts[i]) || tn.Name != ts[i].name || uint32(tn.Type) != ts[i].typ {
					t.Errorf("%s: %s %d bytes, want type %d %d bytes", tn.Name, tn.Type, tn.Bytes, ts[i].typ, tbytes(ts[i]))
				}
				if tn.FileOffset%32 != 0 || tn.FileOffset != f.DataOffset+tn.Offset {
					t.Errorf("%s: file offset %d", tn.Name, tn.FileOffset)
				}
			}
			if f.Elements() != wantElems || gotBytes != wantBytes {
				t.Errorf("tied=%v: %d elements %d bytes, want %d %d", tied, f.Elements(), gotBytes, wantElems, wantBytes)
			}
			_, hasOut := f.Tensor("output.weight")
			if hasOut == tied {
				t.Errorf("tied=%v but output.weight present=%v", tied, hasOut)
			}
			emb, _ := f.Tensor("token_embd.weight")
			if fmt.Sprint(emb.Shape) != fmt.Sprint([]int64{nVocab, 256}) || fmt.Sprint(emb.Ne) != "[256 3000]" {
				t.Errorf("token_embd shape %v ne %v", emb.Shape, emb.Ne)
			}
			exp, _ := f.Tensor("blk.0.exp.weight")
			if fmt.Sprint(exp.Shape) != "[4 8 64]" || exp.Type.String() != "MXFP4" {
				t.Errorf("exp shape %v type %s", exp.Shape, exp.Type)
			}
			hp := f.Hyperparameters()
			if v, _ := hp["block_count"].Uint(); v != 1 {
				t.Errorf("block_count %v", hp["block_count"])
			}
			if v, _ := hp["rope.freq_base"].Float(); v != 10000 {
				t.Errorf("rope.freq_base %v", hp["rope.freq_base"])
			}
			checkMetadata(t, f, bytes.NewReader(buf))
		}
	}
}

func checkMetadata(t *testing.T, f *File, r *bytes.Reader) {
	t.Helper()
	if len(f.Keys) != len(metadata(0)) {
		t.Errorf("%d keys", len(f.Keys))
	}
	tok, ok := f.Metadata["tokenizer.ggml.tokens"].Array()
	if !ok || tok.Elem != String || tok.Len != nVocab || tok.Decoded() {
		t.Fatalf("tokens: %+v", f.Metadata["tokenizer.ggml.tokens"])
	}
	if s := tok.String(); s != "[string × 3000]" {
		t.Errorf("tokens summary %q", s)
	}
	first, err := tok.Strings(r, 3)
	if err != nil || fmt.Sprint(first) != "[tok0 tok1 tok2]" {
		t.Errorf("tokens[:3] = %v, %v", first, err)
	}
	all, err := tok.Strings(r, -1)
	if err != nil || len(all) != nVocab || all[nVocab-1] != "tok2999" {
		t.Errorf("all tokens: %d, %v", len(all), err)
	}
	scores, _ := f.Metadata["tokenizer.ggml.scores"].Array()
	if scores.Len != nVocab || scores.Decoded() {
		t.Errorf("scores %v", scores)
	}
	sv, err := scores.Decode(r, 5)
	if err != nil || len(sv) != 5 || sv[4].V != float32(-4) {
		t.Errorf("scores[:5] = %v, %v", sv, err)
	}
	merges, _ := f.Metadata["tokenizer.ggml.merges"].Array()
	if !merges.Decoded() || merges.String() != `["t o", "o k"]` {
		t.Errorf("merges %v", merges)
	}
	nested, _ := f.Metadata["test.nested"].Array()
	if nested.String() != "[[1, 2], [-3]]" {
		t.Errorf("nested %v", nested)
	}
	for k, want := range map[string]any{"test.i8": int8(-8), "test.u16": uint16(16), "test.i16": int16(-16),
		"test.i64": int64(-64), "test.f64": 0.5, "general.file_type": uint32(15)} {
		if got := f.Metadata[k].V; got != want {
			t.Errorf("%s = %v (%T), want %v", k, got, got, want)
		}
	}
	if i, ok := f.Metadata["test.i8"].Int(); !ok || i != -8 {
		t.Errorf("Int() of int8")
	}
	if _, ok := f.Metadata["test.i8"].Uint(); ok {
		t.Errorf("Uint() of negative int8")
	}
}

func TestVersion2AndAlignment(t *testing.T) {
	ts := []tspec{{"a", 0, []uint64{3}}, {"b", 8, []uint64{32, 2}}}
	kvs := []kv{{"general.alignment", uint32(64)}}
	buf := file(2, false, 64, kvs, ts)
	f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 || f.Alignment != 64 || f.DataOffset%64 != 0 || f.Tensors[1].Offset != 64 {
		t.Errorf("v%d align %d data at %d, b at %d", f.Version, f.Alignment, f.DataOffset, f.Tensors[1].Offset)
	}
	if f.DataSize != 64+2*34 {
		t.Errorf("DataSize %d", f.DataSize)
	}
}

// patch returns a copy of buf with v written little-endian at off.
func patch(buf []byte, off int, v uint64, n int) []byte {
	out := append([]byte(nil), buf...)
	for i := 0; i < n; i++ {
		out[off+i] = byte(v >> (8 * i))
	}
	return out
}

func TestHostile(t *testing.T) {
	small := []tspec{{"a", 0, []uint64{4}}, {"b", 12, []uint64{256, 2}}}
	good := file(3, false, 32, []kv{{"general.name", "x"}}, small)
	// offsets: 24: key length, 32: key, 44: value type, 48: value length, 56: value
	tinfo := 57 // first tensor info
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "offset 0: unexpected end of file reading magic"},
		{"bad magic", []byte("GGUX\x03\x00\x00\x00"), `offset 0: bad magic "GGUX"`},
		{"ggjt", []byte("tjgg\x03\x00\x00\x00"), "legacy GGML/GGJT"},
		{"v1", patch(good, 4, 1, 4), "offset 4: GGUF version 1 is not supported"},
		{"v4", patch(good, 4, 4, 4), "offset 4: unsupported GGUF version 4"},
		{"tensor count 2^62", patch(good, 8, 1<<62, 8), "offset 8: tensor count 4611686018427387904 exceeds limit"},
		{"kv count 2^62", patch(good, 16, 1<<62, 8), "offset 16: metadata count 4611686018427387904 exceeds limit"},
		{"key length 2^40", patch(good, 24, 1<<40, 8), "offset 24: metadata key length 1099511627776 exceeds limit 4096"},
		{"string length 2^40", patch(good, 48, 1<<40, 8), "offset 48: general.name length 1099511627776 exceeds limit"},
		{"string past end", patch(good, 48, 1<<20, 8), "offset 48: general.name length 1048576 exceeds the"},
		{"value type 99", patch(good, 44, 99, 4), "offset 48: general.name: unknown value type 99"},
		{"n_dims 1000", patch(good, tinfo+9, 1000, 4), fmt.Sprintf("offset %d: tensor \"a\": n_dims 1000 exceeds 8", tinfo+9)},
		{"dim 2^63", patch(good, tinfo+13, 1<<63, 8), `tensor "a": dimension 0 is 9223372036854775808, too large`},
		{"ggml type 4", patch(good, tinfo+21, 4, 4), `tensor "a": unknown ggml type 4`},
		{"ggml type 1000", patch(good, tinfo+21, 1000, 4), `tensor "a": unknown ggml type 1000`},
		{"row not a block multiple", patch(good, tinfo+21, 12, 4), `tensor "a": row of 4 elements is not a multiple of the Q4_K block size 256`},
		{"misaligned offset", patch(good, tinfo+25, 3, 8), `tensor "a": data offset 3 is not a multiple of the alignment 32`},
		{"overlap", patch(good, tinfo+33+8+1+4+16+4, 0, 8), `overlaps tensor`},
		{"truncated data", good[:len(good)-1], `tensor "b": data [`},
		{"truncated header", good[:tinfo+30], "unexpected end of file"},
		{"counts past end", good[:60], "offset 8: 2 tensors and 1 metadata entries cannot fit in the 36 bytes left"},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.data), int64(len(c.data)))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "gguf: offset ") {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Decode(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatalf("good file: %v", err)
	}
}

func TestHostileBuilt(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"array length 2^40", func() []byte {
			b := newW(false)
			b.WriteString("GGUF")
			b.u32(3)
			b.u64(0)
			b.u64(1)
			b.str("k")
			b.u32(9)
			b.u32(8)
			b.u64(1 << 40)
			return b.Bytes()
		}(), "offset 41: k: array length 1099511627776 exceeds the 0 bytes left"},
		{"nested too deep", func() []byte {
			b := newW(false)
			b.WriteString("GGUF")
			b.u32(3)
			b.u64(0)
			b.u64(1)
			b.str("k")
			b.u32(9)
			for i := 0; i < 10; i++ {
				b.u32(9)
				b.u64(1)
			}
			b.u32(0)
			b.u64(0)
			return b.Bytes()
		}(), "arrays nested deeper than 8"},
		{"bad alignment", file(3, false, 32, []kv{{"general.alignment", uint32(48)}}, nil), "general.alignment 48 is not a power of 2"},
		{"alignment type", file(3, false, 32, []kv{{"general.alignment", uint64(32)}}, nil), "general.alignment has type uint64, want uint32"},
		{"duplicate key", file(3, false, 32, []kv{{"a", uint8(1)}, {"a", uint8(2)}}, nil), `duplicate metadata key "a"`},
		{"duplicate tensor", file(3, false, 32, nil, []tspec{{"t", 0, []uint64{1}}, {"t", 0, []uint64{1}}}), `duplicate tensor name "t"`},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.data), int64(len(c.data)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	// A bool that is neither 0 nor 1.
	bad := file(3, false, 32, []kv{{"b", true}}, nil)
	bad[37] = 2
	if _, err := Decode(bytes.NewReader(bad), int64(len(bad))); err == nil || !strings.Contains(err.Error(), "bool value 2") {
		t.Errorf("bool 2: %v", err)
	}
	// Element count overflow: 2^32 × 2^32 (header only, no data).
	b := newW(false)
	b.WriteString("GGUF")
	b.u32(3)
	b.u64(1)
	b.u64(0)
	b.str("t")
	b.u32(2)
	b.u64(1 << 32)
	b.u64(1 << 32)
	b.u32(0)
	b.u64(0)
	ov := b.Bytes()
	if _, err := Decode(bytes.NewReader(ov), int64(len(ov))); err == nil || !strings.Contains(err.Error(), "element count overflows int64") {
		t.Errorf("element overflow: %v", err)
	}
}

func TestSkipSizeCheck(t *testing.T) {
	ts := model(false)
	buf := file(3, false, 32, metadata(0), ts)
	d := Decoder{SkipSizeCheck: true}
	f, err := d.Decode(bytes.NewReader(buf[:len(buf)/2]), int64(len(buf)/2))
	if err != nil {
		t.Fatal(err)
	}
	_, wantBytes := count(ts)
	if f.DataSize < wantBytes {
		t.Errorf("DataSize %d < %d", f.DataSize, wantBytes)
	}
}

func TestCaps(t *testing.T) {
	buf := file(3, false, 32, metadata(0), model(true))
	d := Decoder{MaxArrayValues: -1}
	f, err := d.Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if tok, _ := f.Metadata["tokenizer.ggml.tokens"].Array(); !tok.Decoded() || len(tok.Values) != nVocab {
		t.Errorf("MaxArrayValues -1 did not decode tokens")
	}
	d = Decoder{MaxTensors: 3}
	if _, err := d.Decode(bytes.NewReader(buf), int64(len(buf))); err == nil || !strings.Contains(err.Error(), "exceeds limit 3") {
		t.Errorf("MaxTensors: %v", err)
	}
	d = Decoder{MaxString: 4}
	if _, err := d.Decode(bytes.NewReader(buf), int64(len(buf))); err == nil || !strings.Contains(err.Error(), "general.architecture length 5 exceeds limit 4") {
		t.Errorf("MaxString: %v", err)
	}
}

func TestOpenNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.gguf")
	buf := file(3, false, 32, metadata(0), model(true))
	if err := os.WriteFile(p, buf[:len(buf)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err == nil || !strings.HasPrefix(err.Error(), p+": offset ") {
		t.Fatalf("err = %v", err)
	}
}

func TestTypeTable(t *testing.T) {
	// Every type the test derives independently must agree with Info.
	for _, typ := range []uint32{0, 1, 2, 3, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 19, 20, 23, 24, 28, 29, 30, 35, 39} {
		blck, size := layout(typ)
		ti, ok := Type(typ).Info()
		if !ok || ti.BlockSize != blck || ti.TypeSize != size {
			t.Errorf("type %d (%s): block %d size %d, want %d %d", typ, ti.Name, ti.BlockSize, ti.TypeSize, blck, size)
		}
	}
	for _, typ := range []uint32{4, 5, 43, 1 << 31} {
		if _, ok := Type(typ).Info(); ok {
			t.Errorf("type %d should be unknown", typ)
		}
	}
	if Type(12).String() != "Q4_K" || Type(99).String() != "type(99)" {
		t.Error("String")
	}
}

// llama7B returns the header of a Llama-2-7B Q4_K_M-style GGUF: 32000-token
// vocabulary and the 291 tensors with their real shapes (ggml order).
func llama7B() []byte {
	const hidden, inter, vocab = 4096, 11008, 32000
	toks, scores, types := arr{elem: 8}, arr{elem: 6}, arr{elem: 5}
	for i := 0; i < vocab; i++ {
		toks.vals = append(toks.vals, fmt.Sprintf("<tok%d>", i))
		scores.vals = append(scores.vals, float32(i))
		types.vals = append(types.vals, int32(1))
	}
	kvs := []kv{{"general.architecture", "llama"}, {"general.name", "LLaMA v2"}, {"llama.block_count", uint32(32)},
		{"llama.embedding_length", uint32(hidden)}, {"llama.feed_forward_length", uint32(inter)},
		{"tokenizer.ggml.tokens", toks}, {"tokenizer.ggml.scores", scores}, {"tokenizer.ggml.token_type", types}}
	ts := []tspec{{"token_embd.weight", 12, []uint64{hidden, vocab}}}
	for i := 0; i < 32; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		ts = append(ts,
			tspec{p + "attn_q.weight", 12, []uint64{hidden, hidden}},
			tspec{p + "attn_k.weight", 12, []uint64{hidden, hidden}},
			tspec{p + "attn_v.weight", 14, []uint64{hidden, hidden}},
			tspec{p + "attn_output.weight", 12, []uint64{hidden, hidden}},
			tspec{p + "ffn_gate.weight", 12, []uint64{hidden, inter}},
			tspec{p + "ffn_up.weight", 12, []uint64{hidden, inter}},
			tspec{p + "ffn_down.weight", 14, []uint64{inter, hidden}},
			tspec{p + "attn_norm.weight", 0, []uint64{hidden}},
			tspec{p + "ffn_norm.weight", 0, []uint64{hidden}})
	}
	ts = append(ts, tspec{"output_norm.weight", 0, []uint64{hidden}}, tspec{"output.weight", 14, []uint64{hidden, vocab}})
	return build(3, false, 32, kvs, ts, false)
}

func TestLlama7BHeader(t *testing.T) {
	buf := llama7B()
	d := Decoder{SkipSizeCheck: true}
	f, err := d.Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 291 || f.Elements() != 6_738_415_616 {
		t.Errorf("%d tensors, %d elements", len(f.Tensors), f.Elements())
	}
}

func BenchmarkDecodeLlama7BHeader(b *testing.B) {
	buf := llama7B()
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
	f.Add(file(3, false, 32, []kv{{"general.name", "x"}}, []tspec{{"a", 0, []uint64{4}}, {"b", 12, []uint64{256, 2}}}))
	f.Add(file(2, true, 32, []kv{{"a", arr{elem: 8, vals: []any{"x", "y"}}}, {"n", arr{elem: 9, vals: []any{arr{elem: 0, vals: []any{uint8(1)}}}}}}, nil))
	f.Add(file(3, false, 64, []kv{{"general.alignment", uint32(64)}, {"f", float32(1)}, {"b", true}},
		[]tspec{{"q", 8, []uint64{32, 2}}, {"r", 39, []uint64{32}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := Decoder{MaxArrayValues: 4}
		file, err := d.Decode(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "gguf: offset ") {
				t.Fatalf("badly formed error %q", err)
			}
			return
		}
		for _, tn := range file.Tensors {
			ti, ok := tn.Type.Info()
			if !ok || tn.Elements < 0 || tn.Bytes != tn.Elements/ti.BlockSize*ti.TypeSize {
				t.Fatalf("inconsistent tensor %+v", tn)
			}
			if tn.FileOffset+tn.Bytes > int64(len(data)) {
				t.Fatalf("tensor %s past end of file", tn.Name)
			}
		}
		for _, k := range file.Keys {
			if a, ok := file.Metadata[k].Array(); ok && !a.Decoded() {
				if _, err := a.Decode(bytes.NewReader(data), 8); err != nil {
					t.Fatalf("lazy decode of %s: %v", k, err)
				}
			}
		}
	})
}
