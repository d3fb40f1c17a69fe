package calc

import (
	"errors"
	"math"
	"testing"
)

func TestText(t *testing.T) {
	for _, c := range []struct {
		e    Expr
		text string
		val  int64
	}{
		{Mul(Paren(Add(Mul(N(5), N(5), N(1)), N(1))), N(32)), "(5*5*1+1)*32", 832},
		{Mul(Add(Mul(N(3), N(3), N(32)), N(1)), N(32)), "(3*3*32+1)*32", 9248},
		{Sub(N(28), Paren(Sub(N(5), N(1)))), "28-(5-1)", 24},
		{Sub(N(28), Sub(N(5), N(1))), "28-(5-1)", 24},
		{Add(Floor(Sub(N(24), N(2)), N(2)), N(1)), "floor((24-2)/2)+1", 12},
		{Ceil(N(7), N(2)), "ceil(7/2)", 4},
		{Floor(N(-7), N(2)), "floor((-7)/2)", -4},
		{Ceil(N(-7), N(2)), "ceil((-7)/2)", -3},
		{Div(Mul(N(64), N(3)), N(2)), "64*3/2", 96},
		{Max(N(0), Sub(N(3), N(5))), "max(0, 3-5)", 0},
		{Min(N(4), N(9)), "min(4, 9)", 4},
		{Mul(N(2), Add(N(1), N(2)), N(3)), "2*(1+2)*3", 18},
		{Add(), "0", 0},
		{Mul(), "1", 1},
	} {
		if got := c.e.String(); got != c.text {
			t.Errorf("text = %q, want %q", got, c.text)
		}
		if v, ok := c.e.Value(); !ok || v != c.val {
			t.Errorf("%s = %d (known %v), want %d", c.text, v, ok, c.val)
		}
	}
}

func TestEquation(t *testing.T) {
	if got := Mul(Paren(Add(Mul(N(5), N(5), N(1)), N(1))), N(32)).Equation(); got != "(5*5*1+1)*32 = 832" {
		t.Errorf("Equation = %q", got)
	}
	if got := N(7).Equation(); got != "7" {
		t.Errorf("Equation of a number = %q, want 7", got)
	}
	if got := Mul(Sym("N"), N(3)).Equation(); got != "N*3" {
		t.Errorf("unknown Equation = %q", got)
	}
}

func TestUnknown(t *testing.T) {
	e := Add(Mul(Sym("batch"), N(4)), N(1))
	if e.Known() {
		t.Fatal("an expression with a symbol is known")
	}
	if e.String() != "batch*4+1" {
		t.Errorf("text = %q", e.String())
	}
}

func TestOverflow(t *testing.T) {
	for name, e := range map[string]Expr{
		"mul":     Mul(N(math.MaxInt64/2), N(3)),
		"add":     Add(N(math.MaxInt64), N(1)),
		"sub":     Sub(N(math.MinInt64), N(1)),
		"nested":  Add(N(1), Mul(N(1<<40), N(1<<40))),
		"negmul":  Mul(N(math.MinInt64), N(-1)),
		"propag":  Floor(Mul(N(1<<62), N(4)), N(2)),
		"divzero": Floor(N(4), N(0)),
	} {
		if e.Err() == nil {
			t.Errorf("%s: no error, value %v", name, e.val)
		}
		if e.Known() {
			t.Errorf("%s: value reported as known", name)
		}
		if name != "divzero" && !errors.Is(e.Err(), ErrOverflow) {
			t.Errorf("%s: error %v is not ErrOverflow", name, e.Err())
		}
	}
	if err := Div(N(7), N(2)).Err(); err == nil {
		t.Error("7/2 as an exact division: no error")
	}
}
