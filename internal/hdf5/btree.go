package hdf5

// Version 1 B-trees of group nodes, symbol table nodes and local heaps:
// the storage of old-style groups.

// localHeap reads a local heap's data segment (the names of a group).
func (f *File) localHeap(addr uint64, from int64) ([]byte, error) {
	p, err := f.read(addr, int64(8+2*f.sl+f.so), "local heap", from)
	if err != nil {
		return nil, err
	}
	d := f.dec(p, addr)
	d.sig("HEAP")
	if v := d.u8("local heap version"); v != 0 && d.err == nil {
		return nil, f.errf(f.abs(addr)+4, "local heap version %d is not supported", v)
	}
	d.skip(3, "reserved")
	size := d.length("local heap data size")
	d.length("free list offset")
	data := d.addr("local heap data address")
	f.release(p)
	if d.err != nil {
		return nil, d.err
	}
	if size > maxNode {
		return nil, f.errf(f.abs(addr)+8, "local heap of %d bytes (at most %d)", size, maxNode)
	}
	return f.read(data, int64(size), "local heap data", f.abs(addr)+8+int64(2*f.sl))
}

// heapString is the NUL-terminated string at off in a local heap.
func (f *File) heapString(heap []byte, off uint64, from int64) (string, error) {
	if off >= uint64(len(heap)) {
		return "", f.errf(from, "name offset %d is past the local heap (%d bytes)", off, len(heap))
	}
	for i := int(off); i < len(heap); i++ {
		if heap[i] == 0 {
			return string(heap[off:i]), nil
		}
	}
	return "", f.errf(from, "name at local heap offset %d is not terminated", off)
}

// symbolTable lists an old-style group: symbol table message → B-tree →
// symbol table nodes, names in the local heap.
func (f *File) symbolTable(m *message) ([]link, error) {
	d := f.dec(m.data, m.addr)
	bt := d.addr("B-tree address")
	lh := d.addr("local heap address")
	if d.err != nil {
		return nil, d.err
	}
	heap, err := f.localHeap(lh, f.abs(m.addr)+int64(f.so))
	if err != nil {
		return nil, err
	}
	var links []link
	seen := map[uint64]bool{}
	var walk func(addr uint64, level int, from int64) error
	walk = func(addr uint64, level int, from int64) error {
		if seen[addr] {
			return f.errf(from, "group B-tree node at 0x%x is reached twice (a loop)", f.abs(addr))
		}
		seen[addr] = true
		hdr, err := f.read(addr, int64(8+2*f.so), "group B-tree node", from)
		if err != nil {
			return err
		}
		d := f.dec(hdr, addr)
		d.sig("TREE")
		typ := d.u8("B-tree node type")
		lvl := int(d.u8("B-tree node level"))
		n := int(d.u16("B-tree entries used"))
		f.release(hdr)
		if d.err != nil {
			return d.err
		}
		if typ != 0 {
			return f.errf(f.abs(addr)+4, "B-tree node of type %d in a group (0 expected)", typ)
		}
		if level >= 0 && lvl != level {
			return f.errf(f.abs(addr)+5, "B-tree node of level %d where level %d was expected", lvl, level)
		}
		if lvl > maxDepth {
			return f.errf(f.abs(addr)+5, "B-tree of depth %d (at most %d)", lvl, maxDepth)
		}
		// Keys and children: key0 child0 key1 … childN-1 keyN.
		body := int64(n)*int64(f.sl+f.so) + int64(f.sl)
		p, err := f.read(addr+uint64(8+2*f.so), body, "group B-tree node entries", f.abs(addr)+6)
		if err != nil {
			return err
		}
		defer f.release(p)
		d = f.dec(p, addr+uint64(8+2*f.so))
		for i := 0; i < n; i++ {
			d.length("B-tree key")
			at := d.at()
			child := d.addr("B-tree child address")
			if d.err != nil {
				return d.err
			}
			if lvl > 0 {
				if err := walk(child, lvl-1, at); err != nil {
					return err
				}
				continue
			}
			if err := f.symbolNode(child, heap, at, seen, &links); err != nil {
				return err
			}
		}
		return d.err
	}
	if err := walk(bt, -1, f.abs(m.addr)); err != nil {
		return nil, err
	}
	return links, nil
}

// symbolNode appends the entries of the symbol table node at addr.
func (f *File) symbolNode(addr uint64, heap []byte, from int64, seen map[uint64]bool, links *[]link) error {
	if seen[addr] {
		return f.errf(from, "symbol table node at 0x%x is reached twice (a loop)", f.abs(addr))
	}
	seen[addr] = true
	hdr, err := f.read(addr, 8, "symbol table node", from)
	if err != nil {
		return err
	}
	d := f.dec(hdr, addr)
	d.sig("SNOD")
	if v := d.u8("symbol table node version"); v != 1 && d.err == nil {
		return f.errf(f.abs(addr)+4, "symbol table node version %d is not supported", v)
	}
	d.skip(1, "reserved")
	n := int(d.u16("number of symbols"))
	f.release(hdr)
	if d.err != nil {
		return d.err
	}
	if len(*links)+n > maxMembers {
		return f.errf(f.abs(addr)+6, "group has more than %d members", maxMembers)
	}
	esize := 2*f.so + 24
	p, err := f.read(addr+8, int64(n*esize), "symbol table entries", f.abs(addr)+6)
	if err != nil {
		return err
	}
	defer f.release(p)
	d = f.dec(p, addr+8)
	for i := 0; i < n; i++ {
		at := d.at()
		nameOff := d.length("link name offset")
		obj := d.addr("object header address")
		cache := d.u32("cache type")
		d.skip(4, "reserved")
		scratch := d.bytes(16, "scratch pad")
		if d.err != nil {
			return d.err
		}
		name, err := f.heapString(heap, nameOff, at)
		if err != nil {
			return err
		}
		if err := f.b.Charge(int64(len(name))+64, "group member"); err != nil {
			return &Error{Offset: at, Msg: "group member", Err: err}
		}
		l := link{name: name, addr: obj, at: at}
		if cache == 2 {
			l.kind = KindLink
			target, err := f.heapString(heap, le(scratch[:4]), at)
			if err != nil {
				return err
			}
			l.target = target
		}
		*links = append(*links, l)
	}
	return nil
}

// Version 2 B-trees: the name indexes of dense groups and attributes, and
// the index of huge fractal heap objects.

type bt2 struct {
	addr     uint64
	typ      uint8
	nodeSize uint32
	recSize  int
	depth    int
	root     uint64
	rootN    int
	total    uint64
	nrecSize []int // bytes of the record count of a child at each depth
	cumSize  []int // bytes of the total record count of a subtree at each depth
	maxNrec  []uint64
}

func (f *File) btree2(addr uint64, from int64) (*bt2, error) {
	n := int64(4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + f.so + 2 + f.sl + 4)
	p, err := f.read(addr, n, "B-tree v2 header", from)
	if err != nil {
		return nil, err
	}
	defer f.release(p)
	d := f.dec(p, addr)
	d.sig("BTHD")
	if v := d.u8("B-tree v2 version"); v != 0 && d.err == nil {
		return nil, f.errf(f.abs(addr)+4, "B-tree v2 version %d is not supported", v)
	}
	t := &bt2{addr: addr}
	t.typ = d.u8("B-tree type")
	t.nodeSize = d.u32("B-tree node size")
	t.recSize = int(d.u16("B-tree record size"))
	t.depth = int(d.u16("B-tree depth"))
	d.skip(2, "split and merge percents")
	t.root = d.addr("B-tree root address")
	t.rootN = int(d.u16("records in the root"))
	t.total = d.length("records in the B-tree")
	d.checksum(d.p, "B-tree v2 header")
	if d.err != nil {
		return nil, d.err
	}
	switch {
	case t.nodeSize < 32 || t.nodeSize > maxNode:
		return nil, f.errf(f.abs(addr)+6, "B-tree node size %d (16 to %d bytes)", t.nodeSize, maxNode)
	case t.recSize == 0 || t.recSize > int(t.nodeSize):
		return nil, f.errf(f.abs(addr)+10, "B-tree record size %d for nodes of %d bytes", t.recSize, t.nodeSize)
	case t.depth > maxDepth:
		return nil, f.errf(f.abs(addr)+12, "B-tree of depth %d (at most %d)", t.depth, maxDepth)
	}
	// Sizes of the child pointers at each depth, as the specification
	// computes them from the node size (libhdf5's node_info).
	const overhead = 10 // signature, version, type, checksum
	t.maxNrec = make([]uint64, t.depth+1)
	t.nrecSize = make([]int, t.depth+1)
	t.cumSize = make([]int, t.depth+1)
	cum := make([]uint64, t.depth+1)
	t.maxNrec[0] = uint64(int(t.nodeSize)-overhead) / uint64(t.recSize)
	t.nrecSize[0] = encSize(t.maxNrec[0])
	cum[0] = t.maxNrec[0]
	for i := 1; i <= t.depth; i++ {
		ptr := f.so + t.nrecSize[i-1] + t.cumSize[i-1]
		room := int(t.nodeSize) - overhead - ptr
		if room < 0 {
			return nil, f.errf(f.abs(addr)+6, "B-tree nodes of %d bytes cannot hold a child pointer", t.nodeSize)
		}
		t.maxNrec[i] = uint64(room / (t.recSize + ptr))
		t.nrecSize[i] = encSize(t.maxNrec[i])
		c := (t.maxNrec[i]+1)*cum[i-1] + t.maxNrec[i]
		if cum[i-1] != 0 && c/cum[i-1] < t.maxNrec[i]+1 {
			c = ^uint64(0) // saturate
		}
		cum[i] = c
		t.cumSize[i] = encSize(c)
	}
	return t, nil
}

// each calls fn with every record of the tree, in key order.
func (f *File) each(t *bt2, fn func(rec []byte, at int64) error) error {
	if t.root == undef || t.rootN == 0 {
		return nil
	}
	seen := map[uint64]bool{}
	var count uint64
	var walk func(addr uint64, n int, depth int, from int64) error
	walk = func(addr uint64, n int, depth int, from int64) error {
		if seen[addr] {
			return f.errf(from, "B-tree node at 0x%x is reached twice (a loop)", f.abs(addr))
		}
		seen[addr] = true
		if uint64(n) > t.maxNrec[depth] {
			return f.errf(from, "B-tree node at 0x%x holds %d records, at most %d fit", f.abs(addr), n, t.maxNrec[depth])
		}
		count += uint64(n)
		if count > maxMembers {
			return f.errf(from, "B-tree has more than %d records", maxMembers)
		}
		p, err := f.read(addr, int64(t.nodeSize), "B-tree node", from)
		if err != nil {
			return err
		}
		defer f.release(p)
		d := f.dec(p, addr)
		if depth == 0 {
			d.sig("BTLF")
		} else {
			d.sig("BTIN")
		}
		d.u8("B-tree node version")
		if typ := d.u8("B-tree node type"); typ != t.typ && d.err == nil {
			return f.errf(f.abs(addr)+5, "B-tree node of type %d in a tree of type %d", typ, t.typ)
		}
		recs := d.bytes(n*t.recSize, "B-tree records")
		if depth == 0 {
			d.checksum(d.p, "B-tree leaf node")
			if d.err != nil {
				return d.err
			}
			for i := 0; i < n; i++ {
				if err := fn(recs[i*t.recSize:(i+1)*t.recSize], f.abs(addr)+6+int64(i*t.recSize)); err != nil {
					return err
				}
			}
			return nil
		}
		type child struct {
			addr uint64
			n    uint64
			at   int64
		}
		kids := make([]child, n+1)
		for i := range kids {
			kids[i].at = d.at()
			kids[i].addr = d.addr("child node address")
			kids[i].n = d.uint(t.nrecSize[depth-1], "child record count")
			d.uint(t.cumSize[depth-1], "child total record count")
		}
		d.checksum(d.p, "B-tree internal node")
		if d.err != nil {
			return d.err
		}
		for i, k := range kids {
			if err := walk(k.addr, int(min(k.n, 1<<31)), depth-1, k.at); err != nil {
				return err
			}
			if i < n {
				if err := fn(recs[i*t.recSize:(i+1)*t.recSize], f.abs(addr)+6+int64(i*t.recSize)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(t.root, t.rootN, t.depth, f.abs(t.addr))
}
