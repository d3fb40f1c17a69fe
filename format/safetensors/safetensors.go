package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"unsafe"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/stats"
)

// DefaultMaxHeaderSize is the default cap on the JSON header length, the
// same limit as the reference Rust implementation.
const DefaultMaxHeaderSize = 100_000_000

// DType describes a safetensors element type.
type DType struct {
	Name string // as spelled in the header: "F32", "BF16", "F8_E4M3", ...
	Bits int    // bits per element; sub-byte types (F4, F6_*) pack elements
}

// dtypeBits lists every dtype the safetensors format defines, with its
// element width in bits (safetensors/src/tensor.rs, Dtype::bitsize).
var dtypeBits = map[string]int{
	"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"C64": 64, "F64": 64, "I64": 64, "U64": 64,
}

// LookupDType returns the dtype with the given header name.
func LookupDType(name string) (DType, bool) {
	b, ok := dtypeBits[name]
	return DType{Name: name, Bits: b}, ok
}

// Tensor describes one tensor of a safetensors file.
type Tensor struct {
	Name     string
	DType    DType
	Shape    []int64 // outermost dimension first
	Elements int64   // product of Shape (1 for a scalar)
	Bytes    int64   // Elements*DType.Bits/8 == End-Begin
	Begin    int64   // data_offsets[0], relative to the data region
	End      int64   // data_offsets[1], relative to the data region
	Offset   int64   // absolute file offset of the tensor data
	Shard    string  // shard file name, set only by Decoder.OpenIndex
}

// File is the decoded header of a safetensors file.
type File struct {
	Name       string            // file name given to Open, or ""
	HeaderSize int64             // N, the JSON header length
	DataOffset int64             // 8+N: file offset of the data region
	DataSize   int64             // total bytes of tensor data
	Metadata   map[string]string // the "__metadata__" entry (may be nil)
	Tensors    []Tensor          // in the header's key order (the writer's order)
}

// Elements returns the total number of elements of all tensors.
func (f *File) Elements() int64 {
	var n int64
	for i := range f.Tensors {
		n += f.Tensors[i].Elements
	}
	return n
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// Decoder holds decoding options. The zero value is ready to use.
type Decoder struct {
	// Name is the file name errors begin with ("" for none); Open sets it.
	Name string
	// MaxHeaderSize caps the JSON header length; 0 means DefaultMaxHeaderSize.
	MaxHeaderSize int64
	// SkipSizeCheck accepts files whose tensor data is absent or truncated
	// (header-only copies): data_offsets are then not checked against the
	// file size, only against each other.
	SkipSizeCheck bool
	// Budget is charged, before they are made, for the header's bytes
	// and for every tensor and metadata entry it declares; nil charges
	// each request against the default limit only.
	Budget *budget.Budget
	// Reserve is charged with each tensor the header declares, for what
	// the caller will make of it (a report's row), so that a header too
	// large to report is refused before it is decoded.
	Reserve int64

	slowOnly bool // tests: read every header with encoding/json
}

// maxDims caps the dimensions of a tensor's shape (and the entries of
// any array in a tensor's entry): a header may not turn a short line into
// a long slice.
const maxDims = 64

// tensorCost is what one header entry costs in memory beyond its name's
// bytes: the Tensor, its shape, the duplicate-key set and the sort.
const tensorCost = int64(unsafe.Sizeof(Tensor{})) + 8*8 + 64 + 8

// charge asks the budget for n bytes; a refusal names what at off.
func (d *Decoder) charge(n, off int64, what func() string) error {
	return d.Budget.ChargeAt(n, off, what)
}

// Decode decodes the header of the safetensors file r of the given size
// with default options.
func Decode(r io.ReaderAt, size int64) (*File, error) {
	var d Decoder
	return d.Decode(r, size)
}

// Open decodes the header of the named file with default options.
func Open(name string) (*File, error) {
	var d Decoder
	return d.Open(name)
}

// Open decodes the header of the named file.
func (d *Decoder) Open(name string) (*File, error) {
	named := *d
	named.Name = name
	f, err := fileio.Open(name, named.Decode)
	if err != nil {
		return nil, err
	}
	f.Name = name
	return f, nil
}

// Decode decodes the header of the safetensors file r of the given size.
func (d *Decoder) Decode(r io.ReaderAt, size int64) (*File, error) {
	return d.decode(r, size, d.Name)
}

type tensorJSON struct {
	DType       *string `json:"dtype"`
	Shape       numbers `json:"shape"`
	DataOffsets numbers `json:"data_offsets"`
}

// numbers is a JSON array of at most maxDims numbers, kept as their text
// (makeTensor checks them). The decoder has checked the array's syntax
// before UnmarshalJSON sees it.
type numbers []json.Number

var comma = []byte{','}

func (n *numbers) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '[' {
		return errors.New("not an array")
	}
	inner := bytes.TrimSpace(b[1 : len(b)-1])
	if len(inner) == 0 {
		*n = numbers{}
		return nil
	}
	k := bytes.Count(inner, comma) + 1
	if k > maxDims {
		return fmt.Errorf("an array of more than %d entries", maxDims)
	}
	v := make(numbers, 0, k)
	for len(inner) > 0 {
		part := inner
		if i := bytes.IndexByte(inner, ','); i >= 0 {
			part, inner = inner[:i], inner[i+1:]
		} else {
			inner = nil
		}
		v = append(v, json.Number(bytes.TrimSpace(part)))
	}
	*n = v
	return nil
}

func (d *Decoder) decode(r io.ReaderAt, size int64, name string) (*File, error) {
	fail := func(off int64, err error, format string, args ...any) error {
		return &graph.OffsetError{File: name, Format: "safetensors", Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	maxHeader := d.MaxHeaderSize
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderSize
	}
	if size < 8 {
		return nil, fail(0, nil, "file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if m, err := r.ReadAt(prefix[:], 0); m < len(prefix) {
		return nil, fail(0, readErr(err), "reading header length")
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > uint64(maxHeader) {
		if text(prefix[:]) {
			// Not a length: the file is text (a README, a page, a
			// password file), whose bytes are not repeated here.
			return nil, fail(0, nil, "not a safetensors file: it starts with text, not a header length")
		}
		return nil, fail(0, nil, "header length %d exceeds limit %d", n, maxHeader)
	}
	if int64(n) > size-8 {
		return nil, fail(0, nil, "header length %d exceeds file size %d", n, size)
	}
	if n < 2 {
		return nil, fail(0, nil, "header length %d is too short for a JSON object", n)
	}
	if err := d.charge(int64(n), 0, func() string { return fmt.Sprintf("a header of %s bytes", thousands(int64(n))) }); err != nil {
		return nil, err
	}
	hdr := make([]byte, n)
	if m, err := r.ReadAt(hdr, 8); m < len(hdr) {
		return nil, fail(8, readErr(err), "reading %d-byte header", n)
	}
	f := &File{HeaderSize: int64(n), DataOffset: 8 + int64(n)}
	// Every tensor entry has a "data_offsets" key: their count bounds the
	// tensors, which are charged and allocated at once.
	entries := bytes.Count(hdr, []byte(`"data_offsets"`))
	if err := d.charge(budget.Items(int64(entries), tensorCost+max(d.Reserve, 0)), 8, func() string {
		return fmt.Sprintf("a header of %s tensors", thousands(int64(entries)))
	}); err != nil {
		return nil, err
	}
	f.Tensors = make([]Tensor, 0, entries)

	if !d.fastHeader(hdr, f) {
		if err := d.slowHeader(hdr, f, fail); err != nil {
			return nil, err
		}
	}

	// Tensors must tile the data region [0, DataSize) in offset order;
	// f.Tensors keeps the header's order.
	byOffset := make([]*Tensor, len(f.Tensors))
	for i := range f.Tensors {
		byOffset[i] = &f.Tensors[i]
	}
	less := func(a, b *Tensor) bool {
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	}
	// Writers lay tensors out in the header's order: sorting is then
	// the identity, and is skipped.
	inOrder := true
	for i := 1; i < len(byOffset) && inOrder; i++ {
		inOrder = !less(byOffset[i], byOffset[i-1])
	}
	if !inOrder {
		sort.SliceStable(byOffset, func(i, j int) bool { return less(byOffset[i], byOffset[j]) })
	}
	var end int64
	var last *Tensor
	for _, t := range byOffset {
		last = t
		if t.Begin != end {
			what := "gap"
			if t.Begin < end {
				what = "overlap"
			}
			return nil, fail(8, nil, "tensor %q: data_offsets [%d, %d]: %s before it (previous tensor data ends at %d)",
				t.Name, t.Begin, t.End, what, end)
		}
		if t.End > math.MaxInt64-f.DataOffset {
			return nil, fail(8, nil, "tensor %q: data_offsets [%d, %d] overflow the file offset range", t.Name, t.Begin, t.End)
		}
		end = t.End
		t.Offset = f.DataOffset + t.Begin
	}
	f.DataSize = end
	if !d.SkipSizeCheck {
		avail := size - f.DataOffset
		if end > avail && last != nil {
			return nil, fail(f.DataOffset+last.Begin, nil,
				"tensor %q data [%d, %d) extends past end of file (data region is %d bytes, file size %d); file truncated?",
				last.Name, last.Begin, last.End, avail, size)
		}
		if end < avail {
			return nil, fail(f.DataOffset+end, nil, "%d trailing bytes after tensor data", avail-end)
		}
	}
	return f, nil
}

// slowHeader reads the header with encoding/json's token stream: the
// reader of every header the fast path gives up on, and the one whose
// errors are reported.
func (d *Decoder) slowHeader(hdr []byte, f *File, fail func(off int64, err error, format string, args ...any) error) error {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return fail(8, nil, "header is not a JSON object")
	}
	seen := make(map[string]bool, cap(f.Tensors))
	for dec.More() {
		keyOff := 8 + dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return fail(8+dec.InputOffset(), err, "invalid header JSON")
		}
		key, _ := tok.(string)
		if seen[key] {
			return fail(keyOff, nil, "duplicate header key %q", key)
		}
		seen[key] = true
		valOff := 8 + dec.InputOffset()
		if key == "__metadata__" {
			md, err := d.metadata(dec, valOff)
			if err != nil {
				var be *budget.Error
				if errors.As(err, &be) {
					return err
				}
				return fail(valOff, err, "__metadata__ is not a string-to-string map")
			}
			f.Metadata = md
			continue
		}
		var tj tensorJSON
		if err := dec.Decode(&tj); err != nil {
			return fail(valOff, err, "tensor %q: invalid entry", key)
		}
		t, err := makeTensor(key, &tj)
		if err != nil {
			return fail(valOff, err, "tensor %q", key)
		}
		f.Tensors = append(f.Tensors, t)
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return fail(8+dec.InputOffset(), err, "invalid header JSON")
	}
	rest := hdr[dec.InputOffset():]
	if len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return fail(8+dec.InputOffset(), nil, "trailing bytes after header JSON object")
	}

	return nil
}

// metadata reads the __metadata__ map entry by entry, charging each
// before it is kept.
func (d *Decoder) metadata(dec *json.Decoder, off int64) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("it is a %s", jsonKind(tok))
	}
	md := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		if tok, err = dec.Token(); err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("the value of %q is a %s", k, jsonKind(tok))
		}
		if err := d.charge(int64(len(k)+len(v))+64, off, func() string {
			return fmt.Sprintf("__metadata__ of more than %s entries", thousands(int64(len(md))))
		}); err != nil {
			return nil, err
		}
		md[k] = v
	}
	_, err = dec.Token() // '}'
	return md, err
}

// jsonKind names a JSON token's kind for a message.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "array"
		}
		return "object"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "string"
}

// text reports whether b is printable ASCII text.
func text(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n int64) string { return stats.Thousands(n) }

func makeTensor(name string, tj *tensorJSON) (Tensor, error) {
	t := Tensor{Name: name}
	if tj.DType == nil {
		return t, errors.New("missing dtype")
	}
	dt, ok := LookupDType(*tj.DType)
	if !ok {
		return t, fmt.Errorf("unknown dtype %q", *tj.DType)
	}
	t.DType = dt
	if tj.Shape == nil {
		return t, errors.New("missing shape")
	}
	t.Shape = make([]int64, len(tj.Shape))
	for i, s := range tj.Shape {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || v < 0 {
			return t, fmt.Errorf("shape[%d] = %s is not a non-negative 64-bit integer", i, s)
		}
		t.Shape[i] = v
	}
	if err := t.size(); err != nil {
		return t, err
	}
	if len(tj.DataOffsets) != 2 {
		return t, fmt.Errorf("data_offsets has %d entries, want 2", len(tj.DataOffsets))
	}
	var off [2]int64
	for i, s := range tj.DataOffsets {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || v < 0 {
			return t, fmt.Errorf("data_offsets[%d] = %s is not a non-negative 64-bit integer", i, s)
		}
		off[i] = v
	}
	t.Begin, t.End = off[0], off[1]
	return t, t.span()
}

// size sets t's Elements and Bytes from its shape and dtype.
func (t *Tensor) size() error {
	t.Elements = 1
	overflow := false
	for _, v := range t.Shape {
		hi, lo := bits.Mul64(uint64(t.Elements), uint64(v))
		if hi != 0 || lo > math.MaxInt64 {
			overflow = true
		}
		t.Elements = int64(lo)
	}
	if overflow {
		return fmt.Errorf("shape %v: element count overflows int64", t.Shape)
	}
	hi, nbits := bits.Mul64(uint64(t.Elements), uint64(t.DType.Bits))
	if hi != 0 {
		return fmt.Errorf("shape %v: byte size overflows", t.Shape)
	}
	if nbits%8 != 0 {
		return fmt.Errorf("shape %v of %s: %d bits is not a whole number of bytes", t.Shape, t.DType.Name, nbits)
	}
	if nbits/8 > math.MaxInt64 {
		return fmt.Errorf("shape %v: byte size overflows int64", t.Shape)
	}
	t.Bytes = int64(nbits / 8)
	return nil
}

// span checks t's data_offsets against its byte size.
func (t *Tensor) span() error {
	if t.End < t.Begin {
		return fmt.Errorf("data_offsets [%d, %d]: end before begin", t.Begin, t.End)
	}
	if t.End-t.Begin != t.Bytes {
		return fmt.Errorf("data_offsets [%d, %d] span %d bytes, but %s%v needs %d",
			t.Begin, t.End, t.End-t.Begin, t.DType.Name, t.Shape, t.Bytes)
	}
	return nil
}

// readErr is the cause of a short read: err, or io.ErrUnexpectedEOF for
// a reader that returned too few bytes without saying why.
func readErr(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}
