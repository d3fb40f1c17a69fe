package hdf5

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchH5py writes a Keras-2-like file of about 100 MB: a model_config
// attribute, then model_weights/<layer>/<layer>/{kernel:0,bias:0} for 300
// layers with weight_names attributes, contiguous float32 (as Keras saves).
const benchH5py = `
import sys, json, h5py, numpy as np
n = 300
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": "dense_%d" % i, "units": 325}} for i in range(n)]}}).encode()
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([("dense_%d" % i).encode() for i in range(n)])
    for i in range(n):
        name = "dense_%d" % i
        g = mw.create_group(name)
        g.attrs["weight_names"] = np.array([(name + "/kernel:0").encode(), (name + "/bias:0").encode()])
        g.create_dataset(name + "/kernel:0", data=np.zeros((256, 325), dtype=np.float32))
        g.create_dataset(name + "/bias:0", data=np.zeros((325,), dtype=np.float32))
`

var (
	benchOnce sync.Once
	benchPath string
	benchHow  string
)

// benchFile is the 100 MB file: HDF5_BENCH_FILE if set, else written by
// h5py when installed, else by goBigFile.
func benchFile(b *testing.B) string {
	benchOnce.Do(func() {
		if p := os.Getenv("HDF5_BENCH_FILE"); p != "" {
			benchPath, benchHow = p, "HDF5_BENCH_FILE"
			return
		}
		dir, err := os.MkdirTemp("", "hdf5bench")
		if err != nil {
			b.Fatal(err)
		}
		benchPath = filepath.Join(dir, "big.h5")
		if out, err := exec.Command("/usr/bin/python3", "-c", benchH5py, benchPath).CombinedOutput(); err == nil {
			benchHow = "h5py"
			return
		} else {
			b.Logf("h5py unavailable (%v: %s): writing the file in Go", err, bytes.TrimSpace(out))
		}
		if err := goBigFile(benchPath, 300, 256, 325); err != nil {
			b.Fatal(err)
		}
		benchHow = "Go-written"
	})
	return benchPath
}

// BenchmarkOpen100MB opens a 100 MB weights file and walks every header:
// groups, datasets (shape and type) and attributes. The data is not read,
// so the time is that of the metadata alone.
func BenchmarkOpen100MB(b *testing.B) {
	path := benchFile(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	cpu0 := cpuTime()
	var objs, reads int
	for b.Loop() {
		fh, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countingReader{r: fh}
		n, err := walkAll2(cr, st.Size())
		reads = cr.n
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		objs = n
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/open")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/open")
	b.ReportMetric(float64(st.Size())/1e6, "MB")
	b.ReportMetric(float64(objs), "objects")
	b.ReportMetric(float64(reads), "reads/open")
	b.Logf("%s file %s: %.1f MB, %d objects", benchHow, path, float64(st.Size())/1e6, objs)
}

// cpuTime is the process's user and system time: on a loaded machine the
// wall time of a run says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type countingReader struct {
	r io.ReaderAt
	n int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.n++
	return c.r.ReadAt(p, off)
}

func walkAll2(fh io.ReaderAt, size int64) (int, error) {
	f, err := Open(fh, size, Options{})
	if err != nil {
		return 0, err
	}
	n := 0
	var walk func(g *Group) error
	walk = func(g *Group) error {
		n++
		if _, err := g.Attrs(); err != nil {
			return err
		}
		ms, err := g.Members()
		if err != nil {
			return err
		}
		for _, m := range ms {
			switch m.Kind {
			case KindGroup:
				c, err := g.Group(m.Name)
				if err != nil {
					return err
				}
				if err := walk(c); err != nil {
					return err
				}
			case KindDataset:
				d, err := g.Dataset(m.Name)
				if err != nil {
					return err
				}
				if _, err := d.Attrs(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	}
	return n, walk(f.Root())
}

// goBigFile writes, without libhdf5, a file of n float32 datasets of rows ×
// cols stored contiguously: superblock 0, a root object header (version 1)
// of link messages, one header per dataset (dataspace, datatype, layout),
// then the data (left as a hole of zeros).
func goBigFile(path string, n, rows, cols int) error {
	var meta bytes.Buffer
	u16 := func(b *bytes.Buffer, v uint16) { binary.Write(b, binary.LittleEndian, v) }
	u32 := func(b *bytes.Buffer, v uint32) { binary.Write(b, binary.LittleEndian, v) }
	u64 := func(b *bytes.Buffer, v uint64) { binary.Write(b, binary.LittleEndian, v) }
	msg := func(b *bytes.Buffer, typ uint16, data []byte) {
		for len(data)%8 != 0 {
			data = append(data, 0)
		}
		u16(b, typ)
		u16(b, uint16(len(data)))
		b.Write([]byte{0, 0, 0, 0})
		b.Write(data)
	}
	header := func(msgs *bytes.Buffer, count int) []byte {
		var h bytes.Buffer
		h.Write([]byte{1, 0})
		u16(&h, uint16(count))
		u32(&h, 1)
		u32(&h, uint32(msgs.Len()))
		h.Write(make([]byte, 4))
		h.Write(msgs.Bytes())
		return h.Bytes()
	}
	// Sizes first: the root header's size fixes where the datasets start.
	name := func(i int) string {
		return "w" + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
	}
	linkLen := 8 + 2 + 1 + 5 + 8 // message header, version+flags, length, name, address
	linkLen = 8 + ((linkLen-8)+7)/8*8
	rootAt := 96
	dsAt := rootAt + 16 + 8 + 24 + 8 + 8 + n*linkLen
	var dsets bytes.Buffer
	var addrs []int
	dataSize := rows * cols * 4
	var dsHeaders [][]byte
	for i := 0; i < n; i++ {
		var m bytes.Buffer
		var sp bytes.Buffer // dataspace v1: rank 2
		sp.Write([]byte{1, 2, 0, 0, 0, 0, 0, 0})
		u64(&sp, uint64(rows))
		u64(&sp, uint64(cols))
		msg(&m, msgDataspace, sp.Bytes())
		var dt bytes.Buffer // IEEE float32, little-endian
		dt.Write([]byte{0x11, 0x20, 0x1f, 0x00})
		u32(&dt, 4)
		u16(&dt, 0)
		u16(&dt, 32)
		dt.Write([]byte{23, 8, 0, 23})
		u32(&dt, 127)
		msg(&m, msgDatatype, dt.Bytes())
		dsHeaders = append(dsHeaders, m.Bytes())
	}
	at := dsAt
	for i := 0; i < n; i++ {
		addrs = append(addrs, at)
		at += 16 + len(dsHeaders[i]) + 8 + 24 // + layout message
	}
	dataAt := (at + 4095) &^ 4095
	for i := 0; i < n; i++ {
		m := bytes.NewBuffer(dsHeaders[i])
		var lay bytes.Buffer // layout v3, contiguous
		lay.Write([]byte{3, 1})
		u64(&lay, uint64(dataAt+i*dataSize))
		u64(&lay, uint64(dataSize))
		msg(m, msgLayout, lay.Bytes())
		dsets.Write(header(m, 3))
	}
	var root bytes.Buffer
	// A new-style group: link info (compact: no heap, no index) and group
	// info messages, then the link messages.
	msg(&root, msgLinkInfo, append([]byte{0, 0}, bytes.Repeat([]byte{0xff}, 16)...))
	msg(&root, msgGroupInfo, []byte{0, 0})
	for i := 0; i < n; i++ {
		var l bytes.Buffer
		l.Write([]byte{1, 0, 5})
		l.WriteString(name(i))
		u64(&l, uint64(addrs[i]))
		msg(&root, msgLink, l.Bytes())
	}
	end := uint64(dataAt + n*dataSize)
	meta.WriteString(signature)
	meta.Write([]byte{0, 0, 0, 0, 0, 8, 8, 0})
	u16(&meta, 4)
	u16(&meta, 16)
	u32(&meta, 0)
	u64(&meta, 0)
	u64(&meta, math.MaxUint64)
	u64(&meta, end)
	u64(&meta, math.MaxUint64)
	u64(&meta, 0)
	u64(&meta, uint64(rootAt))
	meta.Write(make([]byte, 24))
	meta.Write(header(&root, n+2))
	if meta.Len() != dsAt {
		panic("goBigFile: root header size")
	}
	meta.Write(dsets.Bytes())
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := fh.Write(meta.Bytes()); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Truncate(int64(end)); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// TestGoBigFile checks the Go-written benchmark file (small) with the
// reader, and with h5py when it is installed: the fallback is valid HDF5.
func TestGoBigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.h5")
	if err := goBigFile(path, 12, 3, 5); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	f, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := f.Root().Members()
	if err != nil || len(ms) != 12 {
		t.Fatalf("members %v, %v", ms, err)
	}
	d, err := f.Root().Dataset("w0011")
	if err != nil || d.DType != "float32" || len(d.Shape) != 2 || d.Shape[0] != 3 || d.Shape[1] != 5 {
		t.Fatalf("w0011: %+v, %v", d, err)
	}
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import h5py").Run() != nil {
		t.Skip("h5py not installed: the Go-written file is not cross-checked")
	}
	out, err := exec.Command(py, "-c", `import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(len(f), f["w0011"].shape, f["w0011"].dtype, float(f["w0011"][...].sum()))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("h5py cannot read the Go-written file: %v\n%s", err, out)
	}
	if got := string(bytes.TrimSpace(out)); got != "12 (3, 5) float32 0.0" {
		t.Fatalf("h5py reads %q", got)
	}
}
