package hdf5

import "math/bits"

// Fractal heaps (the links of dense groups, the attributes of dense
// attribute storage) and the global heap (variable-length strings).

type fheap struct {
	addr          uint64
	idLen         int
	filterLen     int
	flags         uint8
	maxManaged    uint32
	hugeBtree     uint64
	width         int
	startBlock    uint64
	maxDirect     uint64
	maxHeapBits   int
	root          uint64
	rootRows      int
	offSize       int // bytes of a heap offset (block offsets, managed IDs)
	lenSize       int // bytes of a managed object's length in an ID
	maxDirectRows int
}

func (f *File) fractalHeap(addr uint64, from int64) (*fheap, error) {
	if h, ok := f.heaps[addr]; ok {
		return h, nil
	}
	n := int64(4 + 1 + 2 + 2 + 1 + 4 + 12*f.sl + 3*f.so + 2 + 2 + 2 + 2 + 4)
	p, err := f.read(addr, n, "fractal heap header", from)
	if err != nil {
		return nil, err
	}
	defer f.release(p)
	d := f.dec(p, addr)
	d.sig("FRHP")
	if v := d.u8("fractal heap version"); v != 0 && d.err == nil {
		return nil, f.errf(f.abs(addr)+4, "fractal heap version %d is not supported", v)
	}
	h := &fheap{addr: addr}
	h.idLen = int(d.u16("heap ID length"))
	h.filterLen = int(d.u16("I/O filters' encoded length"))
	h.flags = d.u8("fractal heap flags")
	h.maxManaged = d.u32("maximum size of managed objects")
	d.length("next huge object ID")
	h.hugeBtree = d.addr("huge objects B-tree address")
	d.length("free space in managed blocks")
	d.addr("free space manager address")
	d.length("managed space")
	d.length("allocated managed space")
	d.length("direct block allocation iterator")
	d.length("managed objects")
	d.length("size of huge objects")
	d.length("huge objects")
	d.length("size of tiny objects")
	d.length("tiny objects")
	h.width = int(d.u16("table width"))
	h.startBlock = d.length("starting block size")
	h.maxDirect = d.length("maximum direct block size")
	h.maxHeapBits = int(d.u16("maximum heap size"))
	d.u16("starting rows of the root indirect block")
	h.root = d.addr("root block address")
	h.rootRows = int(d.u16("rows of the root indirect block"))
	if d.err != nil {
		return nil, d.err
	}
	if h.filterLen > 0 {
		// The filtered root block size, its mask and the pipeline follow:
		// read on, then verify the checksum over all of it.
		extra := int64(f.sl + 4 + h.filterLen)
		if extra > maxNode {
			return nil, f.errf(f.abs(addr)+7, "fractal heap filter information of %d bytes", h.filterLen)
		}
		q, err := f.read(addr, n+extra, "fractal heap header", from)
		if err != nil {
			return nil, err
		}
		defer f.release(q)
		d = f.dec(q, addr)
		d.p = int(n) - 4 + int(extra)
	} else {
		d.p = int(n) - 4
	}
	d.checksum(d.p, "fractal heap header")
	if d.err != nil {
		return nil, d.err
	}
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	switch {
	case h.width == 0 || h.width > 1<<16 || !pow2(uint64(h.width)):
		return nil, f.errf(f.abs(addr), "fractal heap table width %d (a power of two expected)", h.width)
	case !pow2(h.startBlock) || !pow2(h.maxDirect) || h.maxDirect < h.startBlock || h.maxDirect > maxNode:
		return nil, f.errf(f.abs(addr), "fractal heap block sizes %d to %d (powers of two up to %d expected)", h.startBlock, h.maxDirect, maxNode)
	case h.maxHeapBits == 0 || h.maxHeapBits > 64:
		return nil, f.errf(f.abs(addr), "fractal heap of %d address bits", h.maxHeapBits)
	case h.idLen < 1 || h.idLen > 1<<12:
		return nil, f.errf(f.abs(addr)+5, "fractal heap ID length %d", h.idLen)
	case h.rootRows > maxDepth*2:
		return nil, f.errf(f.abs(addr), "fractal heap root indirect block of %d rows", h.rootRows)
	}
	h.offSize = (h.maxHeapBits + 7) / 8
	// libhdf5: bytes to encode a direct block offset, i.e. log2(max direct).
	h.lenSize = min((bits.Len64(h.maxDirect)-1+7)/8, encSize(uint64(h.maxManaged)))
	h.maxDirectRows = bits.Len64(h.maxDirect) - bits.Len64(h.startBlock) + 2
	f.heaps[addr] = h
	return h, nil
}

// rowSize is the size of the blocks of row r of the doubling table, 0 when
// it would pass 2^62 (no file has such blocks; the caller refuses it).
func (h *fheap) rowSize(r int) uint64 {
	if r == 0 {
		return h.startBlock
	}
	if r-1 >= 62 || h.startBlock > (1<<62)>>(r-1) {
		return 0
	}
	return h.startBlock << (r - 1)
}

// get returns the object of heap ID id (at offset at, for errors).
func (f *File) heapObject(h *fheap, id []byte, at int64) ([]byte, error) {
	if len(id) != h.idLen {
		return nil, f.errf(at, "heap ID of %d bytes, the heap's are %d", len(id), h.idLen)
	}
	if v := id[0] >> 6; v != 0 {
		return nil, f.errf(at, "heap ID version %d is not supported", v)
	}
	switch (id[0] >> 4) & 3 {
	case 0: // managed
		if 1+h.offSize+h.lenSize > len(id) {
			return nil, f.errf(at, "heap ID of %d bytes cannot hold an offset and a length", len(id))
		}
		off := le(id[1 : 1+h.offSize])
		n := le(id[1+h.offSize : 1+h.offSize+h.lenSize])
		return f.managed(h, off, n, at)
	case 1: // huge
		return f.huge(h, id, at)
	case 2: // tiny
		if h.idLen <= 18 {
			n := int(id[0]&0x0f) + 1
			if 1+n > len(id) {
				return nil, f.errf(at, "tiny heap object of %d bytes in an ID of %d", n, len(id))
			}
			return id[1 : 1+n], nil
		}
		if len(id) < 2 {
			return nil, f.errf(at, "extended tiny heap ID of %d bytes", len(id))
		}
		n := (int(id[0]&0x0f)<<8 | int(id[1])) + 1
		if 2+n > len(id) {
			return nil, f.errf(at, "tiny heap object of %d bytes in an ID of %d", n, len(id))
		}
		return id[2 : 2+n], nil
	}
	return nil, f.errf(at, "heap ID of unknown type %d", (id[0]>>4)&3)
}

// managed reads n bytes at offset off of the heap's managed space.
func (f *File) managed(h *fheap, off, n uint64, at int64) ([]byte, error) {
	if n > h.maxDirect {
		return nil, f.errf(at, "heap object of %d bytes, larger than a direct block (%d)", n, h.maxDirect)
	}
	if h.filterLen > 0 {
		return nil, f.errf(at, "fractal heap with I/O filters (compressed blocks): not supported")
	}
	if h.root == undef {
		return nil, f.errf(at, "heap object in an empty heap")
	}
	block, blockOff, size := h.root, uint64(0), h.startBlock
	if h.rootRows > 0 {
		iblock, nrows, iOff := h.root, h.rootRows, uint64(0)
		from := f.abs(h.addr)
		for depth := 0; ; depth++ {
			if depth > maxDepth {
				return nil, f.errf(at, "fractal heap indirect blocks nested more than %d deep", maxDepth)
			}
			entries, err := f.indirect(h, iblock, nrows, from)
			if err != nil {
				return nil, err
			}
			if off < iOff {
				return nil, f.errf(at, "heap offset %d is outside its indirect block", off)
			}
			rel := off - iOff
			row, start := -1, uint64(0)
			for r := 0; r < nrows; r++ {
				if h.rowSize(r) == 0 || h.rowSize(r) > (1<<62)/uint64(h.width) {
					return nil, f.errf(at, "fractal heap row %d of blocks past 2^62 bytes", r)
				}
				span := h.rowSize(r) * uint64(h.width)
				if rel < start+span {
					row = r
					break
				}
				start += span
			}
			if row < 0 {
				return nil, f.errf(at, "heap offset %d is past the heap's blocks", off)
			}
			bs := h.rowSize(row)
			col := (rel - start) / bs
			idx := row*h.width + int(col)
			addr := entries[idx]
			childOff := iOff + start + col*bs
			if addr == undef {
				return nil, f.errf(at, "heap offset %d is in a block that was never allocated", off)
			}
			if row < h.maxDirectRows {
				block, blockOff, size = addr, childOff, bs
				break
			}
			// An indirect child: its rows cover bs bytes.
			child := bits.Len64(bs) - bits.Len64(h.startBlock*uint64(h.width)) + 1
			if child <= 0 || child >= nrows {
				return nil, f.errf(at, "fractal heap indirect block of %d rows inside one of %d", child, nrows)
			}
			iblock, nrows, iOff, from = addr, child, childOff, f.abs(iblock)
		}
	}
	// The object's offset within its direct block counts the block's header.
	hdr := uint64(5 + f.so + h.offSize)
	if h.flags&2 != 0 {
		hdr += 4
	}
	if off < blockOff+hdr || off-blockOff > size || n > size-(off-blockOff) {
		return nil, f.errf(at, "heap object (offset %d, %d bytes) is not inside its direct block (offset %d, %d bytes)", off, n, blockOff, size)
	}
	p, err := f.read(block, int64(hdr), "fractal heap direct block", at)
	if err != nil {
		return nil, err
	}
	d := f.dec(p, block)
	d.sig("FHDB")
	f.release(p)
	if d.err != nil {
		return nil, d.err
	}
	return f.read(block+(off-blockOff), int64(n), "heap object", at)
}

type iblock struct {
	nrows   int
	entries []uint64
}

// indirect reads (once) an indirect block and returns its child addresses:
// direct blocks first, then indirect blocks, row by row.
func (f *File) indirect(h *fheap, addr uint64, nrows int, from int64) ([]uint64, error) {
	direct := min(nrows, h.maxDirectRows) * h.width
	indirect := 0
	if nrows > h.maxDirectRows {
		indirect = (nrows - h.maxDirectRows) * h.width
	}
	dsize := f.so
	if h.filterLen > 0 {
		dsize += f.sl + 4
	}
	n := int64(5+f.so+h.offSize) + int64(direct*dsize+indirect*f.so) + 4
	if n > maxNode {
		return nil, f.errf(from, "fractal heap indirect block of %d bytes", n)
	}
	if ib, ok := f.iblocks[addr]; ok {
		if ib.nrows != nrows {
			return nil, f.errf(from, "fractal heap indirect block at 0x%x read with %d rows and %d", f.abs(addr), ib.nrows, nrows)
		}
		return ib.entries, nil
	}
	p, err := f.read(addr, n, "fractal heap indirect block", from)
	if err != nil {
		return nil, err
	}
	defer f.release(p)
	d := f.dec(p, addr)
	d.sig("FHIB")
	d.u8("indirect block version")
	d.addr("heap header address")
	d.skip(h.offSize, "block offset")
	entries := make([]uint64, 0, direct+indirect)
	for i := 0; i < direct; i++ {
		entries = append(entries, d.addr("direct block address"))
		if h.filterLen > 0 {
			d.skip(f.sl+4, "filtered direct block size and mask")
		}
	}
	for i := 0; i < indirect; i++ {
		entries = append(entries, d.addr("indirect block address"))
	}
	d.checksum(d.p, "fractal heap indirect block")
	if d.err != nil {
		return nil, d.err
	}
	f.iblocks[addr] = iblock{nrows, entries}
	return entries, nil
}

// huge reads a huge object: its address and length are in the ID, or in
// the heap's B-tree of huge objects under the ID's key.
func (f *File) huge(h *fheap, id []byte, at int64) ([]byte, error) {
	if h.filterLen > 0 {
		return nil, f.errf(at, "filtered huge heap objects are not supported")
	}
	var addr, n uint64
	if len(id) >= 1+f.so+f.sl {
		d := f.dec(id[1:], 0)
		addr = d.addr("huge object address")
		n = d.length("huge object length")
	} else {
		key := le(id[1:min(len(id), 9)])
		if h.hugeBtree == undef {
			return nil, f.errf(at, "huge heap object without a B-tree of huge objects")
		}
		t, err := f.btree2(h.hugeBtree, at)
		if err != nil {
			return nil, err
		}
		if t.typ != 1 || t.recSize < f.so+2*f.sl {
			return nil, f.errf(f.abs(h.hugeBtree), "B-tree of huge objects of type %d (1 expected)", t.typ)
		}
		found := false
		err = f.each(t, func(rec []byte, _ int64) error {
			if found {
				return nil
			}
			d := f.dec(rec, 0)
			a := d.addr("huge object address")
			l := d.length("huge object length")
			if d.length("huge object ID") == key {
				addr, n, found = a, l, true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, f.errf(at, "huge heap object %d is not in the heap's B-tree", key)
		}
	}
	if n > maxObject {
		return nil, f.errf(at, "heap object of %d bytes (at most %d)", n, maxObject)
	}
	return f.read(addr, int64(n), "huge heap object", at)
}

// globalObject returns object idx of the global heap collection at addr.
func (f *File) globalObject(addr uint64, idx uint32, at int64) ([]byte, error) {
	col, ok := f.gcols[addr]
	if !ok {
		p, err := f.read(addr, int64(8+f.sl), "global heap collection", at)
		if err != nil {
			return nil, err
		}
		d := f.dec(p, addr)
		d.sig("GCOL")
		if v := d.u8("global heap version"); v != 1 && d.err == nil {
			return nil, f.errf(f.abs(addr)+4, "global heap version %d is not supported", v)
		}
		d.skip(3, "reserved")
		size := d.length("global heap collection size")
		f.release(p)
		if d.err != nil {
			return nil, d.err
		}
		if size > maxObject {
			return nil, f.errf(f.abs(addr)+8, "global heap collection of %d bytes (at most %d)", size, maxObject)
		}
		col, err = f.read(addr, int64(size), "global heap collection", at)
		if err != nil {
			return nil, err
		}
		f.gcols[addr] = col
	}
	d := f.dec(col, addr)
	d.skip(8+f.sl, "global heap header")
	for d.left() >= 8+f.sl && d.err == nil {
		i := d.u16("heap object index")
		d.skip(6, "reference count")
		size := d.length("heap object size")
		if i == 0 {
			break // free space: the rest of the collection
		}
		if size > uint64(d.left()) {
			return nil, f.errf(d.at(), "global heap object of %d bytes, %d left in the collection", size, d.left())
		}
		if uint32(i) == idx {
			return d.bytes(int(size), "global heap object"), nil
		}
		pad := int((size + 7) &^ 7)
		if pad > d.left() {
			pad = d.left()
		}
		d.skip(pad, "global heap object")
	}
	if d.err != nil {
		return nil, d.err
	}
	return nil, f.errf(at, "global heap object %d is not in the collection at 0x%x", idx, f.abs(addr))
}
