package torchpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"path"
	"strconv"
	"strings"
	"unsafe"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/internal/pickle"
	"github.com/layerinfo/layerinfo/stats"
)

// Default caps; see Decoder.
const (
	DefaultMaxPickle   = 256 << 20 // bytes of data.pkl
	DefaultMaxStorages = 1 << 20
	maxWalkDepth       = 64
	maxWalkNodes       = 1 << 20
	maxVisits          = 64 // paths to one shared container
	maxSmallRecord     = 256
	maxDims            = 64 // dimensions of a tensor
)

// Decoder holds decoding options. The zero value uses the defaults.
type Decoder struct {
	// Name is the file name errors begin with ("" for none); Open sets it.
	Name string
	// MaxPickle caps the size of data.pkl (or of the legacy format's
	// pickles); 0 means DefaultMaxPickle.
	MaxPickle int64
	// AllowUnknownGlobals keeps globals outside the allow-list (for
	// instance argparse.Namespace in a training checkpoint) as inert
	// Global/Object values instead of failing. Nothing is ever executed
	// either way.
	AllowUnknownGlobals bool
	// SkipSizeCheck accepts checkpoints whose storage records are absent
	// or short (header-only copies).
	SkipSizeCheck bool
	// Budget is charged, before they are made, for the decompressed
	// pickle and for every value the pickle builds (containers and the
	// memo in bytes, strings, tensors); nil charges each request against
	// the default limit only.
	Budget *budget.Budget
}

// File is a decoded PyTorch checkpoint.
type File struct {
	Name      string // file name given to Open, or ""
	Format    string // "zip" (torch >= 1.6) or "legacy"
	Archive   string // zip: the top-level directory, e.g. "archive"
	ByteOrder string // zip: contents of the byteorder record, e.g. "little"
	Version   string // zip: contents of the version record
	// Root is the unpickled object: a *Dict for a state_dict or for a
	// checkpoint such as {"model": state_dict, "optimizer": ...}.
	// Tensors appear in it as *Tensor.
	Root     any
	Tensors  []Tensor   // every tensor reachable from Root, in pickle order
	Storages []*Storage // every storage, in first-use order
	// Unknown lists the callables outside the allow-list that the pickle
	// calls (classes it instantiates, functions it applies), in first-call
	// order, when Decoder.AllowUnknownGlobals kept them as inert objects.
	Unknown []Global
}

// Keys returns the top-level keys of Root when it is a dict.
func (f *File) Keys() []string {
	d, ok := f.Root.(*Dict)
	if !ok {
		return nil
	}
	out := make([]string, len(d.Keys))
	for i, k := range d.Keys {
		out[i] = keyString(k)
	}
	return out
}

// Elements returns the element count of all tensors (a tensor shared under
// two names counts twice; see StorageBytes for unique bytes).
func (f *File) Elements() int64 {
	var n int64
	for i := range f.Tensors {
		n += f.Tensors[i].Elements
	}
	return n
}

// StorageBytes returns the bytes of all distinct storages: the data size of
// the checkpoint with shared (tied) storages counted once.
func (f *File) StorageBytes() int64 {
	var n int64
	for _, s := range f.Storages {
		n += s.Bytes
	}
	return n
}

// Decode decodes the checkpoint r of the given size with default options.
func Decode(r io.ReaderAt, size int64) (*File, error) {
	var d Decoder
	return d.Decode(r, size)
}

// Open decodes the named checkpoint with default options.
func Open(name string) (*File, error) {
	var d Decoder
	return d.Open(name)
}

// Open decodes the named checkpoint.
func (d *Decoder) Open(name string) (*File, error) {
	named := *d
	named.Name = name
	f, err := fileio.Open(name, named.Decode)
	if err != nil {
		return nil, err
	}
	f.Name = name
	return f, nil
}

// Decode decodes the checkpoint r of the given size.
func (d *Decoder) Decode(r io.ReaderAt, size int64) (*File, error) {
	return d.decode(r, size, d.Name)
}

// session is the state of one decode.
type session struct {
	name        string
	lenient     bool
	maxPickle   int64
	maxStorages int
	storages    map[string]*Storage
	order       []*Storage
	unknowns    []Global
	budget      *budget.Budget
}

// charge asks the budget for n bytes for what, in entry ("data.pkl").
func (s *session) charge(n int64, entry, what string) error {
	err := s.budget.Charge(n, what)
	if err != nil {
		var be *budget.Error
		if errors.As(err, &be) {
			be.Where = entry
		}
	}
	return err
}

// unknown records a call of a global outside the allow-list.
func (s *session) unknown(g Global) {
	for _, u := range s.unknowns {
		if u == g {
			return
		}
	}
	if len(s.unknowns) < 64 {
		s.unknowns = append(s.unknowns, g)
	}
}

func (s *session) errf(entry string, off int64, err error, format string, args ...any) error {
	return &graph.OffsetError{File: s.name, Format: "torchpt", Entry: entry, Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// unpickle runs one pickle from data[start:], returning its value and end.
func (s *session) unpickle(data []byte, start int, base int64, entry string, persistent bool) (any, int, error) {
	m := &pickle.Machine{Call: s.call, Build: build, TypeName: torchName, Budget: s.budget, Entry: entry}
	if !s.lenient {
		m.Resolve = func(g Global) error {
			if !allowed(g) {
				return fmt.Errorf("global %s is not allowed", g)
			}
			return nil
		}
	}
	if persistent {
		m.PersistentLoad = s.persistentLoad
	}
	v, end, err := m.Run(data, start, base)
	if err != nil {
		var oe *graph.OffsetError
		if errors.As(err, &oe) {
			oe.File, oe.Format = s.name, "torchpt"
		}
		return nil, 0, err
	}
	return v, end, nil
}

func (d *Decoder) decode(r io.ReaderAt, size int64, name string) (*File, error) {
	s := &session{name: name, lenient: d.AllowUnknownGlobals, maxPickle: d.MaxPickle,
		maxStorages: DefaultMaxStorages, storages: make(map[string]*Storage), budget: d.Budget}
	if s.maxPickle <= 0 {
		s.maxPickle = DefaultMaxPickle
	}
	var head [512]byte
	n, _ := r.ReadAt(head[:min(int64(len(head)), max(size, 0))], 0)
	h := head[:n]
	var f *File
	var err error
	switch {
	case bytes.HasPrefix(h, []byte("PK\x03\x04")) || bytes.HasPrefix(h, []byte("PK\x05\x06")):
		f, err = d.decodeZip(s, r, size)
	case bytes.HasPrefix(h, []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}):
		f, err = d.decodeLegacy(s, r, size)
	case len(h) >= 262 && string(h[257:262]) == "ustar":
		return nil, s.errf("", 0, nil, "tar checkpoint (torch < 0.4 format) is not supported")
	case len(h) >= 2 && h[0] == 0x80:
		return nil, s.errf("", 0, nil, "a bare pickle, not a torch.save checkpoint (no zip archive, no legacy magic number)")
	default:
		if what := fileio.Describe("", h); what != "" {
			return nil, s.errf("", 0, nil, "not a PyTorch checkpoint: %s", what)
		}
		return nil, s.errf("", 0, nil, "not a PyTorch checkpoint: no zip signature or legacy magic number")
	}
	if err != nil {
		return nil, err
	}
	f.Storages = s.order
	f.Unknown = s.unknowns
	if err := s.collect(f); err != nil {
		return nil, err
	}
	return f, nil
}

func (d *Decoder) decodeZip(s *session, r io.ReaderAt, size int64) (*File, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, s.errf("", -1, err, "not a valid zip archive (truncated file?)")
	}
	if len(zr.File) == 0 {
		return nil, s.errf("", -1, nil, "empty zip archive")
	}
	records := make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		records[zf.Name] = zf
	}
	// Like torch's PyTorchStreamReader, take the archive name from the
	// first record's directory.
	archive, _, ok := strings.Cut(zr.File[0].Name, "/")
	if !ok || records[archive+"/data.pkl"] == nil {
		archive = ""
		for _, zf := range zr.File {
			if dir, base := path.Split(zf.Name); base == "data.pkl" && strings.Count(dir, "/") == 1 {
				archive = strings.TrimSuffix(dir, "/")
				break
			}
		}
		if archive == "" {
			var names []string
			for _, zf := range zr.File[:min(len(zr.File), 4)] {
				names = append(names, zf.Name)
			}
			if len(zr.File) > 4 {
				names = append(names, "…")
			}
			return nil, s.errf("", -1, nil, "zip archive has no <archive>/data.pkl record (it holds %s); not a torch.save checkpoint", strings.Join(names, ", "))
		}
	}
	f := &File{Format: "zip", Archive: archive}
	f.ByteOrder = s.smallRecord(records[archive+"/byteorder"])
	f.Version = s.smallRecord(records[archive+"/version"])
	if f.ByteOrder != "" && f.ByteOrder != "little" && f.ByteOrder != "big" {
		return nil, s.errf("", -1, nil, "unknown byteorder record %q", f.ByteOrder)
	}

	pkl := records[archive+"/data.pkl"]
	if pkl.UncompressedSize64 > uint64(s.maxPickle) {
		return nil, s.errf("data.pkl", -1, nil, "is %d bytes, over the limit of %d", pkl.UncompressedSize64, s.maxPickle)
	}
	// The record's declared size is charged, and read into a buffer of
	// exactly that size: archive/zip refuses a stream that inflates to
	// more than it declares (a deflate bomb's).
	declared := int64(pkl.UncompressedSize64)
	if err := s.charge(declared, "data.pkl", stats.Thousands(declared)+" bytes decompressed"); err != nil {
		return nil, err
	}
	rc, err := pkl.Open()
	if err != nil {
		return nil, s.errf("data.pkl", -1, err, "")
	}
	data, err := readRecord(rc, declared, int64(min(pkl.CompressedSize64, 1<<40)))
	rc.Close()
	if err != nil {
		return nil, s.errf("data.pkl", -1, fmt.Errorf("%w (%d of %d bytes)", err, len(data), declared), "reading")
	}
	root, end, err := s.unpickle(data, 0, 0, "data.pkl", true)
	if err != nil {
		if records[archive+"/constants.pkl"] != nil {
			err = fmt.Errorf("%w (this looks like a TorchScript archive, which is not supported)", err)
		}
		return nil, err
	}
	if end != len(data) {
		return nil, s.errf("data.pkl", int64(end), nil, "%d bytes after the pickle's STOP", len(data)-end)
	}
	f.Root = root

	for _, st := range s.order {
		st.Entry = archive + "/data/" + st.Key
		zf := records[st.Entry]
		if zf == nil {
			if d.SkipSizeCheck {
				continue
			}
			return nil, s.errf("", -1, nil, "storage %q: record %s is missing", st.Key, st.Entry)
		}
		if !d.SkipSizeCheck && zf.UncompressedSize64 < uint64(st.Bytes) {
			return nil, s.errf("", -1, nil, "storage %q: record %s holds %d bytes, but %s×%d needs %d",
				st.Key, st.Entry, zf.UncompressedSize64, st.DType, st.Numel, st.Bytes)
		}
		if zf.Method == zip.Store {
			if off, err := zf.DataOffset(); err == nil {
				st.Offset = off
			}
		}
	}
	return f, nil
}

// readRecord reads a zip record of the declared size, compressed to
// compressed bytes: into a buffer of the declared size when the record
// can hold that much (deflate inflates at most 1032 times), else one that
// grows with what the record holds, never past the declared size
// (archive/zip refuses a stream that inflates beyond it).
func readRecord(r io.Reader, declared, compressed int64) ([]byte, error) {
	data := make([]byte, 0, min(declared, compressed*1032+4096))
	for int64(len(data)) < declared {
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(2*int64(cap(data)), declared))
			copy(grown, data)
			data = grown
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			if int64(len(data)) == declared {
				return data, nil // archive/zip checked the CRC at the EOF
			}
			return data, io.ErrUnexpectedEOF
		}
		if err != nil {
			return data, err
		}
	}
	// Read to the end: archive/zip checks the record's CRC there.
	var one [1]byte
	for range 16 {
		k, err := r.Read(one[:])
		switch {
		case k > 0:
			return data, errors.New("the record inflates to more than its declared size")
		case err == io.EOF:
			return data, nil
		case err != nil:
			return data, err
		}
	}
	return data, io.ErrNoProgress
}

// smallRecord returns the trimmed contents of a small text record.
func (s *session) smallRecord(zf *zip.File) string {
	if zf == nil || zf.UncompressedSize64 > maxSmallRecord {
		return ""
	}
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, maxSmallRecord))
	return strings.TrimSpace(string(b))
}

// decodeLegacy reads the pre-1.6 format: pickles of the magic number, the
// protocol version and sys_info, the object pickle, the pickle of the
// storage keys, then each storage as an int64 element count and its bytes.
func (d *Decoder) decodeLegacy(s *session, r io.ReaderAt, size int64) (*File, error) {
	n := min(size, s.maxPickle)
	if err := s.charge(n, "", stats.Thousands(n)+" bytes of pickles"); err != nil {
		return nil, err
	}
	data := make([]byte, n)
	if k, err := r.ReadAt(data, 0); int64(k) < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, s.errf("", 0, err, "reading")
	}
	magic, pos, err := s.unpickle(data, 0, 0, "", false)
	if err != nil {
		return nil, err
	}
	want, _ := new(big.Int).SetString("1950a86a20f9469cfc6c", 16)
	if b, ok := magic.(*big.Int); !ok || b.Cmp(want) != 0 {
		return nil, s.errf("", 0, nil, "bad legacy magic number %s", brief(magic))
	}
	at := pos
	proto, pos, err := s.unpickle(data, pos, 0, "", false)
	if err != nil {
		return nil, err
	}
	if proto != int64(1001) {
		return nil, s.errf("", int64(at), nil, "unsupported legacy protocol version %s", brief(proto))
	}
	at = pos
	info, pos, err := s.unpickle(data, pos, 0, "", false)
	if err != nil {
		return nil, err
	}
	if di, ok := info.(*Dict); ok {
		if le, ok := di.Get("little_endian"); ok && le == false {
			return nil, s.errf("", int64(at), nil, "big-endian legacy checkpoint is not supported")
		}
	}
	root, pos, err := s.unpickle(data, pos, 0, "", true)
	if err != nil {
		return nil, err
	}
	f := &File{Format: "legacy", Root: root}
	at = pos
	keysV, pos, err := s.unpickle(data, pos, 0, "", false)
	if err != nil {
		if d.SkipSizeCheck {
			return f, nil
		}
		return nil, err
	}
	keys, ok := keysV.(*List)
	if !ok {
		return nil, s.errf("", int64(at), nil, "storage key list is a %s", typeName(keysV))
	}
	off := int64(pos)
	for _, k := range keys.Items {
		key, _ := k.(string)
		st := s.storages[key]
		if st == nil {
			return nil, s.errf("", int64(at), nil, "storage key %s is not used by any tensor", brief(k))
		}
		var hdr [8]byte
		if c, _ := r.ReadAt(hdr[:], off); c < 8 {
			if d.SkipSizeCheck {
				break
			}
			return nil, s.errf("", off, nil, "storage %q: file truncated (size %d)", key, size)
		}
		numel := int64(binary.LittleEndian.Uint64(hdr[:]))
		if numel != st.Numel {
			return nil, s.errf("", off, nil, "storage %q: %d elements recorded, %d in its persistent id", key, numel, st.Numel)
		}
		st.Offset = off + 8
		if st.Bytes > math.MaxInt64-st.Offset {
			return nil, s.errf("", off, nil, "storage %q: size overflows", key)
		}
		off = st.Offset + st.Bytes
		if off > size && !d.SkipSizeCheck {
			return nil, s.errf("", st.Offset, nil, "storage %q: %d bytes extend past end of file (size %d); file truncated?", key, st.Bytes, size)
		}
	}
	return f, nil
}

// collect lists the tensors reachable from Root under dotted names. A first
// pass marks the containers that hold tensors (linear in the object graph,
// shared containers are visited once); the second descends only into
// those, within a depth and node budget.
func (s *session) collect(f *File) error {
	holds := make(map[any]bool)
	var scan func(v any, depth int) bool
	scan = func(v any, depth int) bool {
		id := identity(v)
		if id == nil {
			_, isTensor := v.(*Tensor)
			return isTensor
		}
		if h, seen := holds[id]; seen || depth > maxWalkDepth {
			return h // in progress (a cycle) counts as false
		}
		holds[id] = false
		h := false
		for _, c := range children(v) {
			if scan(c, depth+1) {
				h = true
			}
		}
		holds[id] = h
		return h
	}
	if !scan(f.Root, 0) {
		return nil
	}
	nodes := 0
	visits := make(map[any]int) // a shared container is named at most maxVisits times
	var path []string
	var walk func(v any) error
	walk = func(v any) error {
		nodes++
		if nodes > maxWalkNodes {
			return s.errf("", -1, nil, "object graph has more than %d nodes", maxWalkNodes)
		}
		if len(path) > maxWalkDepth {
			return s.errf("", -1, nil, "object nested deeper than %d levels at %q (cyclic?)", maxWalkDepth, strings.Join(path[:8], "."))
		}
		if t, ok := v.(*Tensor); ok {
			n := int64(unsafe.Sizeof(*t)) + int64(len(path))
			for _, p := range path {
				n += int64(len(p))
			}
			if err := s.charge(n, "", ""); err != nil {
				var be *budget.Error
				if errors.As(err, &be) {
					be.What = "the names of more than " + stats.Thousands(int64(len(f.Tensors))) + " tensors" + be.What
				}
				return err
			}
			c := *t
			c.Name = strings.Join(path, ".")
			f.Tensors = append(f.Tensors, c)
			return nil
		}
		id := identity(v)
		if id == nil || !holds[id] {
			return nil
		}
		if visits[id]++; visits[id] > maxVisits {
			return s.errf("", -1, nil, "a container holding tensors is reachable by more than %d paths (at %q)",
				maxVisits, strings.Join(path[:min(len(path), 8)], "."))
		}
		var keys []any
		var vals []any
		switch x := v.(type) {
		case *Dict:
			keys, vals = x.Keys, x.Values
		case *Object:
			for _, c := range children(x) {
				if err := walk(c); err != nil {
					return err
				}
			}
			return nil
		default:
			vals = children(v)
		}
		for i, c := range vals {
			var k string
			if keys != nil {
				k = keyString(keys[i])
			} else {
				k = strconv.Itoa(i)
			}
			path = append(path, k)
			err := walk(c)
			path = path[:len(path)-1]
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk(f.Root)
}

// identity returns a comparable identity for a container, or nil.
func identity(v any) any {
	switch x := v.(type) {
	case *Dict, *List, *Set, *Object:
		return x
	case Tuple:
		if len(x) > 0 {
			return &x[0]
		}
	}
	return nil
}

// children returns the values held by a container. An Object's items,
// list and state are walked under the Object's own name.
func children(v any) []any {
	switch x := v.(type) {
	case *Dict:
		return x.Values
	case *List:
		return x.Items
	case Tuple:
		return x
	case *Object:
		var out []any
		if x.Dict != nil {
			out = append(out, x.Dict)
		}
		if x.List != nil {
			out = append(out, x.List)
		}
		if x.State != nil {
			out = append(out, x.State)
		}
		return out
	}
	return nil
}

// keyString formats a dict key for a dotted name; tuple keys are
// flattened within a budget.
func keyString(k any) string {
	budget := 64
	return keyStr(k, &budget)
}

func keyStr(k any, budget *int) string {
	*budget--
	if *budget < 0 {
		return "…"
	}
	switch x := k.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case *big.Int:
		return x.String()
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return string(x)
	case Tuple:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if *budget < 0 {
				parts = append(parts, "…")
				break
			}
			parts = append(parts, keyStr(e, budget))
		}
		return "(" + strings.Join(parts, ",") + ")"
	}
	return typeName(k)
}

// brief formats a value for an error message without walking containers.
func brief(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool, int64, float64:
		return fmt.Sprint(x)
	case *big.Int:
		s := x.String()
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return s
	case string:
		if len(x) > 64 {
			x = x[:64] + "…"
		}
		return strconv.Quote(x)
	}
	return typeName(v)
}
