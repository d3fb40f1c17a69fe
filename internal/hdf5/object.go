package hdf5

// Object header message types used here.
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgLink         = 0x06
	msgLayout       = 0x08
	msgGroupInfo    = 0x0a
	msgAttribute    = 0x0c
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// message flag bits.
const (
	flagShared = 0x02
)

type message struct {
	typ    uint16
	flags  uint8
	corder uint16 // creation order (version 2 headers that track it)
	data   []byte
	addr   uint64 // address of data, for errors and nested decoding
}

// object is a parsed object header: its messages, continuation blocks
// included.
type object struct {
	addr        uint64
	msgs        []message
	attrCorder  bool // attribute creation order is tracked
	hasCorder   bool // messages carry creation order fields
	headerBytes int64

	attrs     []Attribute    // decoded on first use, in h5py's order
	attrIndex map[string]int // attrs by name
}

func (o *object) find(typ uint16) *message {
	for i := range o.msgs {
		if o.msgs[i].typ == typ {
			return &o.msgs[i]
		}
	}
	return nil
}

// kind is what the object is: a group, a dataset, a committed datatype.
func (o *object) kind() Kind {
	for _, m := range o.msgs {
		switch m.typ {
		case msgSymbolTable, msgLinkInfo, msgLink, msgGroupInfo:
			return KindGroup
		}
	}
	if o.find(msgLayout) != nil || o.find(msgDataspace) != nil {
		return KindDataset
	}
	return KindOther
}

// object reads (once) the object header at addr; from is the offset that
// pointed to it.
func (f *File) object(addr uint64, from int64) (*object, error) {
	if o, ok := f.objects[addr]; ok {
		return o, nil
	}
	if addr == undef {
		return nil, f.errf(from, "object header: undefined address")
	}
	head, err := f.read(addr, min(16, f.size-f.abs(addr)), "object header", from)
	if err != nil {
		return nil, err
	}
	o := &object{addr: addr}
	type chunk struct {
		addr, n uint64
		from    int64
	}
	var queue []chunk
	version := 1
	if len(head) >= 4 && string(head[:4]) == "OHDR" {
		version = 2
	}
	f.release(head)
	seen := map[uint64]bool{}
	if version == 1 {
		p, err := f.read(addr, 16, "object header", from)
		if err != nil {
			return nil, err
		}
		d := f.dec(p, addr)
		if v := d.u8("object header version"); v != 1 {
			return nil, f.errf(f.abs(addr), "object header version %d is not supported (1 and 2 are)", v)
		}
		d.skip(1, "reserved")
		d.u16("number of messages")
		d.u32("reference count")
		size := d.u32("header size")
		f.release(p)
		queue = append(queue, chunk{addr + 16, uint64(size), f.abs(addr) + 8})
	} else {
		if err := f.chunk0(o, addr, from, func(a, n uint64, at int64) { queue = append(queue, chunk{a, n, at}) }); err != nil {
			return nil, err
		}
		seen[addr] = true
	}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.addr] {
			return nil, f.errf(c.from, "object header continuation at 0x%x loops back", c.addr)
		}
		seen[c.addr] = true
		if len(seen) > maxChunks {
			return nil, f.errf(c.from, "object header has more than %d continuation blocks", maxChunks)
		}
		if c.n > maxChunk {
			return nil, f.errf(c.from, "object header block of %d bytes (at most %d)", c.n, maxChunk)
		}
		p, err := f.read(c.addr, int64(c.n), "object header block", c.from)
		if err != nil {
			return nil, err
		}
		d := f.dec(p, c.addr)
		end := len(p)
		if version == 2 {
			d.sig("OCHK")
			d.checksum(len(p)-4, "object header continuation block")
			end -= 4
		}
		if d.err != nil {
			return nil, d.err
		}
		if err := f.messages(o, d, end, version, func(a, n uint64, at int64) { queue = append(queue, chunk{a, n, at}) }); err != nil {
			return nil, err
		}
		o.headerBytes += int64(len(p))
	}
	f.objects[addr] = o
	return o, nil
}

// chunk0 reads a version 2 header's prefix and first chunk.
func (f *File) chunk0(o *object, addr uint64, from int64, cont func(a, n uint64, at int64)) error {
	pre, err := f.read(addr, min(6+16+4+8, f.size-f.abs(addr)), "object header prefix", from)
	if err != nil {
		return err
	}
	d := f.dec(pre, addr)
	d.sig("OHDR")
	if v := d.u8("object header version"); v != 2 && d.err == nil {
		return f.errf(f.abs(addr)+4, "object header version %d is not supported (1 and 2 are)", v)
	}
	flags := d.u8("object header flags")
	if flags&0x20 != 0 {
		d.skip(16, "object times")
	}
	if flags&0x10 != 0 {
		d.skip(4, "attribute phase change values")
	}
	size := d.uint(1<<(flags&3), "size of chunk 0")
	if d.err != nil {
		return d.err
	}
	prefix := d.p
	f.release(pre)
	if size > maxChunk {
		return f.errf(f.abs(addr)+int64(prefix), "object header chunk of %d bytes (at most %d)", size, maxChunk)
	}
	o.attrCorder = flags&0x04 != 0
	o.hasCorder = flags&0x04 != 0
	p, err := f.read(addr, int64(prefix)+int64(size)+4, "object header", from)
	if err != nil {
		return err
	}
	d = f.dec(p, addr)
	d.checksum(len(p)-4, "object header")
	if d.err != nil {
		return d.err
	}
	d.p = prefix
	o.headerBytes += int64(len(p))
	return f.messages(o, d, len(p)-4, 2, cont)
}

// messages decodes the messages of one header block, from d.p to end.
func (f *File) messages(o *object, d *dec, end int, version int, cont func(a, n uint64, at int64)) error {
	hsize := 8
	if version == 2 {
		hsize = 4
		if o.hasCorder {
			hsize = 6
		}
	}
	for end-d.p >= hsize {
		start := d.at()
		var m message
		var size int
		if version == 1 {
			m.typ = d.u16("message type")
			size = int(d.u16("message size"))
			m.flags = d.u8("message flags")
			d.skip(3, "reserved")
		} else {
			m.typ = uint16(d.u8("message type"))
			size = int(d.u16("message size"))
			m.flags = d.u8("message flags")
			if o.hasCorder {
				m.corder = d.u16("message creation order")
			}
		}
		if d.err != nil {
			return d.err
		}
		if size > end-d.p {
			return f.errf(start, "message of type 0x%x declares %d bytes, %d left in its block", m.typ, size, end-d.p)
		}
		m.addr = uint64(d.at() - f.base)
		m.data = d.b[d.p : d.p+size]
		d.p += size
		switch m.typ {
		case msgNil:
			continue
		case msgContinuation:
			cd := f.dec(m.data, m.addr)
			a := cd.addr("continuation address")
			n := cd.length("continuation length")
			if cd.err != nil {
				return cd.err
			}
			cont(a, n, start)
			continue
		}
		if len(o.msgs) >= maxMessages {
			return f.errf(start, "object header has more than %d messages", maxMessages)
		}
		if len(o.msgs)%1024 == 0 { // the message list's memory, ahead
			if err := f.b.Charge(1024*64, "object header messages"); err != nil {
				return &Error{Offset: start, Msg: "object header messages", Err: err}
			}
		}
		o.msgs = append(o.msgs, m)
	}
	return d.err
}

// sharedTarget resolves a shared message (flag bit 1): it is stored in
// another object header (a committed datatype) and the message here only
// points to it. The message of the same type found there is returned.
func (f *File) sharedTarget(m *message, hops int) (*message, error) {
	d := f.dec(m.data, m.addr)
	version := d.u8("shared message version")
	typ := d.u8("shared message type")
	var addr uint64
	switch version {
	case 1:
		d.skip(6, "reserved")
		addr = d.addr("shared object address")
	case 2:
		addr = d.addr("shared object address")
	case 3:
		if typ != 2 {
			if d.err == nil {
				return nil, f.errf(f.abs(m.addr), "message of type 0x%x shared through the shared message table: not supported", m.typ)
			}
		}
		addr = d.addr("shared object address")
	default:
		if d.err == nil {
			return nil, f.errf(f.abs(m.addr), "shared message version %d is not supported", version)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if hops >= maxSharedHops {
		return nil, f.errf(f.abs(m.addr), "shared messages chained more than %d times", maxSharedHops)
	}
	o, err := f.object(addr, f.abs(m.addr))
	if err != nil {
		return nil, err
	}
	t := o.find(m.typ)
	if t == nil {
		return nil, f.errf(f.abs(m.addr), "shared message of type 0x%x points to an object (0x%x) without one", m.typ, f.abs(addr))
	}
	if t.flags&flagShared != 0 {
		return f.sharedTarget(t, hops+1)
	}
	return t, nil
}

// resolve is m itself, or the message it shares.
func (f *File) resolve(m *message) (*message, error) {
	if m.flags&flagShared == 0 {
		return m, nil
	}
	return f.sharedTarget(m, 0)
}
