package torchpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// This file holds a small pickler that writes what torch.save's pickler
// (Python's pickle, protocol 2, with torch.serialization's persistent_id)
// writes for state dicts: the same opcodes, in the same order, with the
// same memoization of globals, strings and tuples.

// Values for the test pickler.
type (
	pOrderedDict struct {
		keys  []string
		vals  []any
		state any // e.g. the state_dict's {"_metadata": ...}
	}
	pDict struct {
		keys []any
		vals []any
	}
	pList  []any
	pTuple []any
	pGlob  struct{ mod, name string }
	// pTensor is pickled as torch._utils._rebuild_tensor_v2(storage,
	// offset, size, stride, requires_grad, OrderedDict()), or as
	// _rebuild_tensor_v3 (with an UntypedStorage and a dtype) when dtype
	// is set.
	pTensor struct {
		storage  string // storage class, e.g. "FloatStorage"
		dtype    string // for v3: torch dtype name, e.g. "float8_e4m3fn"
		key      string
		location string
		numel    int64 // storage numel as in the persistent id
		offset   int64
		size     []int64
		stride   []int64
		grad     bool
		param    bool // wrap in torch._utils._rebuild_parameter
	}
	pRaw []byte // raw opcodes
	// pObject is an instance pickled as protocol 2 pickles a plain class
	// instance: GLOBAL class, EMPTY_TUPLE, NEWOBJ, then BUILD with its
	// state (its __dict__), as torch.save(model) writes an nn.Module.
	pObject struct {
		class pGlob
		state any
	}
	pSet   []any    // EMPTY_SET ADDITEMS, or builtins.set([...]) under protocol 2: written as the latter
	pBytes []byte   // protocol 2 bytes: _codecs.encode(latin-1 text, "latin1")
	pCall  struct { // GLOBAL fn, args tuple, REDUCE, then BUILD with state when set
		fn    pGlob
		args  pTuple
		state any
	}
)

type pickler struct {
	bytes.Buffer
	memo map[string]int // memo keys for interned strings and globals
	next int
}

func newPickler() *pickler {
	p := &pickler{memo: map[string]int{}}
	p.WriteString("\x80\x02") // PROTO 2
	return p
}

func (p *pickler) put() {
	if p.next < 256 {
		p.WriteByte('q')
		p.WriteByte(byte(p.next))
	} else {
		p.WriteByte('r')
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(p.next)))
	}
	p.next++
}

func (p *pickler) get(i int) {
	if i < 256 {
		p.WriteByte('h')
		p.WriteByte(byte(i))
	} else {
		p.WriteByte('j')
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(i)))
	}
}

// memoized writes a cached value by BINGET or writes it and memoizes it.
func (p *pickler) memoized(key string, write func()) {
	if i, ok := p.memo[key]; ok {
		p.get(i)
		return
	}
	write()
	p.memo[key] = p.next
	p.put()
}

func (p *pickler) str(s string) {
	p.memoized("s"+s, func() {
		p.WriteByte('X')
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
		p.WriteString(s)
	})
}

func (p *pickler) global(mod, name string) {
	p.memoized("g"+mod+"."+name, func() { fmt.Fprintf(p, "c%s\n%s\n", mod, name) })
}

func (p *pickler) int(v int64) {
	switch {
	case v >= 0 && v < 256:
		p.WriteByte('K')
		p.WriteByte(byte(v))
	case v >= 0 && v < 65536:
		p.WriteByte('M')
		p.Write(binary.LittleEndian.AppendUint16(nil, uint16(v)))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.WriteByte('J')
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
	default:
		p.WriteByte(0x8a)
		p.WriteByte(8)
		p.Write(binary.LittleEndian.AppendUint64(nil, uint64(v)))
	}
}

func (p *pickler) tuple(items []any) {
	if len(items) == 0 {
		p.WriteByte(')')
		return
	}
	if len(items) <= 3 {
		for _, it := range items {
			p.save(it)
		}
		p.WriteByte(byte(0x85 + len(items) - 1))
	} else {
		p.WriteByte('(')
		for _, it := range items {
			p.save(it)
		}
		p.WriteByte('t')
	}
	p.put()
}

// setItems writes dict items the way pickle's _batch_setitems does.
func (p *pickler) setItems(keys, vals []any) {
	for i := 0; i < len(keys); i += 1000 {
		j := min(i+1000, len(keys))
		if j-i == 1 {
			p.save(keys[i])
			p.save(vals[i])
			p.WriteByte('s')
			continue
		}
		p.WriteByte('(')
		for k := i; k < j; k++ {
			p.save(keys[k])
			p.save(vals[k])
		}
		p.WriteByte('u')
	}
}

func pints(v []int64) pTuple {
	t := make(pTuple, len(v))
	for i, x := range v {
		t[i] = x
	}
	return t
}

func (p *pickler) save(v any) {
	switch x := v.(type) {
	case nil:
		p.WriteByte('N')
	case bool:
		if x {
			p.WriteByte(0x88)
		} else {
			p.WriteByte(0x89)
		}
	case int:
		p.int(int64(x))
	case int64:
		p.int(x)
	case float64:
		p.WriteByte('G')
		p.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(x)))
	case string:
		p.str(x)
	case pGlob:
		p.global(x.mod, x.name)
	case pTuple:
		p.tuple(x)
	case pList:
		p.WriteByte(']')
		p.put()
		if len(x) == 1 {
			p.save(x[0])
			p.WriteByte('a')
		} else if len(x) > 1 {
			p.WriteByte('(')
			for _, it := range x {
				p.save(it)
			}
			p.WriteByte('e')
		}
	case *pDict:
		p.WriteByte('}')
		p.put()
		p.setItems(x.keys, x.vals)
	case *pOrderedDict:
		p.global("collections", "OrderedDict")
		p.WriteString(")R")
		p.put()
		keys := make([]any, len(x.keys))
		for i, k := range x.keys {
			keys[i] = k
		}
		p.setItems(keys, x.vals)
		if x.state != nil {
			p.save(x.state)
			p.WriteByte('b')
		}
	case pTensor:
		if x.param {
			p.global("torch._utils", "_rebuild_parameter")
			inner := x
			inner.param = false
			p.tuple([]any{inner, x.grad, &pOrderedDict{}})
			p.WriteByte('R')
			p.put()
			return
		}
		fn, cls := "_rebuild_tensor_v2", x.storage
		if x.dtype != "" {
			fn, cls = "_rebuild_tensor_v3", "UntypedStorage"
		}
		p.global("torch._utils", fn)
		// The persistent id tuple, then BINPERSID.
		p.WriteByte('(')
		p.tuple([]any{"storage", pGlob{"torch", cls}, x.key, x.location, x.numel})
		p.WriteByte('Q')
		for _, a := range []any{x.offset, pints(x.size), pints(x.stride), x.grad, &pOrderedDict{}} {
			p.save(a)
		}
		if x.dtype != "" {
			p.save(pGlob{"torch", x.dtype})
		}
		p.WriteByte('t')
		p.put()
		p.WriteByte('R')
		p.put()
	case pRaw:
		p.Write(x)
	case *pObject:
		p.global(x.class.mod, x.class.name)
		p.WriteString(")\x81") // EMPTY_TUPLE NEWOBJ
		p.put()
		if x.state != nil {
			p.save(x.state)
			p.WriteByte('b')
		}
	case pSet:
		p.global("builtins", "set")
		p.save(pList(x))
		p.WriteString("\x85R") // TUPLE1 REDUCE
		p.put()
	case pBytes:
		// Python 3's pickle at protocol 2 writes bytes so.
		p.save(pCall{fn: pGlob{"_codecs", "encode"}, args: pTuple{latin1(x), "latin1"}})
	case pCall:
		p.save(x.fn)
		p.save(x.args)
		p.WriteByte('R')
		p.put()
		if x.state != nil {
			p.save(x.state)
			p.WriteByte('b')
		}
	default:
		panic(fmt.Sprintf("pickler: %T", v))
	}
}

// dumps pickles v with a trailing STOP.
func dumps(v any) []byte {
	p := newPickler()
	p.save(v)
	p.WriteByte('.')
	return p.Bytes()
}

// torchZip lays out a checkpoint as torch.save (torch 2.x) does: records
// data.pkl, .format_version, .storage_alignment, byteorder, data/<key>...,
// version, .data/serialization_id under one archive directory, stored
// uncompressed. storages maps keys to byte sizes.
func torchZip(t testing.TB, archive string, pkl []byte, keys []string, sizes map[string]int64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: archive + "/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	add("data.pkl", pkl)
	add(".format_version", []byte("1"))
	add(".storage_alignment", []byte("64"))
	add("byteorder", []byte("little"))
	for _, k := range keys {
		add("data/"+k, make([]byte, sizes[k]))
	}
	add("version", []byte("3\n"))
	add(".data/serialization_id", []byte("1234567890"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// latin1 decodes bytes as Latin-1 text.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
