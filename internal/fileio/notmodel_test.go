package fileio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const lfs = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1342177\n"

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, data string
		binary     bool
		want       string // "" for no error
	}{
		{"m.onnx", "", true, "m.onnx is empty"},
		{"m.py", "", false, "m.py is empty"},
		{"m.onnx", lfs, true, "m.onnx is a Git LFS pointer for a 1.3 MB file, not the model: run `git lfs pull`"},
		{"m.py", lfs, false, "m.py is a Git LFS pointer for a 1.3 MB file"},
		{"m.pt", "version https://git-lfs.github.com/spec/v1\n", true, "m.pt is a Git LFS pointer, not the model"},
		{"m.gguf", "\xef\xbb\xbf  <!DOCTYPE html>\n<html><head><title>404 – Not Found</title>", true,
			`m.gguf is an HTML page, not a model (a download that saved an error or login page? Its title: "404 – Not Found")`},
		{"config.json", "<html><body>Sign in</body></html>", false, "config.json is an HTML page"},
		{"m.bin", "Entry not found", true, `m.bin is 15 bytes of text, not a model (a download that saved an error message?): "Entry not found"`},
		{"m.bin", "Entry not found", false, ""},
		{"m.py", "import lasagne\n", false, ""},
		{"m.onnx", "\x08\x07\x12\x07pytorch", true, ""},
	} {
		err := Check(c.name, []byte(c.data), int64(len(c.data)), c.binary)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %q: %v", c.name, c.data, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want) || !errors.Is(err, ErrNotModel)):
			t.Errorf("%s %q: %v, want %q", c.name, c.data, err, c.want)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 1000: "1.0 kB", 1342177: "1.3 MB", 999_960: "1.0 MB", 6_740_000_000: "6.7 GB", 123_456_789: "123 MB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestOpen: the decoders' Open (shards of a sharded checkpoint too) name a
// pointer before decoding it.
func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model-00001-of-00002.safetensors")
	os.WriteFile(path, []byte(lfs), 0o644)
	_, err := Open(path, func(r io.ReaderAt, size int64) (int, error) { return 0, nil })
	if err == nil || !strings.Contains(err.Error(), "is a Git LFS pointer for a 1.3 MB file") {
		t.Errorf("Open: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	if got := Describe("w.h5", []byte("\x89HDF\r\n\x1a\n")); got != "an HDF5 file (Keras .h5 weights or model)" {
		t.Errorf("hdf5: %q", got)
	}
	if got := Describe("net.caffemodel", []byte{0x0a, 0x05}); got != "a Caffe model" {
		t.Errorf("caffe: %q", got)
	}
	if got := Unread("saved_model.pb", []byte{0x08, 0x01, 0x12}); got != "a TensorFlow protobuf (GraphDef or SavedModel)" {
		t.Errorf("pb: %q", got)
	}
	if got := Unread("model.onnx", []byte{0x08, 0x07, 0x12}); got != "" {
		t.Errorf("onnx: %q", got)
	}
	if got := Describe("x.txt", []byte("hello")); got != "" {
		t.Errorf("text: %q", got)
	}
}

// FuzzCheck: no panic, and an error always starts with the file's name
// and matches ErrNotModel.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(lfs), true)
	f.Add([]byte("<!DOCTYPE html><title>x</title>"), false)
	f.Add([]byte("<!-- x --><html>"), true)
	f.Add([]byte("Entry not found"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		head := data[:min(len(data), HeadSize)]
		err := Check("m.bin", head, int64(len(data)), binary)
		if err != nil && (!strings.HasPrefix(err.Error(), "m.bin ") || !errors.Is(err, ErrNotModel)) {
			t.Fatalf("error %q", err)
		}
		Describe("m.h5", head)
	})
}
