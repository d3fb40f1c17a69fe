package gguf

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// Value is a typed metadata value. V holds a uint8, int8, uint16, int16,
// uint32, int32, float32, bool, string, uint64, int64, float64 or *ArrayValue
// according to Type.
type Value struct {
	Type ValueType
	V    any
}

// Uint returns the value as a uint64 if it is a non-negative integer.
func (v Value) Uint() (uint64, bool) {
	switch x := v.V.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8, int16, int32, int64:
		i, _ := v.Int()
		if i >= 0 {
			return uint64(i), true
		}
	}
	return 0, false
}

// Int returns the value as an int64 if it is an integer that fits.
func (v Value) Int() (int64, bool) {
	switch x := v.V.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8, uint16, uint32, uint64:
		u, _ := v.Uint()
		if u <= math.MaxInt64 {
			return int64(u), true
		}
	}
	return 0, false
}

// Float returns the value as a float64 if it is a number.
func (v Value) Float() (float64, bool) {
	switch x := v.V.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := v.Int(); ok {
		return float64(i), true
	}
	if u, ok := v.Uint(); ok {
		return float64(u), true
	}
	return 0, false
}

// Str returns the value if it is a string.
func (v Value) Str() (string, bool) {
	s, ok := v.V.(string)
	return s, ok
}

// Array returns the value if it is an array.
func (v Value) Array() (*ArrayValue, bool) {
	a, ok := v.V.(*ArrayValue)
	return a, ok
}

// String formats the value for display; arrays are summarized.
func (v Value) String() string {
	switch x := v.V.(type) {
	case string:
		return strconv.Quote(x)
	case *ArrayValue:
		return x.String()
	}
	return fmt.Sprint(v.V)
}

// ArrayValue is a metadata array. Arrays of at most Decoder.MaxArrayValues
// elements are decoded into Values; longer ones (such as a 150k-entry
// tokenizer.ggml.tokens) keep only their type, length and file offset and
// can be read on request with Decode.
type ArrayValue struct {
	Elem   ValueType
	Len    uint64
	Offset int64   // file offset of the first element
	Values []Value // all elements if decoded, else nil

	size      int64 // file size, for lazy decoding
	bigEndian bool
}

// Decoded reports whether Values holds every element.
func (a *ArrayValue) Decoded() bool { return a.Values != nil || a.Len == 0 }

// String summarizes the array, e.g. "[string × 151936]".
func (a *ArrayValue) String() string {
	if a.Decoded() && a.Len <= 8 {
		parts := make([]string, len(a.Values))
		for i, v := range a.Values {
			parts[i] = v.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("[%s × %d]", a.Elem, a.Len)
}

// Decode reads the first max elements of the array (all of them if max < 0
// or max >= Len) from r, the file the array was decoded from. Strings are
// capped at DefaultMaxString bytes each and nested arrays are summarized.
func (a *ArrayValue) Decode(r io.ReaderAt, max int) ([]Value, error) {
	if a.Decoded() && (max < 0 || uint64(max) >= a.Len) {
		return a.Values, nil
	}
	n := a.Len
	if max >= 0 && uint64(max) < n {
		n = uint64(max)
	}
	rd := newReader(r, a.size, "")
	if a.bigEndian {
		rd.order = binary.BigEndian
	}
	rd.off = a.Offset
	if int64(n) < 0 || uint64(rd.remaining())/uint64(a.Elem.minSize()) < n {
		return nil, rd.errf(rd.off, "array of %d %s exceeds the file", n, a.Elem)
	}
	st := &state{d: &Decoder{MaxArrayValues: -1}, valueBudget: int64(n), stringBudget: DefaultMaxStringBytes}
	out := make([]Value, 0, n)
	for i := uint64(0); i < n; i++ {
		v, err := st.value(rd, a.Elem, 1, "array element")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Strings decodes up to max elements of a string array.
func (a *ArrayValue) Strings(r io.ReaderAt, max int) ([]string, error) {
	if a.Elem != String {
		return nil, fmt.Errorf("gguf: array of %s, not string", a.Elem)
	}
	vals, err := a.Decode(r, max)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i], _ = v.Str()
	}
	return out, nil
}

// state carries the running budgets of one decode.
type state struct {
	d            *Decoder
	valueBudget  int64 // array elements that may still be decoded
	stringBudget int64 // string bytes that may still be decoded
}

// value reads one value of type t. depth is the array nesting depth.
func (st *state) value(rd *reader, t ValueType, depth int, what string) (Value, error) {
	at := rd.off
	v := Value{Type: t}
	var err error
	switch t {
	case Uint8, Bool, Int8:
		var b uint8
		b, err = rd.u8(what)
		switch t {
		case Uint8:
			v.V = b
		case Int8:
			v.V = int8(b)
		case Bool:
			if b > 1 {
				return v, rd.errf(at, "%s: bool value %d is not 0 or 1", what, b)
			}
			v.V = b == 1
		}
	case Uint16, Int16:
		var x uint16
		x, err = rd.u16(what)
		if t == Uint16 {
			v.V = x
		} else {
			v.V = int16(x)
		}
	case Uint32, Int32, Float32:
		var x uint32
		x, err = rd.u32(what)
		switch t {
		case Uint32:
			v.V = x
		case Int32:
			v.V = int32(x)
		default:
			v.V = math.Float32frombits(x)
		}
	case Uint64, Int64, Float64:
		var x uint64
		x, err = rd.u64(what)
		switch t {
		case Uint64:
			v.V = x
		case Int64:
			v.V = int64(x)
		default:
			v.V = math.Float64frombits(x)
		}
	case String:
		max := min(st.d.maxString(), st.stringBudget)
		var s string
		s, err = st.str(rd, max, what)
		st.stringBudget -= int64(len(s))
		v.V = s
	case Array:
		v.V, err = st.array(rd, depth, what)
	default:
		return v, rd.errf(at, "%s: unknown value type %d", what, uint32(t))
	}
	return v, err
}

// array reads an array header and its elements, decoding them only if the
// array is small enough and the budgets allow.
func (st *state) array(rd *reader, depth int, what string) (*ArrayValue, error) {
	at := rd.off
	if depth >= maxArrayDepth {
		return nil, rd.errf(at, "%s: arrays nested deeper than %d", what, maxArrayDepth)
	}
	et, err := rd.u32("array type")
	if err != nil {
		return nil, err
	}
	elem := ValueType(et)
	if !elem.valid() {
		return nil, rd.errf(at, "%s: unknown array element type %d", what, et)
	}
	n, err := rd.u64("array length")
	if err != nil {
		return nil, err
	}
	if n > uint64(rd.remaining())/uint64(elem.minSize()) {
		return nil, rd.errf(at+4, "%s: array length %d exceeds the %d bytes left in the file", what, n, rd.remaining())
	}
	a := &ArrayValue{Elem: elem, Len: n, Offset: rd.off, size: rd.size, bigEndian: rd.order == binary.BigEndian}
	decode := st.d.maxArray() < 0 || n <= uint64(st.d.maxArray())
	if decode && int64(n) <= st.valueBudget {
		if err := st.d.charge(budget.Items(int64(n), valueCost), at, func() string {
			return fmt.Sprintf("%s: an array of %d values", what, n)
		}); err != nil {
			return nil, err
		}
		st.valueBudget -= int64(n)
		a.Values = make([]Value, 0, n)
		for i := uint64(0); i < n; i++ {
			v, err := st.value(rd, elem, depth+1, what)
			if err != nil {
				return nil, err
			}
			a.Values = append(a.Values, v)
		}
		return a, nil
	}
	// Skip the elements without keeping them.
	switch elem {
	case String:
		for i := uint64(0); i < n; i++ {
			if err := rd.skipStr(what); err != nil {
				return nil, err
			}
		}
	case Array:
		for i := uint64(0); i < n; i++ {
			if err := st.skipArray(rd, depth+1, what); err != nil {
				return nil, err
			}
		}
	default:
		if err := rd.skip(int64(n)*elem.size(), what); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// str reads a string value of at most max bytes, charged before it is
// read.
func (st *state) str(rd *reader, max int64, what string) (string, error) {
	at := rd.off
	if b, err := rd.next(8, what+" length"); err == nil {
		n := rd.order.Uint64(b)
		rd.off = at
		if n <= uint64(max) {
			if err := st.d.charge(int64(n)+16, at, func() string { return fmt.Sprintf("%s: a string of %d bytes", what, n) }); err != nil {
				return "", err
			}
		}
	}
	return rd.str(max, what)
}

func (st *state) skipArray(rd *reader, depth int, what string) error {
	saved := st.valueBudget
	st.valueBudget = -1 // decode nothing
	_, err := st.array(rd, depth, what)
	st.valueBudget = saved
	return err
}
