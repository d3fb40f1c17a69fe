package onnx

import (
	"errors"
	"fmt"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// defaultWindow is the size of the read buffer used when the input is not
// in memory. Payloads are skipped, so it only ever holds message headers,
// names and attribute values.
const defaultWindow = 64 << 10

// maxVarintLen is the longest encoding of a 64-bit varint.
const maxVarintLen = 10

// source gives bounded views of the input: slices of the whole input when it
// is in memory (a mapped file), otherwise of a window buffer refilled with
// ReadAt.
type source struct {
	r    io.ReaderAt
	size int64
	data []byte // the whole input, when available; buf is unused then
	buf  []byte // window buffer
	boff int64  // file offset of buf[0]
	blen int    // valid bytes in buf
}

func newSource(r io.ReaderAt, size int64, window int) *source {
	s := &source{r: r, size: size}
	if m, ok := r.(interface{ bytes() []byte }); ok {
		if b := m.bytes(); b != nil && int64(len(b)) >= size {
			s.data = b[:size:size]
			return s
		}
	}
	if int64(window) > size {
		window = int(max(size, 16))
	}
	s.buf = make([]byte, window)
	return s
}

// errShort reports that the input ended before its declared size.
var errShort = errors.New("input shorter than its declared size")

// view returns the n bytes at off, n <= len(s.buf) when reading through the
// window. The slice is valid until the next call.
func (s *source) view(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > s.size {
		return nil, errShort
	}
	if s.data != nil {
		return s.data[off : off+int64(n) : off+int64(n)], nil
	}
	if off >= s.boff && off+int64(n) <= s.boff+int64(s.blen) {
		i := int(off - s.boff)
		return s.buf[i : i+n : i+n], nil
	}
	if n > len(s.buf) {
		return nil, fmt.Errorf("internal: view of %d bytes exceeds window", n)
	}
	want := int(min(int64(len(s.buf)), s.size-off))
	m, err := s.r.ReadAt(s.buf[:want], off)
	if m < n {
		s.blen = 0
		if err == nil || err == io.EOF {
			err = errShort
		}
		return nil, err
	}
	s.boff, s.blen = off, m
	return s.buf[:n:n], nil
}

// copyOut returns a copy of the n bytes at off, however large.
func (s *source) copyOut(off int64, n int) ([]byte, error) {
	if s.data == nil && n > len(s.buf) {
		if off < 0 || off+int64(n) > s.size {
			return nil, errShort
		}
		b := make([]byte, n)
		m, err := s.r.ReadAt(b, off)
		if m < n {
			if err == nil || err == io.EOF {
				err = errShort
			}
			return nil, err
		}
		return b, nil
	}
	v, err := s.view(off, n)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), v...), nil
}

// field is one decoded tag and its value. Length-delimited contents are not
// read: pos and n locate them.
type field struct {
	num protowire.Number
	typ protowire.Type
	off int64  // offset of the tag
	v   uint64 // value of a varint, fixed32 or fixed64 field
	pos int64  // start of the value: a length-delimited field's contents
	n   int64  // length of the value, or of a length-delimited field's contents
	end int64  // offset just past the field
}

// decoder holds the state of one Decode call.
type decoder struct {
	src   *source
	depth int
	names map[string]string // interned value names: outputs are read again as inputs
	// budget is charged for what the decoded model holds, before it is
	// made; small charges are summed in pending first.
	budget  *budget.Budget
	pending int64
	// rowCost is charged with each node as it is decoded, for the graph
	// node and report row Build will make of it (Load's decoder): a model
	// too large to report is refused before it is all decoded.
	rowCost int64
	nodes   int // nodes decoded
}

// alloc charges n bytes about to be allocated for the model at offset
// off; what says what they are should the budget refuse (nil: the
// model's nodes and names). Charges under 256 KiB are summed and charged
// together, so that charging a node or a name costs an addition; a
// refusal then names the last.
func (d *decoder) alloc(n, off int64, what func() string) error {
	const batch = 256 << 10
	if what == nil {
		what = func() string { return "the model's nodes, names and attributes" }
	}
	if n < batch {
		if d.pending += n; d.pending < batch {
			return nil
		}
		n, d.pending = d.pending, 0
	}
	return d.budget.ChargeAt(n, off, what)
}

// values describes n values of a repeated field for a budget message.
func values(n int64, what string) func() string {
	return func() string { return fmt.Sprintf("%d values of %s", n, what) }
}

func (d *decoder) errAt(off int64, at *loc, format string, args ...any) error {
	return &graph.OffsetError{Offset: off, Path: pathOf(at), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) ioErr(off int64, at *loc, err error) error {
	if err == errShort {
		return &graph.OffsetError{Offset: off, Path: pathOf(at), Msg: "unexpected end of input"}
	}
	return &graph.OffsetError{Offset: off, Path: pathOf(at), Msg: "read failed", Err: err}
}

// pathOf renders at for an error; the top level is "model".
func pathOf(at *loc) string {
	if s := at.String(); s != "" {
		return s
	}
	return "model"
}

// varint reads a varint at pos, which must end before end.
func (d *decoder) varint(pos, end int64, at *loc, what string) (uint64, int64, error) {
	if pos >= end {
		return 0, 0, d.errAt(pos, at, "truncated %s", what)
	}
	// Fast path: a one-byte varint already in memory.
	if s := d.src; s.data != nil {
		if c := s.data[pos]; c < 0x80 {
			return uint64(c), pos + 1, nil
		}
	} else if i := pos - s.boff; i >= 0 && i < int64(s.blen) {
		if c := s.buf[i]; c < 0x80 {
			return uint64(c), pos + 1, nil
		}
	}
	b, err := d.src.view(pos, int(min(end-pos, maxVarintLen)))
	if err != nil {
		return 0, 0, d.ioErr(pos, at, err)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		if errors.Is(protowire.ParseError(n), io.ErrUnexpectedEOF) {
			return 0, 0, d.errAt(pos, at, "truncated %s", what)
		}
		return 0, 0, d.errAt(pos, at, "malformed %s", what)
	}
	return v, pos + int64(n), nil
}

// next decodes the field whose tag is at pos; the enclosing message ends at
// end. It reads the value of scalar fields and only the length of
// length-delimited ones.
func (d *decoder) next(pos, end int64, at *loc) (field, error) {
	f := field{off: pos}
	tag, p, err := d.varint(pos, end, at, "tag")
	if err != nil {
		return f, err
	}
	if tag>>3 > math.MaxInt32 {
		return f, d.errAt(pos, at, "field number %d out of range", tag>>3)
	}
	num, typ := protowire.DecodeTag(tag)
	if num < protowire.MinValidNumber {
		return f, d.errAt(pos, at, "invalid field number %d", num)
	}
	f.num, f.typ = num, typ
	f.pos = p
	switch typ {
	case protowire.VarintType:
		f.v, p, err = d.varint(p, end, at, "varint")
		if err != nil {
			return f, err
		}
		f.n = p - f.pos
	case protowire.Fixed32Type, protowire.Fixed64Type:
		n := 4
		if typ == protowire.Fixed64Type {
			n = 8
		}
		if end-p < int64(n) {
			return f, d.errAt(pos, at, "truncated fixed%d field (field %d)", n*8, num)
		}
		b, err := d.src.view(p, n)
		if err != nil {
			return f, d.ioErr(p, at, err)
		}
		if n == 4 {
			v, _ := protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		} else {
			f.v, _ = protowire.ConsumeFixed64(b)
		}
		p += int64(n)
		f.n = int64(n)
	case protowire.BytesType:
		var n uint64
		n, p, err = d.varint(p, end, at, "length")
		if err != nil {
			return f, err
		}
		if n > uint64(end-p) {
			return f, d.errAt(pos, at, "truncated length-delimited field (field %d declares %d bytes, %d remain)", num, n, end-p)
		}
		f.pos, f.n = p, int64(n)
		p += int64(n)
	case protowire.StartGroupType, protowire.EndGroupType:
		return f, d.errAt(pos, at, "group wire type not supported (field %d)", num)
	default:
		return f, d.errAt(pos, at, "invalid wire type %d (field %d)", typ, num)
	}
	f.end = p
	return f, nil
}

// walker steps through the fields of one message in order, in the manner
// of bufio.Scanner:
//
//	w := d.message(f, at)
//	for w.next(d, at) {
//		switch c := w.f; c.num {
//		case fooName:
//			foo.Name, w.err = d.str(c, at, "name")
//		}
//	}
//	return foo, w.err
//
// A loop body reports a failure by setting w.err, which ends the walk.
// The decoder and the loc are arguments of next, not fields: escape
// analysis does not tell a struct's fields apart, so a loc kept in the
// walker would escape with the returned w.err, one allocation a message.
type walker struct {
	f   field // the current field; before the first, f.end is the start
	end int64
	err error // the first failure, of the walk or of a loop body
}

// fields walks the fields of the message bytes from pos to end.
func fields(pos, end int64) walker {
	return walker{f: field{end: pos}, end: end}
}

// message walks the fields of the message in field f, which must be
// length-delimited; at is the message.
func (d *decoder) message(f field, at *loc) walker {
	return walker{f: field{end: f.pos}, end: f.pos + f.n, err: d.want(f, protowire.BytesType, at, "")}
}

// next reads the next field into w.f. It reports false at the end of the
// message or once w.err is set.
func (w *walker) next(d *decoder, at *loc) bool {
	if w.err != nil || w.f.end >= w.end {
		return false
	}
	w.f, w.err = d.next(w.f.end, w.end, at)
	return w.err == nil
}

var wireNames = [...]string{
	protowire.VarintType:     "varint",
	protowire.Fixed64Type:    "fixed64",
	protowire.BytesType:      "length-delimited",
	protowire.StartGroupType: "start-group",
	protowire.EndGroupType:   "end-group",
	protowire.Fixed32Type:    "fixed32",
}

// want checks that field f, called name (empty for the message at), has
// wire type typ.
func (d *decoder) want(f field, typ protowire.Type, at *loc, name string) error {
	if f.typ == typ {
		return nil
	}
	if name == "" {
		return d.errAt(f.off, at, "field %d has wire type %s, want %s", f.num, wireNames[f.typ], wireNames[typ])
	}
	return d.errAt(f.off, at, "field %s (%d) has wire type %s, want %s", name, f.num, wireNames[f.typ], wireNames[typ])
}

func float32frombits(v uint64) float32 { return math.Float32frombits(uint32(v)) }

// int64 returns the value of varint field f, called name.
func (d *decoder) int64(f field, at *loc, name string) (int64, error) {
	if err := d.want(f, protowire.VarintType, at, name); err != nil {
		return 0, err
	}
	return int64(f.v), nil
}

// enum returns the value of field f, called name: an enum, which protobuf
// stores as an int32 varint.
func enum[T ~int32](d *decoder, f field, at *loc, name string) (T, error) {
	if err := d.want(f, protowire.VarintType, at, name); err != nil {
		return 0, err
	}
	return T(int32(f.v)), nil
}

// str returns a copy of the contents of length-delimited field f.
func (d *decoder) str(f field, at *loc, name string) (string, error) {
	if err := d.want(f, protowire.BytesType, at, name); err != nil {
		return "", err
	}
	if f.n == 0 {
		return "", nil
	}
	if err := d.alloc(f.n, f.pos, func() string { return fmt.Sprintf("a string of %d bytes", f.n) }); err != nil {
		return "", err
	}
	if d.src.data != nil || f.n <= int64(len(d.src.buf)) {
		b, err := d.src.view(f.pos, int(f.n))
		if err != nil {
			return "", d.ioErr(f.pos, at, err)
		}
		return string(b), nil
	}
	b, err := d.src.copyOut(f.pos, int(f.n))
	if err != nil {
		return "", d.ioErr(f.pos, at, err)
	}
	return string(b), nil
}

// name is str for value names, which recur: a value is named once by its
// producer and again by each consumer. Each distinct name is kept once.
func (d *decoder) name(f field, at *loc, name string) (string, error) {
	if f.typ != protowire.BytesType || f.n == 0 || (d.src.data == nil && f.n > int64(len(d.src.buf))) {
		return d.str(f, at, name)
	}
	b, err := d.src.view(f.pos, int(f.n))
	if err != nil {
		return "", d.ioErr(f.pos, at, err)
	}
	if s, ok := d.names[string(b)]; ok {
		return s, nil
	}
	if d.names == nil {
		d.names = make(map[string]string)
	}
	if err := d.alloc(f.n+48, f.pos, func() string { return "a name" }); err != nil {
		return "", err
	}
	s := string(b)
	d.names[s] = s
	return s, nil
}

// strs appends the value of a repeated string field.
func (d *decoder) strs(dst []string, f field, at *loc, name string) ([]string, error) {
	s, err := d.str(f, at, name)
	if err != nil {
		return dst, err
	}
	if err := d.alloc(16, f.pos, nil); err != nil {
		return dst, err
	}
	return append(dst, s), nil
}

// int64s appends the values of a repeated int64 field, packed or not.
func (d *decoder) int64s(dst []int64, f field, at *loc, name string) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		if err := d.alloc(8, f.pos, nil); err != nil {
			return dst, err
		}
		return append(dst, int64(f.v)), nil
	case protowire.BytesType:
		end := f.pos + f.n
		// Each value is at least a byte: 8 bytes in memory for each.
		if err := d.alloc(8*f.n, f.pos, values(f.n, name)); err != nil {
			return dst, err
		}
		if d.src.data != nil || f.n <= int64(len(d.src.buf)) {
			// Size the slice exactly: every varint ends in a byte < 0x80.
			b, err := d.src.view(f.pos, int(f.n))
			if err != nil {
				return dst, d.ioErr(f.pos, at, err)
			}
			n := 0
			for _, c := range b {
				if c < 0x80 {
					n++
				}
			}
			dst = grow(dst, n)
			for p := 0; p < len(b); {
				v, k := protowire.ConsumeVarint(b[p:])
				if k < 0 {
					c := at.child(name)
					_, _, err := d.varint(f.pos+int64(p), end, &c, "packed varint")
					return dst, err
				}
				dst = append(dst, int64(v))
				p += k
			}
			return dst, nil
		}
		c := at.child(name)
		for p := f.pos; p < end; {
			v, q, err := d.varint(p, end, &c, "packed varint")
			if err != nil {
				return dst, err
			}
			dst = append(dst, int64(v))
			p = q
		}
		return dst, nil
	}
	return dst, d.want(f, protowire.VarintType, at, name)
}

// float32s appends the values of a repeated float field, packed or not.
func (d *decoder) float32s(dst []float32, f field, at *loc, name string) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		if err := d.alloc(4, f.pos, nil); err != nil {
			return dst, err
		}
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		if f.n%4 != 0 {
			return dst, d.errAt(f.off, at, "packed float field %s has %d bytes, not a multiple of 4", name, f.n)
		}
		if err := d.alloc(f.n, f.pos, values(f.n/4, name)); err != nil {
			return dst, err
		}
		dst = grow(dst, int(f.n/4))
		chunk := int64(len(d.src.buf)) &^ 3
		if d.src.data != nil {
			chunk = f.n
		}
		for p, end := f.pos, f.pos+f.n; p < end; {
			k := min(end-p, chunk)
			b, err := d.src.view(p, int(k))
			if err != nil {
				return dst, d.ioErr(p, at, err)
			}
			for i := 0; i+4 <= len(b); i += 4 {
				dst = append(dst, math.Float32frombits(uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24))
			}
			p += k
		}
		return dst, nil
	}
	return dst, d.want(f, protowire.Fixed32Type, at, name)
}

// grow makes room for n more elements; n is bounded by the input size.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return append(make([]T, 0, len(s)+n), s...)
}
