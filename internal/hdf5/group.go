package hdf5

import (
	"slices"
	"strings"
)

// Kind is what a group member is.
type Kind int

const (
	KindGroup   Kind = iota // a group (hard link)
	KindDataset             // a dataset (hard link)
	KindLink                // a soft or external link (not followed by Members)
	KindOther               // a committed datatype or an object of another kind
)

func (k Kind) String() string {
	switch k {
	case KindGroup:
		return "group"
	case KindDataset:
		return "dataset"
	case KindLink:
		return "link"
	}
	return "other"
}

func (k Kind) article() string {
	if k == KindOther {
		return "a committed datatype or an object of another kind"
	}
	return "a " + k.String()
}

// Member is a link of a group.
type Member struct {
	Name string
	Kind Kind
}

// Group is a group of the file.
type Group struct {
	f    *File
	path string
	addr uint64
}

// Path is the group's path: "/", "/model_weights/dense".
func (g *Group) Path() string { return g.path }

// link is one link of a group: hard (addr), soft (target) or external.
type link struct {
	name      string
	kind      Kind // KindLink for soft and external links, else unknown yet (KindOther)
	addr      uint64
	target    string // soft link path; external "file:path"
	external  bool
	corder    int64
	hasCorder bool
	at        int64 // where the link is stored, for errors
}

func (g *Group) object() (*object, error) {
	return g.f.object(g.addr, g.f.abs(g.addr))
}

// links lists the group's links in h5py's order: creation order when the
// group tracks it, else by name.
func (g *Group) links() ([]link, error) {
	f := g.f
	if links, ok := f.links[g.addr]; ok {
		return links, nil
	}
	o, err := g.object()
	if err != nil {
		return nil, err
	}
	var links []link
	ordered := false
	if m := o.find(msgSymbolTable); m != nil {
		links, err = f.symbolTable(m)
		if err != nil {
			return nil, err
		}
	}
	for i := range o.msgs {
		m := &o.msgs[i]
		switch m.typ {
		case msgLink:
			l, err := f.parseLink(m.data, m.addr)
			if err != nil {
				return nil, err
			}
			if len(links) >= maxMembers {
				return nil, f.errf(f.abs(m.addr), "group has more than %d members", maxMembers)
			}
			links = append(links, l)
		case msgLinkInfo:
			d := f.dec(m.data, m.addr)
			if v := d.u8("link info version"); v != 0 && d.err == nil {
				return nil, f.errf(f.abs(m.addr), "link info message version %d is not supported", v)
			}
			flags := d.u8("link info flags")
			ordered = flags&1 != 0
			if flags&1 != 0 {
				d.u64("maximum creation index")
			}
			heapAddr := d.addr("link fractal heap address")
			index := d.addr("link name index address")
			if d.err != nil {
				return nil, d.err
			}
			if heapAddr == undef || index == undef {
				continue // compact storage: the link messages are in the header
			}
			dense, err := f.denseLinks(heapAddr, index, f.abs(m.addr)+2)
			if err != nil {
				return nil, err
			}
			links = append(links, dense...)
		}
	}
	sortLinks(links, ordered)
	f.links[g.addr] = links
	return links, nil
}

func sortLinks(links []link, ordered bool) {
	slices.SortStableFunc(links, func(a, b link) int {
		if ordered && a.corder != b.corder {
			if a.corder < b.corder {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
}

// denseLinks lists the links of a group in dense storage: its name index
// (a v2 B-tree of type 5) holds the heap IDs of link messages.
func (f *File) denseLinks(heapAddr, index uint64, from int64) ([]link, error) {
	h, err := f.fractalHeap(heapAddr, from)
	if err != nil {
		return nil, err
	}
	t, err := f.btree2(index, from+int64(f.so))
	if err != nil {
		return nil, err
	}
	if t.typ != 5 {
		return nil, f.errf(f.abs(index)+5, "link name index B-tree of type %d (5 expected)", t.typ)
	}
	if t.recSize != 4+h.idLen {
		return nil, f.errf(f.abs(index)+10, "link name records of %d bytes for heap IDs of %d", t.recSize, h.idLen)
	}
	var links []link
	err = f.each(t, func(rec []byte, at int64) error {
		p, err := f.heapObject(h, rec[4:], at)
		if err != nil {
			return err
		}
		l, err := f.parseLink(p, uint64(at-f.base))
		if err != nil {
			return err
		}
		links = append(links, l)
		return nil
	})
	return links, err
}

// parseLink decodes a link message.
func (f *File) parseLink(p []byte, addr uint64) (link, error) {
	d := f.dec(p, addr)
	l := link{at: f.abs(addr)}
	if v := d.u8("link version"); v != 1 && d.err == nil {
		return l, f.errf(f.abs(addr), "link message version %d is not supported", v)
	}
	flags := d.u8("link flags")
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = d.u8("link type")
	}
	if flags&0x04 != 0 {
		l.corder = int64(d.u64("link creation order"))
		l.hasCorder = true
	}
	if flags&0x10 != 0 {
		d.u8("link name character set")
	}
	n := d.uint(1<<(flags&3), "link name length")
	if d.err == nil && n > uint64(d.left()) {
		d.fail("link name of %d bytes, %d left", n, d.left())
	}
	l.name = string(d.bytes(int(n), "link name"))
	switch typ {
	case 0:
		l.kind = KindOther
		l.addr = d.addr("link object address")
	case 1:
		l.kind = KindLink
		n := int(d.u16("soft link length"))
		l.target = string(d.bytes(n, "soft link value"))
	case 64:
		l.kind = KindLink
		l.external = true
		n := int(d.u16("external link length"))
		v := d.bytes(n, "external link value")
		if len(v) > 1 {
			parts := strings.SplitN(strings.TrimRight(string(v[1:]), "\x00"), "\x00", 2)
			l.target = strings.Join(parts, ":")
		}
	default:
		l.kind = KindLink // user-defined link types: reported as links
		if d.err == nil {
			n := int(d.u16("user-defined link length"))
			d.skip(n, "user-defined link value")
		}
	}
	if d.err != nil {
		return l, d.err
	}
	if err := f.b.Charge(int64(len(l.name)+len(l.target))+64, "group member"); err != nil {
		return l, &Error{Offset: l.at, Msg: "group member", Err: err}
	}
	return l, nil
}

// Members lists the group's links in h5py's order (keys()): creation order
// for groups that track it, else by name. Each hard link's object header is
// read to tell groups from datasets.
func (g *Group) Members() ([]Member, error) {
	links, err := g.links()
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(links))
	for _, l := range links {
		k := l.kind
		if k != KindLink {
			o, err := g.f.object(l.addr, l.at)
			if err != nil {
				return nil, err
			}
			k = o.kind()
		}
		out = append(out, Member{Name: l.name, Kind: k})
	}
	return out, nil
}

// lookup finds the object at path (relative to g, or absolute), following
// hard links and soft links inside the file.
func (g *Group) lookup(path string, hops int) (*object, string, uint64, error) {
	f := g.f
	cur := g
	if strings.HasPrefix(path, "/") {
		cur = f.root
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if path == "/" || path == "" {
		o, err := cur.object()
		return o, cur.path, cur.addr, err
	}
	for i, name := range parts {
		if name == "" || name == "." {
			continue
		}
		links, err := cur.links()
		if err != nil {
			return nil, "", 0, err
		}
		j, found := slices.BinarySearchFunc(links, name, func(l link, n string) int { return strings.Compare(l.name, n) })
		if !found || links[j].name != name {
			// creation-ordered groups are not sorted by name
			j = slices.IndexFunc(links, func(l link) bool { return l.name == name })
			if j < 0 {
				return nil, "", 0, &Error{Offset: f.abs(cur.addr), Msg: "no member " + quote(name) + " in group " + cur.path}
			}
		}
		l := links[j]
		childPath := strings.TrimSuffix(cur.path, "/") + "/" + name
		var o *object
		addr := l.addr
		if l.kind == KindLink {
			if l.external {
				return nil, "", 0, &Error{Offset: l.at, Msg: childPath + " is an external link to " + l.target + " (not followed)"}
			}
			if hops >= maxLinkHops {
				return nil, "", 0, &Error{Offset: l.at, Msg: childPath + ": soft links followed more than 40 times"}
			}
			o, _, addr, err = cur.lookup(l.target, hops+1)
		} else {
			o, err = f.object(l.addr, l.at)
		}
		if err != nil {
			return nil, "", 0, err
		}
		if i == len(parts)-1 {
			return o, childPath, addr, nil
		}
		if o.kind() != KindGroup {
			return nil, "", 0, &Error{Offset: l.at, Msg: childPath + " is not a group"}
		}
		cur = &Group{f: f, path: childPath, addr: addr}
	}
	o, err := cur.object()
	return o, cur.path, cur.addr, err
}

func quote(s string) string { return "\"" + s + "\"" }

// Group opens the group at name, a member of g or a path ("a/b", "/a").
func (g *Group) Group(name string) (*Group, error) {
	o, path, addr, err := g.lookup(name, 0)
	if err != nil {
		return nil, err
	}
	if o.kind() != KindGroup {
		return nil, &Error{Offset: g.f.abs(addr), Msg: path + " is " + o.kind().article() + ", not a group"}
	}
	return &Group{f: g.f, path: path, addr: addr}, nil
}

// Dataset describes the dataset at name: its shape and element type. Its
// data is not read.
func (g *Group) Dataset(name string) (*Dataset, error) {
	o, path, addr, err := g.lookup(name, 0)
	if err != nil {
		return nil, err
	}
	if o.kind() != KindDataset {
		return nil, &Error{Offset: g.f.abs(addr), Msg: path + " is " + o.kind().article() + ", not a dataset"}
	}
	return g.f.dataset(o, path)
}

// Attrs lists the group's attributes in h5py's order.
func (g *Group) Attrs() ([]Attribute, error) {
	o, err := g.object()
	if err != nil {
		return nil, err
	}
	return g.f.attrs(o)
}

// Attr is the attribute called name, or nil (and no error) when there is
// none.
func (g *Group) Attr(name string) (*Attribute, error) {
	o, err := g.object()
	if err != nil {
		return nil, err
	}
	return g.f.attr(o, name)
}
