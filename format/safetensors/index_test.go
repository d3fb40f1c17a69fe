package safetensors

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSharded writes a two-shard checkpoint and its index into dir and
// returns the index path.
func writeSharded(t *testing.T, dir string) (string, [][]spec) {
	t.Helper()
	shards := [][]spec{
		{{"embed.weight", "BF16", []int64{64, 8}}, {"layers.0.w", "F32", []int64{8, 8}}},
		{{"layers.1.w", "F32", []int64{8, 8}}, {"norm.weight", "F16", []int64{8}}, {"lm_head.weight", "BF16", []int64{64, 8}}},
	}
	names := []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
	wm := map[string]string{}
	var total int64
	for i, specs := range shards {
		if err := os.WriteFile(filepath.Join(dir, names[i]), build(map[string]string{"format": "pt"}, specs), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			wm[s.name] = names[i]
			total += nbytes(s)
		}
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": wm})
	p := filepath.Join(dir, "model.safetensors.index.json")
	if err := os.WriteFile(p, idx, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, shards
}

func TestOpenIndex(t *testing.T) {
	dir := t.TempDir()
	p, shards := writeSharded(t, dir)
	m, err := OpenIndex(p)
	if err != nil {
		t.Fatal(err)
	}
	var wantElems, wantBytes int64
	n := 0
	for _, specs := range shards {
		for _, s := range specs {
			e := int64(1)
			for _, d := range s.shape {
				e *= d
			}
			wantElems += e
			wantBytes += nbytes(s)
			n++
		}
	}
	// 512+64+64+8+512 elements; 1024+256+256+16+1024 bytes.
	if wantElems != 1160 || wantBytes != 2576 {
		t.Fatalf("test table broken: %d %d", wantElems, wantBytes)
	}
	if len(m.Tensors) != n || m.Elements() != wantElems || m.DataSize() != wantBytes || m.Index.TotalSize != wantBytes {
		t.Errorf("%d tensors, %d elements, %d bytes, total_size %d", len(m.Tensors), m.Elements(), m.DataSize(), m.Index.TotalSize)
	}
	if len(m.Files) != 2 || m.Tensors[0].Shard != "model-00001-of-00002.safetensors" ||
		m.Tensors[n-1].Shard != "model-00002-of-00002.safetensors" {
		t.Errorf("shards: %d files, first %q last %q", len(m.Files), m.Tensors[0].Shard, m.Tensors[n-1].Shard)
	}
	if got := m.Index.Shards(); len(got) != 2 {
		t.Errorf("Shards() = %v", got)
	}
}

func TestOpenIndexErrors(t *testing.T) {
	shard2 := "model-00002-of-00002.safetensors"
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir, index string)
		want   string
	}{
		{"missing shard", func(t *testing.T, dir, _ string) {
			os.Remove(filepath.Join(dir, shard2))
		}, "shard " + shard2 + ": does not exist"},
		{"truncated shard", func(t *testing.T, dir, _ string) {
			p := filepath.Join(dir, shard2)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-100], 0o644)
		}, shard2 + ": offset "},
		{"truncated shard header", func(t *testing.T, dir, _ string) {
			p := filepath.Join(dir, shard2)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:20], 0o644)
		}, "exceeds file size 20"},
		{"tensor missing from shard", func(t *testing.T, dir, index string) {
			editIndex(t, index, func(wm map[string]string) { wm["extra.weight"] = shard2 })
		}, `tensor "extra.weight" is not in its shard ` + shard2},
		{"tensor in wrong shard", func(t *testing.T, dir, index string) {
			editIndex(t, index, func(wm map[string]string) { wm["norm.weight"] = "model-00001-of-00002.safetensors" })
		}, `shard ` + shard2 + ` holds tensor "norm.weight", which the weight_map assigns to model-00001-of-00002.safetensors`},
		{"path traversal", func(t *testing.T, dir, index string) {
			editIndex(t, index, func(wm map[string]string) { wm["norm.weight"] = "../evil.safetensors" })
		}, "is not a local file name"},
		{"bad json", func(t *testing.T, dir, index string) {
			os.WriteFile(index, []byte(`{"weight_map": [}`), 0o644)
		}, "invalid index JSON"},
		{"no weight_map", func(t *testing.T, dir, index string) {
			os.WriteFile(index, []byte(`{"metadata": {}}`), 0o644)
		}, "index has no weight_map"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		p, _ := writeSharded(t, dir)
		c.break_(t, dir, p)
		_, err := OpenIndex(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func editIndex(t *testing.T, index string, edit func(map[string]string)) {
	t.Helper()
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	var ix struct {
		Metadata  map[string]any    `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &ix); err != nil {
		t.Fatal(err)
	}
	edit(ix.WeightMap)
	b, _ = json.Marshal(ix)
	if err := os.WriteFile(index, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeIndex(t *testing.T) {
	ix, err := DecodeIndex(strings.NewReader(`{"metadata":{"total_size":1.3e10},"weight_map":{"a":"x.safetensors","b":"x.safetensors"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ix.TotalSize != 13_000_000_000 || len(ix.Shards()) != 1 {
		t.Errorf("%+v", ix)
	}
	if _, err := DecodeIndex(strings.NewReader(`{"metadata":{"total_size":-1},"weight_map":{}}`)); err == nil {
		t.Error("negative total_size accepted")
	}
}

// TestReadIndex: the index alone, its shards unread; an error names the
// file and the offset.
func TestReadIndex(t *testing.T) {
	dir := t.TempDir()
	p, _ := writeSharded(t, dir)
	ix, err := ReadIndex(p)
	if err != nil {
		t.Fatal(err)
	}
	// 1024+256+256+16+1024 bytes in five tensors over two shards.
	if ix.Name != p || ix.TotalSize != 2576 || len(ix.WeightMap) != 5 || len(ix.Shards()) != 2 {
		t.Errorf("name %q, total_size %d, %d tensors, shards %v", ix.Name, ix.TotalSize, len(ix.WeightMap), ix.Shards())
	}
	bad := filepath.Join(dir, "bad.index.json")
	if err := os.WriteFile(bad, []byte(`{"weight_map": {"a": 1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadIndex(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": offset ") || !strings.Contains(err.Error(), "invalid index JSON") {
		t.Errorf("got %v", err)
	}
	if _, err := ReadIndex(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
