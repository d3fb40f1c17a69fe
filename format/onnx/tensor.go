package onnx

import (
	"math"
	"math/bits"
	"strconv"
)

// DataType is TensorProto.DataType, the element type of a tensor.
type DataType int32

// Element types.
const (
	Undefined      DataType = 0
	Float          DataType = 1
	Uint8          DataType = 2
	Int8           DataType = 3
	Uint16         DataType = 4
	Int16          DataType = 5
	Int32          DataType = 6
	Int64          DataType = 7
	String         DataType = 8
	Bool           DataType = 9
	Float16        DataType = 10
	Double         DataType = 11
	Uint32         DataType = 12
	Uint64         DataType = 13
	Complex64      DataType = 14
	Complex128     DataType = 15
	BFloat16       DataType = 16
	Float8E4M3FN   DataType = 17
	Float8E4M3FNUZ DataType = 18
	Float8E5M2     DataType = 19
	Float8E5M2FNUZ DataType = 20
	Uint4          DataType = 21
	Int4           DataType = 22
	Float4E2M1     DataType = 23
	Float8E8M0     DataType = 24
	Uint2          DataType = 25
	Int2           DataType = 26
)

type dtypeInfo struct {
	name, proto string
	bits        int
	field       DataField // typed field that holds values when raw_data is not used
}

var dtypes = [...]dtypeInfo{
	Undefined:      {"undefined", "UNDEFINED", 0, 0},
	Float:          {"float32", "FLOAT", 32, FloatData},
	Uint8:          {"uint8", "UINT8", 8, Int32Data},
	Int8:           {"int8", "INT8", 8, Int32Data},
	Uint16:         {"uint16", "UINT16", 16, Int32Data},
	Int16:          {"int16", "INT16", 16, Int32Data},
	Int32:          {"int32", "INT32", 32, Int32Data},
	Int64:          {"int64", "INT64", 64, Int64Data},
	String:         {"string", "STRING", 0, StringData},
	Bool:           {"bool", "BOOL", 8, Int32Data},
	Float16:        {"float16", "FLOAT16", 16, Int32Data},
	Double:         {"float64", "DOUBLE", 64, DoubleData},
	Uint32:         {"uint32", "UINT32", 32, Uint64Data},
	Uint64:         {"uint64", "UINT64", 64, Uint64Data},
	Complex64:      {"complex64", "COMPLEX64", 64, FloatData},
	Complex128:     {"complex128", "COMPLEX128", 128, DoubleData},
	BFloat16:       {"bfloat16", "BFLOAT16", 16, Int32Data},
	Float8E4M3FN:   {"float8e4m3fn", "FLOAT8E4M3FN", 8, Int32Data},
	Float8E4M3FNUZ: {"float8e4m3fnuz", "FLOAT8E4M3FNUZ", 8, Int32Data},
	Float8E5M2:     {"float8e5m2", "FLOAT8E5M2", 8, Int32Data},
	Float8E5M2FNUZ: {"float8e5m2fnuz", "FLOAT8E5M2FNUZ", 8, Int32Data},
	Uint4:          {"uint4", "UINT4", 4, Int32Data},
	Int4:           {"int4", "INT4", 4, Int32Data},
	Float4E2M1:     {"float4e2m1", "FLOAT4E2M1", 4, Int32Data},
	Float8E8M0:     {"float8e8m0", "FLOAT8E8M0", 8, Int32Data},
	Uint2:          {"uint2", "UINT2", 2, Int32Data},
	Int2:           {"int2", "INT2", 2, Int32Data},
}

func (t DataType) info() dtypeInfo {
	if t >= 0 && int(t) < len(dtypes) {
		return dtypes[t]
	}
	return dtypeInfo{}
}

// String returns the numpy-style name: "float32", "int64", "bfloat16",
// "bool", ...; "DataType(N)" for an unknown value.
func (t DataType) String() string {
	if n := t.info().name; n != "" {
		return n
	}
	return "DataType(" + strconv.Itoa(int(t)) + ")"
}

// ProtoName returns the TensorProto.DataType enum name: "FLOAT", "INT64", ...
func (t DataType) ProtoName() string {
	if n := t.info().proto; n != "" {
		return n
	}
	return strconv.Itoa(int(t))
}

// Bits returns the storage size of one element in bits; 0 for strings and
// unknown types.
func (t DataType) Bits() int { return t.info().bits }

// Size returns the size of one element in bytes; 0 for strings, unknown
// types and types narrower than a byte (see Bits).
func (t DataType) Size() int {
	if b := t.Bits(); b%8 == 0 {
		return b / 8
	}
	return 0
}

// IsFloat reports whether t is a floating-point (or complex) type.
func (t DataType) IsFloat() bool {
	switch t {
	case Float, Float16, Double, Complex64, Complex128, BFloat16, Float8E4M3FN,
		Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float4E2M1, Float8E8M0:
		return true
	}
	return false
}

// DataLocation is TensorProto.DataLocation.
type DataLocation int32

// Data locations.
const (
	Default  DataLocation = 0 // payload in the file, or no payload
	External DataLocation = 1 // payload in another file named by external_data
)

func (l DataLocation) String() string {
	switch l {
	case Default:
		return "DEFAULT"
	case External:
		return "EXTERNAL"
	}
	return "DataLocation(" + strconv.Itoa(int(l)) + ")"
}

// DataField is the TensorProto field that holds a tensor's values.
type DataField int32

// Payload fields of TensorProto, by field number.
const (
	NoData     DataField = 0
	FloatData  DataField = 4
	Int32Data  DataField = 5
	StringData DataField = 6
	Int64Data  DataField = 7
	RawData    DataField = 9
	DoubleData DataField = 10
	Uint64Data DataField = 11
)

func (f DataField) String() string {
	switch f {
	case NoData:
		return "none"
	case FloatData:
		return "float_data"
	case Int32Data:
		return "int32_data"
	case StringData:
		return "string_data"
	case Int64Data:
		return "int64_data"
	case RawData:
		return "raw_data"
	case DoubleData:
		return "double_data"
	case Uint64Data:
		return "uint64_data"
	}
	return "DataField(" + strconv.Itoa(int(f)) + ")"
}

func isDataField(n int32) bool {
	switch DataField(n) {
	case FloatData, Int32Data, StringData, Int64Data, RawData, DoubleData, Uint64Data:
		return true
	}
	return false
}

// TensorInfo describes a TensorProto without its payload: an initializer,
// an attribute tensor, or a part of a sparse tensor.
type TensorInfo struct {
	Name         string
	Dims         []int64
	DataType     DataType
	DataLocation DataLocation
	ExternalData KeyValues // location, offset, length, checksum
	// DataField is the field that holds the embedded payload, NoData when
	// there is none (external or empty tensors).
	DataField DataField
	// Offset and Length locate the payload in the file: the bytes of
	// raw_data or of a packed typed field. When a typed field is repeated
	// (unpacked, or split), they span from its first value to its last,
	// tags in between included.
	Offset, Length int64
	// Path names the tensor in the model, e.g. "graph.initializer[3]".
	Path string

	msgOff, msgEnd int64 // the TensorProto's contents, to re-read typed fields
	nameID         int32 // Name's interned id (Node.ids), checked before use
}

// NumElements returns the product of the dims (1 for a scalar); ok is
// false when a dim is negative or the product overflows int64.
func (t *TensorInfo) NumElements() (n int64, ok bool) {
	return numElements(t.Dims)
}

func numElements(dims []int64) (int64, bool) {
	n := uint64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = lo
	}
	return int64(n), true
}

// ByteSize returns the size of the payload as raw_data: elements × element
// bits, rounded up to whole bytes; ok is false for strings, unknown types,
// or on overflow.
func (t *TensorInfo) ByteSize() (n int64, ok bool) {
	e, ok := t.NumElements()
	b := t.DataType.Bits()
	if !ok || b == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(e), uint64(b))
	if hi != 0 || lo > math.MaxInt64-7 {
		return 0, false
	}
	return int64((lo + 7) / 8), true
}

// IsExternal reports whether the payload lives in another file.
func (t *TensorInfo) IsExternal() bool { return t.DataLocation == External }
