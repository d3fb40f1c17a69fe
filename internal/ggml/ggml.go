package ggml

import "fmt"

// Type is a ggml tensor type (enum ggml_type in ggml.h).
type Type uint32

// The ggml tensor types. Values 4 and 5 (Q4_2, Q4_3) predate GGUF and are
// unknown here; 31-33 and 36-38 are repacked layouts that ggml no longer
// accepts in GGUF files but that older files may contain.
const (
	TypeF32       Type = 0
	TypeF16       Type = 1
	TypeQ4_0      Type = 2
	TypeQ4_1      Type = 3
	TypeQ5_0      Type = 6
	TypeQ5_1      Type = 7
	TypeQ8_0      Type = 8
	TypeQ8_1      Type = 9
	TypeQ2_K      Type = 10
	TypeQ3_K      Type = 11
	TypeQ4_K      Type = 12
	TypeQ5_K      Type = 13
	TypeQ6_K      Type = 14
	TypeQ8_K      Type = 15
	TypeIQ2_XXS   Type = 16
	TypeIQ2_XS    Type = 17
	TypeIQ3_XXS   Type = 18
	TypeIQ1_S     Type = 19
	TypeIQ4_NL    Type = 20
	TypeIQ3_S     Type = 21
	TypeIQ2_S     Type = 22
	TypeIQ4_XS    Type = 23
	TypeI8        Type = 24
	TypeI16       Type = 25
	TypeI32       Type = 26
	TypeI64       Type = 27
	TypeF64       Type = 28
	TypeIQ1_M     Type = 29
	TypeBF16      Type = 30
	TypeQ4_0_4_4  Type = 31
	TypeQ4_0_4_8  Type = 32
	TypeQ4_0_8_8  Type = 33
	TypeTQ1_0     Type = 34
	TypeTQ2_0     Type = 35
	TypeIQ4_NL4_4 Type = 36
	TypeIQ4_NL4_8 Type = 37
	TypeIQ4_NL8_8 Type = 38
	TypeMXFP4     Type = 39
	TypeNVFP4     Type = 40
	TypeQ1_0      Type = 41
	TypeQ2_0      Type = 42
)

// TypeInfo is the storage layout of a ggml type: BlockSize elements are
// stored in TypeSize bytes (ggml's blck_size and type_size).
type TypeInfo struct {
	Name      string
	BlockSize int64
	TypeSize  int64
	Quantized bool
	// Removed marks layouts that current ggml rejects in GGUF files
	// (Q4_0_4_4 and friends); their sizes are still known.
	Removed bool
}

// Info returns the layout of t. The block sizes and bytes per block are
// those of ggml's type_traits table (sizeof the block_* structs in
// ggml-common.h).
func (t Type) Info() (TypeInfo, bool) {
	const qk = 256 // QK_K
	q := func(name string, blck, size int64) (TypeInfo, bool) {
		return TypeInfo{Name: name, BlockSize: blck, TypeSize: size, Quantized: true}, true
	}
	p := func(name string, size int64) (TypeInfo, bool) {
		return TypeInfo{Name: name, BlockSize: 1, TypeSize: size}, true
	}
	switch t {
	case TypeF32:
		return p("F32", 4)
	case TypeF16:
		return p("F16", 2)
	case TypeQ4_0:
		return q("Q4_0", 32, 18)
	case TypeQ4_1:
		return q("Q4_1", 32, 20)
	case TypeQ5_0:
		return q("Q5_0", 32, 22)
	case TypeQ5_1:
		return q("Q5_1", 32, 24)
	case TypeQ8_0:
		return q("Q8_0", 32, 34)
	case TypeQ8_1:
		return q("Q8_1", 32, 36)
	case TypeQ2_K:
		return q("Q2_K", qk, 84)
	case TypeQ3_K:
		return q("Q3_K", qk, 110)
	case TypeQ4_K:
		return q("Q4_K", qk, 144)
	case TypeQ5_K:
		return q("Q5_K", qk, 176)
	case TypeQ6_K:
		return q("Q6_K", qk, 210)
	case TypeQ8_K:
		return q("Q8_K", qk, 292)
	case TypeIQ2_XXS:
		return q("IQ2_XXS", qk, 66)
	case TypeIQ2_XS:
		return q("IQ2_XS", qk, 74)
	case TypeIQ3_XXS:
		return q("IQ3_XXS", qk, 98)
	case TypeIQ1_S:
		return q("IQ1_S", qk, 50)
	case TypeIQ4_NL:
		return q("IQ4_NL", 32, 18)
	case TypeIQ3_S:
		return q("IQ3_S", qk, 110)
	case TypeIQ2_S:
		return q("IQ2_S", qk, 82)
	case TypeIQ4_XS:
		return q("IQ4_XS", qk, 136)
	case TypeI8:
		return p("I8", 1)
	case TypeI16:
		return p("I16", 2)
	case TypeI32:
		return p("I32", 4)
	case TypeI64:
		return p("I64", 8)
	case TypeF64:
		return p("F64", 8)
	case TypeIQ1_M:
		return q("IQ1_M", qk, 56)
	case TypeBF16:
		return p("BF16", 2)
	case TypeQ4_0_4_4, TypeQ4_0_4_8, TypeQ4_0_8_8:
		name := [...]string{"Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8"}[t-TypeQ4_0_4_4]
		return TypeInfo{Name: name, BlockSize: 32, TypeSize: 18, Quantized: true, Removed: true}, true
	case TypeTQ1_0:
		return q("TQ1_0", qk, 54)
	case TypeTQ2_0:
		return q("TQ2_0", qk, 66)
	case TypeIQ4_NL4_4, TypeIQ4_NL4_8, TypeIQ4_NL8_8:
		name := [...]string{"IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8"}[t-TypeIQ4_NL4_4]
		return TypeInfo{Name: name, BlockSize: 32, TypeSize: 18, Quantized: true, Removed: true}, true
	case TypeMXFP4:
		return q("MXFP4", 32, 17)
	case TypeNVFP4:
		return q("NVFP4", 64, 36)
	case TypeQ1_0:
		return q("Q1_0", 128, 18)
	case TypeQ2_0:
		return q("Q2_0", 64, 18)
	}
	return TypeInfo{}, false
}

// String returns the type's name, such as "Q4_K", or "type(N)".
func (t Type) String() string {
	if ti, ok := t.Info(); ok {
		return ti.Name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}
