package pickle

import (
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// inert is a Machine that allows every global and keeps every call as an
// inert *Object, as a reader of unknown pickles would.
func inert() *Machine {
	return &Machine{
		Call: func(g Global, args Tuple) (any, error) { return &Object{Class: g, Args: args}, nil },
	}
}

func bigInt(s string) *big.Int {
	b, _ := new(big.Int).SetString(s, 10)
	return b
}

// TestValues runs hand-written pickles whose values follow from the
// opcode definitions in CPython's Lib/pickletools.py.
func TestValues(t *testing.T) {
	cases := []struct {
		name string
		pkl  string
		want any
	}{
		{"BININT1", "\x80\x02K\x05.", int64(5)},
		{"BININT2", "\x80\x02M\x01\x02.", int64(0x0201)},
		{"BININT negative", "\x80\x02J\xff\xff\xff\xff.", int64(-1)},
		{"INT", "I-42\n.", int64(-42)},
		{"INT bool", "I01\n.", true},
		{"LONG literal", "L12345678901234567890L\n.", bigInt("12345678901234567890")},
		{"LONG1 empty", "\x80\x02\x8a\x00.", int64(0)},
		{"LONG1 two's complement", "\x80\x02\x8a\x02\xff\x7f.", int64(0x7fff)},
		{"LONG1 -2^64", "\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff.", bigInt("-18446744073709551616")},
		{"FLOAT", "F1.5\n.", 1.5},
		{"BINFLOAT big-endian", "\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00.", 1.5},
		{"NONE, NEWTRUE, NEWFALSE", "\x80\x02N\x88\x89\x87.", Tuple{nil, true, false}},
		{"SHORT_BINUNICODE", "\x80\x04\x8c\x03abc.", "abc"},
		{"BINUNICODE", "X\x02\x00\x00\x00\xc3\xa9.", "é"},
		{"SHORT_BINBYTES", "\x80\x03C\x02\x00\x01.", []byte{0, 1}},
		{"TUPLE", "(K\x01K\x02K\x03K\x04t.", Tuple{int64(1), int64(2), int64(3), int64(4)}},
		{"EMPTY_TUPLE", ").", Tuple{}},
		{"LIST", "(K\x01K\x02l.", &List{Items: []any{int64(1), int64(2)}}},
		{"APPENDS", "](K\x01K\x02e.", &List{Items: []any{int64(1), int64(2)}}},
		{"FROZENSET", "\x80\x04(K\x01\x91.", &Set{Items: []any{int64(1)}}},
		{"ADDITEMS", "\x80\x04\x8f(K\x01K\x02\x90.", &Set{Items: []any{int64(1), int64(2)}}},
		{"POP_MARK", "(K\x091N.", nil},
		{"DUP", "K\x072\x86.", Tuple{int64(7), int64(7)}},
		{"PUT and GET", "K\x07p0\n0g0\n.", int64(7)},
		{"MEMOIZE and BINGET", "\x80\x04\x8c\x01z\x94h\x00\x86.", Tuple{"z", "z"}},
		{"GLOBAL", "cos\nsystem\n.", Global{Module: "os", Name: "system"}},
		{"STACK_GLOBAL", "\x80\x04\x8c\x02os\x8c\x06system\x93.", Global{Module: "os", Name: "system"}},
		{"REDUCE is inert", "cos\nsystem\n\x8c\x02ls\x85R.", &Object{Class: Global{Module: "os", Name: "system"}, Args: Tuple{"ls"}}},
		{"BUILD on an object", "cm\nC\n)\x81}\x8c\x01aK\x01sb.",
			&Object{Class: Global{Module: "m", Name: "C"}, Args: Tuple{}, State: dict(false, "a", int64(1))}},
		{"SETITEM on an object", "cm\nC\n)\x81\x8c\x01kK\x02s.",
			&Object{Class: Global{Module: "m", Name: "C"}, Args: Tuple{}, Dict: dict(false, "k", int64(2))}},
	}
	for _, c := range cases {
		v, end, err := inert().Run([]byte(c.pkl), 0, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if end != len(c.pkl) {
			t.Errorf("%s: ends at %d, want %d", c.name, end, len(c.pkl))
		}
		if !reflect.DeepEqual(v, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, v, c.want)
		}
	}
}

// dict is a *Dict of alternating keys and values.
func dict(ordered bool, kv ...any) *Dict {
	d := &Dict{Ordered: ordered}
	for i := 0; i < len(kv); i += 2 {
		d.Put(kv[i], kv[i+1])
	}
	return d
}

// TestDictKeys: keys compare as in Python (1 == True == 1.0), the first
// key is kept and its value replaced; unhashable keys are kept as items.
func TestDictKeys(t *testing.T) {
	// {1: 'a', True: 'b', 1.0: 'c', 'x': 'd', (1, 2): 'e', (1, 2): 'f'}
	pkl := "\x80\x02}(K\x01\x8c\x01a\x88\x8c\x01bG\x3f\xf0\x00\x00\x00\x00\x00\x00\x8c\x01c\x8c\x01x\x8c\x01dK\x01K\x02\x86\x8c\x01eK\x01K\x02\x86\x8c\x01fu."
	v, _, err := inert().Run([]byte(pkl), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*Dict)
	if want := []any{int64(1), "x", Tuple{int64(1), int64(2)}}; !reflect.DeepEqual(d.Keys, want) {
		t.Errorf("keys %#v, want %#v", d.Keys, want)
	}
	if want := []any{"c", "d", "f"}; !reflect.DeepEqual(d.Values, want) {
		t.Errorf("values %#v, want %#v", d.Values, want)
	}
	if x, ok := d.Get("x"); !ok || x != "d" {
		t.Errorf(`Get("x") = %v, %v`, x, ok)
	}
	// A list key is unhashable: Python would refuse it; it is kept.
	v, _, err = inert().Run([]byte("}]K\x01s]K\x02s."), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.(*Dict).Keys); n != 2 {
		t.Errorf("%d keys, want 2", n)
	}
}

// TestSharing: a memoized value is the same value where it is used again,
// cycles included.
func TestSharing(t *testing.T) {
	v, _, err := inert().Run([]byte("]q\x00h\x00a."), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	l := v.(*List)
	if len(l.Items) != 1 || l.Items[0] != any(l) {
		t.Errorf("a list appended to itself: %v", l.Items)
	}
}

// TestHandlers: globals go through Resolve, calls through Call,
// persistent ids through PersistentLoad; their errors are the cause of
// the machine's, at the opcode's offset.
func TestHandlers(t *testing.T) {
	errNo := errors.New("not allowed here")
	m := &Machine{
		Resolve: func(g Global) error {
			if g.Module == "os" {
				return errNo
			}
			return nil
		},
		Call: func(g Global, args Tuple) (any, error) {
			if g.Name == "bad" {
				return nil, errNo
			}
			return len(args), nil
		},
		PersistentLoad: func(pid any) (any, error) { return "loaded " + pid.(string), nil },
		Entry:          "data.pkl",
	}
	v, _, err := m.Run([]byte("\x80\x02cm\nf\nK\x01K\x02\x86R\x8c\x01kQ\x86."), 0, 0)
	if want := (Tuple{2, "loaded k"}); err != nil || !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v, %v; want %#v", v, err, want)
	}
	for _, c := range []struct{ pkl, want string }{
		{"\x80\x02cos\nsystem\n.", "data.pkl offset 2: not allowed here"},
		{"\x80\x02cm\nbad\n)R.", "data.pkl offset 10: m.bad: not allowed here"},
	} {
		_, _, err := m.Run([]byte(c.pkl), 0, 0)
		if err == nil || err.Error() != c.want || !errors.Is(err, errNo) {
			t.Errorf("%q: got %v, want %q wrapping the handler's error", c.pkl, err, c.want)
		}
	}
	var none Machine
	for _, c := range []struct{ pkl, want string }{
		{"cm\nf\n)R.", "offset 6: m.f: is not callable"},
		{"\x8c\x01kQ.", "offset 3: persistent id in a pickle that allows none"},
		{"cm\nf\n}b.", "offset 6: BUILD on global m.f"},
	} {
		_, _, err := none.Run([]byte(c.pkl), 0, 0)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.pkl, err, c.want)
		}
	}
	// Build and TypeName extend the machine to the caller's values.
	type tensor struct{}
	ext := &Machine{
		Call:  func(Global, Tuple) (any, error) { return &tensor{}, nil },
		Build: func(target, _ any) bool { _, ok := target.(*tensor); return ok },
		TypeName: func(v any) string {
			return map[bool]string{true: "tensor"}[reflect.TypeOf(v) == reflect.TypeOf(&tensor{})]
		},
	}
	if _, _, err := ext.Run([]byte("cm\nt\n)RNb."), 0, 0); err != nil {
		t.Errorf("BUILD on a tensor: %v", err)
	}
	if _, _, err := ext.Run([]byte("cm\nt\n)RK\x01a."), 0, 0); err == nil || err.Error() != "offset 9: APPEND to tensor" {
		t.Errorf("APPEND to a tensor: %v", err)
	}
}

// TestErrors: a malformed pickle is a *graph.OffsetError at the failing
// opcode, offset by base.
func TestErrors(t *testing.T) {
	cases := []struct{ pkl, want string }{
		{"\x80\x02", "offset 2: truncated pickle: no STOP opcode"},
		{"\x80\x09.", "offset 0: unsupported pickle protocol 9"},
		{".", "offset 0: pickle stack underflow"},
		{"\x80\x02NN.", "offset 4: pickle stack not empty at STOP"},
		{"(K\x01.", "offset 3: pickle stack not empty at STOP"},
		{"\xff", "offset 0: unsupported pickle opcode 0xff"},
		{"h\x05.", "offset 0: pickle memo key 5 not found"},
		{"X\x05\x00\x00\x00ab.", "offset 0: truncated pickle: string of 5 bytes, 3 left"},
		{"J\x01\x02", "offset 0: truncated pickle: opcode 0x4a needs 4 bytes, 2 left"},
		{"I12", "offset 0: truncated pickle: unterminated line"},
		{"K\x01Na.", "offset 3: APPEND to int"},
		{"]NNs.", "offset 3: SETITEM on list"},
		{"t.", "offset 0: pickle MARK missing"},
		{"(K\x01K\x02K\x03d.", "offset 7: SETITEMS with an odd number of values"},
		{"K\x01K\x02\x93.", "offset 4: STACK_GLOBAL needs two strings, got int and int"},
		{"\x8b\x00\x00\x01\x00.", "offset 0: LONG4 of 65536 bytes exceeds limit 1024"},
		{"K\x01)R.", "offset 3: call of a int, not a global"},
		{"ccollections\nOrderedDict\n)}K\x01K\x01s\x92.", "offset 32: NEWOBJ_EX with keyword arguments is not supported"},
	}
	for _, c := range cases {
		_, _, err := inert().Run([]byte(c.pkl), 0, 0)
		var oe *graph.OffsetError
		if !errors.As(err, &oe) {
			t.Errorf("%q: %v is not a *graph.OffsetError", c.pkl, err)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.pkl, err, c.want)
		}
	}
	// A pickle at offset 100 of an entry is reported there.
	m := inert()
	m.Entry = "data.pkl"
	if _, _, err := m.Run([]byte("xxxK\x01\xff"), 3, 100); err == nil || err.Error() != "data.pkl offset 105: unsupported pickle opcode 0xff" {
		t.Errorf("got %v", err)
	}
}

// TestLimits: each resource is capped.
func TestLimits(t *testing.T) {
	cases := []struct {
		lim  Limits
		pkl  string
		want string
	}{
		{Limits{MaxStack: 2, MaxMarks: 9, MaxMemo: 9, MaxItems: 9, MaxLong: 9}, "NNN", "offset 2: pickle stack exceeds 2 values"},
		{Limits{MaxStack: 9, MaxMarks: 2, MaxMemo: 9, MaxItems: 9, MaxLong: 9}, "(((", "offset 2: pickle MARKs nested deeper than 2"},
		{Limits{MaxStack: 9, MaxMarks: 9, MaxMemo: 1, MaxItems: 9, MaxLong: 9}, "Nq\x00q\x01", "offset 3: pickle memo exceeds 1 entries"},
		{Limits{MaxStack: 9, MaxMarks: 9, MaxMemo: 9, MaxItems: 2, MaxLong: 9}, "(NNNl", "offset 4: pickle containers exceed 2 elements in all"},
		{Limits{MaxStack: 9, MaxMarks: 9, MaxMemo: 9, MaxItems: 9, MaxLong: 2}, "\x8b\x03\x00\x00\x00abc", "offset 0: LONG4 of 3 bytes exceeds limit 2"},
	}
	for _, c := range cases {
		m := inert()
		m.Limits = c.lim
		_, _, err := m.Run([]byte(c.pkl), 0, 0)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.pkl, err, c.want)
		}
	}
}

// TestBudget: a container is charged before it is made, and a refusal
// names it and its offset and matches budget.ErrExceeded.
func TestBudget(t *testing.T) {
	const n = 1_000_000
	pkl := "(" + strings.Repeat("N", n) + "t."
	m := inert()
	m.Entry = "data.pkl"
	m.Budget = budget.New(8 << 20)
	_, _, err := m.Run([]byte(pkl), 0, 0)
	if !errors.Is(err, budget.ErrExceeded) {
		t.Fatalf("%v does not match budget.ErrExceeded", err)
	}
	// The TUPLE opcode is at 1+n.
	if want := "(data.pkl offset 1000001: a tuple of 1,000,000 elements)"; !strings.Contains(err.Error(), want) {
		t.Errorf("%q does not say %q", err, want)
	}
	// Under the default budget the same pickle runs.
	if _, _, err := inert().Run([]byte(pkl), 0, 0); err != nil {
		t.Error(err)
	}
}
