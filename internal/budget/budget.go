// Package budget bounds the memory one analysis may use. A file controls
// how much a decoder allocates (a pickle's memo, a Python list repeated a
// billion times, a JSON array, a decompressed member), so every such
// allocation is charged to the run's Budget before it is made; a charge
// past the limit is an error that names what asked for it. A watchdog
// (Watch) backs the charges up by reading the heap from runtime/metrics.
//
// The package uses the standard library only.
package budget

import (
	"errors"
	"fmt"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"
)

// Default is the budget of a run when none is given: 1 GiB.
const Default = 1 << 30

// ErrExceeded matches (errors.Is) every error of a charge past the limit.
var ErrExceeded = errors.New("memory budget exceeded")

// Error is a charge past the limit: what asked for the memory, and where
// in the file when the decoder knows (set by the caller with At).
type Error struct {
	Limit int64
	What  string // "a list of 1,000,000,000 elements"
	Where string // "model.py:3" (may be empty)
}

func (e *Error) Error() string {
	s := "needs more than " + Size(e.Limit)
	switch {
	case e.Where != "" && e.What != "":
		s += " (" + e.Where + ": " + e.What + ")"
	case e.What != "":
		s += " (" + e.What + ")"
	}
	return s
}

// Is makes an Error match ErrExceeded.
func (e *Error) Is(target error) bool { return target == ErrExceeded }

// Budget counts the bytes charged to one run. A nil *Budget is the
// default budget, charged nowhere: Charge compares a single request with
// Default and keeps no total. Safe for concurrent use.
type Budget struct {
	limit   int64
	used    atomic.Int64
	tripped atomic.Bool // the watchdog saw the heap past the limit
}

// New is a budget of limit bytes; limit ≤ 0 means Default.
func New(limit int64) *Budget {
	if limit <= 0 {
		limit = Default
	}
	return &Budget{limit: limit}
}

// Limit is the budget's size in bytes.
func (b *Budget) Limit() int64 {
	if b == nil {
		return Default
	}
	return b.limit
}

// Used is what has been charged so far.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Charge asks for n more bytes for what (a short description, e.g. "a
// list of 10,000,000 elements"). It fails, charging nothing, when the
// total would pass the limit, when n is negative (a size computation that
// overflowed), or when the watchdog has seen the heap past the limit.
func (b *Budget) Charge(n int64, what string) error {
	limit := b.Limit()
	if n < 0 || n > limit {
		return &Error{Limit: limit, What: what}
	}
	if b == nil {
		return nil
	}
	if b.tripped.Load() {
		return &Error{Limit: limit, What: what + ", with the heap already past the limit"}
	}
	if b.used.Add(n) > limit {
		b.used.Add(-n)
		return &Error{Limit: limit, What: what}
	}
	return nil
}

// ChargeAt is Charge for a reader at a byte offset: what is built only
// when the charge is refused (describing every allocation would cost more
// than making it), and the error says where ("offset 1234").
func (b *Budget) ChargeAt(n, off int64, what func() string) error {
	err := b.Charge(n, "")
	var be *Error
	if errors.As(err, &be) {
		be.What = what() + be.What
		be.Where = "offset " + strconv.FormatInt(off, 10)
	}
	return err
}

// Tripped reports whether the watchdog has seen the heap past the limit:
// long work without charges (an interpreter's loop) polls it to stop.
func (b *Budget) Tripped() bool { return b != nil && b.tripped.Load() }

// Release gives back n bytes charged earlier (memory a decoder has
// dropped).
func (b *Budget) Release(n int64) {
	if b != nil && n > 0 {
		b.used.Add(-n)
	}
}

// Items is n items of size bytes each, or -1 when the product overflows
// (which Charge refuses).
func Items(n, size int64) int64 {
	if n < 0 || size < 0 {
		return -1
	}
	if size != 0 && n > (1<<63-1)/size {
		return -1
	}
	return n * size
}

// Heap is the bytes of heap memory in live and not yet freed objects.
func Heap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Watch checks the heap every interval (10 ms when 0) until stop is
// called. When the heap passes the limit, later charges fail and over is
// called once with the heap's size; a program that cannot unwind the work
// in progress (a single allocation a decoder did not charge) may exit
// there. Calling stop more than once is safe.
func (b *Budget) Watch(interval time.Duration, over func(heap int64)) (stop func()) {
	if interval <= 0 {
		interval = 10 * time.Millisecond
	}
	done := make(chan struct{})
	var once atomic.Bool
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if h := Heap(); h > b.Limit() && b != nil && !b.tripped.Swap(true) {
					if over != nil {
						over(h)
					}
				}
			}
		}
	}()
	return func() {
		if !once.Swap(true) {
			close(done)
		}
	}
}

// Size is a byte count as people write budgets: 1 GiB, 512 MiB, 1.50 GiB.
func Size(n int64) string {
	const (
		kib = 1 << 10
		mib = 1 << 20
		gib = 1 << 30
	)
	switch {
	case n >= gib && n%gib == 0:
		return fmt.Sprintf("%d GiB", n/gib)
	case n >= gib:
		return fmt.Sprintf("%.2f GiB", float64(n)/gib)
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= mib:
		return fmt.Sprintf("%.2f MiB", float64(n)/mib)
	case n >= kib:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Parse reads a size as --max-memory takes it: a number of bytes, or with
// a unit K, M, G, T (powers of 1024; "KiB", "MB" and lower case alike).
func Parse(s string) (int64, error) {
	num, unit := s, ""
	for i, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			num, unit = s[:i], s[i:]
			break
		}
	}
	var f float64
	if _, err := fmt.Sscanf(num, "%g", &f); err != nil || num == "" || f <= 0 {
		return 0, fmt.Errorf("%q is not a size (want e.g. 1GiB, 512M, 2000000000)", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
		"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}
	m, ok := mult[lower(unit)]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (want K, M, G or T)", s, unit)
	}
	v := f * m
	if v >= 1<<62 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(v), nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
