package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pbwire"
)

// DefaultValueLimit is the element limit of the value readers when they
// are given a limit of 0: enough for shapes, axes, pads and scales used in
// constant folding, small enough that reading is cheap.
const DefaultValueLimit = 4096

// Int64s reads the values of an integer or bool tensor (bools as 0 and 1)
// from r, an io.ReaderAt over the file the tensor was decoded from. It
// fails for floating-point, string and external tensors, and for tensors
// with more than limit elements (DefaultValueLimit when limit is 0).
func (t *TensorInfo) Int64s(r io.ReaderAt, limit int) ([]int64, error) {
	if t.DataType.IsFloat() {
		return nil, t.err(t.Offset, "%s tensor has no integer values; use Float64s", t.DataType)
	}
	raw, err := t.bits(r, limit)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(raw))
	for i, b := range raw {
		v, ok := t.DataType.int64(b)
		if !ok {
			return nil, t.err(t.Offset, "element %d (%d) overflows int64", i, b)
		}
		out[i] = v
	}
	return out, nil
}

// Float64s reads the values of a numeric tensor as float64 (integers are
// converted; float16 and bfloat16 are widened). See Int64s for r and limit.
// float8, 4-bit, 2-bit and complex types are not supported.
func (t *TensorInfo) Float64s(r io.ReaderAt, limit int) ([]float64, error) {
	raw, err := t.bits(r, limit)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(raw))
	for i, b := range raw {
		out[i] = t.DataType.float64(b)
	}
	return out, nil
}

func (t *TensorInfo) err(off int64, format string, args ...any) error {
	path := t.Path
	if path == "" {
		path = fmt.Sprintf("tensor %q", t.Name)
	}
	return &graph.OffsetError{Offset: off, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// unreadable reports, without reading or making an error, that bits would
// fail before reading anything: the tests of bits that need no I/O.
// Build asks it of every small initializer, most of which hold no data
// (weights left out) and would otherwise cost an error message each.
func (t *TensorInfo) unreadable(limit int) bool {
	if limit <= 0 {
		limit = DefaultValueLimit
	}
	if t.DataLocation == External {
		return true
	}
	switch t.DataType {
	case Float, Double, Float16, BFloat16, Int8, Uint8, Int16, Uint16, Int32, Uint32, Int64, Uint64, Bool:
	default:
		return true
	}
	n, ok := t.NumElements()
	if !ok || n > int64(limit) {
		return true
	}
	switch t.DataField {
	case NoData:
		return n != 0
	case RawData:
		return t.Length != n*int64(t.DataType.Size())
	}
	return t.DataField != t.DataType.info().field
}

// bits reads the tensor's elements as little-endian bit patterns of the
// element width.
func (t *TensorInfo) bits(r io.ReaderAt, limit int) ([]uint64, error) {
	if limit <= 0 {
		limit = DefaultValueLimit
	}
	if t.DataLocation == External {
		return nil, t.err(t.msgOff, "data is external")
	}
	switch t.DataType {
	case Float, Double, Float16, BFloat16, Int8, Uint8, Int16, Uint16, Int32, Uint32, Int64, Uint64, Bool:
	default:
		return nil, t.err(t.msgOff, "cannot read values of %s tensor", t.DataType)
	}
	n, ok := t.NumElements()
	if !ok {
		return nil, t.err(t.msgOff, "invalid dims %v", t.Dims)
	}
	if n > int64(limit) {
		return nil, t.err(t.msgOff, "tensor has %d elements, more than the limit of %d", n, limit)
	}
	size := t.DataType.Size()
	switch t.DataField {
	case NoData:
		if n == 0 {
			return []uint64{}, nil
		}
		return nil, t.err(t.msgOff, "tensor of %d elements has no data", n)
	case RawData:
		if t.Length != n*int64(size) {
			return nil, t.err(t.Offset, "raw_data has %d bytes, want %d (%d elements of %d bytes)", t.Length, n*int64(size), n, size)
		}
		buf := make([]byte, t.Length)
		if m, err := r.ReadAt(buf, t.Offset); m < len(buf) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, &graph.OffsetError{Offset: t.Offset, Path: t.Path, Msg: "reading raw_data", Err: err}
		}
		out := make([]uint64, n)
		var le [8]byte
		for i := range out {
			copy(le[:], buf[i*size:(i+1)*size])
			out[i] = binary.LittleEndian.Uint64(le[:])
		}
		return out, nil
	}
	if want := t.DataType.info().field; t.DataField != want {
		return nil, t.err(t.Offset, "%s tensor stores values in %s, want %s", t.DataType, t.DataField, want)
	}
	out, err := t.typed(r, n)
	if err != nil {
		return nil, err
	}
	mask := uint64(math.MaxUint64)
	if size < 8 {
		mask = 1<<(8*size) - 1
	}
	for i := range out {
		out[i] &= mask
	}
	return out, nil
}

// typed re-reads the TensorProto and collects the n values of its typed
// payload field, packed or not.
func (t *TensorInfo) typed(r io.ReaderAt, n int64) ([]uint64, error) {
	d := newDecoder(r, t.msgEnd, 4096, nil)
	at := &pbwire.Loc{Base: t.Path}
	out := make([]uint64, 0, n)
	add := func(off int64, v uint64) error {
		if int64(len(out)) >= n {
			return t.err(off, "%s holds more than the %d values its dims say", t.DataField, n)
		}
		out = append(out, v)
		return nil
	}
	fixed := 0 // width of packed fixed-size values; 0 for varints
	switch t.DataField {
	case FloatData:
		fixed = 4
	case DoubleData:
		fixed = 8
	}
	w := pbwire.Fields(t.msgOff, t.msgEnd)
	for w.Next(&d.Reader, at) {
		f := w.F
		if DataField(f.Num) != t.DataField {
			continue
		}
		switch {
		case f.Type == protowire.VarintType && fixed == 0,
			f.Type == protowire.Fixed32Type && fixed == 4,
			f.Type == protowire.Fixed64Type && fixed == 8:
			if err := add(f.Off, f.V); err != nil {
				return nil, err
			}
		case f.Type == protowire.BytesType && fixed == 0:
			for p, end := f.Pos, f.Pos+f.N; p < end; {
				v, q, err := d.Varint(p, end, at, "packed varint")
				if err != nil {
					return nil, err
				}
				if err := add(p, v); err != nil {
					return nil, err
				}
				p = q
			}
		case f.Type == protowire.BytesType:
			if f.N%int64(fixed) != 0 || f.N/int64(fixed) > n-int64(len(out)) {
				return nil, t.err(f.Off, "%s has %d bytes, more than the %d values its dims say", t.DataField, f.N, n)
			}
			b, err := d.Src.CopyOut(f.Pos, int(f.N))
			if err != nil {
				return nil, d.IOErr(f.Pos, at, err)
			}
			for i := 0; i < len(b); i += fixed {
				if fixed == 4 {
					out = append(out, uint64(binary.LittleEndian.Uint32(b[i:])))
				} else {
					out = append(out, binary.LittleEndian.Uint64(b[i:]))
				}
			}
		default:
			return nil, t.err(f.Off, "%s has wire type %s", t.DataField, pbwire.WireName(f.Type))
		}
	}
	if w.Err != nil {
		return nil, w.Err
	}
	if int64(len(out)) != n {
		return nil, t.err(t.Offset, "%s holds %d values, dims say %d", t.DataField, len(out), n)
	}
	return out, nil
}

// int64 interprets an element bit pattern as an integer.
func (t DataType) int64(b uint64) (int64, bool) {
	switch t {
	case Int8:
		return int64(int8(b)), true
	case Int16:
		return int64(int16(b)), true
	case Int32:
		return int64(int32(b)), true
	case Int64:
		return int64(b), true
	case Bool:
		if b != 0 {
			return 1, true
		}
		return 0, true
	case Uint64:
		return int64(b), b <= math.MaxInt64
	}
	return int64(b), true // unsigned types narrower than 64 bits
}

// float64 interprets an element bit pattern as a number.
func (t DataType) float64(b uint64) float64 {
	switch t {
	case Float:
		return float64(math.Float32frombits(uint32(b)))
	case Double:
		return math.Float64frombits(b)
	case Float16:
		return halfToFloat(uint16(b))
	case BFloat16:
		return float64(math.Float32frombits(uint32(b) << 16))
	case Uint64:
		return float64(b)
	}
	v, _ := t.int64(b)
	return float64(v)
}

// halfToFloat converts IEEE 754 binary16 bits to a float64.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}

// Constant attributes that hold numbers, in the order they are looked for.
var constAttrs = [...]string{"value", "value_int", "value_ints", "value_float", "value_floats"}

func (n *Node) constAttr() (*Attribute, error) {
	if n.OpType != "Constant" || (n.Domain != "" && n.Domain != "ai.onnx") {
		return nil, &graph.OffsetError{Offset: n.Offset, Path: n.Path, Msg: fmt.Sprintf("%s node is not a Constant", n.OpType)}
	}
	for _, name := range constAttrs {
		if a := n.Attr(name); a != nil {
			return a, nil
		}
	}
	msg := "Constant has no numeric value attribute"
	if len(n.Attributes) > 0 {
		msg = fmt.Sprintf("Constant attribute %s is not supported", n.Attributes[0].Name)
	}
	return nil, &graph.OffsetError{Offset: n.Offset, Path: n.Path, Msg: msg}
}

// ConstInt64s reads the value of a Constant node holding integers: its
// value tensor, value_int (dims empty) or value_ints (dims [len]). r and
// limit are as for TensorInfo.Int64s.
func (n *Node) ConstInt64s(r io.ReaderAt, limit int) (dims, vals []int64, err error) {
	a, err := n.constAttr()
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 {
		limit = DefaultValueLimit
	}
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, nil, n.attrErr(a, "value has no tensor")
		}
		v, err := a.T.Int64s(r, limit)
		return a.T.Dims, v, err
	case "value_int":
		return []int64{}, []int64{a.I}, nil
	case "value_ints":
		if len(a.Ints) > limit {
			return nil, nil, n.attrErr(a, "%d values, more than the limit of %d", len(a.Ints), limit)
		}
		return []int64{int64(len(a.Ints))}, a.Ints, nil
	}
	return nil, nil, n.attrErr(a, "Constant holds floats; use ConstFloat64s")
}

// ConstFloat64s reads the value of a Constant node holding numbers as
// float64: its value tensor, value_float (dims empty), value_floats
// (dims [len]), value_int or value_ints. r and limit are as for
// TensorInfo.Float64s.
func (n *Node) ConstFloat64s(r io.ReaderAt, limit int) (dims []int64, vals []float64, err error) {
	a, err := n.constAttr()
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 {
		limit = DefaultValueLimit
	}
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, nil, n.attrErr(a, "value has no tensor")
		}
		v, err := a.T.Float64s(r, limit)
		return a.T.Dims, v, err
	case "value_float":
		return []int64{}, []float64{float64(a.F)}, nil
	case "value_int":
		return []int64{}, []float64{float64(a.I)}, nil
	}
	var vals64 []float64
	switch a.Name {
	case "value_floats":
		if len(a.Floats) > limit {
			return nil, nil, n.attrErr(a, "%d values, more than the limit of %d", len(a.Floats), limit)
		}
		vals64 = make([]float64, len(a.Floats))
		for i, f := range a.Floats {
			vals64[i] = float64(f)
		}
	case "value_ints":
		if len(a.Ints) > limit {
			return nil, nil, n.attrErr(a, "%d values, more than the limit of %d", len(a.Ints), limit)
		}
		vals64 = make([]float64, len(a.Ints))
		for i, v := range a.Ints {
			vals64[i] = float64(v)
		}
	}
	return []int64{int64(len(vals64))}, vals64, nil
}

func (n *Node) attrErr(a *Attribute, format string, args ...any) error {
	return &graph.OffsetError{Offset: n.Offset, Path: n.Path + ".attribute[" + a.Name + "]", Msg: fmt.Sprintf(format, args...)}
}
