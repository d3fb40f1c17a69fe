package pyhost

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// The script's memory. Starlark's step limit bounds the work of the
// interpreter's loop, not what one operation allocates: [0]*10**9 is one
// step and 16 GB, and Go cannot stop an allocation once it has begun (a
// single copy holds the collector: no watchdog interrupts it). So every
// operation whose allocation the file controls — repetition and
// concatenation (rewritten by rewriteAST into __mul__, __add__, __mod__
// and __grow__), the builtins that materialize an iterable (list, tuple,
// sorted, dict, enumerate, zip, …), str and repr, and the string methods
// that build (join, replace, split, format) — is charged to the run's
// budget before it happens. What the step limit bounds (appending in a
// loop) is left to the budget's watchdog, which cancels the thread.

// memory is a run's account. Charges add up since the last measurement
// of the live heap; when the sum would pass the limit, a collection
// measures what is really live (charged strings that became garbage are
// free again), and only then is the request refused.
type Memory struct {
	b       *budget.Budget
	live    int64 // the heap at the last measurement
	since   int64 // bytes charged since
	tripped atomic.Bool
	made    int // instances of classes made (CallInternal)
}

const memKey = "layerinfo.pycode.memory"

// slot is the size of a Starlark value held in a list, tuple or
// argument list: an interface.
const slot = 16

func NewMemory(b *budget.Budget) *Memory {
	return &Memory{b: b, live: budget.Heap()}
}

// memOf is the thread's account; a thread without one (unit tests) is
// charged against the default budget.
func MemoryOf(th *starlark.Thread) *Memory {
	if th != nil {
		if m, ok := th.Local(memKey).(*Memory); ok {
			return m
		}
	}
	return nil
}

// charge asks for n bytes for what before the script allocates them.
// Small requests add up too: a loop that makes a thousand-element list
// per step reaches the limit as surely as one large list.
func charge(th *starlark.Thread, n int64, what func() string) error {
	m := MemoryOf(th)
	var b *budget.Budget
	if m != nil {
		b = m.b
	}
	limit := b.Limit()
	if n < 0 || n > limit {
		return &budget.Error{Limit: limit, What: what(), Where: where(th)}
	}
	if m == nil {
		return nil
	}
	if m.tripped.Load() {
		return &budget.Error{Limit: limit, What: what() + ", with the heap already past the limit", Where: where(th)}
	}
	// The script's account keeps an eighth of the budget for what is not
	// charged (the interpreter's own objects, a list's growth, the
	// collector's slack), and counts each object's header.
	n += 64
	soft := limit - limit/8
	used := b.Used() // what other readers of the run charged
	if m.live+m.since+n+used <= soft {
		m.since += n
		return nil
	}
	// The sum passed the limit: what is live may be much less.
	runtime.GC()
	m.live, m.since = budget.Heap(), 0
	if m.live+n+used > soft || soft-m.live-used < limit/16 {
		return &budget.Error{Limit: limit, What: fmt.Sprintf("%s, with %s of the script's values live", what(), budget.Size(m.live)), Where: where(th)}
	}
	m.since = n
	return nil
}

// where is the file and line of the Starlark code that asked.
func where(th *starlark.Thread) string {
	if th == nil {
		return ""
	}
	for d := 0; d < th.CallStackDepth(); d++ {
		p := th.CallFrame(d).Pos
		if p.IsValid() && p.Filename() != "<builtin>" {
			return fmt.Sprintf("%s:%d", p.Filename(), p.Line)
		}
	}
	return ""
}

// Watch cancels the thread when the budget's watchdog sees the heap past
// the limit (memory the step limit let the script gather in a loop). The
// returned function ends the watch.
func (m *Memory) Watch(th *starlark.Thread) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// The budget's watchdog, or the live heap (as the last
				// collection found it) past three quarters of the budget:
				// a loop gathering values the charges do not see, which
				// would otherwise slow to a crawl as the collector runs
				// ever more often near the limit.
				if m.b.Tripped() || liveHeap() > m.b.Limit()/4*3 {
					m.tripped.Store(true)
					th.Cancel("the heap passed the memory budget")
					return
				}
			}
		}
	}()
	var once atomic.Bool
	return func() {
		if !once.Swap(true) {
			close(done)
		}
	}
}

// liveHeap is the heap the last collection found live.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Exceeded is the budget error of a run the watchdog cancelled, or nil.
func (m *Memory) Exceeded(err error) error {
	if m == nil || err == nil || !m.tripped.Load() {
		return nil
	}
	where := ""
	if ee, ok := err.(*starlark.EvalError); ok {
		for i := len(ee.CallStack) - 1; i >= 0; i-- {
			if p := ee.CallStack[i].Pos; p.IsValid() && p.Filename() != "<builtin>" {
				where = fmt.Sprintf("%s:%d", p.Filename(), p.Line)
				break
			}
		}
	}
	return &budget.Error{Limit: m.b.Limit(), What: "the values the script gathers (the heap reached " + budget.Size(budget.Heap()) + ")", Where: where}
}

func elements(n int64, kind string) func() string {
	return func() string {
		if kind == "string" || kind == "bytes" {
			return fmt.Sprintf("a %s of %s bytes", kind, thousands(n))
		}
		return fmt.Sprintf("a %s of %s elements", kind, thousands(n))
	}
}

// mul is a*b without overflow; -1 when it overflows.
func mul(a, b int64) int64 { return budget.Items(a, b) }

// add is a+b; -1 when it overflows or either is negative.
func add(a, b int64) int64 {
	if a < 0 || b < 0 || a > 1<<62 || b > 1<<62 {
		return -1
	}
	return a + b
}

// seqSize is the bytes of a string, bytes, list or tuple, with the
// element count and what it is; ok false for other values.
func seqSize(v starlark.Value) (bytes, n int64, kind string, ok bool) {
	switch x := v.(type) {
	case starlark.String:
		return int64(len(x)), int64(len(x)), "string", true
	case starlark.Bytes:
		return int64(len(x)), int64(len(x)), "bytes", true
	case *starlark.List:
		return int64(x.Len()) * slot, int64(x.Len()), "list", true
	case starlark.Tuple:
		return int64(len(x)) * slot, int64(len(x)), "tuple", true
	}
	return 0, 0, "", false
}

// binOp is __mul__, __add__ and __mod__: the operator, charged first
// when it builds a string or a sequence.
func binOp(op syntax.Token) *starlark.Builtin {
	return starlark.NewBuiltin(op.String(), func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("internal error: %s takes 2 operands", op)
		}
		if err := chargeBinary(th, op, a[0], a[1]); err != nil {
			return nil, err
		}
		return starlark.Binary(op, a[0], a[1])
	})
}

// chargeBinary charges what x op y builds.
func chargeBinary(th *starlark.Thread, op syntax.Token, x, y starlark.Value) error {
	switch op {
	case syntax.STAR, syntax.STAR_EQ:
		seq, n := x, y
		if _, ok := x.(starlark.Int); ok {
			seq, n = y, x
		}
		k, ok := n.(starlark.Int)
		if !ok {
			return nil
		}
		size, count, kind, ok := seqSize(seq)
		if !ok || count == 0 || k.Sign() <= 0 {
			return nil
		}
		times, exact := k.Int64()
		if !exact {
			times = 1 << 62
		}
		return charge(th, mul(size, times), elements(mul(count, times), kind))
	case syntax.PLUS, syntax.PLUS_EQ:
		sx, nx, kind, ok := seqSize(x)
		if !ok {
			return nil
		}
		sy, ny, _, ok := seqSize(y)
		if !ok {
			if _, list := x.(*starlark.List); list && op == syntax.PLUS_EQ {
				// list += iterable extends the list.
				if l := starlark.Len(y); l > 0 {
					sy, ny = int64(l)*slot, int64(l)
				}
			}
		}
		// The operands stay live while the result is copied from them:
		// charged with it (conservative when they are garbage after).
		return charge(th, mul(add(sx, sy), 2), elements(add(nx, ny), kind))
	case syntax.PERCENT, syntax.PERCENT_EQ:
		f, ok := x.(starlark.String)
		if !ok {
			return nil
		}
		return chargeFormat(th, string(f), []starlark.Value{y})
	}
	return nil
}

// chargeFormat charges a %-format or a str.format call: the format's
// text, the widths and precisions it writes (every number in it), and
// each conversion as long as the longest argument's text (a dict's value
// may be used by every %(name)s).
func chargeFormat(th *starlark.Thread, format string, args []starlark.Value) error {
	m := MemoryOf(th)
	limit := m.limitLeft()
	convs := int64(strings.Count(format, "%") + strings.Count(format, "{"))
	var longest, total int64
	each := func(v starlark.Value) {
		s := strSize(v, limit)
		longest = max(longest, s)
		total = add(total, s)
	}
	for _, v := range args {
		switch x := v.(type) {
		case starlark.Tuple:
			for _, e := range x {
				each(e)
			}
		case *starlark.Dict:
			for _, kv := range x.Items() {
				each(kv[1])
			}
		default:
			each(v)
		}
	}
	n := add(int64(len(format)), add(total, add(mul(convs, longest), numbersIn(format))))
	if n >= 1<<16 {
		return charge(th, n, func() string { return fmt.Sprintf("formatted text of %s bytes", thousands(n)) })
	}
	return nil
}

// numbersIn is the sum of the numbers written in s (widths, precisions).
func numbersIn(s string) int64 {
	var total, cur int64
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if cur < 1<<40 {
				cur = cur*10 + int64(s[i]-'0')
			}
			continue
		}
		total = add(total, cur)
		cur = 0
	}
	return total
}

// limitLeft is the most a single request could get.
func (m *Memory) limitLeft() int64 {
	if m == nil {
		return budget.Default
	}
	return m.b.Limit()
}

// strSize is the length of str(v), counted without building it (a list
// that holds the same list a thousand times prints it a thousand times);
// it stops counting past limit, and counts a value nested too deep as
// past it.
func strSize(v starlark.Value, limit int64) int64 {
	var n int64
	var walk func(v starlark.Value, depth int, nested bool)
	walk = func(v starlark.Value, depth int, nested bool) {
		if n > limit {
			return
		}
		if depth > maxBrackets {
			n = limit + 1
			return
		}
		switch x := v.(type) {
		case starlark.String:
			if nested {
				n += 4*int64(len(x)) + 2 // quotes and escapes
			} else {
				n += int64(len(x))
			}
		case starlark.Bytes:
			n += 4*int64(len(x)) + 3
		case starlark.Int:
			if i, ok := x.Int64(); ok && i > -1e9 && i < 1e9 {
				n += 11
			} else {
				n += int64(x.BigInt().BitLen()/3) + 2
			}
		case starlark.Float:
			n += 32
		case starlark.NoneType, starlark.Bool:
			n += 5
		case *starlark.List:
			n += 2
			for i := 0; i < x.Len() && n <= limit; i++ {
				walk(x.Index(i), depth+1, true)
				n += 2
			}
		case starlark.Tuple:
			n += 3
			for _, e := range x {
				if n > limit {
					return
				}
				walk(e, depth+1, true)
				n += 2
			}
		case *starlark.Dict:
			n += 2
			for _, kv := range x.Items() {
				if n > limit {
					return
				}
				walk(kv[0], depth+1, true)
				walk(kv[1], depth+1, true)
				n += 4
			}
		case *starlark.Set:
			n += 5
			it := x.Iterate()
			var e starlark.Value
			for it.Next(&e) && n <= limit {
				walk(e, depth+1, true)
				n += 2
			}
			it.Done()
		default:
			n += 64
		}
	}
	walk(v, 0, false)
	return n
}

// lenOf is the length of an iterable that knows it (list, tuple, range,
// dict, string), -1 otherwise.
func lenOf(v starlark.Value) int64 {
	if s, ok := v.(starlark.String); ok {
		return int64(utf8.RuneCountInString(string(s)))
	}
	return int64(starlark.Len(v))
}

// chargedBuiltin wraps a builtin that materializes its arguments: size
// is the bytes it would allocate (-1 when unknown: not charged).
func chargedBuiltin(fn starlark.Value, size func(a starlark.Tuple, kw []starlark.Tuple) (int64, string)) starlark.Value {
	c, ok := fn.(starlark.Callable)
	if !ok {
		return fn
	}
	return starlark.NewBuiltin(c.Name(), func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		if n, what := size(a, kw); n != 0 {
			if err := charge(th, n, func() string { return what }); err != nil {
				return nil, err
			}
		}
		return starlark.Call(th, c, a, kw)
	})
}

// memoryBuiltins replaces, in d, the builtins that allocate by charged
// ones, and adds the operators rewriteAST calls.
func MemoryBuiltins(d starlark.StringDict) {
	base := func(name string) starlark.Value {
		if v, ok := d[name]; ok {
			return v
		}
		return starlark.Universe[name]
	}
	perElem := func(kind string, per int64) func(a starlark.Tuple, _ []starlark.Tuple) (int64, string) {
		return func(a starlark.Tuple, _ []starlark.Tuple) (int64, string) {
			if len(a) == 0 {
				return 0, ""
			}
			n := lenOf(a[0])
			if n < 1<<12 {
				return 0, ""
			}
			return mul(n, per), fmt.Sprintf("%s of %s elements", kind, thousands(n))
		}
	}
	d["list"] = chargedBuiltin(base("list"), perElem("a list", slot))
	d["tuple"] = chargedBuiltin(base("tuple"), perElem("a tuple", slot))
	d["sorted"] = chargedBuiltin(base("sorted"), perElem("a sorted list", slot))
	d["reversed"] = chargedBuiltin(base("reversed"), perElem("a reversed list", slot))
	d["set"] = chargedBuiltin(base("set"), perElem("a set", 64))
	d["dict"] = chargedBuiltin(base("dict"), perElem("a dict", 64))
	d["enumerate"] = chargedBuiltin(base("enumerate"), perElem("an enumerate list", 64))
	d["map"] = chargedBuiltin(base("map"), func(a starlark.Tuple, kw []starlark.Tuple) (int64, string) {
		if len(a) < 2 {
			return 0, ""
		}
		return perElem("a map list", slot)(a[1:], kw)
	})
	d["zip"] = chargedBuiltin(base("zip"), func(a starlark.Tuple, _ []starlark.Tuple) (int64, string) {
		if len(a) == 0 {
			return 0, ""
		}
		n := int64(-1)
		for _, x := range a {
			if l := lenOf(x); n < 0 || l < n {
				n = l
			}
		}
		if n < 1<<12 {
			return 0, ""
		}
		return mul(n, int64(len(a)+2)*slot), fmt.Sprintf("a zip list of %s elements", thousands(n))
	})
	text := func(name string) func(a starlark.Tuple, _ []starlark.Tuple) (int64, string) {
		return func(a starlark.Tuple, _ []starlark.Tuple) (int64, string) {
			var n int64
			for _, x := range a {
				n = add(n, strSize(x, budget.Default))
			}
			if n < 1<<16 {
				return 0, ""
			}
			return n, fmt.Sprintf("%s of %s bytes", name, thousands(n))
		}
	}
	d["str"] = chargedBuiltin(base("str"), text("the text of str()"))
	d["repr"] = chargedBuiltin(base("repr"), text("the text of repr()"))
	d["fail"] = chargedBuiltin(base("fail"), text("the message of fail()"))
	if f, ok := d["__pyfmt__"].(starlark.Callable); ok {
		d["__pyfmt__"] = starlark.NewBuiltin(f.Name(), func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) == 2 {
				if s, ok := a[0].(starlark.String); ok {
					if err := chargeFormat(th, string(s), a[1:]); err != nil {
						return nil, err
					}
				}
			}
			return starlark.Call(th, f, a, kw)
		})
	}
	if f, ok := d["__strformat__"].(starlark.Callable); ok {
		d["__strformat__"] = starlark.NewBuiltin(f.Name(), func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) >= 1 {
				if s, ok := a[0].(starlark.String); ok {
					args := append([]starlark.Value{}, a[1:]...)
					for _, kv := range kw {
						args = append(args, kv[1])
					}
					if err := chargeFormat(th, string(s), args); err != nil {
						return nil, err
					}
				}
			}
			return starlark.Call(th, f, a, kw)
		})
	}
	if f, ok := d["sum"].(starlark.Callable); ok {
		// sum(lists, []) concatenates: each step is charged as + is.
		d["sum"] = starlark.NewBuiltin("sum", func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
			if len(a) == 2 {
				if _, ok := seqSizeOK(a[1]); ok {
					return sumCharged(th, a[0], a[1])
				}
			}
			return starlark.Call(th, f, a, kw)
		})
	}
	d["__mul__"] = binOp(syntax.STAR)
	d["__add__"] = binOp(syntax.PLUS)
	d["__mod__"] = binOp(syntax.PERCENT)
	d["__grow__"] = starlark.NewBuiltin("__grow__", grow)
	d["__method__"] = starlark.NewBuiltin("__method__", method)
}

func seqSizeOK(v starlark.Value) (int64, bool) {
	n, _, _, ok := seqSize(v)
	return n, ok
}

// sumCharged is sum(xs, start) for a start that is a sequence. Lists
// added to a list (or tuples to a tuple) are counted first, charged once
// and built once: adding them one by one copies the sum each time,
// quadratic in its length. Other operands are added one by one, each
// addition charged.
func sumCharged(th *starlark.Thread, xs, total starlark.Value) (starlark.Value, error) {
	if n := starlark.Len(xs); n > 0 {
		if err := charge(th, mul(int64(n), slot), elements(int64(n), "list")); err != nil {
			return nil, err
		}
	}
	var parts []starlark.Value
	same := true
	count := int64(starlark.Len(total))
	if it := starlark.Iterate(xs); it != nil {
		var x starlark.Value
		for it.Next(&x) {
			_, isList := x.(*starlark.List)
			_, isTuple := x.(starlark.Tuple)
			_, startList := total.(*starlark.List)
			_, startTuple := total.(starlark.Tuple)
			if !(isList && startList || isTuple && startTuple) {
				same = false
				break
			}
			parts = append(parts, x)
			count = add(count, int64(starlark.Len(x)))
		}
		it.Done()
	}
	if same {
		kind := "list"
		if _, ok := total.(starlark.Tuple); ok {
			kind = "tuple"
		}
		if err := charge(th, mul(count, slot), elements(count, kind)); err != nil {
			return nil, err
		}
		elems := make([]starlark.Value, 0, count)
		for _, p := range append([]starlark.Value{total}, parts...) {
			s := p.(starlark.Indexable)
			for i := 0; i < s.Len(); i++ {
				elems = append(elems, s.Index(i))
			}
		}
		if kind == "tuple" {
			return starlark.Tuple(elems), nil
		}
		return starlark.NewList(elems), nil
	}
	it := starlark.Iterate(xs)
	if it == nil {
		return nil, fmt.Errorf("sum: %s is not iterable", xs.Type())
	}
	defer it.Done()
	var x starlark.Value
	for it.Next(&x) {
		if err := chargeBinary(th, syntax.PLUS, total, x); err != nil {
			return nil, err
		}
		var err error
		if total, err = starlark.Binary(syntax.PLUS, total, x); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// grow is __grow__(op, target, value): x op= value charged as x op value;
// it returns value, which the augmented assignment then applies.
func grow(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 3 {
		return nil, fmt.Errorf("internal error: __grow__ takes 3 arguments")
	}
	op, err := starlark.AsInt32(a[0])
	if err != nil {
		return nil, fmt.Errorf("internal error: __grow__ operator %v", a[0])
	}
	if err := chargeBinary(th, syntax.Token(op), a[1], a[2]); err != nil {
		return nil, err
	}
	return a[2], nil
}

// chargedMethods are the methods rewriteAST routes through __method__:
// those of strings, lists, dicts and sets that build in one call.
var chargedMethods = map[string]bool{"join": true, "replace": true, "split": true, "rsplit": true,
	"splitlines": true, "extend": true, "update": true, "union": true, "format": true}

// method is __method__(x, name, args…): x.name(args…), charged first when
// x is a string, list, dict or set.
func method(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 2 {
		return nil, fmt.Errorf("internal error: __method__ takes a value and a name")
	}
	x, name := a[0], string(a[1].(starlark.String))
	args := a[2:]
	if s, ok := x.(starlark.String); ok && name == "format" {
		vals := append([]starlark.Value{}, args...)
		for _, kv := range kw {
			vals = append(vals, kv[1])
		}
		if err := chargeFormat(th, string(s), vals); err != nil {
			return nil, err
		}
	} else if n, what := methodSize(x, name, args); n != 0 {
		if err := charge(th, n, func() string { return what }); err != nil {
			return nil, err
		}
	}
	ha, ok := x.(starlark.HasAttrs)
	if !ok {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	fn, err := ha.Attr(name)
	if err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("%s has no .%s field or method", x.Type(), name)
	}
	return starlark.Call(th, fn, args, kw)
}

// methodSize is what x.name(args) allocates, when that is large.
func methodSize(x starlark.Value, name string, args starlark.Tuple) (int64, string) {
	arg := func(i int) starlark.Value {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	var n int64
	var what string
	switch s := x.(type) {
	case starlark.String:
		switch name {
		case "join":
			it := starlark.Iterate(arg(0))
			if it == nil {
				return 0, ""
			}
			defer it.Done()
			var e starlark.Value
			var count int64
			for it.Next(&e) {
				es, ok := e.(starlark.String)
				if !ok {
					return 0, "" // join says what is wrong
				}
				n = add(n, int64(len(es)))
				if count > 0 {
					n = add(n, int64(len(s)))
				}
				count++
				if n < 0 || n > budget.Default<<2 {
					break
				}
			}
			what = fmt.Sprintf("a joined string of %s bytes", thousands(n))
		case "replace":
			old, ok1 := arg(0).(starlark.String)
			nw, ok2 := arg(1).(starlark.String)
			if !ok1 || !ok2 || len(nw) <= len(old) {
				return 0, ""
			}
			k := int64(len(s)) + 1
			if old != "" {
				k = int64(strings.Count(string(s), string(old)))
			}
			if c, ok := arg(2).(starlark.Int); ok {
				if c64, ok := c.Int64(); ok && c64 >= 0 && c64 < k {
					k = c64
				}
			}
			n = add(int64(len(s)), mul(k, int64(len(nw)-len(old))))
			what = fmt.Sprintf("a replaced string of %s bytes", thousands(n))
		case "split", "rsplit", "splitlines":
			var parts int64
			switch sep := arg(0).(type) {
			case starlark.String:
				if name != "splitlines" && sep != "" {
					parts = int64(strings.Count(string(s), string(sep))) + 1
				}
			}
			if parts == 0 {
				parts = int64(len(s))/2 + 1
			}
			if name == "splitlines" {
				parts = int64(strings.Count(string(s), "\n")) + 1
			}
			n = mul(parts, 2*slot)
			what = fmt.Sprintf("a list of %s strings", thousands(parts))
		}
	case *starlark.List:
		if name == "extend" {
			if l := lenOf(arg(0)); l > 0 {
				n = mul(l, slot)
				what = fmt.Sprintf("a list of %s elements", thousands(add(int64(s.Len()), l)))
			}
		}
	case *starlark.Dict, *starlark.Set:
		if name == "update" || name == "union" {
			for _, v := range args {
				if l := lenOf(v); l > 0 {
					n = add(n, mul(l, 64))
				}
			}
			what = fmt.Sprintf("a %s of %s more elements", x.Type(), thousands(n/64))
		}
	}
	if n >= 0 && n < 1<<16 {
		return 0, ""
	}
	return n, what
}

// The AST side: rewriteAST calls these.

// chargedBinaryExpr rewrites x * y, x + y and x % y, unless both sides
// are number literals, into __mul__(x, y), __add__(x, y), __mod__(x, y).
func chargedBinaryExpr(x *syntax.BinaryExpr) syntax.Expr {
	var fn string
	switch x.Op {
	case syntax.STAR:
		fn = "__mul__"
	case syntax.PLUS:
		fn = "__add__"
	case syntax.PERCENT:
		fn = "__mod__"
	default:
		return x
	}
	if isNumber(x.X) && isNumber(x.Y) {
		return x
	}
	start, _ := x.X.Span()
	_, end := x.Y.Span()
	c := ourCall(fn, x.OpPos, last(end), x.X, x.Y) // errors at the operator
	c.Fn.(*syntax.Ident).NamePos = start           // the text of the whole expression
	return c
}

// last is the position of the last character before end (a call's
// Rparen, which its span ends after).
func last(end syntax.Position) syntax.Position {
	if end.Col > 1 {
		end.Col--
	}
	return end
}

func isNumber(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.Literal:
		return e.Token == syntax.INT || e.Token == syntax.FLOAT
	case *syntax.UnaryExpr:
		return (e.Op == syntax.MINUS || e.Op == syntax.PLUS) && e.X != nil && isNumber(e.X)
	case *syntax.ParenExpr:
		return isNumber(e.X)
	}
	return false
}

// chargedAugmented rewrites x op= v (op one of + * %) into
// x op= __grow__(op, x, v) when x is a name, or an attribute or index
// of names and literals, which reading twice cannot change.
func chargedAugmented(s *syntax.AssignStmt) {
	switch s.Op {
	case syntax.PLUS_EQ, syntax.STAR_EQ, syntax.PERCENT_EQ:
	default:
		return
	}
	target := copySimple(s.LHS, 0)
	if target == nil {
		return
	}
	start, end := s.RHS.Span()
	op := &syntax.Literal{Token: syntax.INT, TokenPos: s.OpPos, Raw: fmt.Sprint(int(s.Op)), Value: int64(s.Op)}
	c := ourCall("__grow__", s.OpPos, last(end), op, target, s.RHS)
	c.Fn.(*syntax.Ident).NamePos = start
	s.RHS = c
}

// copySimple copies a name, a literal, or an attribute or index of
// those; nil for any other expression.
func copySimple(e syntax.Expr, depth int) syntax.Expr {
	if depth > 8 {
		return nil
	}
	switch e := e.(type) {
	case *syntax.Ident:
		return &syntax.Ident{NamePos: e.NamePos, Name: e.Name}
	case *syntax.Literal:
		c := *e
		return &c
	case *syntax.DotExpr:
		x := copySimple(e.X, depth+1)
		if x == nil {
			return nil
		}
		return &syntax.DotExpr{X: x, Dot: e.Dot, NamePos: e.NamePos, Name: &syntax.Ident{NamePos: e.Name.NamePos, Name: e.Name.Name}}
	case *syntax.IndexExpr:
		x, y := copySimple(e.X, depth+1), copySimple(e.Y, depth+1)
		if x == nil || y == nil {
			return nil
		}
		return &syntax.IndexExpr{X: x, Lbrack: e.Lbrack, Y: y, Rbrack: e.Rbrack}
	}
	return nil
}

// chargedMethodCall rewrites x.name(args) for a name in chargedMethods
// into __method__(x, "name", args).
func chargedMethodCall(c *syntax.CallExpr) syntax.Expr {
	d, ok := c.Fn.(*syntax.DotExpr)
	if !ok || !chargedMethods[d.Name.Name] {
		return c
	}
	name := &syntax.Literal{Token: syntax.STRING, TokenPos: d.NamePos, Raw: `"` + d.Name.Name + `"`, Value: d.Name.Name}
	args := append([]syntax.Expr{d.X, name}, c.Args...)
	start, _ := d.X.Span()
	call := ourCall("__method__", c.Lparen, c.Rparen, args...)
	call.Fn.(*syntax.Ident).NamePos = start
	return call
}
