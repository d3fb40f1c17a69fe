package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// Pickle opcodes (Lib/pickletools.py).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opEmptySet       = 0x8f
	opAddItems       = 0x90
	opFrozenSet      = 0x91
	opNewObjEx       = 0x92
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
)

// Limits caps the machine's resources.
type Limits struct {
	MaxStack int // values on the stack, all marks included
	MaxMarks int // nested MARKs
	MaxMemo  int // memo entries
	MaxItems int // elements added to containers, in all
	MaxLong  int // bytes of one LONG1/LONG4
}

// DefaultLimits are the limits of a Machine whose Limits are zero.
func DefaultLimits() Limits {
	return Limits{MaxStack: 1 << 20, MaxMarks: 1 << 12, MaxMemo: 1 << 22, MaxItems: 1 << 24, MaxLong: 1024}
}

// Machine runs pickles in a restricted virtual machine: it builds inert
// Go values and calls nothing but the caller's handlers. The zero value
// allows every global (as an inert Global), calls nothing and charges
// the default budget.
type Machine struct {
	// Resolve vets a GLOBAL (or STACK_GLOBAL); an error refuses it. Nil
	// allows every global.
	Resolve func(g Global) error
	// Call applies a callable (REDUCE, NEWOBJ, NEWOBJ_EX) to its
	// arguments and returns the value it stands for. Nil refuses every
	// call.
	Call func(g Global, args Tuple) (any, error)
	// PersistentLoad resolves a persistent id (BINPERSID). Nil refuses
	// persistent ids.
	PersistentLoad func(pid any) (any, error)
	// Build applies BUILD's state to a value of the caller's types (the
	// machine handles *Dict and *Object); it reports false for a value
	// that takes no state. Nil takes none.
	Build func(target, state any) bool
	// TypeName names values of the caller's types in messages ("tensor"),
	// and returns "" for others; nil names them by their Go type.
	TypeName func(v any) string
	// Budget is charged for the values the pickle makes, in bytes, before
	// they are made; nil charges each request against the default limit
	// only.
	Budget *budget.Budget
	// Entry is the archive member the pickle comes from ("data.pkl"), for
	// errors and the budget's messages.
	Entry string
	// Limits caps the stack, MARKs, memo, containers and integers; zero
	// means DefaultLimits.
	Limits Limits
}

// Run executes the pickle starting at data[start] up to its STOP and
// returns its value and the offset just after the STOP. base is the
// offset of data[0] in Entry, for errors: a malformed pickle is a
// *graph.OffsetError with Entry and the offset of the failing opcode; a
// refused charge is a *budget.Error.
func (c *Machine) Run(data []byte, start int, base int64) (any, int, error) {
	m := &machine{Machine: c, data: data, pos: start, base: base, lim: c.Limits}
	if m.lim == (Limits{}) {
		m.lim = DefaultLimits()
	}
	v, err := m.run()
	return v, m.pos, err
}

// machine is the state of one Run.
type machine struct {
	*Machine
	data  []byte
	pos   int
	op    int // offset of the current opcode
	base  int64
	stack []any
	marks []int
	memo  map[uint32]any
	items int
	lim   Limits
	// pending sums small charges not yet made to the budget.
	pending int64
}

// Approximate sizes of the values the machine makes, in bytes.
const (
	sizeElem   = 16  // an element of a tuple, list or set (an interface)
	sizeEntry  = 112 // a dict entry: key and value, the index's entry and key
	sizeMemo   = 48  // a memo entry
	sizeHeader = 64  // a container's own struct
	sizeCall   = 256 // what a call makes: a tensor, an object
)

// alloc charges n bytes for values about to be made; what and count say
// what they are (see charged) should the budget refuse. Twice their size
// is charged: the garbage collector lets the heap grow to twice what is
// live (GOGC=100), and the machine leaves garbage (popped values, grown
// slices' old arrays). Small charges are summed and charged every 64 KiB,
// so that charging costs next to nothing.
func (m *machine) alloc(n int64, what string, count int) error {
	const batch = 64 << 10
	n *= 2
	if n < batch {
		if m.pending += n; m.pending < batch {
			return nil
		}
		n, m.pending = m.pending, 0
		what, count = "the pickle's values", -1
	}
	if err := m.Budget.Charge(n, ""); err != nil {
		var be *budget.Error
		if errors.As(err, &be) {
			be.What = charged(what, count) + be.What
			be.Where = strings.TrimSpace(m.Entry + " offset " + strconv.FormatInt(m.base+int64(m.op), 10))
		}
		return err
	}
	return nil
}

// charged says what a charge is for, for a budget message: a kind of
// container of count elements ("a tuple of 1,000,000 elements"), a string
// of count bytes, or what alone when count < 0. Descriptions are made
// only for a refused charge.
func charged(what string, count int) string {
	switch {
	case count < 0:
		return what
	case what == "string":
		return "a string of " + stats.Thousands(int64(count)) + " bytes"
	case what == "memo":
		return "a memo of " + stats.Thousands(int64(count)) + " entries"
	}
	return "a " + what + " of " + stats.Thousands(int64(count)) + " elements"
}

// errf is an error at the current opcode.
func (m *machine) errf(format string, args ...any) error {
	return m.wrap(nil, format, args...)
}

// wrap is an error at the current opcode caused by err (a handler's).
func (m *machine) wrap(err error, format string, args ...any) error {
	return &graph.OffsetError{Entry: m.Entry, Offset: m.base + int64(m.op), Msg: fmt.Sprintf(format, args...), Err: err}
}

func (m *machine) read(n int) ([]byte, error) {
	if n < 0 || n > len(m.data)-m.pos {
		return nil, m.errf("truncated pickle: opcode 0x%02x needs %d bytes, %d left", m.data[m.op], n, len(m.data)-m.pos)
	}
	b := m.data[m.pos : m.pos+n]
	m.pos += n
	return b, nil
}

func (m *machine) readLine() (string, error) {
	for i := m.pos; i < len(m.data); i++ {
		if m.data[i] == '\n' {
			s := string(m.data[m.pos:i])
			m.pos = i + 1
			return s, nil
		}
	}
	return "", m.errf("truncated pickle: unterminated line")
}

func (m *machine) push(v any) error {
	if len(m.stack) >= m.lim.MaxStack {
		return m.errf("pickle stack exceeds %d values", m.lim.MaxStack)
	}
	m.stack = append(m.stack, v)
	return nil
}

func (m *machine) pop() (any, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) <= m.marks[len(m.marks)-1]) {
		return nil, m.errf("pickle stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

// pop2 pops the two topmost values: a was below b.
func (m *machine) pop2() (a, b any, err error) {
	if b, err = m.pop(); err != nil {
		return nil, nil, err
	}
	if a, err = m.pop(); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func (m *machine) top() (any, error) {
	if len(m.stack) == 0 || (len(m.marks) > 0 && len(m.stack) <= m.marks[len(m.marks)-1]) {
		return nil, m.errf("pickle stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark pops the values above the topmost MARK, into a new slice
// charged as a kind of container ("tuple"), or dropped when kind is "".
func (m *machine) popMark(kind string) ([]any, error) {
	if len(m.marks) == 0 {
		return nil, m.errf("pickle MARK missing")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	if kind == "" {
		clear(m.stack[k:])
		m.stack = m.stack[:k]
		return nil, nil
	}
	n := len(m.stack) - k
	if err := m.alloc(int64(n)*sizeElem+sizeHeader, kind, n); err != nil {
		return nil, err
	}
	items := append([]any(nil), m.stack[k:]...)
	clear(m.stack[k:])
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) addItems(n int) error {
	m.items += n
	if m.items > m.lim.MaxItems {
		return m.errf("pickle containers exceed %d elements in all", m.lim.MaxItems)
	}
	return nil
}

func (m *machine) memoPut(k uint32, v any) error {
	if _, ok := m.memo[k]; !ok {
		if len(m.memo) >= m.lim.MaxMemo {
			return m.errf("pickle memo exceeds %d entries", m.lim.MaxMemo)
		}
		if err := m.alloc(sizeMemo, "memo", len(m.memo)); err != nil {
			return err
		}
	}
	m.memo[k] = v
	return nil
}

func (m *machine) memoGet(k uint32) error {
	v, ok := m.memo[k]
	if !ok {
		return m.errf("pickle memo key %d not found", k)
	}
	return m.push(v)
}

// run executes the pickle starting at m.pos up to its STOP and returns the
// result; m.pos is left after the STOP.
func (m *machine) run() (any, error) {
	if m.memo == nil {
		m.memo = make(map[uint32]any)
	}
	for {
		if m.pos >= len(m.data) {
			m.op = m.pos
			return nil, m.errf("truncated pickle: no STOP opcode")
		}
		m.op = m.pos
		op := m.data[m.pos]
		m.pos++
		if op == opStop {
			v, err := m.pop()
			if err != nil {
				return nil, err
			}
			if len(m.stack) != 0 || len(m.marks) != 0 {
				return nil, m.errf("pickle stack not empty at STOP")
			}
			return v, nil
		}
		if err := m.step(op); err != nil {
			return nil, err
		}
	}
}

func (m *machine) step(op byte) error {
	le := binary.LittleEndian
	switch op {
	case opProto:
		b, err := m.read(1)
		if err != nil {
			return err
		}
		if b[0] > 5 {
			return m.errf("unsupported pickle protocol %d", b[0])
		}
	case opFrame:
		_, err := m.read(8)
		return err
	case opMark:
		if len(m.marks) >= m.lim.MaxMarks {
			return m.errf("pickle MARKs nested deeper than %d", m.lim.MaxMarks)
		}
		m.marks = append(m.marks, len(m.stack))
	case opPop:
		if len(m.marks) > 0 && len(m.stack) == m.marks[len(m.marks)-1] {
			_, err := m.popMark("") // POP of a MARK discards it
			return err
		}
		_, err := m.pop()
		return err
	case opPopMark:
		_, err := m.popMark("")
		return err
	case opDup:
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.push(v)
	case opNone:
		return m.push(nil)
	case opNewTrue:
		return m.push(true)
	case opNewFalse:
		return m.push(false)
	case opBinInt:
		b, err := m.read(4)
		if err != nil {
			return err
		}
		return m.push(int64(int32(le.Uint32(b))))
	case opBinInt1:
		b, err := m.read(1)
		if err != nil {
			return err
		}
		return m.push(int64(b[0]))
	case opBinInt2:
		b, err := m.read(2)
		if err != nil {
			return err
		}
		return m.push(int64(le.Uint16(b)))
	case opLong1, opLong4:
		var n int
		if op == opLong1 {
			b, err := m.read(1)
			if err != nil {
				return err
			}
			n = int(b[0])
		} else {
			b, err := m.read(4)
			if err != nil {
				return err
			}
			n32 := int32(le.Uint32(b))
			if n32 < 0 || int(n32) > m.lim.MaxLong {
				return m.errf("LONG4 of %d bytes exceeds limit %d", n32, m.lim.MaxLong)
			}
			n = int(n32)
		}
		b, err := m.read(n)
		if err != nil {
			return err
		}
		if err := m.alloc(int64(n)+sizeHeader, "an integer", -1); err != nil {
			return err
		}
		return m.push(decodeLong(b))
	case opInt, opLong:
		s, err := m.readLine()
		if err != nil {
			return err
		}
		s = strings.TrimSuffix(s, "L")
		switch s {
		case "00":
			return m.push(false)
		case "01":
			return m.push(true)
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return m.push(i)
		}
		if len(s) > 3*m.lim.MaxLong {
			return m.errf("integer literal too long")
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return m.errf("bad integer literal %q", s)
		}
		return m.push(b)
	case opFloat:
		s, err := m.readLine()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return m.errf("bad float literal %q", s)
		}
		return m.push(f)
	case opBinFloat:
		b, err := m.read(8)
		if err != nil {
			return err
		}
		return m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case opBinUnicode, opBinString, opBinBytes:
		b, err := m.read(4)
		if err != nil {
			return err
		}
		n := le.Uint32(b)
		if op == opBinString && int32(n) < 0 {
			return m.errf("negative BINSTRING length")
		}
		return m.pushString(op, uint64(n))
	case opShortBinUni, opShortBinString, opShortBinBytes:
		b, err := m.read(1)
		if err != nil {
			return err
		}
		return m.pushString(op, uint64(b[0]))
	case opBinUnicode8, opBinBytes8, opByteArray8:
		b, err := m.read(8)
		if err != nil {
			return err
		}
		return m.pushString(op, le.Uint64(b))
	case opEmptyTuple:
		return m.push(Tuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if err := m.alloc(int64(n)*sizeElem+sizeHeader, "tuple", n); err != nil {
			return err
		}
		t := make(Tuple, n)
		for i := n - 1; i >= 0; i-- {
			v, err := m.pop()
			if err != nil {
				return err
			}
			t[i] = v
		}
		return m.push(t)
	case opTuple:
		items, err := m.popMark("tuple")
		if err != nil {
			return err
		}
		return m.push(Tuple(items))
	case opEmptyList, opEmptyDict, opEmptySet:
		if err := m.alloc(sizeHeader, "container", 0); err != nil {
			return err
		}
		switch op {
		case opEmptyList:
			return m.push(&List{})
		case opEmptyDict:
			return m.push(&Dict{})
		}
		return m.push(&Set{})
	case opList:
		items, err := m.popMark("list")
		if err != nil {
			return err
		}
		if err := m.addItems(len(items)); err != nil {
			return err
		}
		return m.push(&List{Items: items})
	case opDict:
		items, err := m.popMark("dict")
		if err != nil {
			return err
		}
		d := &Dict{}
		if err := m.setItems(d, items); err != nil {
			return err
		}
		return m.push(d)
	case opFrozenSet:
		items, err := m.popMark("set")
		if err != nil {
			return err
		}
		if err := m.addItems(len(items)); err != nil {
			return err
		}
		return m.push(&Set{Items: items})
	case opAppend, opAppends:
		var items []any
		var err error
		if op == opAppend {
			var v any
			v, err = m.pop()
			items = []any{v}
		} else {
			items, err = m.popMark("list")
		}
		if err != nil {
			return err
		}
		target, err := m.top()
		if err != nil {
			return err
		}
		if err := m.addItems(len(items)); err != nil {
			return err
		}
		var l *List
		switch x := target.(type) {
		case *List:
			l = x
		case *Object:
			if x.List == nil {
				x.List = &List{}
			}
			l = x.List
		default:
			return m.errf("APPEND to %s", m.typeName(target))
		}
		// Appending doubles the list's array as it grows.
		if err := m.alloc(2*int64(len(items))*sizeElem, "list", len(l.Items)+len(items)); err != nil {
			return err
		}
		l.Items = append(l.Items, items...)
	case opAddItems:
		items, err := m.popMark("set")
		if err != nil {
			return err
		}
		target, err := m.top()
		if err != nil {
			return err
		}
		s, ok := target.(*Set)
		if !ok {
			return m.errf("ADDITEMS to %s", m.typeName(target))
		}
		if err := m.addItems(len(items)); err != nil {
			return err
		}
		if err := m.alloc(2*int64(len(items))*sizeElem, "set", len(s.Items)+len(items)); err != nil {
			return err
		}
		s.Items = append(s.Items, items...)
	case opSetItem, opSetItems:
		var items []any
		if op == opSetItem {
			k, v, err := m.pop2()
			if err != nil {
				return err
			}
			items = []any{k, v}
		} else {
			var err error
			if items, err = m.popMark("dict"); err != nil {
				return err
			}
		}
		target, err := m.top()
		if err != nil {
			return err
		}
		var d *Dict
		switch x := target.(type) {
		case *Dict:
			d = x
		case *Object:
			if x.Dict == nil {
				x.Dict = &Dict{}
			}
			d = x.Dict
		default:
			return m.errf("SETITEM on %s", m.typeName(target))
		}
		return m.setItems(d, items)
	case opPut:
		s, err := m.readLine()
		if err != nil {
			return err
		}
		k, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return m.errf("bad PUT key %q", s)
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(uint32(k), v)
	case opBinPut, opLongBinPut, opMemoize:
		var k uint32
		switch op {
		case opBinPut:
			b, err := m.read(1)
			if err != nil {
				return err
			}
			k = uint32(b[0])
		case opLongBinPut:
			b, err := m.read(4)
			if err != nil {
				return err
			}
			k = le.Uint32(b)
		default:
			k = uint32(len(m.memo))
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(k, v)
	case opGet:
		s, err := m.readLine()
		if err != nil {
			return err
		}
		k, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return m.errf("bad GET key %q", s)
		}
		return m.memoGet(uint32(k))
	case opBinGet:
		b, err := m.read(1)
		if err != nil {
			return err
		}
		return m.memoGet(uint32(b[0]))
	case opLongBinGet:
		b, err := m.read(4)
		if err != nil {
			return err
		}
		return m.memoGet(le.Uint32(b))
	case opGlobal:
		mod, err := m.readLine()
		if err != nil {
			return err
		}
		name, err := m.readLine()
		if err != nil {
			return err
		}
		if err := m.alloc(int64(len(mod)+len(name))+2*sizeElem, "a global", -1); err != nil {
			return err
		}
		return m.global(mod, name)
	case opStackGlobal:
		mod, name, err := m.pop2()
		if err != nil {
			return err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return m.errf("STACK_GLOBAL needs two strings, got %s and %s", m.typeName(mod), m.typeName(name))
		}
		return m.global(ms, ns)
	case opReduce, opNewObj:
		fn, args, err := m.pop2()
		if err != nil {
			return err
		}
		if err := m.alloc(sizeCall, "a call's value", -1); err != nil {
			return err
		}
		return m.apply(fn, args)
	case opNewObjEx:
		kw, err := m.pop()
		if err != nil {
			return err
		}
		if d, ok := kw.(*Dict); !ok || len(d.Keys) != 0 {
			return m.errf("NEWOBJ_EX with keyword arguments is not supported")
		}
		fn, args, err := m.pop2()
		if err != nil {
			return err
		}
		return m.apply(fn, args)
	case opBuild:
		state, err := m.pop()
		if err != nil {
			return err
		}
		target, err := m.top()
		if err != nil {
			return err
		}
		switch x := target.(type) {
		case *Dict:
			x.State = state
		case *Object:
			x.State = state
		default:
			if m.Build == nil || !m.Build(target, state) {
				return m.errf("BUILD on %s", m.typeName(target))
			}
		}
	case opBinPersID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		if m.PersistentLoad == nil {
			return m.errf("persistent id in a pickle that allows none")
		}
		v, err := m.PersistentLoad(pid)
		if err != nil {
			return m.wrap(err, "")
		}
		return m.push(v)
	default:
		return m.errf("unsupported pickle opcode 0x%02x", op)
	}
	return nil
}

func (m *machine) pushString(op byte, n uint64) error {
	if n > uint64(len(m.data)-m.pos) {
		return m.errf("truncated pickle: string of %d bytes, %d left", n, len(m.data)-m.pos)
	}
	if err := m.alloc(int64(n)+sizeElem, "string", int(min(n, 1<<62))); err != nil {
		return err
	}
	b, _ := m.read(int(n))
	switch op {
	case opBinUnicode, opShortBinUni, opBinUnicode8, opBinString, opShortBinString:
		return m.push(string(b))
	}
	return m.push(append([]byte(nil), b...))
}

func (m *machine) setItems(d *Dict, items []any) error {
	if len(items)%2 != 0 {
		return m.errf("SETITEMS with an odd number of values")
	}
	if err := m.addItems(len(items) / 2); err != nil {
		return err
	}
	if err := m.alloc(int64(len(items)/2)*sizeEntry, "dict", len(d.Keys)+len(items)/2); err != nil {
		return err
	}
	for i := 0; i < len(items); i += 2 {
		d.Put(items[i], items[i+1])
	}
	return nil
}

func (m *machine) global(mod, name string) error {
	g := Global{Module: mod, Name: name}
	if m.Resolve != nil {
		if err := m.Resolve(g); err != nil {
			return m.wrap(err, "")
		}
	}
	return m.push(g)
}

func (m *machine) apply(fn, args any) error {
	g, ok := fn.(Global)
	if !ok {
		return m.errf("call of a %s, not a global", m.typeName(fn))
	}
	t, ok := args.(Tuple)
	if !ok {
		return m.errf("call of %s with %s arguments, not a tuple", g, m.typeName(args))
	}
	if m.Call == nil {
		return m.errf("%s: is not callable", g)
	}
	v, err := m.Call(g, t)
	if err != nil {
		return m.wrap(err, "%s", g)
	}
	return m.push(v)
}

// decodeLong decodes a little-endian two's complement integer.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(u<<shift) >> shift
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// typeName names v in a message.
func (m *machine) typeName(v any) string {
	if m.TypeName != nil {
		if s := m.TypeName(v); s != "" {
			return s
		}
	}
	return TypeName(v)
}
