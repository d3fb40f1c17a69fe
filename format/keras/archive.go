package keras

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/hdf5"
)

// zipEntryCost is what archive/zip keeps per central directory entry,
// charged before the directory is read.
const zipEntryCost = 512

// maxEntries caps a .keras archive's members (Keras writes three, and
// assets/ files).
const maxEntries = 1 << 16

// DecodeArchive reads a Keras 3 .keras archive: config.json is the model,
// model.weights.h5 gives each layer's variables (their shapes only; a
// stored member is read in place, never decompressed whole).
func DecodeArchive(name string, r io.ReaderAt, size int64, b *budget.Budget) (*graph.Graph, error) {
	loadTables()
	bad := func(entry string, off int64, format string, args ...any) error {
		return &graph.OffsetError{File: name, Entry: entry, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	n, err := zipEntries(r, size)
	if err != nil {
		return nil, bad("", -1, "%v", err)
	}
	if n > maxEntries {
		return nil, bad("", -1, "the zip declares %d members, more than the %d a .keras archive may have", n, maxEntries)
	}
	if err := b.Charge(int64(n)*zipEntryCost, "the .keras archive's directory"); err != nil {
		return nil, err
	}
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, bad("", -1, "not a readable zip archive: %v", err)
	}
	var cfg, weights *zip.File
	for _, f := range z.File {
		switch f.Name {
		case "config.json":
			cfg = f
		case "model.weights.h5":
			weights = f
		}
	}
	if cfg == nil {
		return nil, bad("", -1, "a zip without config.json: not a Keras 3 .keras archive")
	}
	if cfg.UncompressedSize64 > format.MaxText {
		return nil, bad("config.json", -1, "config.json is %d bytes, more than the %d a model's JSON may have", cfg.UncompressedSize64, format.MaxText)
	}
	src, err := readMember(cfg, int64(cfg.UncompressedSize64), b)
	if err != nil {
		return nil, bad("config.json", -1, "%v", err)
	}
	var ws weightSource
	var kw *kerasWeights
	if weights != nil {
		wr, wsize, err := memberReader(r, weights, b)
		if err != nil {
			return nil, bad("model.weights.h5", -1, "%v", err)
		}
		h := &h5File{name: name, entry: "model.weights.h5", b: b}
		f, err := hdf5.Open(wr, wsize, hdf5.Options{Budget: b})
		if err != nil {
			return nil, h.wrap("", err)
		}
		h.f = f
		layers, err := f.Root().Group("layers")
		if err == nil {
			kw = &kerasWeights{h: h, layers: layers}
			ws = kw
		}
	}
	g, err := decodeJSON(name+": config.json", src, b, ws)
	if err != nil {
		return nil, err
	}
	if kw != nil && kw.err != nil {
		return nil, kw.err
	}
	g.Path = name
	if weights == nil {
		g.Notes = append(g.Notes, "the archive has no model.weights.h5: the counts are the config's")
	}
	return g, nil
}

// zipEntries reads the entry count of a zip's end of central directory
// record (zip64's when the classic one says 0xffff).
func zipEntries(r io.ReaderAt, size int64) (int64, error) {
	const eocdLen = 22
	if size < eocdLen {
		return 0, fmt.Errorf("%d bytes is too short for a zip archive", size)
	}
	tail := min(size, eocdLen+65535+20)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, err
	}
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) != 0x06054b50 {
			continue
		}
		n := int64(binary.LittleEndian.Uint16(buf[i+10:]))
		if n == 0xffff && i >= 20 && binary.LittleEndian.Uint32(buf[i-20:]) == 0x07064b50 {
			// zip64 locator: the count is in the zip64 record, whose
			// size decides nothing here; refuse what cannot be bounded.
			return maxEntries + 1, nil
		}
		return n, nil
	}
	return 0, fmt.Errorf("no end of central directory record: not a zip archive, or truncated")
}

// readMember reads a member whole, charging its size first.
func readMember(f *zip.File, size int64, b *budget.Budget) ([]byte, error) {
	if err := b.Charge(size, "config.json"); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	buf.Grow(int(size))
	if _, err := io.Copy(&buf, io.LimitReader(rc, size+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != size {
		return nil, fmt.Errorf("the member holds %d bytes, its header says %d", buf.Len(), size)
	}
	return buf.Bytes(), nil
}

// memberReader gives random access to a member: in place when stored
// (Keras stores its members uncompressed), else decompressed into memory
// (charged first).
func memberReader(r io.ReaderAt, f *zip.File, b *budget.Budget) (io.ReaderAt, int64, error) {
	if f.Method == zip.Store {
		off, err := f.DataOffset()
		if err != nil {
			return nil, 0, err
		}
		return io.NewSectionReader(r, off, int64(f.UncompressedSize64)), int64(f.UncompressedSize64), nil
	}
	if f.UncompressedSize64 > 1<<40 {
		return nil, 0, fmt.Errorf("a compressed member of %d bytes", f.UncompressedSize64)
	}
	size := int64(f.UncompressedSize64)
	if err := b.Charge(size, "the decompressed model.weights.h5"); err != nil {
		return nil, 0, err
	}
	data, err := readMember(f, size, nil)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), size, nil
}
