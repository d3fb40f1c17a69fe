package pbwire

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"strconv"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// maxVarintLen is the longest encoding of a 64-bit varint.
const maxVarintLen = 10

// Field is one decoded tag and its value. A length-delimited field's
// contents are not read: Pos and N locate them.
type Field struct {
	Num  protowire.Number
	Type protowire.Type
	Off  int64  // offset of the tag
	V    uint64 // value of a varint, fixed32 or fixed64 field
	Pos  int64  // start of the value: a length-delimited field's contents
	N    int64  // length of the value, or of a length-delimited field's contents
	End  int64  // offset just past the field
}

// Float32 is the value of a fixed32 field as a float.
func (f Field) Float32() float32 { return math.Float32frombits(uint32(f.V)) }

// Float64 is the value of a fixed64 field as a double.
func (f Field) Float64() float64 { return math.Float64frombits(f.V) }

// Reader reads the fields of one input. Its zero value is not usable: set
// Src (and Budget, Top, Contents) before the first call.
type Reader struct {
	Src *Source
	// Budget is charged for what the caller keeps, before it is made;
	// nil charges each request against the default limit only.
	Budget *budget.Budget
	// Top names the top-level message in error paths ("model").
	Top string
	// Contents is what a batch of small charges is said to be for when
	// the budget refuses it ("the model's nodes, names and attributes").
	Contents string

	pending int64  // small charges not yet made
	names   *Names // interned strings (Name)
	arena   []byte // the chunk strings are copied into (Keep)
}

// Names is the table of the strings Name interned: each has an id, its
// index in List, in the order they were first read.
//
// The index is an open-addressing table of 8-byte slots (32 bits of a
// string's hash, its id + 1), at most 3/4 full: a third of the memory of
// a map[string]int32 of as many entries, and a lookup mostly one cache
// line. The hash is seeded once per process (maphash), so that a file
// cannot choose names that collide.
type Names struct {
	List  []string
	slots []uint64
}

// namesSeed seeds the hash of Names: random, and the same for every table
// of the process, so that equal inputs make equal tables.
var namesSeed = maphash.MakeSeed()

func newNames(n int) *Names {
	size := 16
	for size*3 < n*4 {
		size *= 2
	}
	return &Names{List: make([]string, 0, n), slots: make([]uint64, size)}
}

// find returns the id of the string whose hash is h and that eq accepts,
// or -1 and the empty slot where it would go.
func (t *Names) find(h uint64, eq func(string) bool) (int32, int) {
	mask := len(t.slots) - 1
	tag := h << 32
	for i := int(h>>32) & mask; ; i = (i + 1) & mask {
		e := t.slots[i]
		if e == 0 {
			return -1, i
		}
		if e&^(1<<32-1) == tag {
			if id := int32(uint32(e) - 1); eq(t.List[id]) {
				return id, i
			}
		}
	}
}

// ID is the id of s, or -1 when s was not interned.
func (t *Names) ID(s string) int32 {
	if t == nil {
		return -1
	}
	id, _ := t.find(maphash.String(namesSeed, s), func(x string) bool { return x == s })
	return id
}

// add interns s, which is not in the table, at the empty slot i that
// find returned for its hash h; -1 when the table is full.
func (t *Names) add(s string, h uint64, i int) int32 {
	if len(t.List) >= math.MaxInt32-1 {
		return -1 // kept, not interned
	}
	id := int32(len(t.List))
	t.List = append(t.List, s)
	if 4*len(t.List) > 3*len(t.slots) {
		t.grow()
		_, i = t.find(h, func(string) bool { return false })
	}
	t.slots[i] = h<<32 | uint64(id+1)
	return id
}

// grow doubles the slots and places the strings again.
func (t *Names) grow() {
	t.slots = make([]uint64, 2*len(t.slots))
	mask := len(t.slots) - 1
	for id, s := range t.List[:len(t.List)-1] {
		h := maphash.String(namesSeed, s)
		i := int(h>>32) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h<<32 | uint64(id+1)
	}
}

// Interned is the table of the strings Name interned (nil before the
// first).
func (d *Reader) Interned() *Names { return d.names }

func (d *Reader) initNames(n int) { d.names = newNames(n) }

// Arena chunks: the first is small (most inputs are a few KB of names),
// each next twice the last, up to arenaChunk; a string longer than
// arenaSolo gets its own allocation.
const (
	arenaFirst = 1 << 10
	arenaChunk = 64 << 10
	arenaSolo  = 1 << 10
)

// Keep returns b as a string. Strings are copied into shared chunks (an
// arena that is only ever appended to), so that the names and paths of a
// model of a million nodes cost a few hundred allocations, not millions;
// a chunk stays alive while any of its strings does. It charges nothing:
// callers charge what they keep.
func (d *Reader) Keep(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > arenaSolo {
		return string(b)
	}
	if cap(d.arena)-len(d.arena) < n {
		d.arena = make([]byte, 0, min(max(2*cap(d.arena), arenaFirst), arenaChunk))
	}
	i := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[i], n)
}

// ElemPath is base + "." + field + "[" + i + "]" (field + "[" + i + "]"
// when base is empty), kept in the arena: the path of element i of a
// repeated field ("graph.node[12]") without an allocation of its own.
func (d *Reader) ElemPath(base, field string, i int) string {
	var buf [128]byte
	b := buf[:0]
	if base != "" {
		b = append(b, base...)
		b = append(b, '.')
	}
	b = append(b, field...)
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ']')
	return d.Keep(b)
}

// Affords reports whether n more bytes fit the budget besides what is
// charged and pending: a caller that knows it will charge n bytes (one
// piece at a time, as it decodes) may then allocate them at once, the
// charges still made as before. With a nil Budget, n is compared with the
// default limit.
func (d *Reader) Affords(n int64) bool {
	return n >= 0 && d.Budget.Used()+d.pending+n <= d.Budget.Limit()
}

// ReserveNames sizes the table of interned names (Name) for about n
// distinct names before the first is read; callers make sure, with
// Affords, that the names it is sized for would be charged anyway.
func (d *Reader) ReserveNames(n int) {
	if d.names == nil && n > 0 {
		d.initNames(n)
	}
}

// NewReader reads the size bytes of r (see NewSource).
func NewReader(r io.ReaderAt, size int64, mem []byte, window int) Reader {
	return Reader{Src: NewSource(r, size, mem, window)}
}

// Alloc charges n bytes about to be allocated for what is read at offset
// off; what says what they are should the budget refuse (nil: the
// Reader's Contents). Charges under 256 KiB are summed and made together,
// so that charging a node or a name costs an addition; a refusal then
// names the last.
func (d *Reader) Alloc(n, off int64, what func() string) error {
	const batch = 256 << 10
	if n < batch {
		if d.pending += n; d.pending < batch {
			return nil
		}
		n, d.pending = d.pending, 0
	}
	if what != nil {
		return d.Budget.ChargeAt(n, off, what)
	}
	// Not a method value as what: that would allocate with every charge.
	err := d.Budget.ChargeAt(n, off, nothing)
	if err != nil {
		var be *budget.Error
		if errors.As(err, &be) {
			c := d.Contents
			if c == "" {
				c = "the decoded message"
			}
			be.What = c + be.What
		}
	}
	return err
}

func nothing() string { return "" }

// Values describes n values of a repeated field for a budget message.
func Values(n int64, what string) func() string {
	return func() string { return fmt.Sprintf("%d values of %s", n, what) }
}

// Errf is a *graph.OffsetError at off, in the message at.
func (d *Reader) Errf(off int64, at *Loc, format string, args ...any) error {
	return &graph.OffsetError{Offset: off, Path: d.pathOf(at), Msg: fmt.Sprintf(format, args...)}
}

// IOErr is the error for a failed read at off, in the message at: the
// input ended early (ErrShort), or the read failed.
func (d *Reader) IOErr(off int64, at *Loc, err error) error {
	if err == ErrShort {
		return &graph.OffsetError{Offset: off, Path: d.pathOf(at), Msg: "unexpected end of input"}
	}
	return &graph.OffsetError{Offset: off, Path: d.pathOf(at), Msg: "read failed", Err: err}
}

// pathOf renders at for an error; the top level is d.Top.
func (d *Reader) pathOf(at *Loc) string {
	if s := at.String(); s != "" {
		return s
	}
	return d.Top
}

// Varint reads a varint at pos, which must end before end; it returns the
// value and the offset after it.
func (d *Reader) Varint(pos, end int64, at *Loc, what string) (uint64, int64, error) {
	if pos >= end {
		return 0, 0, d.Errf(pos, at, "truncated %s", what)
	}
	// Fast path: a one-byte varint already at hand.
	if c, ok := d.Src.byteAt(pos); ok && c < 0x80 {
		return uint64(c), pos + 1, nil
	}
	b, err := d.Src.View(pos, int(min(end-pos, maxVarintLen)))
	if err != nil {
		return 0, 0, d.IOErr(pos, at, err)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		if errors.Is(protowire.ParseError(n), io.ErrUnexpectedEOF) {
			return 0, 0, d.Errf(pos, at, "truncated %s", what)
		}
		return 0, 0, d.Errf(pos, at, "malformed %s", what)
	}
	return v, pos + int64(n), nil
}

// Next decodes the field whose tag is at pos; the enclosing message ends
// at end. It reads the value of scalar fields and only the length of
// length-delimited ones.
func (d *Reader) Next(pos, end int64, at *Loc) (Field, error) {
	f := Field{Off: pos}
	tag, p, err := d.Varint(pos, end, at, "tag")
	if err != nil {
		return f, err
	}
	if tag>>3 > math.MaxInt32 {
		return f, d.Errf(pos, at, "field number %d out of range", tag>>3)
	}
	num, typ := protowire.DecodeTag(tag)
	if num < protowire.MinValidNumber {
		return f, d.Errf(pos, at, "invalid field number %d", num)
	}
	f.Num, f.Type = num, typ
	f.Pos = p
	switch typ {
	case protowire.VarintType:
		f.V, p, err = d.Varint(p, end, at, "varint")
		if err != nil {
			return f, err
		}
		f.N = p - f.Pos
	case protowire.Fixed32Type, protowire.Fixed64Type:
		n := 4
		if typ == protowire.Fixed64Type {
			n = 8
		}
		if end-p < int64(n) {
			return f, d.Errf(pos, at, "truncated fixed%d field (field %d)", n*8, num)
		}
		b, err := d.Src.View(p, n)
		if err != nil {
			return f, d.IOErr(p, at, err)
		}
		if n == 4 {
			v, _ := protowire.ConsumeFixed32(b)
			f.V = uint64(v)
		} else {
			f.V, _ = protowire.ConsumeFixed64(b)
		}
		p += int64(n)
		f.N = int64(n)
	case protowire.BytesType:
		var n uint64
		n, p, err = d.Varint(p, end, at, "length")
		if err != nil {
			return f, err
		}
		if n > uint64(end-p) {
			return f, d.Errf(pos, at, "truncated length-delimited field (field %d declares %d bytes, %d remain)", num, n, end-p)
		}
		f.Pos, f.N = p, int64(n)
		p += int64(n)
	case protowire.StartGroupType, protowire.EndGroupType:
		return f, d.Errf(pos, at, "group wire type not supported (field %d)", num)
	default:
		return f, d.Errf(pos, at, "invalid wire type %d (field %d)", typ, num)
	}
	f.End = p
	return f, nil
}

// Walker steps through the fields of one message in order, in the manner
// of bufio.Scanner:
//
//	w := d.Message(f, at)
//	for w.Next(d, at) {
//		switch c := w.F; c.Num {
//		case fooName:
//			foo.Name, w.Err = d.Str(c, at, "name")
//		}
//	}
//	return foo, w.Err
//
// A loop body reports a failure by setting w.Err, which ends the walk.
// The Reader and the Loc are arguments of Next, not fields: escape
// analysis does not tell a struct's fields apart, so a Loc kept in the
// Walker would escape with the returned w.Err, one allocation a message.
type Walker struct {
	F   Field // the current field; before the first, F.End is the start
	end int64
	Err error // the first failure, of the walk or of a loop body
}

// Fields walks the fields of the message bytes from pos to end.
func Fields(pos, end int64) Walker {
	return Walker{F: Field{End: pos}, end: end}
}

// Message walks the fields of the message in field f, which must be
// length-delimited; at is the message.
func (d *Reader) Message(f Field, at *Loc) Walker {
	return Walker{F: Field{End: f.Pos}, end: f.Pos + f.N, Err: d.Want(f, protowire.BytesType, at, "")}
}

// Next reads the next field into w.F. It reports false at the end of the
// message or once w.Err is set.
func (w *Walker) Next(d *Reader, at *Loc) bool {
	if w.Err != nil || w.F.End >= w.end {
		return false
	}
	w.F, w.Err = d.Next(w.F.End, w.end, at)
	return w.Err == nil
}

var wireNames = [...]string{
	protowire.VarintType:     "varint",
	protowire.Fixed64Type:    "fixed64",
	protowire.BytesType:      "length-delimited",
	protowire.StartGroupType: "start-group",
	protowire.EndGroupType:   "end-group",
	protowire.Fixed32Type:    "fixed32",
}

// WireName names a wire type in messages ("length-delimited").
func WireName(t protowire.Type) string {
	if int(t) < len(wireNames) && wireNames[t] != "" {
		return wireNames[t]
	}
	return fmt.Sprintf("wire type %d", t)
}

// Want checks that field f, called name (empty for the message at), has
// wire type typ.
func (d *Reader) Want(f Field, typ protowire.Type, at *Loc, name string) error {
	if f.Type == typ {
		return nil
	}
	if name == "" {
		return d.Errf(f.Off, at, "field %d has wire type %s, want %s", f.Num, WireName(f.Type), WireName(typ))
	}
	return d.Errf(f.Off, at, "field %s (%d) has wire type %s, want %s", name, f.Num, WireName(f.Type), WireName(typ))
}

// Int64 returns the value of varint field f, called name.
func (d *Reader) Int64(f Field, at *Loc, name string) (int64, error) {
	if err := d.Want(f, protowire.VarintType, at, name); err != nil {
		return 0, err
	}
	return int64(f.V), nil
}

// Enum returns the value of field f, called name: an enum, which protobuf
// stores as an int32 varint.
func Enum[T ~int32](d *Reader, f Field, at *Loc, name string) (T, error) {
	if err := d.Want(f, protowire.VarintType, at, name); err != nil {
		return 0, err
	}
	return T(int32(f.V)), nil
}

// Str returns a copy of the contents of length-delimited field f.
func (d *Reader) Str(f Field, at *Loc, name string) (string, error) {
	if err := d.Want(f, protowire.BytesType, at, name); err != nil {
		return "", err
	}
	if f.N == 0 {
		return "", nil
	}
	if err := d.Alloc(f.N, f.Pos, func() string { return fmt.Sprintf("a string of %d bytes", f.N) }); err != nil {
		return "", err
	}
	if d.Src.fits(f.N) {
		b, err := d.Src.View(f.Pos, int(f.N))
		if err != nil {
			return "", d.IOErr(f.Pos, at, err)
		}
		return d.Keep(b), nil
	}
	b, err := d.Src.CopyOut(f.Pos, int(f.N))
	if err != nil {
		return "", d.IOErr(f.Pos, at, err)
	}
	return string(b), nil
}

// Name is Str for strings that recur (a value named once by its producer
// and again by each consumer): each distinct one is kept once.
func (d *Reader) Name(f Field, at *Loc, name string) (string, error) {
	s, _, err := d.NameID(f, at, name)
	return s, err
}

// NameID is Name, and the string's id in the table of interned names
// (Interned); -1 for the empty string. A string too long for the window
// is read and charged as Str reads it, each time, and interned too, so
// that its ids are the same however the input is read.
func (d *Reader) NameID(f Field, at *Loc, name string) (string, int32, error) {
	if f.Type != protowire.BytesType || f.N == 0 {
		s, err := d.Str(f, at, name)
		return s, -1, err
	}
	if d.names == nil {
		d.initNames(0)
	}
	if !d.Src.fits(f.N) {
		s, err := d.Str(f, at, name)
		if err != nil {
			return "", -1, err
		}
		h := maphash.String(namesSeed, s)
		id, i := d.names.find(h, func(x string) bool { return x == s })
		if id >= 0 {
			return d.names.List[id], id, nil
		}
		return s, d.names.add(s, h, i), nil
	}
	b, err := d.Src.View(f.Pos, int(f.N))
	if err != nil {
		return "", -1, d.IOErr(f.Pos, at, err)
	}
	h := maphash.Bytes(namesSeed, b)
	id, i := d.names.find(h, func(x string) bool { return x == string(b) })
	if id >= 0 {
		return d.names.List[id], id, nil
	}
	if err := d.Alloc(f.N+48, f.Pos, func() string { return "a name" }); err != nil {
		return "", -1, err
	}
	s := d.Keep(b)
	return s, d.names.add(s, h, i), nil
}

// Strs appends the value of a repeated string field.
func (d *Reader) Strs(dst []string, f Field, at *Loc, name string) ([]string, error) {
	s, err := d.Str(f, at, name)
	if err != nil {
		return dst, err
	}
	if err := d.Alloc(16, f.Pos, nil); err != nil {
		return dst, err
	}
	return append(dst, s), nil
}

// Int64s appends the values of a repeated int64 field, packed or not.
func (d *Reader) Int64s(dst []int64, f Field, at *Loc, name string) ([]int64, error) {
	switch f.Type {
	case protowire.VarintType:
		if err := d.Alloc(8, f.Pos, nil); err != nil {
			return dst, err
		}
		return append(dst, int64(f.V)), nil
	case protowire.BytesType:
		end := f.Pos + f.N
		// Each value is at least a byte: 8 bytes in memory for each.
		if err := d.Alloc(8*f.N, f.Pos, Values(f.N, name)); err != nil {
			return dst, err
		}
		if d.Src.fits(f.N) {
			// Size the slice exactly: every varint ends in a byte < 0x80.
			b, err := d.Src.View(f.Pos, int(f.N))
			if err != nil {
				return dst, d.IOErr(f.Pos, at, err)
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
					c := at.Child(name)
					_, _, err := d.Varint(f.Pos+int64(p), end, &c, "packed varint")
					return dst, err
				}
				dst = append(dst, int64(v))
				p += k
			}
			return dst, nil
		}
		c := at.Child(name)
		for p := f.Pos; p < end; {
			v, q, err := d.Varint(p, end, &c, "packed varint")
			if err != nil {
				return dst, err
			}
			dst = append(dst, int64(v))
			p = q
		}
		return dst, nil
	}
	return dst, d.Want(f, protowire.VarintType, at, name)
}

// Float32s appends the values of a repeated float field, packed or not.
func (d *Reader) Float32s(dst []float32, f Field, at *Loc, name string) ([]float32, error) {
	switch f.Type {
	case protowire.Fixed32Type:
		if err := d.Alloc(4, f.Pos, nil); err != nil {
			return dst, err
		}
		return append(dst, f.Float32()), nil
	case protowire.BytesType:
		if f.N%4 != 0 {
			return dst, d.Errf(f.Off, at, "packed float field %s has %d bytes, not a multiple of 4", name, f.N)
		}
		if err := d.Alloc(f.N, f.Pos, Values(f.N/4, name)); err != nil {
			return dst, err
		}
		dst = grow(dst, int(f.N/4))
		chunk := int64(len(d.Src.buf)) &^ 3
		if d.Src.data != nil {
			chunk = f.N
		}
		for p, end := f.Pos, f.Pos+f.N; p < end; {
			k := min(end-p, chunk)
			b, err := d.Src.View(p, int(k))
			if err != nil {
				return dst, d.IOErr(p, at, err)
			}
			for i := 0; i+4 <= len(b); i += 4 {
				dst = append(dst, math.Float32frombits(uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24))
			}
			p += k
		}
		return dst, nil
	}
	return dst, d.Want(f, protowire.Fixed32Type, at, name)
}

// grow makes room for n more elements; n is bounded by the input size.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return append(make([]T, 0, len(s)+n), s...)
}

// CountFields counts the fields of the message in length-delimited field
// f whose numbers are nums[i] (0: none; of wire type varint only, when
// varints),
// into counts[i], reading the message's bytes in one view without making
// a Field of each: a first pass that sizes what the walk proper fills.
// ok is false when the message is not in view at once, or holds a field
// that Next would refuse (a group, a bad tag or length); the caller then
// counts with a Walker, which stops where Next does.
func (d *Reader) CountFields(f Field, nums [5]protowire.Number, varints bool) (counts [5]int, ok bool) {
	if f.Type != protowire.BytesType || !d.Src.fits(f.N) {
		return counts, false
	}
	b, err := d.Src.View(f.Pos, int(f.N))
	if err != nil {
		return counts, false
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ == protowire.StartGroupType || typ == protowire.EndGroupType {
			return counts, false
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return counts, false
		}
		b = b[m:]
		if varints && typ != protowire.VarintType {
			continue
		}
		for i, want := range nums {
			if num == want && want != 0 {
				counts[i]++
			}
		}
	}
	return counts, true
}
