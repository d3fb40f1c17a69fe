package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// walkAll opens data and visits every group, dataset and attribute once
// (hard links may form cycles: objects are visited by address), returning
// the first error and how many objects it saw.
func walkAll(data []byte, b *budget.Budget) (int, error) {
	f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Budget: b})
	if err != nil {
		return 0, err
	}
	seen := map[uint64]bool{}
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	var walk func(g *Group)
	walk = func(g *Group) {
		if seen[g.addr] {
			return
		}
		seen[g.addr] = true
		_, err := g.Attrs()
		note(err)
		_, err = g.Attr("model_config")
		note(err)
		ms, err := g.Members()
		note(err)
		for _, m := range ms {
			switch m.Kind {
			case KindGroup:
				c, err := g.Group(m.Name)
				note(err)
				if c != nil {
					walk(c)
				}
			case KindDataset:
				d, err := g.Dataset(m.Name)
				note(err)
				if d != nil && !seen[d.obj.addr] {
					seen[d.obj.addr] = true
					_, err = d.Attrs()
					note(err)
				}
			case KindLink:
				// Following a soft link must end (loops are cut).
				_, err := g.Group(m.Name)
				_ = err
			}
		}
	}
	walk(f.Root())
	return len(seen), firstErr
}

// checkErr: every error is an *Error naming its offset, or a budget error
// inside one.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("error %T %q is not an *hdf5.Error", err, err)
	}
	if !strings.HasPrefix(err.Error(), "offset 0x") {
		t.Fatalf("error %q does not start with the offset", err)
	}
}

func seeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/*.h5")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzOpen(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	// Small hand-built files too: mutations of a few hundred bytes reach
	// the structures sooner than those of the 30-200 KB fixtures.
	for _, c := range hostileCases() {
		f.Add(c.data)
	}
	f.Add(tinyFile(v1header([]byte{msgLinkInfo}, append([]byte{0, 0}, le64(undef, undef)...),
		[]byte{msgLink}, append([]byte{1, 0, 1, 'a'}, le64(96)...))))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := walkAll(data, budget.New(64<<20))
		checkErr(t, err)
	})
}

// TestDamaged runs what the fuzzer does, deterministically, in plain go
// test: every fixture cut short at many lengths, and with bytes of its
// metadata overwritten one at a time. No panic, and errors name offsets.
func TestDamaged(t *testing.T) {
	// The two small fixtures with user blocks: one old-style, one new.
	for _, name := range []string{"earliest_ub.h5", "latest_ub.h5"} {
		s, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(s); n += 1 + n/8 {
			_, err := walkAll(s[:n], budget.New(64<<20))
			checkErr(t, err)
		}
		for i := 0; i < min(len(s), 4096); i += 5 {
			c := bytes.Clone(s)
			c[i] ^= 0xff
			_, err := walkAll(c, budget.New(64<<20))
			checkErr(t, err)
		}
	}
}

// A minimal file: superblock version 0 (8-byte offsets and lengths) with
// the root object header at 96, then the bytes given.
func tinyFile(header []byte) []byte {
	var b bytes.Buffer
	b.WriteString(signature)
	b.Write([]byte{0, 0, 0, 0, 0, 8, 8, 0})
	binary.Write(&b, binary.LittleEndian, uint16(4))
	binary.Write(&b, binary.LittleEndian, uint16(16))
	binary.Write(&b, binary.LittleEndian, uint32(0))
	u64 := func(v uint64) { binary.Write(&b, binary.LittleEndian, v) }
	u64(0)                        // base address
	u64(^uint64(0))               // free space
	u64(uint64(96 + len(header))) // end of file
	u64(^uint64(0))               // driver information
	u64(0)                        // root: link name offset
	u64(96)                       // root: object header address
	b.Write(make([]byte, 4+4+16)) // cache type, reserved, scratch pad
	if b.Len() != 96 {
		panic(b.Len())
	}
	b.Write(header)
	return b.Bytes()
}

// v1header is an object header version 1 at 96 with the given messages
// (type, data), each padded to 8 bytes.
func v1header(msgs ...[]byte) []byte {
	var body bytes.Buffer
	for i := 0; i+1 < len(msgs); i += 2 {
		typ, data := msgs[i], msgs[i+1]
		for len(data)%8 != 0 {
			data = append(data, 0)
		}
		body.Write([]byte{typ[0], 0})
		binary.Write(&body, binary.LittleEndian, uint16(len(data)))
		body.Write([]byte{0, 0, 0, 0})
		body.Write(data)
	}
	var h bytes.Buffer
	h.Write([]byte{1, 0})
	binary.Write(&h, binary.LittleEndian, uint16(len(msgs)/2))
	binary.Write(&h, binary.LittleEndian, uint32(1))
	binary.Write(&h, binary.LittleEndian, uint32(body.Len()))
	h.Write(make([]byte, 4))
	h.Write(body.Bytes())
	return h.Bytes()
}

func le64(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

type hostileCase struct {
	name string
	data []byte
	want string
}

func TestHostile(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			_, err := walkAll(c.data, budget.New(1<<20))
			checkErr(t, err)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			t.Log(err)
		})
	}
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{"not HDF5", []byte("hello, this is not an HDF5 file at all"), "offset 0x0: not an HDF5 file"},
		// A continuation message pointing at its own block.
		{"continuation loop", tinyFile(v1header([]byte{msgContinuation}, le64(112, 24))), "loops back"},
		// A continuation block of 2^40 bytes: refused before reading.
		{"huge continuation", tinyFile(v1header([]byte{msgContinuation}, le64(4096, 1<<40))), "object header block of 1099511627776 bytes"},
		// A symbol table whose local heap declares a segment of 1 TiB.
		{"huge local heap", tinyFile(append(v1header([]byte{msgSymbolTable}, le64(0, 96+40)),
			append([]byte("HEAP\x00\x00\x00\x00"), le64(1<<40, 0, 200)...)...)), "local heap of 1099511627776 bytes"},
		// A group B-tree leaf listing the same symbol table node twice.
		{"B-tree loop", tinyFile(func() []byte {
			const treeAt, heapAt = 96 + 40, 96 + 40 + 64
			const heapData, snodAt = heapAt + 32, heapAt + 32 + 8
			hdr := v1header([]byte{msgSymbolTable}, le64(treeAt, heapAt))
			tree := append([]byte("TREE\x00\x00\x02\x00"), le64(undef, undef)...)
			tree = append(tree, le64(0, snodAt, 0, snodAt, 0)...)
			heap := append([]byte("HEAP\x00\x00\x00\x00"), le64(8, 0, heapData)...)
			snod := []byte("SNOD\x01\x00\x00\x00")
			out := append(hdr, tree...)
			out = append(out, heap...)
			out = append(out, make([]byte, 8)...) // heap data
			return append(out, snod...)
		}()), "reached twice"},
	}
}

// A small budget refuses a file's large attribute before it is allocated.
func TestBudget(t *testing.T) {
	data, err := os.ReadFile("testdata/latest.h5")
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(data, budget.New(64<<10))
	if !errors.Is(err, budget.ErrExceeded) {
		t.Fatalf("walking latest.h5 (76 KB attributes) in 64 KiB: %v, want a budget error", err)
	}
	checkErr(t, err)
	t.Log(err)
}
