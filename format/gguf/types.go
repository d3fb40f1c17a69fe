package gguf

import (
	"fmt"

	"github.com/layerinfo/layerinfo/internal/ggml"
)

// Type is a ggml tensor type (enum ggml_type in ggml.h). The table of
// types and their layouts is internal/ggml's, which the report's weight
// memory estimates (package stats) read too.
type Type = ggml.Type

// TypeInfo is the storage layout of a ggml type: BlockSize elements are
// stored in TypeSize bytes (ggml's blck_size and type_size).
type TypeInfo = ggml.TypeInfo

// The ggml tensor types (see internal/ggml).
const (
	TypeF32       = ggml.TypeF32
	TypeF16       = ggml.TypeF16
	TypeQ4_0      = ggml.TypeQ4_0
	TypeQ4_1      = ggml.TypeQ4_1
	TypeQ5_0      = ggml.TypeQ5_0
	TypeQ5_1      = ggml.TypeQ5_1
	TypeQ8_0      = ggml.TypeQ8_0
	TypeQ8_1      = ggml.TypeQ8_1
	TypeQ2_K      = ggml.TypeQ2_K
	TypeQ3_K      = ggml.TypeQ3_K
	TypeQ4_K      = ggml.TypeQ4_K
	TypeQ5_K      = ggml.TypeQ5_K
	TypeQ6_K      = ggml.TypeQ6_K
	TypeQ8_K      = ggml.TypeQ8_K
	TypeIQ2_XXS   = ggml.TypeIQ2_XXS
	TypeIQ2_XS    = ggml.TypeIQ2_XS
	TypeIQ3_XXS   = ggml.TypeIQ3_XXS
	TypeIQ1_S     = ggml.TypeIQ1_S
	TypeIQ4_NL    = ggml.TypeIQ4_NL
	TypeIQ3_S     = ggml.TypeIQ3_S
	TypeIQ2_S     = ggml.TypeIQ2_S
	TypeIQ4_XS    = ggml.TypeIQ4_XS
	TypeI8        = ggml.TypeI8
	TypeI16       = ggml.TypeI16
	TypeI32       = ggml.TypeI32
	TypeI64       = ggml.TypeI64
	TypeF64       = ggml.TypeF64
	TypeIQ1_M     = ggml.TypeIQ1_M
	TypeBF16      = ggml.TypeBF16
	TypeQ4_0_4_4  = ggml.TypeQ4_0_4_4
	TypeQ4_0_4_8  = ggml.TypeQ4_0_4_8
	TypeQ4_0_8_8  = ggml.TypeQ4_0_8_8
	TypeTQ1_0     = ggml.TypeTQ1_0
	TypeTQ2_0     = ggml.TypeTQ2_0
	TypeIQ4_NL4_4 = ggml.TypeIQ4_NL4_4
	TypeIQ4_NL4_8 = ggml.TypeIQ4_NL4_8
	TypeIQ4_NL8_8 = ggml.TypeIQ4_NL8_8
	TypeMXFP4     = ggml.TypeMXFP4
	TypeNVFP4     = ggml.TypeNVFP4
	TypeQ1_0      = ggml.TypeQ1_0
	TypeQ2_0      = ggml.TypeQ2_0
)

// ValueType is the type of a metadata value.
type ValueType uint32

// The GGUF metadata value types.
const (
	Uint8   ValueType = 0
	Int8    ValueType = 1
	Uint16  ValueType = 2
	Int16   ValueType = 3
	Uint32  ValueType = 4
	Int32   ValueType = 5
	Float32 ValueType = 6
	Bool    ValueType = 7
	String  ValueType = 8
	Array   ValueType = 9
	Uint64  ValueType = 10
	Int64   ValueType = 11
	Float64 ValueType = 12
)

// size returns the encoded size of a fixed-size value type, or 0.
func (t ValueType) size() int64 {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16:
		return 2
	case Uint32, Int32, Float32:
		return 4
	case Uint64, Int64, Float64:
		return 8
	}
	return 0
}

// minSize is the smallest encoding of a value of type t.
func (t ValueType) minSize() int64 {
	switch t {
	case String:
		return 8
	case Array:
		return 12
	}
	return t.size()
}

func (t ValueType) valid() bool { return t <= Float64 }

func (t ValueType) String() string {
	names := [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32",
		"float32", "bool", "string", "array", "uint64", "int64", "float64"}
	if t.valid() {
		return names[t]
	}
	return fmt.Sprintf("valuetype(%d)", uint32(t))
}
