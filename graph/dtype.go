package graph

// DType is an element type, named as numpy does ("float32", "int64",
// "bfloat16"). The empty DType is unknown.
type DType string

// Common element types.
const (
	Float64  DType = "float64"
	Float32  DType = "float32"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Int64    DType = "int64"
	Int32    DType = "int32"
	Int16    DType = "int16"
	Int8     DType = "int8"
	Uint8    DType = "uint8"
	Bool     DType = "bool"
)

var dtypeBits = map[DType]int{
	"float64": 64, "float32": 32, "float16": 16, "bfloat16": 16,
	"float8e4m3fn": 8, "float8e4m3fnuz": 8, "float8e5m2": 8, "float8e5m2fnuz": 8, "float4e2m1": 4,
	"int64": 64, "int32": 32, "int16": 16, "int8": 8, "int4": 4,
	"uint64": 64, "uint32": 32, "uint16": 16, "uint8": 8, "uint4": 4,
	"bool": 8, "complex64": 64, "complex128": 128,
}

// Bits is the storage size of one element in bits, 0 when unknown or
// variable (strings).
func (t DType) Bits() int { return dtypeBits[t] }

// IsFloat reports whether the type is a floating-point type, the kind of
// tensor an optimizer trains.
func (t DType) IsFloat() bool {
	switch t {
	case Float64, Float32, Float16, BFloat16, "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "float4e2m1", "complex64", "complex128":
		return true
	}
	return false
}
