package hdf5

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
)

// Attribute is an attribute of a group or dataset, with its value decoded.
//
// Value is string or []string (fixed- and variable-length strings), int64
// or []int64 (integers, booleans, enumerations), float64 or []float64
// (floats): a single value for a scalar dataspace, a flat slice in C order
// for a simple one. It is nil for a null dataspace, and for a type this
// reader does not decode: then DType ends in " (not decoded)". Values are
// decoded once per object and shared between calls: do not modify them.
type Attribute struct {
	Name  string
	Shape []int64 // nil for a null dataspace; empty for a scalar
	DType string  // numpy's name, as for Dataset
	Value any
}

type attrEntry struct {
	Attribute
	corder int64
}

// attrs lists the attributes of o in h5py's order: creation order when the
// object tracks it, else by name.
// The attributes are decoded once per object; callers get a copy of the
// list (the values themselves are shared: callers must not modify them).
func (f *File) attrs(o *object) ([]Attribute, error) {
	if err := f.loadAttrs(o); err != nil {
		return nil, err
	}
	return slices.Clone(o.attrs), nil
}

func (f *File) loadAttrs(o *object) error {
	if o.attrs == nil {
		list, err := f.readAttrs(o)
		if err != nil {
			return err
		}
		o.attrs = list
	}
	return nil
}

func (f *File) readAttrs(o *object) ([]Attribute, error) {
	var list []attrEntry
	ordered := o.attrCorder
	for i := range o.msgs {
		m := &o.msgs[i]
		switch m.typ {
		case msgAttribute:
			if m.flags&flagShared != 0 {
				return nil, f.errf(f.abs(m.addr), "shared attribute messages are not supported")
			}
			a, err := f.parseAttr(m.data, m.addr)
			if err != nil {
				return nil, err
			}
			if len(list) >= maxMembers {
				return nil, f.errf(f.abs(m.addr), "more than %d attributes", maxMembers)
			}
			list = append(list, attrEntry{a, int64(m.corder)})
		case msgAttrInfo:
			d := f.dec(m.data, m.addr)
			if v := d.u8("attribute info version"); v != 0 && d.err == nil {
				return nil, f.errf(f.abs(m.addr), "attribute info message version %d is not supported", v)
			}
			flags := d.u8("attribute info flags")
			if flags&1 != 0 {
				ordered = true
				d.u16("maximum creation index")
			}
			heapAddr := d.addr("attribute fractal heap address")
			index := d.addr("attribute name index address")
			if d.err != nil {
				return nil, d.err
			}
			if heapAddr == undef || index == undef {
				continue
			}
			dense, err := f.denseAttrs(heapAddr, index, f.abs(m.addr)+2)
			if err != nil {
				return nil, err
			}
			list = append(list, dense...)
		}
	}
	slices.SortStableFunc(list, func(a, b attrEntry) int {
		if ordered && a.corder != b.corder {
			if a.corder < b.corder {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	out := make([]Attribute, len(list))
	for i, a := range list {
		out[i] = a.Attribute
	}
	return out, nil
}

func (f *File) attr(o *object, name string) (*Attribute, error) {
	if err := f.loadAttrs(o); err != nil {
		return nil, err
	}
	if o.attrIndex == nil {
		o.attrIndex = make(map[string]int, len(o.attrs))
		for i, a := range o.attrs {
			if _, dup := o.attrIndex[a.Name]; !dup {
				o.attrIndex[a.Name] = i
			}
		}
	}
	i, ok := o.attrIndex[name]
	if !ok {
		return nil, nil
	}
	a := o.attrs[i]
	return &a, nil
}

// denseAttrs reads attributes in dense storage: the name index (a v2
// B-tree of type 8) holds heap IDs of attribute messages.
func (f *File) denseAttrs(heapAddr, index uint64, from int64) ([]attrEntry, error) {
	h, err := f.fractalHeap(heapAddr, from)
	if err != nil {
		return nil, err
	}
	t, err := f.btree2(index, from+int64(f.so))
	if err != nil {
		return nil, err
	}
	if t.typ != 8 {
		return nil, f.errf(f.abs(index)+5, "attribute name index B-tree of type %d (8 expected)", t.typ)
	}
	if t.recSize != h.idLen+9 {
		return nil, f.errf(f.abs(index)+10, "attribute name records of %d bytes for heap IDs of %d", t.recSize, h.idLen)
	}
	var list []attrEntry
	err = f.each(t, func(rec []byte, at int64) error {
		id := rec[:h.idLen]
		if rec[h.idLen]&flagShared != 0 {
			return f.errf(at, "shared attribute messages are not supported")
		}
		corder := int64(binary.LittleEndian.Uint32(rec[h.idLen+1:]))
		p, err := f.heapObject(h, id, at)
		if err != nil {
			return err
		}
		a, err := f.parseAttr(p, uint64(at-f.base))
		if err != nil {
			return err
		}
		list = append(list, attrEntry{a, corder})
		return nil
	})
	return list, err
}

// parseAttr decodes an attribute message (versions 1 to 3) and its value.
func (f *File) parseAttr(p []byte, addr uint64) (Attribute, error) {
	var a Attribute
	d := f.dec(p, addr)
	version := d.u8("attribute version")
	flags := d.u8("attribute flags")
	nameSize := int(d.u16("attribute name size"))
	dtSize := int(d.u16("attribute datatype size"))
	dsSize := int(d.u16("attribute dataspace size"))
	align := 1
	switch version {
	case 1:
		align = 8
		flags = 0
	case 2:
	case 3:
		d.u8("attribute name encoding")
	default:
		if d.err == nil {
			return a, f.errf(f.abs(addr), "attribute message version %d is not supported (1 to 3 are)", version)
		}
	}
	pad := func(n int) int { return (n + align - 1) / align * align }
	name := d.bytes(pad(nameSize), "attribute name")
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	a.Name = string(name)
	dtAt := d.at()
	dtBytes := d.bytes(pad(dtSize), "attribute datatype")
	dsAt := d.at()
	dsBytes := d.bytes(pad(dsSize), "attribute dataspace")
	if d.err != nil {
		return a, d.err
	}
	dtBytes, dsBytes = dtBytes[:dtSize], dsBytes[:dsSize]
	if flags&1 != 0 {
		m, err := f.resolve(&message{typ: msgDatatype, flags: flagShared, data: dtBytes, addr: uint64(dtAt - f.base)})
		if err != nil {
			return a, err
		}
		dtBytes, dtAt = m.data, f.abs(m.addr)
	}
	if flags&2 != 0 {
		m, err := f.resolve(&message{typ: msgDataspace, flags: flagShared, data: dsBytes, addr: uint64(dsAt - f.base)})
		if err != nil {
			return a, err
		}
		dsBytes, dsAt = m.data, f.abs(m.addr)
	}
	td := f.dec(dtBytes, uint64(dtAt-f.base))
	t := f.parseDatatype(td, 0)
	if td.err != nil {
		return a, td.err
	}
	sd := f.dec(dsBytes, uint64(dsAt-f.base))
	space := f.parseDataspace(sd)
	if sd.err != nil {
		return a, sd.err
	}
	a.Shape = space.shape
	a.DType = t.name()
	if space.null {
		return a, nil
	}
	n, ok := space.elements()
	if !ok || n > maxElements {
		return a, f.errf(dsAt, "attribute %s of %v elements (at most %d)", quote(a.Name), space.shape, maxElements)
	}
	if int64(t.size) != 0 && n > int64(d.left())/int64(t.size) {
		return a, f.errf(d.at(), "attribute %s: %d elements of %d bytes, %d bytes of data", quote(a.Name), n, t.size, d.left())
	}
	data := d.b[d.p : d.p+int(n)*int(t.size)]
	v, ok, err := f.decode(t, data, int(n), len(space.shape) == 0, d.at())
	if err != nil {
		return a, err
	}
	if !ok {
		a.DType += " (not decoded)"
	}
	a.Value = v
	return a, nil
}

// decode converts n elements of type t; scalar returns one value instead
// of a slice. ok is false for types this reader does not decode.
func (f *File) decode(t *dtype, data []byte, n int, scalar bool, at int64) (any, bool, error) {
	size := int(t.size)
	base := t
	if t.class == classEnum {
		base = t.base
	}
	if err := f.b.Charge(int64(n)*24, "attribute value"); err != nil {
		return nil, false, &Error{Offset: at, Msg: "attribute value", Err: err}
	}
	switch {
	case base.class == classFixed && (size == 1 || size == 2 || size == 4 || size == 8):
		vals := make([]int64, n)
		for i := range vals {
			p := data[i*size : (i+1)*size]
			var u uint64
			if base.bigEndian() {
				for _, c := range p {
					u = u<<8 | uint64(c)
				}
			} else {
				u = le(p)
			}
			if base.signed() {
				shift := 64 - 8*size
				vals[i] = int64(u<<shift) >> shift
			} else {
				if u > math.MaxInt64 {
					return nil, false, nil
				}
				vals[i] = int64(u)
			}
		}
		if scalar {
			return vals[0], true, nil
		}
		return vals, true, nil
	case t.class == classFloat && (size == 2 || size == 4 || size == 8):
		vals := make([]float64, n)
		for i := range vals {
			p := data[i*size : (i+1)*size]
			var u uint64
			if t.bigEndian() {
				for _, c := range p {
					u = u<<8 | uint64(c)
				}
			} else {
				u = le(p)
			}
			switch size {
			case 2:
				vals[i] = half(uint16(u))
			case 4:
				vals[i] = float64(math.Float32frombits(uint32(u)))
			default:
				vals[i] = math.Float64frombits(u)
			}
		}
		if scalar {
			return vals[0], true, nil
		}
		return vals, true, nil
	case t.class == classString:
		pad := t.bits & 0x0f
		vals := make([]string, n)
		for i := range vals {
			vals[i] = trimString(data[i*size:(i+1)*size], pad)
		}
		if scalar {
			return vals[0], true, nil
		}
		return vals, true, nil
	case t.vlenString():
		esize := 4 + f.so + 4
		if size != esize {
			return nil, false, f.errf(at, "variable-length string of %d bytes (%d expected)", size, esize)
		}
		pad := (t.bits >> 4) & 0x0f
		vals := make([]string, n)
		for i := range vals {
			d := f.dec(data[i*size:(i+1)*size], uint64(at-f.base)+uint64(i*size))
			length := d.u32("string length")
			addr := d.addr("global heap address")
			idx := d.u32("global heap index")
			if length == 0 || addr == 0 || addr == undef {
				continue
			}
			p, err := f.globalObject(addr, idx, at+int64(i*size))
			if err != nil {
				return nil, false, err
			}
			if int(length) > len(p) {
				return nil, false, f.errf(at+int64(i*size), "string of %d bytes in a heap object of %d", length, len(p))
			}
			if err := f.b.Charge(int64(length), "attribute string"); err != nil {
				return nil, false, &Error{Offset: at, Msg: "attribute value", Err: err}
			}
			vals[i] = trimString(p[:length], pad)
		}
		if scalar {
			return vals[0], true, nil
		}
		return vals, true, nil
	}
	return nil, false, nil
}

// trimString applies a string's padding: NUL-terminated (0) ends at the
// first NUL; NUL-padded (1) and space-padded (2) drop the padding at the
// end, as numpy does for its bytes.
func trimString(p []byte, pad uint32) string {
	switch pad {
	case 0:
		if i := bytes.IndexByte(p, 0); i >= 0 {
			p = p[:i]
		}
	case 2:
		p = bytes.TrimRight(p, " ")
	default:
		p = bytes.TrimRight(p, "\x00")
	}
	return string(p)
}

// half converts an IEEE 754 binary16 value.
func half(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * frac * math.Pow(2, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
}
