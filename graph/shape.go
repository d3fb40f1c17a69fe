package graph

import (
	"strconv"

	"github.com/layerinfo/layerinfo/calc"
)

// Dim is one axis of a shape: a known size, or unknown — anonymous (the
// batch None of Lasagne and Keras) or named (ONNX's dim_param "batch").
type Dim struct {
	Size int64  // the size when ≥ 0; negative means unknown
	Name string // name of an unknown dim; "" when anonymous
}

// D is a known dim.
func D(n int64) Dim { return Dim{Size: n} }

// Unknown is an anonymous unknown dim (Python's None).
func Unknown() Dim { return Dim{Size: -1} }

// Symbol is an unknown dim with a name.
func Symbol(name string) Dim { return Dim{Size: -1, Name: name} }

// Known reports whether the size is known.
func (d Dim) Known() bool { return d.Size >= 0 }

// String is the size, the symbol's name, or "None".
func (d Dim) String() string {
	if d.Known() {
		return strconv.FormatInt(d.Size, 10)
	}
	if d.Name != "" {
		return d.Name
	}
	return "None"
}

// Expr is the dim as an arithmetic term: its value, or its name when unknown.
func (d Dim) Expr() calc.Expr {
	if d.Known() {
		return calc.N(d.Size)
	}
	return calc.Sym(d.String())
}

// DimOf turns an expression's result back into a dim: known when the value
// is, otherwise unknown (named after the expression when it is a single symbol).
func DimOf(e calc.Expr) Dim {
	if v, ok := e.Value(); ok {
		return D(v)
	}
	return Unknown()
}

// Same reports whether two dims are certainly equal, or possibly equal
// when either is unknown (named dims with equal names are equal).
func (d Dim) Compatible(o Dim) bool {
	if d.Known() && o.Known() {
		return d.Size == o.Size
	}
	return true
}

// Shape is a tensor's shape, outermost axis first, in the layout of the
// framework that described it (NCHW for Lasagne, NHWC for Keras, …).
type Shape []Dim

// S builds a shape from known sizes; a negative size becomes Unknown.
func S(sizes ...int64) Shape {
	s := make(Shape, len(sizes))
	for i, n := range sizes {
		if n < 0 {
			s[i] = Unknown()
		} else {
			s[i] = D(n)
		}
	}
	return s
}

// Rank is the number of axes.
func (s Shape) Rank() int { return len(s) }

// Known reports whether every dim is known.
func (s Shape) Known() bool {
	for _, d := range s {
		if !d.Known() {
			return false
		}
	}
	return true
}

// Clone returns a copy that shares nothing with s.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...) // a scalar stays a scalar, not unknown
}

// Equal reports whether two shapes are identical (same sizes, same names).
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// String is the dims joined by "x": "None x 32 x 24 x 24" reads as "Nonex32x24x24".
func (s Shape) String() string { return s.Join("x") }

// Join formats the dims with a separator; a scalar is "scalar".
func (s Shape) Join(sep string) string {
	if len(s) == 0 {
		return "scalar"
	}
	var buf [64]byte
	return string(s.AppendJoin(buf[:0], sep))
}

// AppendJoin appends the dims joined with a separator (Join) to b.
func (s Shape) AppendJoin(b []byte, sep string) []byte {
	if len(s) == 0 {
		return append(b, "scalar"...)
	}
	for i, d := range s {
		if i > 0 {
			b = append(b, sep...)
		}
		b = d.Append(b)
	}
	return b
}

// Append appends the dim's text (String) to b.
func (d Dim) Append(b []byte) []byte {
	switch {
	case d.Known():
		return strconv.AppendInt(b, d.Size, 10)
	case d.Name != "":
		return append(b, d.Name...)
	}
	return append(b, "None"...)
}

// Numel is the number of elements as an expression ("32*1*5*5").
func (s Shape) Numel() calc.Expr { return s.NumelWith(false) }

// NumelWith is Numel built with t: a bare count when t is true and every
// dim is known (calc.Terse; for nodes under NoArithmetic).
func (s Shape) NumelWith(t calc.Terse) calc.Expr {
	if len(s) == 0 {
		return calc.N(1)
	}
	var buf [8]calc.Expr // calc.Mul copies its operands
	xs := buf[:0]
	for _, d := range s {
		xs = append(xs, d.Expr())
	}
	return t.Mul(xs...)
}

// Axis normalizes a possibly negative axis index against rank; ok is false
// when it is out of range.
func Axis(axis, rank int) (int, bool) {
	if axis < 0 {
		axis += rank
	}
	return axis, axis >= 0 && axis < rank
}
