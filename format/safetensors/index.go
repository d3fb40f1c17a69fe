package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
)

// DefaultMaxIndexSize caps the size of a model.safetensors.index.json.
const DefaultMaxIndexSize = 64 << 20

// Index is a decoded model.safetensors.index.json of a sharded checkpoint.
type Index struct {
	Name string // file name given to OpenIndex, or ""
	// Metadata is the "metadata" object; numbers are json.Number.
	Metadata map[string]any
	// TotalSize is metadata.total_size (the sum of tensor bytes), or -1.
	TotalSize int64
	// WeightMap maps each tensor name to the shard file holding it,
	// relative to the index's directory.
	WeightMap map[string]string
}

// Shards returns the distinct shard file names of the weight map, sorted.
func (ix *Index) Shards() []string {
	set := make(map[string]bool)
	for _, s := range ix.WeightMap {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// DecodeIndex decodes a model.safetensors.index.json. It reads at most
// DefaultMaxIndexSize bytes.
func DecodeIndex(r io.Reader) (*Index, error) {
	return decodeIndex(r, "", nil)
}

// DecodeIndex decodes a model.safetensors.index.json read from r; errors
// name d.Name, and the decoded index is charged to d.Budget.
func (d *Decoder) DecodeIndex(r io.Reader) (*Index, error) {
	return decodeIndex(r, d.Name, d.Budget)
}

func decodeIndex(r io.Reader, name string, b *budget.Budget) (*Index, error) {
	fail := func(off int64, err error, format string, args ...any) error {
		return &graph.OffsetError{File: name, Format: "safetensors", Offset: off, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(r, DefaultMaxIndexSize+1))
	if err != nil {
		return nil, fail(0, err, "reading index")
	}
	if len(data) > DefaultMaxIndexSize {
		return nil, fail(DefaultMaxIndexSize, nil, "index file exceeds %d bytes", DefaultMaxIndexSize)
	}
	// The decoded weight map holds the names again, in a map: about
	// three times the text.
	if err := b.Charge(3*int64(len(data)), ""); err != nil {
		var be *budget.Error
		if errors.As(err, &be) {
			be.What = fmt.Sprintf("an index of %s bytes", thousands(int64(len(data)))) + be.What
		}
		return nil, err
	}
	var raw struct {
		Metadata  map[string]any    `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		off := dec.InputOffset()
		if se, ok := err.(*json.SyntaxError); ok {
			off = se.Offset
		}
		return nil, fail(off, err, "invalid index JSON")
	}
	if raw.WeightMap == nil {
		return nil, fail(0, nil, "index has no weight_map")
	}
	ix := &Index{Name: name, Metadata: raw.Metadata, WeightMap: raw.WeightMap, TotalSize: -1}
	if v, ok := raw.Metadata["total_size"]; ok {
		n, ok := v.(json.Number)
		var ts int64
		var err error
		if ok {
			ts, err = strconv.ParseInt(string(n), 10, 64)
			if err != nil { // some writers emit a float such as 1.3e10
				var fl float64
				fl, err = n.Float64()
				ts = int64(fl)
				if err == nil && (fl < 0 || fl > 9e18 || float64(ts) != fl) {
					err = fmt.Errorf("out of range")
				}
			}
		}
		if !ok || err != nil || ts < 0 {
			return nil, fail(0, nil, "metadata.total_size %v is not a non-negative integer", v)
		}
		ix.TotalSize = ts
	}
	for t, s := range raw.WeightMap {
		if s == "" || !filepath.IsLocal(s) {
			return nil, fail(0, nil, "weight_map[%q] = %q is not a local file name", t, s)
		}
	}
	return ix, nil
}

// ReadIndex reads the named index file (model.safetensors.index.json, or
// pytorch_model.bin.index.json, which has the same form); errors name it.
func ReadIndex(name string) (*Index, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return decodeIndex(fh, name, nil)
}

// OpenIndex reads a model.safetensors.index.json with default options; see
// Decoder.OpenIndex.
func OpenIndex(name string) (*Model, error) {
	var d Decoder
	return d.OpenIndex(name)
}

// Model is a sharded safetensors checkpoint.
type Model struct {
	Index   *Index
	Files   []*File  // one per shard, in Index.Shards order
	Tensors []Tensor // all tensors, shard by shard, with Tensor.Shard set
}

// Elements returns the total number of elements of all tensors.
func (m *Model) Elements() int64 {
	var n int64
	for i := range m.Tensors {
		n += m.Tensors[i].Elements
	}
	return n
}

// DataSize returns the total bytes of tensor data over all shards.
func (m *Model) DataSize() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.DataSize
	}
	return n
}

// OpenIndex reads the index file name, then decodes the header of every
// shard named in its weight map (relative to the index's directory) and
// merges the tensor lists; see Shards.
func (d *Decoder) OpenIndex(name string) (*Model, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	ix, err := decodeIndex(fh, name, d.Budget)
	fh.Close()
	if err != nil {
		return nil, err
	}
	dir, closeDir, err := fileio.Dir(name)
	if err != nil {
		return nil, err
	}
	defer closeDir()
	return d.Shards(name, ix, dir)
}

// Shards decodes the header of every shard the index name names, read
// from dir, the index's directory (nil: there is none, and no shard can
// be read). A shard must be a regular file inside the directory, reached
// through no symbolic link that leads out of it (fileio.Stat). It fails,
// naming the shard file, if a shard is missing, truncated or malformed,
// if a tensor of the weight map is not in its shard, or if a shard holds
// a tensor that the weight map does not assign to it.
func (d *Decoder) Shards(name string, ix *Index, dir fs.FS) (*Model, error) {
	shards := ix.Shards()
	if dir == nil {
		return nil, fmt.Errorf("%s: %s cannot be read: the index was %w", name, fileio.Shards(len(shards)), fileio.ErrNoDir)
	}
	m := &Model{Index: ix}
	for _, shard := range shards {
		named := *d
		named.Name = filepath.Join(filepath.Dir(name), shard)
		f, err := fileio.OpenIn(dir, filepath.ToSlash(shard), named.Name, named.Decode)
		if err != nil {
			var be *budget.Error
			if errors.As(err, &be) {
				be.Where = strings.TrimSpace(shard + " " + be.Where)
			}
			return nil, fmt.Errorf("%s: shard %s: %w", name, shard, err)
		}
		f.Name = named.Name
		for i := range f.Tensors {
			t := f.Tensors[i]
			if want, ok := ix.WeightMap[t.Name]; !ok {
				return nil, fmt.Errorf("%s: shard %s holds tensor %q, which is not in the weight_map", name, shard, t.Name)
			} else if want != shard {
				return nil, fmt.Errorf("%s: shard %s holds tensor %q, which the weight_map assigns to %s", name, shard, t.Name, want)
			}
			t.Shard = shard
			m.Tensors = append(m.Tensors, t)
		}
		m.Files = append(m.Files, f)
	}
	if len(m.Tensors) != len(ix.WeightMap) {
		found := make(map[string]bool, len(m.Tensors))
		for i := range m.Tensors {
			found[m.Tensors[i].Name] = true
		}
		var missing []string
		for t := range ix.WeightMap {
			if !found[t] {
				missing = append(missing, t)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t := missing[0]
			return nil, fmt.Errorf("%s: tensor %q is not in its shard %s (%d weight_map tensors missing)",
				name, t, ix.WeightMap[t], len(missing))
		}
	}
	return m, nil
}
