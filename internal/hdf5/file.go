package hdf5

import (
	"io"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// Options configure Open. The zero value is the default.
type Options struct {
	// Budget is charged before anything the file sizes is allocated (nil:
	// the default budget).
	Budget *budget.Budget
}

const signature = "\x89HDF\r\n\x1a\n"

// Open reads the superblock of the HDF5 file in r (size bytes) and the root
// group's object header. The superblock is searched at offset 0, 512, 1024,
// 2048… (after a user block).
func Open(r io.ReaderAt, size int64, opt Options) (*File, error) {
	f := &File{r: r, size: size, b: opt.Budget,
		objects: map[uint64]*object{}, heaps: map[uint64]*fheap{},
		gcols: map[uint64][]byte{}, iblocks: map[uint64]iblock{}, links: map[uint64][]link{}, pages: map[int64][]byte{}}
	base := int64(-1)
	var sig [8]byte
	for off := int64(0); off+8 <= size; {
		if _, err := r.ReadAt(sig[:], off); err != nil {
			return nil, &Error{Offset: off, Msg: "reading the signature", Err: err}
		}
		if string(sig[:]) == signature {
			base = off
			break
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	if base < 0 {
		return nil, f.errf(0, "not an HDF5 file: no signature at offset 0, 512, 1024, 2048…")
	}
	// libhdf5 takes the superblock's own position as the base address of a
	// file with a user block, whatever the base address field says.
	f.base = base
	f.so, f.sl = 8, 8 // for reading the fixed part
	n := int64(256)
	if n > size-base {
		n = size - base
	}
	p, err := f.read(0, n, "superblock", base)
	if err != nil {
		return nil, err
	}
	defer f.release(p)
	d := f.dec(p, 0)
	d.skip(8, "signature")
	f.super = int(d.u8("superblock version"))
	var rootAddr uint64
	switch f.super {
	case 0, 1:
		d.skip(3, "superblock versions")
		d.skip(1, "shared header version")
		f.so, f.sl = int(d.u8("size of offsets")), int(d.u8("size of lengths"))
		if err := f.checkSizes(d); err != nil {
			return nil, err
		}
		d.skip(1, "reserved")
		d.skip(4, "group K values")
		d.skip(4, "consistency flags")
		if f.super == 1 {
			d.skip(4, "indexed storage K")
		}
		d.addr("base address")
		d.addr("free space address")
		d.addr("end of file address")
		d.addr("driver information address")
		// The root group's symbol table entry.
		d.length("root link name offset")
		rootAddr = d.addr("root object header address")
	case 2, 3:
		f.so, f.sl = int(d.u8("size of offsets")), int(d.u8("size of lengths"))
		if err := f.checkSizes(d); err != nil {
			return nil, err
		}
		d.skip(1, "consistency flags")
		d.addr("base address")
		d.addr("superblock extension address")
		d.addr("end of file address")
		rootAddr = d.addr("root object header address")
		d.checksum(d.p, "superblock")
	default:
		return nil, f.errf(base+8, "superblock version %d is not supported (0 to 3 are)", f.super)
	}
	if d.err != nil {
		return nil, d.err
	}
	f.root = &Group{f: f, path: "/", addr: rootAddr}
	if _, err := f.object(rootAddr, base); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) checkSizes(d *dec) error {
	if d.err != nil {
		return d.err
	}
	for _, n := range []int{f.so, f.sl} {
		if n != 2 && n != 4 && n != 8 {
			return f.errf(d.at()-2, "size of offsets %d and of lengths %d: only 2, 4 and 8 are supported", f.so, f.sl)
		}
	}
	return nil
}

// Root is the root group, "/".
func (f *File) Root() *Group { return f.root }
