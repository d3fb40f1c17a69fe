package budget

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCharge(t *testing.T) {
	b := New(1000)
	if err := b.Charge(600, "a"); err != nil {
		t.Fatal(err)
	}
	err := b.Charge(500, "a list of 500 bytes")
	if !errors.Is(err, ErrExceeded) || err.Error() != "needs more than 1000 bytes (a list of 500 bytes)" {
		t.Errorf("err = %v", err)
	}
	if b.Used() != 600 {
		t.Errorf("a refused charge was kept: used %d", b.Used())
	}
	b.Release(600)
	if err := b.Charge(1000, "all"); err != nil {
		t.Errorf("the whole budget after a release: %v", err)
	}
	if err := b.Charge(-1, "an overflowed size"); !errors.Is(err, ErrExceeded) {
		t.Errorf("a negative charge: %v", err)
	}
	var nilb *Budget
	if err := nilb.Charge(Default, "x"); err != nil {
		t.Errorf("nil budget, the default: %v", err)
	}
	if err := nilb.Charge(Default+1, "x"); err == nil || !strings.Contains(err.Error(), "1 GiB") {
		t.Errorf("nil budget past the default: %v", err)
	}
	e := &Error{Limit: 1 << 30, What: "a list of 1,000,000,000 elements", Where: "m.py:3"}
	if got := e.Error(); got != "needs more than 1 GiB (m.py:3: a list of 1,000,000,000 elements)" {
		t.Errorf("%q", got)
	}
}

func TestItems(t *testing.T) {
	for _, c := range []struct{ n, size, want int64 }{
		{10, 8, 80}, {0, 8, 0}, {1 << 40, 1 << 30, -1}, {-1, 8, -1}, {3, 0, 0},
	} {
		if got := Items(c.n, c.size); got != c.want {
			t.Errorf("Items(%d, %d) = %d, want %d", c.n, c.size, got, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512M": 512 << 20, "2000000": 2000000, "1.5g": 3 << 29, "64kb": 64 << 10} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1G", "1X", "0", "1e30T"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	for n, want := range map[int64]string{1 << 30: "1 GiB", 3 << 29: "1.50 GiB", 256 << 20: "256 MiB", 2048: "2 KiB", 10: "10 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestWatch: a heap already past a tiny limit trips the watchdog, and
// charges fail from then on.
func TestWatch(t *testing.T) {
	b := New(1)
	tripped := make(chan int64, 1)
	stop := b.Watch(time.Millisecond, func(h int64) { tripped <- h })
	defer stop()
	select {
	case h := <-tripped:
		if h <= 1 {
			t.Errorf("heap %d", h)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watchdog never tripped")
	}
	if !b.Tripped() {
		t.Error("not tripped")
	}
	if err := b.Charge(0, "nothing"); !errors.Is(err, ErrExceeded) {
		t.Errorf("a charge after the trip: %v", err)
	}
	stop()
	stop()
}

// TestChargeAt: the description is made only on refusal, and says where.
func TestChargeAt(t *testing.T) {
	b := New(100)
	called := false
	if err := b.ChargeAt(50, 8, func() string { called = true; return "x" }); err != nil || called {
		t.Errorf("accepted charge: err %v, description made %v", err, called)
	}
	err := b.ChargeAt(60, 1234, func() string { return "a header of 3 tensors" })
	if err == nil || err.Error() != "needs more than 100 bytes (offset 1234: a header of 3 tensors)" {
		t.Errorf("err = %v", err)
	}
}
