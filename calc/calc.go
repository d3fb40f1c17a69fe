package calc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrOverflow is returned (wrapped) when arithmetic leaves the int64 range.
var ErrOverflow = errors.New("integer overflow")

// Precedence of the outermost operator of an expression's text; used to
// decide where parentheses are needed when expressions are combined.
const (
	precAdd  = 1
	precMul  = 2
	precAtom = 3
)

// Expr is an integer together with the arithmetic that produced it. The
// zero Expr is unknown with empty text; build expressions with N, Sym and
// the combinators below.
type Expr struct {
	text  string
	val   int64
	known bool
	err   error
	prec  int
}

// N is a known integer.
func N(v int64) Expr {
	if v < 0 {
		return Expr{text: "(" + strconv.FormatInt(v, 10) + ")", val: v, known: true, prec: precAtom}
	}
	return Expr{text: strconv.FormatInt(v, 10), val: v, known: true, prec: precAtom}
}

// Sym is an unknown quantity shown by name, such as a symbolic batch size.
func Sym(name string) Expr {
	if name == "" {
		name = "?"
	}
	return Expr{text: name, prec: precAtom}
}

// Value returns the value and whether it is known (false when a symbol is
// involved or an error occurred).
func (e Expr) Value() (int64, bool) { return e.val, e.known && e.err == nil }

// Known reports whether the value is known.
func (e Expr) Known() bool { return e.known && e.err == nil }

// Err is the first arithmetic error met while building e (overflow, division by zero).
func (e Expr) Err() error { return e.err }

// IsZero reports whether e is the zero Expr (never built).
func (e Expr) IsZero() bool { return e.text == "" && !e.known && e.err == nil }

// String is the arithmetic with values substituted, without the result.
func (e Expr) String() string { return e.text }

// Equation is the arithmetic followed by its result, "(5*5*1+1)*32 = 832";
// just the value when the text is the value itself.
func (e Expr) Equation() string {
	if e.err != nil {
		return e.text + " = error: " + e.err.Error()
	}
	if !e.known {
		return e.text
	}
	v := strconv.FormatInt(e.val, 10)
	if e.text == v || e.text == "("+v+")" {
		return v
	}
	return e.text + " = " + v
}

// Paren returns e with its text in parentheses regardless of precedence.
func Paren(e Expr) Expr {
	e.text = "(" + e.text + ")"
	e.prec = precAtom
	return e
}

// Label replaces the text of e, keeping its value: for showing a computed
// quantity by the name the user wrote.
func Label(e Expr, text string) Expr {
	e.text = text
	e.prec = precAtom
	return e
}

func wrap(e Expr, min int) string {
	if e.prec < min {
		return "(" + e.text + ")"
	}
	return e.text
}

func firstErr(xs ...Expr) error {
	for _, x := range xs {
		if x.err != nil {
			return x.err
		}
	}
	return nil
}

func allKnown(xs ...Expr) bool {
	for _, x := range xs {
		if !x.known {
			return false
		}
	}
	return true
}

// Add is a+b+…; with no terms it is 0.
func Add(xs ...Expr) Expr {
	if len(xs) == 0 {
		return N(0)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	parts := make([]string, len(xs))
	var sum int64
	var err error
	for i, x := range xs {
		parts[i] = wrap(x, precAdd)
		if err == nil && x.known {
			r := sum + x.val // wraps; detected below
			if (x.val > 0 && r < sum) || (x.val < 0 && r > sum) {
				err = fmt.Errorf("%s: %w", strings.Join(parts[:i+1], "+"), ErrOverflow)
			}
			sum = r
		}
	}
	e := Expr{text: strings.Join(parts, "+"), prec: precAdd}
	e.err = firstErr(xs...)
	if e.err == nil {
		e.err = err
	}
	if allKnown(xs...) {
		e.val, e.known = sum, true
	}
	if e.err != nil {
		e.known = false
	}
	return e
}

// Sub is a-b.
func Sub(a, b Expr) Expr {
	e := Expr{text: wrap(a, precAdd) + "-" + wrap(b, precMul), prec: precAdd}
	e.err = firstErr(a, b)
	if e.err == nil && a.known && b.known {
		r := a.val - b.val
		if (b.val > 0 && r > a.val) || (b.val < 0 && r < a.val) {
			e.err = fmt.Errorf("%s: %w", e.text, ErrOverflow)
		} else {
			e.val, e.known = r, true
		}
	}
	return e
}

// Mul is a*b*…; with no factors it is 1.
func Mul(xs ...Expr) Expr {
	if len(xs) == 0 {
		return N(1)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	parts := make([]string, len(xs))
	var prod int64 = 1
	var err error
	for i, x := range xs {
		parts[i] = wrap(x, precMul)
		if err == nil && x.known {
			r, ok := mul64(prod, x.val)
			if !ok {
				err = fmt.Errorf("%s: %w", strings.Join(parts[:i+1], "*"), ErrOverflow)
			}
			prod = r
		}
	}
	e := Expr{text: strings.Join(parts, "*"), prec: precMul}
	e.err = firstErr(xs...)
	if e.err == nil {
		e.err = err
	}
	if e.err == nil && allKnown(xs...) {
		e.val, e.known = prod, true
	}
	return e
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	r := a * b
	if r/b != a || (a == -1 && b == -1<<63) || (b == -1 && a == -1<<63) {
		return 0, false
	}
	return r, true
}

func divide(name string, a, b Expr, ceil bool) Expr {
	e := Expr{text: name + "(" + wrap(a, precMul) + "/" + wrap(b, precAtom) + ")", prec: precAtom}
	e.err = firstErr(a, b)
	if e.err == nil && b.known && b.val == 0 {
		e.err = fmt.Errorf("%s: division by zero", e.text)
	}
	if e.err == nil && a.known && b.known {
		q := a.val / b.val
		r := a.val % b.val
		if r != 0 && ((r < 0) != (b.val < 0)) {
			q-- // floor toward -inf
		}
		if ceil && r != 0 {
			q++
		}
		e.val, e.known = q, true
	}
	return e
}

// Floor is floor(a/b).
func Floor(a, b Expr) Expr { return divide("floor", a, b, false) }

// Ceil is ceil(a/b).
func Ceil(a, b Expr) Expr { return divide("ceil", a, b, true) }

// Div is an exact division a/b; a remainder is an error.
func Div(a, b Expr) Expr {
	e := Expr{text: wrap(a, precMul) + "/" + wrap(b, precAtom), prec: precMul}
	e.err = firstErr(a, b)
	if e.err == nil && b.known && b.val == 0 {
		e.err = fmt.Errorf("%s: division by zero", e.text)
	}
	if e.err == nil && a.known && b.known {
		if a.val%b.val != 0 {
			e.err = fmt.Errorf("%s is not a whole number", e.text)
		} else {
			e.val, e.known = a.val/b.val, true
		}
	}
	return e
}

func pick(name string, a, b Expr, max bool) Expr {
	e := Expr{text: name + "(" + a.text + ", " + b.text + ")", prec: precAtom}
	e.err = firstErr(a, b)
	if e.err == nil && a.known && b.known {
		v := a.val
		if (max && b.val > v) || (!max && b.val < v) {
			v = b.val
		}
		e.val, e.known = v, true
	}
	return e
}

// Max is max(a, b).
func Max(a, b Expr) Expr { return pick("max", a, b, true) }

// Min is min(a, b).
func Min(a, b Expr) Expr { return pick("min", a, b, false) }
