package hdf5

import (
	"fmt"
	"strconv"
	"strings"
)

// Datatype classes.
const (
	classFixed    = 0
	classFloat    = 1
	classTime     = 2
	classString   = 3
	classBitfield = 4
	classOpaque   = 5
	classCompound = 6
	classRef      = 7
	classEnum     = 8
	classVlen     = 9
	classArray    = 10
	classComplex  = 11
)

// dtype is a parsed datatype message.
type dtype struct {
	class   uint8
	version uint8
	bits    uint32 // class bit field (24 bits)
	size    uint32
	base    *dtype   // enum, vlen, array
	dims    []uint32 // array
	fields  []field  // compound
	enum    []string // enum member names
	enumVal [][]byte // enum member values
}

type field struct {
	name string
	off  uint64
	t    *dtype
}

func (t *dtype) bigEndian() bool { return t.bits&1 != 0 }
func (t *dtype) signed() bool    { return t.bits&0x08 != 0 }
func (t *dtype) vlenString() bool {
	return t.class == classVlen && t.bits&0x0f == 1
}

// parseDatatype decodes a datatype message from d; depth bounds nesting.
func (f *File) parseDatatype(d *dec, depth int) *dtype {
	if depth > maxDepth {
		d.fail("datatype nested more than %d deep", maxDepth)
		return nil
	}
	cv := d.u8("datatype class and version")
	b := d.bytes(3, "datatype bit field")
	t := &dtype{class: cv & 0x0f, version: cv >> 4}
	t.size = d.u32("datatype size")
	if d.err != nil {
		return nil
	}
	t.bits = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	if t.version < 1 || t.version > 5 {
		d.fail("datatype version %d is not supported (1 to 5 are)", t.version)
		return nil
	}
	switch t.class {
	case classFixed, classBitfield:
		d.skip(4, "fixed-point offset and precision")
	case classFloat:
		d.skip(12, "floating-point properties")
	case classTime:
		d.skip(2, "time precision")
	case classString, classRef:
		// no properties (references of version 4 carry none here either)
	case classOpaque:
		n := int(t.bits & 0xff)
		d.skip(n, "opaque tag")
	case classCompound:
		n := int(t.bits & 0xffff)
		if n > d.left() {
			d.fail("compound of %d members in %d bytes", n, d.left())
			return nil
		}
		for i := 0; i < n && d.err == nil; i++ {
			var fd field
			switch {
			case t.version < 3:
				fd.name = d.paddedName("compound member name", 8)
				fd.off = uint64(d.u32("member offset"))
				if t.version == 1 {
					d.skip(28, "member dimensions")
				}
			default:
				fd.name = d.paddedName("compound member name", 1)
				fd.off = d.uint(encSize(uint64(t.size)), "member offset")
			}
			fd.t = f.parseDatatype(d, depth+1)
			t.fields = append(t.fields, fd)
		}
	case classEnum:
		t.base = f.parseDatatype(d, depth+1)
		if d.err != nil {
			return nil
		}
		n := int(t.bits & 0xffff)
		if n > d.left() {
			d.fail("enumeration of %d members in %d bytes", n, d.left())
			return nil
		}
		align := 8
		if t.version >= 3 {
			align = 1
		}
		for i := 0; i < n && d.err == nil; i++ {
			t.enum = append(t.enum, d.paddedName("enumeration name", align))
		}
		for i := 0; i < n && d.err == nil; i++ {
			t.enumVal = append(t.enumVal, d.bytes(int(t.base.size), "enumeration value"))
		}
	case classVlen:
		t.base = f.parseDatatype(d, depth+1)
	case classArray:
		rank := int(d.u8("array rank"))
		if rank > maxRank {
			d.fail("array of rank %d (at most %d)", rank, maxRank)
			return nil
		}
		if t.version < 3 {
			d.skip(3, "reserved")
		}
		for i := 0; i < rank && d.err == nil; i++ {
			t.dims = append(t.dims, d.u32("array dimension"))
		}
		if t.version < 3 {
			d.skip(4*rank, "array permutation")
		}
		t.base = f.parseDatatype(d, depth+1)
	case classComplex:
		t.base = f.parseDatatype(d, depth+1)
	default:
		d.fail("datatype class %d is not known", t.class)
	}
	if d.err != nil {
		return nil
	}
	return t
}

// paddedName reads a NUL-terminated name padded with NULs to a multiple of
// align bytes.
func (d *dec) paddedName(what string, align int) string {
	if d.err != nil {
		return ""
	}
	i := d.p
	for i < len(d.b) && d.b[i] != 0 {
		i++
	}
	if i >= len(d.b) {
		d.fail("%s is not terminated", what)
		return ""
	}
	s := string(d.b[d.p:i])
	n := i + 1 - d.p
	if r := n % align; r != 0 {
		n += align - r
	}
	d.skip(n, what)
	return s
}

// name is the numpy name of the type, as h5py maps it: "float32", "int64",
// "|S10" (fixed-length strings), "object" (variable-length strings and
// sequences, references), "bool" (h5py's boolean enum), "complex64",
// "|V12" (other compounds, opaque), "(2,3)float32" (arrays).
func (t *dtype) name() string {
	switch t.class {
	case classFixed:
		if t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8 {
			if t.signed() {
				return "int" + strconv.Itoa(int(t.size)*8)
			}
			return "uint" + strconv.Itoa(int(t.size)*8)
		}
		return fmt.Sprintf("|V%d", t.size)
	case classFloat:
		if t.size == 2 || t.size == 4 || t.size == 8 || t.size == 16 {
			return "float" + strconv.Itoa(int(t.size)*8)
		}
		return fmt.Sprintf("|V%d", t.size)
	case classString:
		return fmt.Sprintf("|S%d", t.size)
	case classVlen, classRef:
		return "object"
	case classEnum:
		if t.isBool() {
			return "bool"
		}
		return t.base.name()
	case classCompound:
		if c := t.complexName(); c != "" {
			return c
		}
		return fmt.Sprintf("|V%d", t.size)
	case classComplex:
		return "complex" + strconv.Itoa(int(t.size)*8)
	case classArray:
		dims := make([]string, len(t.dims))
		for i, n := range t.dims {
			dims[i] = strconv.Itoa(int(n))
		}
		return "(" + strings.Join(dims, ",") + ")" + t.base.name()
	case classBitfield:
		return fmt.Sprintf("bitfield%d", t.size*8)
	case classTime:
		return fmt.Sprintf("time%d", t.size*8)
	}
	return fmt.Sprintf("|V%d", t.size)
}

// isBool is h5py's boolean: an enumeration of int8 with FALSE = 0, TRUE = 1.
func (t *dtype) isBool() bool {
	return t.class == classEnum && t.base != nil && t.base.class == classFixed && t.base.size == 1 &&
		len(t.enum) == 2 && t.enum[0] == "FALSE" && t.enum[1] == "TRUE" &&
		len(t.enumVal) == 2 && t.enumVal[0][0] == 0 && t.enumVal[1][0] == 1
}

// complexName is h5py's complex numbers: a compound of two floats "r", "i".
func (t *dtype) complexName() string {
	if len(t.fields) != 2 || t.fields[0].name != "r" || t.fields[1].name != "i" {
		return ""
	}
	r, i := t.fields[0].t, t.fields[1].t
	if r == nil || i == nil || r.class != classFloat || i.class != classFloat || r.size != i.size ||
		t.fields[0].off != 0 || t.fields[1].off != uint64(r.size) || t.size != 2*r.size {
		return ""
	}
	return "complex" + strconv.Itoa(int(t.size)*8)
}

// dataspace is a parsed dataspace message: shape nil for a null dataspace,
// empty (non-nil) for a scalar.
type dataspace struct {
	shape []int64
	null  bool
}

func (s dataspace) elements() (int64, bool) {
	if s.null {
		return 0, true
	}
	n := int64(1)
	for _, d := range s.shape {
		if d != 0 && n > (1<<62)/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

func (f *File) parseDataspace(d *dec) dataspace {
	version := d.u8("dataspace version")
	rank := int(d.u8("dataspace rank"))
	flags := d.u8("dataspace flags")
	var ds dataspace
	switch version {
	case 1:
		d.skip(5, "reserved")
	case 2:
		switch typ := d.u8("dataspace type"); typ {
		case 0, 1:
		case 2:
			ds.null = true
		default:
			d.fail("dataspace type %d is not known", typ)
		}
	default:
		d.fail("dataspace version %d is not supported (1 and 2 are)", version)
	}
	if rank > maxRank {
		d.fail("dataspace of rank %d (at most %d)", rank, maxRank)
	}
	if d.err != nil || ds.null {
		return ds
	}
	ds.shape = make([]int64, 0, rank)
	for i := 0; i < rank; i++ {
		n := d.length("dimension size")
		if n > 1<<62 {
			d.fail("dimension of %d elements", n)
			return ds
		}
		ds.shape = append(ds.shape, int64(n))
	}
	if flags&1 != 0 {
		d.skip(rank*d.f.sl, "maximum dimensions")
	}
	if version == 1 && flags&2 != 0 {
		d.skip(rank*d.f.sl, "permutation")
	}
	return ds
}
