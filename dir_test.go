package layerinfo

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// oneTensor is a safetensors file holding the F32 scalar w.
func oneTensor() []byte {
	h := `{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(b, h...), 0, 0, 0, 0)
}

const shardIndex = `{"metadata": {}, "weight_map": {"w": "model-00001-of-00001.safetensors"}}`

// TestBytesIndexReadsNoFile: an index given as bytes names shards that
// exist on disk under its name, and none of them is read: Bytes has no
// directory.
func TestBytesIndexReadsNoFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model-00001-of-00001.safetensors"), oneTensor(), 0o644)
	idx := filepath.Join(dir, "model.safetensors.index.json")
	os.WriteFile(idx, []byte(shardIndex), 0o644)

	_, err := Load(t.Context(), Bytes(idx, []byte(shardIndex)), Options{})
	if err == nil || !strings.Contains(err.Error(), "its shard cannot be read: the index was read without its directory") {
		t.Errorf("Bytes index: %v", err)
	}
	// The same index, with a directory: read.
	in, closeFn, err := File(idx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if _, err := Load(t.Context(), in, Options{}); err != nil {
		t.Errorf("File index: %v", err)
	}
	// Bytes with a directory given by hand: its files are the shards.
	in = Bytes("m/model.safetensors.index.json", []byte(shardIndex))
	in.Dir = fstest.MapFS{"model-00001-of-00001.safetensors": {Data: oneTensor()}}
	g, err := Load(t.Context(), in, Options{})
	if err != nil || len(g.Nodes) != 1 {
		t.Errorf("Bytes index with Dir: %v", err)
	}
}

// TestShardOutside: shards that are links out of the model's directory,
// named pipes or directories are refused without being opened, and the
// message shows nothing of them.
func TestShardOutside(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.safetensors")
	os.WriteFile(secret, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644)
	for _, c := range []struct {
		name string
		make func(shard string) error
		want string
	}{
		{"link out", func(shard string) error { return os.Symlink(secret, shard) }, "is a symbolic link that leads out of the model's directory"},
		{"relative link out", func(shard string) error { return os.Symlink("../"+filepath.Base(outside)+"/secret.safetensors", shard) },
			"is a symbolic link that leads out of the model's directory"},
		{"dangling link", func(shard string) error { return os.Symlink("nothing", shard) }, "is a symbolic link to a file that does not exist"},
		{"directory", func(shard string) error { return os.Mkdir(shard, 0o755) }, "is a directory, not a regular file"},
		{"missing", func(string) error { return nil }, "shard model-00001-of-00001.safetensors: does not exist"},
	} {
		dir := t.TempDir()
		idx := filepath.Join(dir, "model.safetensors.index.json")
		os.WriteFile(idx, []byte(shardIndex), 0o644)
		if err := c.make(filepath.Join(dir, "model-00001-of-00001.safetensors")); err != nil {
			t.Skip(err)
		}
		in, closeFn, err := File(idx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(t.Context(), in, Options{})
		closeFn()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "root:") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if c.name == "missing" && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("missing: %v does not match fs.ErrNotExist", err)
		}
	}
}

// TestHubCache: in a Hugging Face hub cache the shards are links to
// ../../blobs: inside the model's cache folder, so they are read.
func TestHubCache(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "models--org--name")
	snap := filepath.Join(repo, "snapshots", "abc123")
	os.MkdirAll(filepath.Join(repo, "blobs"), 0o755)
	os.MkdirAll(snap, 0o755)
	os.WriteFile(filepath.Join(repo, "blobs", "f00d"), oneTensor(), 0o644)
	os.WriteFile(filepath.Join(repo, "blobs", "beef"), []byte(shardIndex), 0o644)
	os.Symlink("../../blobs/f00d", filepath.Join(snap, "model-00001-of-00001.safetensors"))
	os.Symlink("../../blobs/beef", filepath.Join(snap, "model.safetensors.index.json"))
	in, closeFn, err := File(filepath.Join(snap, "model.safetensors.index.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if g, err := Load(t.Context(), in, Options{}); err != nil || len(g.Nodes) != 1 {
		t.Errorf("hub cache: %v", err)
	}
}
