package calc

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// TestLazyText builds random expression trees twice, with the lazy Expr
// and with ref, a straightforward eager rendering (the package as it was
// before its text became lazy: every combinator joins its operands' text
// at once), and compares everything an Expr shows: text, equation, value,
// error and its message.
func TestLazyText(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	for i := range 20000 {
		e, r, terse := randomExpr(rng, 4)
		if err := sameExpr(e, r); err != nil {
			t.Fatalf("tree %d: %v", i, err)
		}
		if err := sameValue(terse, e); err != nil {
			t.Fatalf("tree %d, Terse: %v", i, err)
		}
	}
}

// TestLazyParens applies Paren more times than the count an Expr keeps.
func TestLazyParens(t *testing.T) {
	e, r := Sub(N(3), N(-4)), rSub(rN(3), rN(-4))
	for i := range 600 {
		e, r = Paren(e), rParen(r)
		if i%7 == 0 {
			e, r = Add(e, N(1)), rAdd(r, rN(1))
		}
		if err := sameExpr(e, r); err != nil {
			t.Fatalf("after %d parens: %v", i+1, err)
		}
	}
}

func sameExpr(e Expr, r ref) error {
	if e.String() != r.String() {
		return fmt.Errorf("text %q, want %q", e.String(), r.String())
	}
	if e.Equation() != r.Equation() {
		return fmt.Errorf("equation %q, want %q", e.Equation(), r.Equation())
	}
	ev, eok := e.Value()
	rv, rok := r.Value()
	if ev != rv || eok != rok || e.Known() != r.Known() || e.IsZero() != r.IsZero() {
		return fmt.Errorf("%s: value %d (%v, zero %v), want %d (%v, zero %v)", r.text, ev, eok, e.IsZero(), rv, rok, r.IsZero())
	}
	if (e.Err() == nil) != (r.Err() == nil) {
		return fmt.Errorf("%s: error %v, want %v", r.text, e.Err(), r.Err())
	}
	if e.Err() != nil {
		if e.Err().Error() != r.Err().Error() {
			return fmt.Errorf("error %q, want %q", e.Err(), r.Err())
		}
		if errors.Is(e.Err(), ErrOverflow) != errors.Is(r.Err(), ErrOverflow) {
			return fmt.Errorf("%s: errors.Is(ErrOverflow) differs", r.Err())
		}
	}
	return nil
}

// sameValue compares what Terse keeps: value, knowledge, error or not,
// zero or not.
func sameValue(t, e Expr) error {
	tv, tok := t.Value()
	ev, eok := e.Value()
	if tv != ev && eok || tok != eok || t.Known() != e.Known() || t.IsZero() != e.IsZero() || (t.Err() == nil) != (e.Err() == nil) {
		return fmt.Errorf("%s: %d (%v, zero %v, error %v), want %d (%v, zero %v, error %v)",
			e, tv, tok, t.IsZero(), t.Err(), ev, eok, e.IsZero(), e.Err())
	}
	if e.Err() != nil && errors.Is(t.Err(), ErrOverflow) != errors.Is(e.Err(), ErrOverflow) {
		return fmt.Errorf("%s: errors.Is(ErrOverflow) differs", e)
	}
	return nil
}

var interesting = []int64{0, 1, 2, 3, 7, 10, 32, 100, 1 << 31, 1 << 40, 1 << 62,
	math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1, -1, -2, -7, -100}

// randomExpr builds the same random tree both ways, and a third time
// with Terse(true).
func randomExpr(rng *rand.Rand, depth int) (Expr, ref, Expr) {
	const tt = Terse(true)
	leaf := depth == 0 || rng.Intn(4) == 0
	if leaf {
		switch rng.Intn(8) {
		case 0:
			name := []string{"", "N", "batch", "seq_len"}[rng.Intn(4)]
			return Sym(name), rSym(name), Sym(name)
		case 1:
			return Expr{}, ref{}, Expr{}
		case 2:
			v := rng.Int63n(1000) - 500
			return N(v), rN(v), N(v)
		default:
			v := interesting[rng.Intn(len(interesting))]
			return N(v), rN(v), N(v)
		}
	}
	sub := func() (Expr, ref, Expr) { return randomExpr(rng, depth-1) }
	switch rng.Intn(12) {
	case 0, 1, 2, 3:
		k := rng.Intn(6)
		es, rs, ts := make([]Expr, k), make([]ref, k), make([]Expr, k)
		for i := range k {
			es[i], rs[i], ts[i] = sub()
		}
		var e, t Expr
		var r ref
		if rng.Intn(2) == 0 {
			e, r, t = Add(es...), rAdd(rs...), tt.Add(ts...)
		} else {
			e, r, t = Mul(es...), rMul(rs...), tt.Mul(ts...)
		}
		if k > 0 {
			es[0], rs[0] = N(99), rN(99) // the operands are copied
		}
		return e, r, t
	case 4:
		a, ra, ta := sub()
		b, rb, tb := sub()
		return Sub(a, b), rSub(ra, rb), tt.Sub(ta, tb)
	case 5:
		a, ra, ta := sub()
		b, rb, tb := sub()
		return Div(a, b), rDiv(ra, rb), tt.Div(ta, tb)
	case 6:
		a, ra, ta := sub()
		b, rb, tb := sub()
		return Floor(a, b), rFloor(ra, rb), tt.Floor(ta, tb)
	case 7:
		a, ra, ta := sub()
		b, rb, tb := sub()
		return Ceil(a, b), rCeil(ra, rb), tt.Ceil(ta, tb)
	case 8:
		a, ra, ta := sub()
		b, rb, tb := sub()
		if rng.Intn(2) == 0 {
			return Max(a, b), rMax(ra, rb), Max(ta, tb)
		}
		return Min(a, b), rMin(ra, rb), Min(ta, tb)
	case 9:
		a, ra, ta := sub()
		return Paren(a), rParen(ra), Paren(ta)
	case 10:
		a, ra, ta := sub()
		text := []string{"", "output_size 7", "x", "(5)"}[rng.Intn(4)]
		return Label(a, text), rLabel(ra, text), Label(ta, text)
	}
	a, ra, ta := sub()
	return Paren(Paren(a)), rParen(rParen(ra)), Paren(Paren(ta))
}

// ref is the eager Expr the lazy one must match, text built at once.
type ref struct {
	text  string
	val   int64
	known bool
	err   error
	prec  int
}

// N is a known integer.
func rN(v int64) ref {
	if v < 0 {
		return ref{text: "(" + strconv.FormatInt(v, 10) + ")", val: v, known: true, prec: precAtom}
	}
	return ref{text: strconv.FormatInt(v, 10), val: v, known: true, prec: precAtom}
}

// Sym is an unknown quantity shown by name, such as a symbolic batch size.
func rSym(name string) ref {
	if name == "" {
		name = "?"
	}
	return ref{text: name, prec: precAtom}
}

// Value returns the value and whether it is known (false when a symbol is
// involved or an error occurred).
func (e ref) Value() (int64, bool) { return e.val, e.known && e.err == nil }

// Known reports whether the value is known.
func (e ref) Known() bool { return e.known && e.err == nil }

// Err is the first arithmetic error met while building e (overflow, division by zero).
func (e ref) Err() error { return e.err }

// IsZero reports whether e is the zero ref (never built).
func (e ref) IsZero() bool { return e.text == "" && !e.known && e.err == nil }

// String is the arithmetic with values substituted, without the result.
func (e ref) String() string { return e.text }

// Equation is the arithmetic followed by its result, "(5*5*1+1)*32 = 832";
// just the value when the text is the value itself.
func (e ref) Equation() string {
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
func rParen(e ref) ref {
	e.text = "(" + e.text + ")"
	e.prec = precAtom
	return e
}

// Label replaces the text of e, keeping its value: for showing a computed
// quantity by the name the user wrote.
func rLabel(e ref, text string) ref {
	e.text = text
	e.prec = precAtom
	return e
}

func rWrap(e ref, min int) string {
	if e.prec < min {
		return "(" + e.text + ")"
	}
	return e.text
}

func rFirstErr(xs ...ref) error {
	for _, x := range xs {
		if x.err != nil {
			return x.err
		}
	}
	return nil
}

func rAllKnown(xs ...ref) bool {
	for _, x := range xs {
		if !x.known {
			return false
		}
	}
	return true
}

// Add is a+b+…; with no terms it is 0.
func rAdd(xs ...ref) ref {
	if len(xs) == 0 {
		return rN(0)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	parts := make([]string, len(xs))
	var sum int64
	var err error
	for i, x := range xs {
		parts[i] = rWrap(x, precAdd)
		if err == nil && x.known {
			r := sum + x.val // wraps; detected below
			if (x.val > 0 && r < sum) || (x.val < 0 && r > sum) {
				err = fmt.Errorf("%s: %w", strings.Join(parts[:i+1], "+"), ErrOverflow)
			}
			sum = r
		}
	}
	e := ref{text: strings.Join(parts, "+"), prec: precAdd}
	e.err = rFirstErr(xs...)
	if e.err == nil {
		e.err = err
	}
	if rAllKnown(xs...) {
		e.val, e.known = sum, true
	}
	if e.err != nil {
		e.known = false
	}
	return e
}

// Sub is a-b.
func rSub(a, b ref) ref {
	e := ref{text: rWrap(a, precAdd) + "-" + rWrap(b, precMul), prec: precAdd}
	e.err = rFirstErr(a, b)
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
func rMul(xs ...ref) ref {
	if len(xs) == 0 {
		return rN(1)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	parts := make([]string, len(xs))
	var prod int64 = 1
	var err error
	for i, x := range xs {
		parts[i] = rWrap(x, precMul)
		if err == nil && x.known {
			r, ok := rMul64(prod, x.val)
			if !ok {
				err = fmt.Errorf("%s: %w", strings.Join(parts[:i+1], "*"), ErrOverflow)
			}
			prod = r
		}
	}
	e := ref{text: strings.Join(parts, "*"), prec: precMul}
	e.err = rFirstErr(xs...)
	if e.err == nil {
		e.err = err
	}
	if e.err == nil && rAllKnown(xs...) {
		e.val, e.known = prod, true
	}
	return e
}

func rMul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	r := a * b
	if r/b != a || (a == -1 && b == -1<<63) || (b == -1 && a == -1<<63) {
		return 0, false
	}
	return r, true
}

func rDivide(name string, a, b ref, ceil bool) ref {
	e := ref{text: name + "(" + rWrap(a, precMul) + "/" + rWrap(b, precAtom) + ")", prec: precAtom}
	e.err = rFirstErr(a, b)
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
func rFloor(a, b ref) ref { return rDivide("floor", a, b, false) }

// Ceil is ceil(a/b).
func rCeil(a, b ref) ref { return rDivide("ceil", a, b, true) }

// Div is an exact division a/b; a remainder is an error.
func rDiv(a, b ref) ref {
	e := ref{text: rWrap(a, precMul) + "/" + rWrap(b, precAtom), prec: precMul}
	e.err = rFirstErr(a, b)
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

func rPick(name string, a, b ref, max bool) ref {
	e := ref{text: name + "(" + a.text + ", " + b.text + ")", prec: precAtom}
	e.err = rFirstErr(a, b)
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
func rMax(a, b ref) ref { return rPick("max", a, b, true) }

// Min is min(a, b).
func rMin(a, b ref) ref { return rPick("min", a, b, false) }

// TestAllocs: a number costs no allocation and a combinator one, the copy
// of its operands; text is written only when asked.
func TestAllocs(t *testing.T) {
	a, b := N(3), N(5)
	var sink Expr
	for name, c := range map[string]struct {
		f    func()
		want float64
	}{
		"N":     {func() { sink = N(7) }, 0},
		"Paren": {func() { sink = Paren(a) }, 0},
		"Add":   {func() { sink = Add(a, b, a) }, 1},
		"Mul":   {func() { sink = Mul(a, b, a, b, a, b, a, b) }, 1},
		"Sub":   {func() { sink = Sub(a, b) }, 1},
		"Floor": {func() { sink = Floor(a, b) }, 1},
		"Max":   {func() { sink = Max(a, b) }, 1},
		"Terse": {func() { sink = Terse(true).Mul(Terse(true).Add(a, b), Terse(true).Floor(a, b), b) }, 0},
	} {
		if got := testing.AllocsPerRun(100, c.f); got > c.want {
			t.Errorf("%s: %v allocations, want %v", name, got, c.want)
		}
	}
	_ = sink
}

// FuzzLazy reads bytes as a little stack program building expressions
// three ways (lazy, the eager ref, Terse) and compares them as
// TestLazyText does.
func FuzzLazy(f *testing.F) {
	f.Add([]byte{0, 5, 0, 3, 10, 0, 2, 11})
	f.Add([]byte{1, 0, 7, 12, 0, 0, 13, 14})
	f.Add([]byte{2, 255, 2, 255, 11, 15, 16})
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 64 {
			return
		}
		const tt = Terse(true)
		var es, ts []Expr
		var rs []ref
		push := func(e Expr, r ref, x Expr) { es, rs, ts = append(es, e), append(rs, r), append(ts, x) }
		pop := func() (Expr, ref, Expr) {
			if len(es) == 0 {
				return N(1), rN(1), N(1)
			}
			k := len(es) - 1
			e, r, x := es[k], rs[k], ts[k]
			es, rs, ts = es[:k], rs[:k], ts[:k]
			return e, r, x
		}
		for i := 0; i < len(prog); i++ {
			op := prog[i] % 18
			arg := byte(0)
			if op < 3 && i+1 < len(prog) {
				i++
				arg = prog[i]
			}
			switch op {
			case 0:
				v := int64(int8(arg))
				push(N(v), rN(v), N(v))
			case 1:
				v := interesting[int(arg)%len(interesting)]
				push(N(v), rN(v), N(v))
			case 2:
				name := []string{"", "N", "batch"}[int(arg)%3]
				push(Sym(name), rSym(name), Sym(name))
			case 3:
				push(Expr{}, ref{}, Expr{})
			case 4:
				e, r, x := pop()
				push(Paren(e), rParen(r), Paren(x))
			case 5:
				e, r, x := pop()
				push(Label(e, "L"), rLabel(r, "L"), Label(x, "L"))
			case 6, 7, 8, 9:
				k := int(op) - 5 // 1..4 operands
				var ea, xa [4]Expr
				var ra [4]ref
				for j := k - 1; j >= 0; j-- {
					ea[j], ra[j], xa[j] = pop()
				}
				if op%2 == 0 {
					push(Add(ea[:k]...), rAdd(ra[:k]...), tt.Add(xa[:k]...))
				} else {
					push(Mul(ea[:k]...), rMul(ra[:k]...), tt.Mul(xa[:k]...))
				}
			default:
				b, rb, xb := pop()
				a, ra, xa := pop()
				switch op {
				case 10, 11:
					push(Sub(a, b), rSub(ra, rb), tt.Sub(xa, xb))
				case 12:
					push(Div(a, b), rDiv(ra, rb), tt.Div(xa, xb))
				case 13:
					push(Floor(a, b), rFloor(ra, rb), tt.Floor(xa, xb))
				case 14:
					push(Ceil(a, b), rCeil(ra, rb), tt.Ceil(xa, xb))
				case 15:
					push(Max(a, b), rMax(ra, rb), Max(xa, xb))
				case 16:
					push(Min(a, b), rMin(ra, rb), Min(xa, xb))
				default:
					push(Add(), rAdd(), tt.Add())
				}
			}
		}
		for i := range es {
			if err := sameExpr(es[i], rs[i]); err != nil {
				t.Fatal(err)
			}
			if err := sameValue(ts[i], es[i]); err != nil {
				t.Fatalf("Terse: %v", err)
			}
		}
	})
}
