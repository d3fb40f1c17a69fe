package calc

import (
	"errors"
	"strconv"
	"strings"
	"unsafe"
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

// kind is what an Expr is: a leaf or the operator that combines its args.
type kind uint8

const (
	kZero  kind = iota // never built: empty text
	kNum               // val
	kSym               // x.name, value unknown
	kLabel             // x.name standing for a computed value
	kParen             // (args[0]), when parens would overflow
	kAdd               // args[0]+args[1]+…
	kSub               // args[0]-args[1]
	kMul               // args[0]*args[1]*…
	kDiv               // args[0]/args[1], exact
	kFloor             // floor(args[0]/args[1])
	kCeil              // ceil(args[0]/args[1])
	kMax               // max(args[0], args[1])
	kMin               // min(args[0], args[1])
)

// Expr is an integer together with the arithmetic that produced it. The
// zero Expr is unknown with empty text; build expressions with N, Sym and
// the combinators below.
//
// The value and any error are computed when the Expr is built; the text
// is not: an Expr keeps its operands (a number keeps only its value) and
// String and Equation write the text when asked. So an expression whose
// arithmetic is never shown costs one small allocation per combinator and
// none per number.
type Expr struct {
	val int64
	// p is what a number does not need: an operator's operands (n of
	// them, p pointing at the first), or, when ext is set, an *extra (a
	// Sym's or Label's text, an error and the operands it was built
	// from). One pointer and a count instead of a slice header and a
	// pointer keep an Expr at 24 bytes: graph.Node holds three.
	p      unsafe.Pointer
	n      uint32
	kind   kind
	parens uint8 // Paren applied this many times around the text
	known  bool
	ext    bool // p is an *extra
}

// extra is the rarely present part of an Expr.
type extra struct {
	name string
	err  error
	args []Expr
}

// op is an operator of kind k on args (shared, never modified).
func op(k kind, args []Expr) Expr {
	return Expr{kind: k, p: unsafe.Pointer(unsafe.SliceData(args)), n: uint32(len(args))}
}

// args are the operands of an operator; nil for a leaf.
func (e Expr) args() []Expr {
	if e.ext {
		return (*extra)(e.p).args
	}
	if e.p == nil {
		return nil
	}
	return unsafe.Slice((*Expr)(e.p), e.n)
}

// x is e's extra, nil for most.
func (e Expr) x() *extra {
	if e.ext {
		return (*extra)(e.p)
	}
	return nil
}

// withExtra is e with x as its extra (x.args set to e's operands).
func withExtra(e Expr, x *extra) Expr {
	x.args = e.args()
	e.p, e.n, e.ext = unsafe.Pointer(x), 0, true
	return e
}

// N is a known integer.
func N(v int64) Expr { return Expr{kind: kNum, val: v, known: true} }

// Sym is an unknown quantity shown by name, such as a symbolic batch size.
func Sym(name string) Expr {
	if name == "" {
		name = "?"
	}
	return Expr{kind: kSym, p: unsafe.Pointer(&extra{name: name}), ext: true}
}

// Value returns the value and whether it is known (false when a symbol is
// involved or an error occurred).
func (e Expr) Value() (int64, bool) { return e.val, e.known && e.Err() == nil }

// Known reports whether the value is known.
func (e Expr) Known() bool { return e.known && e.Err() == nil }

// Err is the first arithmetic error met while building e (overflow, division by zero).
func (e Expr) Err() error {
	if !e.ext {
		return nil
	}
	return (*extra)(e.p).err
}

// IsZero reports whether e is the zero Expr (never built).
func (e Expr) IsZero() bool { return e.emptyText() && !e.known && e.Err() == nil }

// emptyText reports whether e's text is "".
func (e Expr) emptyText() bool {
	return e.parens == 0 && (e.kind == kZero || e.kind == kLabel && e.x().name == "")
}

// String is the arithmetic with values substituted, without the result.
func (e Expr) String() string {
	if e.kind == kNum && e.parens == 0 && e.val >= 0 {
		return strconv.FormatInt(e.val, 10)
	}
	if e.kind == kLabel && e.parens == 0 {
		return e.x().name
	}
	var b strings.Builder
	b.Grow(e.size())
	e.write(&b)
	return b.String()
}

// Equation is the arithmetic followed by its result, "(5*5*1+1)*32 = 832";
// just the value when the text is the value itself.
func (e Expr) Equation() string {
	if err := e.Err(); err != nil {
		return e.String() + " = error: " + err.Error()
	}
	if !e.known {
		return e.String()
	}
	var buf [24]byte
	v := strconv.AppendInt(buf[:0], e.val, 10)
	if e.kind == kNum && (e.parens == 0 || e.parens == 1 && e.val >= 0) {
		return string(v) // the text is "v", "(v)" or "(-v)"
	}
	// The text and " = v" in one allocation.
	var b strings.Builder
	n := e.size()
	b.Grow(n + len(" = ") + len(v))
	e.write(&b)
	text := b.String()
	if text == string(v) || len(text) == len(v)+2 && text[0] == '(' && text[len(text)-1] == ')' && text[1:len(text)-1] == string(v) {
		return string(v)
	}
	b.WriteString(" = ")
	b.Write(v)
	return b.String()
}

// prec is the precedence of the outermost operator of e's text.
func (e Expr) prec() int {
	if e.parens > 0 {
		return precAtom
	}
	switch e.kind {
	case kZero:
		return 0
	case kAdd, kSub:
		return precAdd
	case kMul, kDiv:
		return precMul
	}
	return precAtom
}

// size is the length of e's text.
func (e Expr) size() int {
	n := 2 * int(e.parens)
	switch e.kind {
	case kNum:
		n += numLen(e.val)
	case kSym, kLabel:
		n += len(e.x().name)
	case kParen:
		n += 2 + e.args()[0].size()
	case kAdd, kMul:
		min := precAdd
		if e.kind == kMul {
			min = precMul
		}
		args := e.args()
		n += len(args) - 1
		for _, a := range args {
			n += wrapSize(a, min)
		}
	case kSub:
		args := e.args()
		n += 1 + wrapSize(args[0], precAdd) + wrapSize(args[1], precMul)
	case kDiv:
		args := e.args()
		n += 1 + wrapSize(args[0], precMul) + wrapSize(args[1], precAtom)
	case kFloor, kCeil:
		args := e.args()
		n += len("floor(/)") + wrapSize(args[0], precMul) + wrapSize(args[1], precAtom)
		if e.kind == kCeil {
			n--
		}
	case kMax, kMin:
		args := e.args()
		n += len("max(, )") + args[0].size() + args[1].size()
	}
	return n
}

func wrapSize(e Expr, min int) int {
	if e.prec() < min {
		return e.size() + 2
	}
	return e.size()
}

// numLen is the length of v's text: "(-7)" for a negative number.
func numLen(v int64) int {
	if v < 0 {
		if v == -1<<63 {
			return len("(-9223372036854775808)")
		}
		return numLen(-v) + 3
	}
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// write writes e's text.
func (e Expr) write(b *strings.Builder) {
	for range e.parens {
		b.WriteByte('(')
	}
	args := e.args()
	switch e.kind {
	case kNum:
		var buf [24]byte
		if e.val < 0 {
			b.WriteByte('(')
			b.Write(strconv.AppendInt(buf[:0], e.val, 10))
			b.WriteByte(')')
		} else {
			b.Write(strconv.AppendInt(buf[:0], e.val, 10))
		}
	case kSym, kLabel:
		b.WriteString(e.x().name)
	case kParen:
		b.WriteByte('(')
		args[0].write(b)
		b.WriteByte(')')
	case kAdd, kMul:
		min, sep := precAdd, byte('+')
		if e.kind == kMul {
			min, sep = precMul, '*'
		}
		for i, a := range args {
			if i > 0 {
				b.WriteByte(sep)
			}
			wrap(b, a, min)
		}
	case kSub:
		wrap(b, args[0], precAdd)
		b.WriteByte('-')
		wrap(b, args[1], precMul)
	case kDiv:
		wrap(b, args[0], precMul)
		b.WriteByte('/')
		wrap(b, args[1], precAtom)
	case kFloor, kCeil:
		if e.kind == kFloor {
			b.WriteString("floor(")
		} else {
			b.WriteString("ceil(")
		}
		wrap(b, args[0], precMul)
		b.WriteByte('/')
		wrap(b, args[1], precAtom)
		b.WriteByte(')')
	case kMax, kMin:
		if e.kind == kMax {
			b.WriteString("max(")
		} else {
			b.WriteString("min(")
		}
		args[0].write(b)
		b.WriteString(", ")
		args[1].write(b)
		b.WriteByte(')')
	}
	for range e.parens {
		b.WriteByte(')')
	}
}

// wrap writes e's text, in parentheses when its operator binds less
// tightly than min.
func wrap(b *strings.Builder, e Expr, min int) {
	if e.prec() < min {
		b.WriteByte('(')
		e.write(b)
		b.WriteByte(')')
		return
	}
	e.write(b)
}

// exprError is an arithmetic error; its message, which quotes the
// arithmetic, is written when it is read.
type exprError struct {
	e    Expr // the arithmetic that failed (text only)
	what uint8
}

const (
	errOverflow = iota
	errDivZero
	errInexact
)

func (e *exprError) Error() string {
	switch e.what {
	case errOverflow:
		return e.e.String() + ": " + ErrOverflow.Error()
	case errDivZero:
		return e.e.String() + ": division by zero"
	}
	return e.e.String() + " is not a whole number"
}

func (e *exprError) Unwrap() error {
	if e.what == errOverflow {
		return ErrOverflow
	}
	return nil
}

// failed returns e carrying err.
func failed(e Expr, err error) Expr { return withExtra(e, &extra{err: err}) }

// Paren returns e with its text in parentheses regardless of precedence.
func Paren(e Expr) Expr {
	if e.parens == 255 {
		p := op(kParen, []Expr{e})
		p.val, p.known = e.val, e.known
		if err := e.Err(); err != nil {
			p = failed(p, err)
		}
		return p
	}
	e.parens++
	return e
}

// Label replaces the text of e, keeping its value: for showing a computed
// quantity by the name the user wrote.
func Label(e Expr, text string) Expr {
	return Expr{kind: kLabel, val: e.val, known: e.known, p: unsafe.Pointer(&extra{name: text, err: e.Err()}), ext: true}
}

func firstErr(xs ...Expr) error {
	for _, x := range xs {
		if err := x.Err(); err != nil {
			return err
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

// operands copies a combinator's operands: the caller's slice may be
// reused.
func operands(xs ...Expr) []Expr {
	return append(make([]Expr, 0, len(xs)), xs...)
}

// Add is a+b+…; with no terms it is 0.
func Add(xs ...Expr) Expr {
	if len(xs) == 0 {
		return N(0)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	var sum int64
	over := -1
	for i, x := range xs {
		if over < 0 && x.known {
			r := sum + x.val // wraps; detected here
			if (x.val > 0 && r < sum) || (x.val < 0 && r > sum) {
				over = i
			}
			sum = r
		}
	}
	e := op(kAdd, operands(xs...))
	err := firstErr(xs...)
	if err == nil && over >= 0 {
		err = &exprError{e: op(kAdd, e.args()[:over+1]), what: errOverflow}
	}
	if allKnown(xs...) {
		e.val, e.known = sum, true
	}
	if err != nil {
		e = failed(e, err)
		e.known = false
	}
	return e
}

// Sub is a-b.
func Sub(a, b Expr) Expr {
	e := op(kSub, operands(a, b))
	if err := firstErr(a, b); err != nil {
		return failed(e, err)
	}
	if a.known && b.known {
		r := a.val - b.val
		if (b.val > 0 && r > a.val) || (b.val < 0 && r < a.val) {
			return failed(e, &exprError{e: e, what: errOverflow})
		}
		e.val, e.known = r, true
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
	var prod int64 = 1
	over := -1
	for i, x := range xs {
		if over < 0 && x.known {
			r, ok := mul64(prod, x.val)
			if !ok {
				over = i
			}
			prod = r
		}
	}
	e := op(kMul, operands(xs...))
	if err := firstErr(xs...); err != nil {
		return failed(e, err)
	}
	if over >= 0 {
		return failed(e, &exprError{e: op(kMul, e.args()[:over+1]), what: errOverflow})
	}
	if allKnown(xs...) {
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

func divide(k kind, a, b Expr, ceil bool) Expr {
	e := op(k, operands(a, b))
	if err := firstErr(a, b); err != nil {
		return failed(e, err)
	}
	if b.known && b.val == 0 {
		return failed(e, &exprError{e: e, what: errDivZero})
	}
	if a.known && b.known {
		e.val, e.known = quotient(a.val, b.val, ceil), true
	}
	return e
}

// quotient is floor(a/b), or ceil(a/b); b is not 0.
func quotient(a, b int64, ceil bool) int64 {
	q := a / b
	r := a % b
	if r != 0 && ((r < 0) != (b < 0)) {
		q-- // floor toward -inf
	}
	if ceil && r != 0 {
		q++
	}
	return q
}

// Floor is floor(a/b).
func Floor(a, b Expr) Expr { return divide(kFloor, a, b, false) }

// Ceil is ceil(a/b).
func Ceil(a, b Expr) Expr { return divide(kCeil, a, b, true) }

// Div is an exact division a/b; a remainder is an error.
func Div(a, b Expr) Expr {
	e := op(kDiv, operands(a, b))
	if err := firstErr(a, b); err != nil {
		return failed(e, err)
	}
	if b.known && b.val == 0 {
		return failed(e, &exprError{e: e, what: errDivZero})
	}
	if a.known && b.known {
		if a.val%b.val != 0 {
			return failed(e, &exprError{e: e, what: errInexact})
		}
		e.val, e.known = a.val/b.val, true
	}
	return e
}

func pick(k kind, a, b Expr, max bool) Expr {
	e := op(k, operands(a, b))
	if err := firstErr(a, b); err != nil {
		return failed(e, err)
	}
	if a.known && b.known {
		v := a.val
		if (max && b.val > v) || (!max && b.val < v) {
			v = b.val
		}
		e.val, e.known = v, true
	}
	return e
}

// Max is max(a, b).
func Max(a, b Expr) Expr { return pick(kMax, a, b, true) }

// Min is min(a, b).
func Min(a, b Expr) Expr { return pick(kMin, a, b, false) }

// Terse builds expressions as the package's functions do when false.
// When true it keeps only values: a combination whose value is known and
// free of error is the plain number N(v), without text or allocation;
// any other (unknown, or an error) is built in full. It serves callers
// that show no arithmetic (graph.Node.NoArithmetic). The value, Known,
// Err and IsZero of what it builds are those of the full expression; the
// text is not (an expression built on a bare value shows the number, as
// does an error's message quoting it), so a caller that must show an
// error builds again without Terse (infer does).
type Terse bool

// Add is Add(xs...).
func (t Terse) Add(xs ...Expr) Expr {
	if bool(t) {
		var sum int64
		ok := true
		for _, x := range xs {
			if !x.plain() {
				ok = false
				break
			}
			r := sum + x.val
			if (x.val > 0 && r < sum) || (x.val < 0 && r > sum) {
				ok = false
				break
			}
			sum = r
		}
		if ok {
			return N(sum)
		}
	}
	return Add(xs...)
}

// Sub is Sub(a, b).
func (t Terse) Sub(a, b Expr) Expr {
	if bool(t) && a.plain() && b.plain() {
		r := a.val - b.val
		if !((b.val > 0 && r > a.val) || (b.val < 0 && r < a.val)) {
			return N(r)
		}
	}
	return Sub(a, b)
}

// Mul is Mul(xs...).
func (t Terse) Mul(xs ...Expr) Expr {
	if bool(t) {
		prod := int64(1)
		ok := true
		for _, x := range xs {
			if !x.plain() {
				ok = false
				break
			}
			if prod, ok = mul64(prod, x.val); !ok {
				break
			}
		}
		if ok {
			return N(prod)
		}
	}
	return Mul(xs...)
}

// Floor is Floor(a, b).
func (t Terse) Floor(a, b Expr) Expr {
	if bool(t) && a.plain() && b.plain() && b.val != 0 {
		return N(quotient(a.val, b.val, false))
	}
	return Floor(a, b)
}

// Ceil is Ceil(a, b).
func (t Terse) Ceil(a, b Expr) Expr {
	if bool(t) && a.plain() && b.plain() && b.val != 0 {
		return N(quotient(a.val, b.val, true))
	}
	return Ceil(a, b)
}

// Div is Div(a, b).
func (t Terse) Div(a, b Expr) Expr {
	if bool(t) && a.plain() && b.plain() && b.val != 0 && a.val%b.val == 0 {
		return N(a.val / b.val)
	}
	return Div(a, b)
}

// plain reports whether e's value is known and free of error.
func (e Expr) plain() bool { return e.known && e.Err() == nil }
