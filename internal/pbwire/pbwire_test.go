package pbwire

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// msg is a message under construction.
type msg []byte

func (m msg) varint(n protowire.Number, v uint64) msg {
	return protowire.AppendVarint(protowire.AppendTag(m, n, protowire.VarintType), v)
}

func (m msg) bytes(n protowire.Number, b []byte) msg {
	return protowire.AppendBytes(protowire.AppendTag(m, n, protowire.BytesType), b)
}

func (m msg) fixed32(n protowire.Number, v uint32) msg {
	return protowire.AppendFixed32(protowire.AppendTag(m, n, protowire.Fixed32Type), v)
}

// readers returns a Reader over b in memory and one reading through a
// window of window bytes.
func readers(b []byte, window int, bud *budget.Budget) map[string]*Reader {
	mem := NewReader(bytes.NewReader(b), int64(len(b)), b, 0)
	win := NewReader(bytes.NewReader(b), int64(len(b)), nil, window)
	out := map[string]*Reader{"memory": &mem, "window": &win}
	for _, r := range out {
		r.Budget, r.Top = bud, "net"
	}
	return out
}

// layer is what the test decodes of a message shaped like Caffe's
// LayerParameter: name (1), type (2), bottom (3, repeated), a nested
// message (7) with a packed int64 field (1) and a packed float field (2),
// and a payload (50) that is skipped.
type layer struct {
	Name, Type string
	Bottom     []string
	Ints       []int64
	Floats     []float32
	Scale      float32
	Skipped    int64
}

func decodeLayer(d *Reader, f Field, at *Loc) (layer, error) {
	var l layer
	w := d.Message(f, at)
	for w.Next(d, at) {
		switch c := w.F; c.Num {
		case 1:
			l.Name, w.Err = d.Str(c, at, "name")
		case 2:
			l.Type, w.Err = d.Name(c, at, "type")
		case 3:
			l.Bottom, w.Err = d.Strs(l.Bottom, c, at, "bottom")
		case 4:
			if w.Err = d.Want(c, protowire.Fixed32Type, at, "scale"); w.Err == nil {
				l.Scale = c.Float32()
			}
		case 7:
			pat := at.Child("param")
			pw := d.Message(c, &pat)
			for pw.Next(d, &pat) {
				switch p := pw.F; p.Num {
				case 1:
					l.Ints, pw.Err = d.Int64s(l.Ints, p, &pat, "dims")
				case 2:
					l.Floats, pw.Err = d.Float32s(l.Floats, p, &pat, "data")
				}
			}
			w.Err = pw.Err
		case 50:
			l.Skipped += c.N
		}
	}
	return l, w.Err
}

func decodeNet(d *Reader) ([]layer, error) {
	root := &Loc{}
	var out []layer
	w := Fields(0, d.Src.Size())
	for w.Next(d, root) {
		if w.F.Num != 100 {
			continue
		}
		at := root.Elem("layer", len(out))
		l, err := decodeLayer(d, w.F, &at)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, w.Err
}

func packedInts(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = protowire.AppendVarint(b, uint64(x))
	}
	return b
}

func packedFloats(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = protowire.AppendFixed32(b, math.Float32bits(x))
	}
	return b
}

func TestWalk(t *testing.T) {
	payload := make([]byte, 100_000) // larger than the window: skipped by length
	conv := msg{}.bytes(1, []byte("conv1")).bytes(2, []byte("Convolution")).
		bytes(3, []byte("data")).fixed32(4, math.Float32bits(0.5)).
		bytes(7, msg{}.bytes(1, packedInts(64, 3, 7, 300)).bytes(2, packedFloats(1.5, -2)).varint(1, 9)).
		bytes(50, payload).varint(99, 12345)
	relu := msg{}.bytes(1, []byte("relu1")).bytes(2, []byte("ReLU")).bytes(3, []byte("conv1")).bytes(3, []byte("x"))
	net := msg{}.bytes(1, []byte("lenet")).bytes(100, conv).bytes(100, relu)
	want := []layer{
		{Name: "conv1", Type: "Convolution", Bottom: []string{"data"}, Scale: 0.5,
			Ints: []int64{64, 3, 7, 300, 9}, Floats: []float32{1.5, -2}, Skipped: int64(len(payload))},
		{Name: "relu1", Type: "ReLU", Bottom: []string{"conv1", "x"}},
	}
	for name, d := range readers(net, 64, nil) {
		got, err := decodeNet(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	layerAt := func(m msg) []byte { return msg{}.bytes(100, m) }
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"truncated tag", []byte{0x80}, "offset 0: net: truncated tag"},
		{"field zero", []byte{0x00, 0x01}, "offset 0: net: invalid field number 0"},
		{"group", []byte{0x0b}, "offset 0: net: group wire type not supported (field 1)"},
		{"bad wire type", []byte{0x0e}, "offset 0: net: invalid wire type 6 (field 1)"},
		{"long length", []byte{0x0a, 0x05, 'a'}, "offset 0: net: truncated length-delimited field (field 1 declares 5 bytes, 1 remain)"},
		{"fixed32", []byte{0x0d, 1, 2}, "offset 0: net: truncated fixed32 field (field 1)"},
		{"malformed varint", []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "offset 1: net: malformed varint"},
		{"wire type", layerAt(msg{}.varint(1, 3)), "offset 3: layer[0]: field name (1) has wire type varint, want length-delimited"},
		{"message wire type", msg{}.varint(100, 1), "offset 0: layer[0]: field 100 has wire type varint, want length-delimited"},
		{"packed varint", layerAt(msg{}.bytes(7, msg{}.bytes(1, []byte{0x80}))), "offset 7: layer[0].param.dims: truncated packed varint"},
		{"packed float", layerAt(msg{}.bytes(7, msg{}.bytes(2, []byte{1, 2, 3}))), "offset 5: layer[0].param: packed float field data has 3 bytes, not a multiple of 4"},
	}
	for _, c := range cases {
		for name, d := range readers(c.in, 16, nil) {
			_, err := decodeNet(d)
			var oe *graph.OffsetError
			if !errors.As(err, &oe) {
				t.Errorf("%s, %s: error %v is not a *graph.OffsetError", c.name, name, err)
				continue
			}
			if err.Error() != c.want {
				t.Errorf("%s, %s:\n got %q\nwant %q", c.name, name, err, c.want)
			}
		}
	}
}

// TestShortInput: an input shorter than its declared size is an error
// at the offset where it ends, through both sources.
func TestShortInput(t *testing.T) {
	full := msg{}.bytes(100, msg{}.bytes(1, []byte("conv1")).bytes(2, bytes.Repeat([]byte("t"), 200)))
	short := full[:20]
	mem := NewReader(bytes.NewReader(short), int64(len(full)), short, 0)
	win := NewReader(bytes.NewReader(short), int64(len(full)), nil, 16)
	for name, d := range map[string]*Reader{"memory": &mem, "window": &win} {
		_, err := decodeNet(d)
		if err == nil || !strings.Contains(err.Error(), "unexpected end of input") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBudget: what a walk keeps is charged before it is made; a refusal
// says what and where and matches budget.ErrExceeded. Charges under 256
// KiB are summed first, so the inputs are larger than that.
func TestBudget(t *testing.T) {
	// 40,000 packed varints are charged 8 bytes each at once. Offsets:
	// tag 100 (2 bytes) and length (3), tag 7 (1) and length (3), tag 1
	// (1) and length (3): the values start at 13.
	big := msg{}.bytes(100, msg{}.bytes(7, msg{}.bytes(1, make([]byte, 40000))))
	for name, d := range readers(big, 1024, budget.New(64<<10)) {
		_, err := decodeNet(d)
		if !errors.Is(err, budget.ErrExceeded) {
			t.Fatalf("%s: %v does not match budget.ErrExceeded", name, err)
		}
		if want := "(offset 13: 40000 values of dims)"; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", name, err, want)
		}
	}
	// 40,000 unpacked varints, 8 bytes each, are summed; the charge of a
	// sum without a description names the Reader's Contents.
	var param msg
	for range 40000 {
		param = param.varint(1, 5)
	}
	many := msg{}.bytes(100, msg{}.bytes(7, param))
	for name, d := range readers(many, 4096, budget.New(200<<10)) {
		d.Contents = "the net's layers"
		_, err := decodeNet(d)
		if !errors.Is(err, budget.ErrExceeded) || !strings.Contains(err.Error(), ": the net's layers)") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLoc(t *testing.T) {
	root := &Loc{Base: "graph"}
	n := root.Elem("node", 5)
	a := n.Elem("attribute", 2)
	if got := a.String(); got != "graph.node[5].attribute[2]" {
		t.Errorf("got %q", got)
	}
	a.Key = "kernel_shape"
	ints := a.Child("ints")
	if got, want := ints.String(), "graph.node[5].attribute[kernel_shape].ints"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	top := &Loc{}
	g := top.Child("graph")
	if got := g.String(); got != "graph" {
		t.Errorf("got %q", got)
	}
}

// TestScalars: the values of scalar fields as protobuf encodes them.
func TestScalars(t *testing.T) {
	type kind int32
	b := protowire.AppendFixed64(protowire.AppendTag(nil, 1, protowire.Fixed64Type), math.Float64bits(-2.25))
	minus3, minus1 := int64(-3), int64(-1)
	// An int64 and an enum of -1, encoded as protobuf does (sign-extended
	// to 64 bits, ten bytes).
	b = msg(b).varint(2, uint64(minus3)).varint(3, uint64(minus1))
	d := NewReader(bytes.NewReader(b), int64(len(b)), b, 0)
	at := &Loc{}
	w := Fields(0, int64(len(b)))
	var got []any
	for w.Next(&d, at) {
		switch c := w.F; c.Num {
		case 1:
			got = append(got, c.Float64())
		case 2:
			v, err := d.Int64(c, at, "i")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		case 3:
			v, err := Enum[kind](&d, c, at, "e")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
	}
	if want := []any{-2.25, int64(-3), kind(-1)}; w.Err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, w.Err, want)
	}
}
