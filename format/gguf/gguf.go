package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/stats"
)

// Default caps; see Decoder.
const (
	DefaultMaxTensors     = 1 << 20
	DefaultMaxKV          = 1 << 20
	DefaultMaxString      = 16 << 20  // bytes in one metadata string
	DefaultMaxStringBytes = 256 << 20 // bytes of all decoded metadata strings
	DefaultMaxArrayValues = 1024      // longer arrays are not decoded
	DefaultMaxValues      = 1 << 20   // array elements decoded in all

	DefaultAlignment = 32
	MaxDims          = 8    // ggml itself allows 4
	maxNameLen       = 4096 // tensor and key names
	maxArrayDepth    = 8
)

// Decoder holds decoding options. The zero value uses the defaults.
type Decoder struct {
	// Name is the file name errors begin with ("" for none); Open sets it.
	Name           string
	MaxTensors     int   // cap on tensor_count
	MaxKV          int   // cap on metadata_kv_count
	MaxString      int64 // cap on one metadata string
	MaxArrayValues int   // arrays longer than this are only summarized; <0: no limit
	// SkipSizeCheck accepts files whose tensor data is absent or truncated
	// (header-only copies): tensor extents are not checked against the size.
	SkipSizeCheck bool
	// Budget is charged, before they are made, for the tensor infos,
	// metadata entries, strings and decoded arrays the header declares;
	// nil charges each request against the default limit only.
	Budget *budget.Budget
	// Reserve is charged with each tensor the header declares, for what
	// the caller will make of it (a report's row), so that a header too
	// large to report is refused before it is decoded.
	Reserve int64
}

// Memory one tensor info and one metadata entry cost beyond their
// strings: the structs, the name sets and maps.
const (
	tensorCost = int64(unsafe.Sizeof(Tensor{})) + 64
	kvCost     = int64(unsafe.Sizeof(Value{})) + 16 + 64
	valueCost  = int64(unsafe.Sizeof(Value{})) + 16
)

// thousands writes n with comma separators: 1,234,567.
func thousands(n int64) string { return stats.Thousands(n) }

// charge asks the budget for n bytes at offset off; a refusal says what.
func (d *Decoder) charge(n, off int64, what func() string) error {
	return d.Budget.ChargeAt(n, off, what)
}

func (d *Decoder) maxString() int64 {
	if d.MaxString > 0 {
		return d.MaxString
	}
	return DefaultMaxString
}

func (d *Decoder) maxArray() int {
	if d.MaxArrayValues == 0 {
		return DefaultMaxArrayValues
	}
	return d.MaxArrayValues
}

// Tensor describes one tensor of a GGUF file.
type Tensor struct {
	Name       string
	Type       Type
	Ne         []int64 // dimensions in ggml order: innermost (contiguous) first
	Shape      []int64 // dimensions in PyTorch order: outermost first
	Elements   int64
	Bytes      int64 // Elements/BlockSize*TypeSize
	Offset     int64 // offset of the data, relative to File.DataOffset
	FileOffset int64 // absolute offset of the data
}

// File is the decoded header of a GGUF file.
type File struct {
	Name       string // file name given to Open, or ""
	Version    uint32
	BigEndian  bool
	Alignment  int64
	Keys       []string // metadata keys in file order
	Metadata   map[string]Value
	Tensors    []Tensor // in file order
	DataOffset int64    // file offset of the (aligned) data section
	DataSize   int64    // extent of the tensor data: max(Offset+Bytes)
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

// Elements returns the total number of elements of all tensors.
func (f *File) Elements() int64 {
	var n int64
	for i := range f.Tensors {
		n += f.Tensors[i].Elements
	}
	return n
}

func (f *File) str(key string) string {
	s, _ := f.Metadata[key].Str()
	return s
}

// Architecture returns general.architecture, e.g. "llama".
func (f *File) Architecture() string { return f.str("general.architecture") }

// ModelName returns general.name.
func (f *File) ModelName() string { return f.str("general.name") }

// ParameterCount returns general.parameter_count if present.
func (f *File) ParameterCount() (int64, bool) {
	v, ok := f.Metadata["general.parameter_count"]
	if !ok {
		return 0, false
	}
	return v.Int()
}

// Hyperparameters returns the "<architecture>.*" metadata keys (such as
// llama.block_count), with the prefix stripped.
func (f *File) Hyperparameters() map[string]Value {
	arch := f.Architecture()
	if arch == "" {
		return nil
	}
	out := make(map[string]Value)
	for _, k := range f.Keys {
		if rest, ok := strings.CutPrefix(k, arch+"."); ok {
			out[rest] = f.Metadata[k]
		}
	}
	return out
}

// Decode decodes the header of the GGUF file r of the given size with
// default options.
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

// Decode decodes the header of the GGUF file r of the given size.
func (d *Decoder) Decode(r io.ReaderAt, size int64) (*File, error) {
	return d.decode(r, size, d.Name)
}

func (d *Decoder) decode(r io.ReaderAt, size int64, name string) (*File, error) {
	rd := newReader(r, size, name)
	magic, err := rd.next(4, "magic")
	if err != nil {
		return nil, err
	}
	switch m := string(magic); m {
	case "GGUF":
	case "lmgg", "fmgg", "tjgg", "algg":
		return nil, rd.errf(0, "legacy GGML/GGJT model file (magic %q), not GGUF; convert it with llama.cpp", m)
	default:
		return nil, rd.errf(0, "bad magic %q, not a GGUF file", m)
	}
	f := &File{Alignment: DefaultAlignment, Metadata: make(map[string]Value)}
	if f.Version, err = rd.u32("version"); err != nil {
		return nil, err
	}
	if f.Version&0xFFFF == 0 && f.Version != 0 {
		if v := bits.ReverseBytes32(f.Version); v == 2 || v == 3 {
			rd.order, f.Version, f.BigEndian = binary.BigEndian, v, true
		}
	}
	switch f.Version {
	case 2, 3:
	case 1:
		return nil, rd.errf(4, "GGUF version 1 is not supported (only 2 and 3); re-convert the model")
	default:
		return nil, rd.errf(4, "unsupported GGUF version %d (only 2 and 3)", f.Version)
	}
	nt, err := rd.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nkv, err := rd.u64("metadata count")
	if err != nil {
		return nil, err
	}
	maxT, maxKV := uint64(DefaultMaxTensors), uint64(DefaultMaxKV)
	if d.MaxTensors > 0 {
		maxT = uint64(d.MaxTensors)
	}
	if d.MaxKV > 0 {
		maxKV = uint64(d.MaxKV)
	}
	// The smallest tensor info is 24 bytes, the smallest key/value 13.
	if nt > maxT {
		return nil, rd.errf(8, "tensor count %d exceeds limit %d", nt, maxT)
	}
	if nkv > maxKV {
		return nil, rd.errf(16, "metadata count %d exceeds limit %d", nkv, maxKV)
	}
	if nt > uint64(rd.remaining())/24 || nkv > uint64(rd.remaining())/13 {
		return nil, rd.errf(8, "%d tensors and %d metadata entries cannot fit in the %d bytes left in the file", nt, nkv, rd.remaining())
	}

	if err := d.charge(budget.Items(int64(nt), tensorCost+max(d.Reserve, 0))+budget.Items(int64(nkv), kvCost), 8, func() string {
		return fmt.Sprintf("a header of %s tensors and %s metadata entries", thousands(int64(nt)), thousands(int64(nkv)))
	}); err != nil {
		return nil, err
	}
	st := &state{d: d, valueBudget: DefaultMaxValues, stringBudget: DefaultMaxStringBytes}
	f.Keys = make([]string, 0, nkv)
	var alignAt int64
	for i := uint64(0); i < nkv; i++ {
		at := rd.off
		key, err := rd.str(maxNameLen, "metadata key")
		if err != nil {
			return nil, err
		}
		if _, dup := f.Metadata[key]; dup {
			return nil, rd.errf(at, "duplicate metadata key %q", key)
		}
		vt, err := rd.u32("type of " + key)
		if err != nil {
			return nil, err
		}
		v, err := st.value(rd, ValueType(vt), 0, key)
		if err != nil {
			return nil, err
		}
		if key == "general.alignment" {
			alignAt = at
		}
		f.Keys = append(f.Keys, key)
		f.Metadata[key] = v
	}
	if v, ok := f.Metadata["general.alignment"]; ok {
		a, isU32 := v.V.(uint32)
		if !isU32 {
			return nil, rd.errf(alignAt, "general.alignment has type %s, want uint32", v.Type)
		}
		if a == 0 || a&(a-1) != 0 {
			return nil, rd.errf(alignAt, "general.alignment %d is not a power of 2", a)
		}
		f.Alignment = int64(a)
	}

	f.Tensors = make([]Tensor, 0, nt)
	names := make(map[string]bool, nt)
	for i := uint64(0); i < nt; i++ {
		at := rd.off
		t, err := d.tensorInfo(rd, f.Alignment)
		if err != nil {
			return nil, err
		}
		if names[t.Name] {
			return nil, rd.errf(at, "duplicate tensor name %q", t.Name)
		}
		names[t.Name] = true
		f.Tensors = append(f.Tensors, t)
	}
	f.DataOffset = rd.off
	if pad := f.DataOffset % f.Alignment; pad != 0 {
		f.DataOffset += f.Alignment - pad
	}
	return f, d.checkExtents(rd, f)
}

// tensorInfo reads one tensor info.
func (d *Decoder) tensorInfo(rd *reader, align int64) (Tensor, error) {
	var t Tensor
	name, err := rd.str(maxNameLen, "tensor name")
	if err != nil {
		return t, err
	}
	t.Name = name
	// The name twice (the tensor and the set of names), the dimensions
	// twice (Ne and Shape): at most 2*(4096+8*MaxDims) bytes.
	if err := d.charge(2*int64(len(name))+2*8*MaxDims, rd.off, func() string { return "tensor " + strconv.Quote(name) }); err != nil {
		return t, err
	}
	dimsAt := rd.off
	nd, err := rd.u32Of("n_dims", name)
	if err != nil {
		return t, err
	}
	if nd > MaxDims {
		return t, rd.errf(dimsAt, "tensor %q: n_dims %d exceeds %d", name, nd, MaxDims)
	}
	t.Ne = make([]int64, nd)
	t.Shape = make([]int64, nd)
	t.Elements = 1
	overflow := false
	for j := range t.Ne {
		x, err := rd.u64Of("dimension", name)
		if err != nil {
			return t, err
		}
		if x > math.MaxInt64 {
			return t, rd.errf(rd.off-8, "tensor %q: dimension %d is %d, too large", name, j, x)
		}
		t.Ne[j] = int64(x)
		t.Shape[int(nd)-1-j] = int64(x)
		hi, lo := bits.Mul64(uint64(t.Elements), x)
		overflow = overflow || hi != 0 || lo > math.MaxInt64
		t.Elements = int64(lo)
	}
	if overflow {
		return t, rd.errf(dimsAt, "tensor %q: shape %v: element count overflows int64", name, t.Shape)
	}
	typeAt := rd.off
	ty, err := rd.u32Of("type", name)
	if err != nil {
		return t, err
	}
	t.Type = Type(ty)
	ti, ok := t.Type.Info()
	if !ok {
		return t, rd.errf(typeAt, "tensor %q: unknown ggml type %d", name, ty)
	}
	ne0 := int64(1)
	if nd > 0 {
		ne0 = t.Ne[0]
	}
	if ne0%ti.BlockSize != 0 {
		return t, rd.errf(typeAt, "tensor %q: row of %d elements is not a multiple of the %s block size %d",
			name, ne0, ti.Name, ti.BlockSize)
	}
	hi, lo := bits.Mul64(uint64(t.Elements/ti.BlockSize), uint64(ti.TypeSize))
	if hi != 0 || lo > math.MaxInt64 {
		return t, rd.errf(typeAt, "tensor %q: byte size of %s%v overflows int64", name, ti.Name, t.Shape)
	}
	t.Bytes = int64(lo)
	offAt := rd.off
	off, err := rd.u64Of("offset", name)
	if err != nil {
		return t, err
	}
	if off > math.MaxInt64 || off%uint64(align) != 0 {
		return t, rd.errf(offAt, "tensor %q: data offset %d is not a multiple of the alignment %d", name, off, align)
	}
	t.Offset = int64(off)
	return t, nil
}

// checkExtents sets FileOffset and DataSize and checks that tensor data do
// not overlap and, unless SkipSizeCheck, lie inside the file.
func (d *Decoder) checkExtents(rd *reader, f *File) error {
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	var end int64
	prev := -1
	for _, i := range order {
		t := &f.Tensors[i]
		if t.Offset > math.MaxInt64-f.DataOffset || t.Bytes > math.MaxInt64-f.DataOffset-t.Offset {
			return rd.errf(f.DataOffset, "tensor %q: data offset %d + %d bytes overflows", t.Name, t.Offset, t.Bytes)
		}
		if t.Offset < end && t.Bytes > 0 {
			return rd.errf(f.DataOffset+t.Offset, "tensor %q: data [%d, %d) overlaps tensor %q",
				t.Name, t.Offset, t.Offset+t.Bytes, f.Tensors[prev].Name)
		}
		t.FileOffset = f.DataOffset + t.Offset
		if e := t.Offset + t.Bytes; e > end {
			end, prev = e, i
		}
	}
	f.DataSize = end
	if d.SkipSizeCheck || len(f.Tensors) == 0 {
		return nil
	}
	if f.DataOffset+end > rd.size {
		t := &f.Tensors[prev]
		return rd.errf(t.FileOffset, "tensor %q: data [%d, %d) extends past end of file (size %d); file truncated?",
			t.Name, t.FileOffset, t.FileOffset+t.Bytes, rd.size)
	}
	return nil
}
