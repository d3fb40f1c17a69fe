package fileio

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotModel matches (errors.Is) the errors of Check: the file is not a
// model at all, whatever its name says.
var ErrNotModel = errors.New("not a model file")

// NotModelError says what a file is instead of a model.
type NotModelError struct {
	Name string // the file as the user named it
	Msg  string // the whole message, starting with the file name
}

func (e *NotModelError) Error() string { return e.Msg }

// Is matches ErrNotModel.
func (e *NotModelError) Is(target error) bool { return target == ErrNotModel }

// HeadSize is how many leading bytes Check looks at.
const HeadSize = 4096

// ModelExts are the file name extensions of binary model formats, read by
// layerinfo or not: a file named so that holds text was not downloaded
// right.
var ModelExts = []string{".onnx", ".pt", ".pth", ".bin", ".ckpt", ".safetensors", ".gguf", ".h5", ".hdf5",
	".keras", ".caffemodel", ".pb", ".tflite", ".tar", ".npz", ".msgpack", ".params", ".pdparams", ".mlmodel"}

// ModelExt reports whether name ends with one of ModelExts.
func ModelExt(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range ModelExts {
		if ext == e {
			return true
		}
	}
	return false
}

// Check tells the files people end up with instead of a model: an empty
// file, a Git LFS pointer (a clone without `git lfs pull`), an HTML page
// (a download that saved an error or login page) and, when binary is set
// (the file is read as, or named as, a binary model format), a short text
// such as "Entry not found". head is the file's first bytes (up to
// HeadSize), size its whole size. It returns nil for anything else.
func Check(name string, head []byte, size int64, binary bool) error {
	fail := func(format string, args ...any) error {
		return &NotModelError{Name: name, Msg: name + " " + fmt.Sprintf(format, args...)}
	}
	if size == 0 {
		return fail("is empty")
	}
	if n, ok := lfsPointer(head, size); ok {
		what := "a Git LFS pointer, not the model"
		if n >= 0 {
			what = fmt.Sprintf("a Git LFS pointer for a %s file, not the model", HumanBytes(n))
		}
		return fail("is %s: run `git lfs pull` in its repository (or download the file itself)", what)
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if isHTML(text) {
		msg := "is an HTML page, not a model (a download that saved an error or login page?"
		if t := htmlTitle(head); t != "" {
			msg += " Its title: " + strconv.Quote(t)
		}
		return fail("%s)", msg)
	}
	if binary && size <= int64(len(head)) && size < 1024 && isText(head) {
		s := strings.TrimSpace(string(head))
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return fail("is %d bytes of text, not a model (a download that saved an error message?): %s", size, strconv.Quote(s))
	}
	return nil
}

// lfsPointer recognizes a Git LFS pointer file
// (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): "version
// https://git-lfs.github.com/spec/v1", then "oid sha256:…" and "size N"
// lines, under 1024 bytes. It returns the size of the real file (-1 if the
// pointer does not say).
func lfsPointer(head []byte, size int64) (int64, bool) {
	if size >= 1024 || !(bytes.HasPrefix(head, []byte("version https://git-lfs.github.com/spec/")) ||
		bytes.HasPrefix(head, []byte("version https://hawser.github.com/spec/"))) {
		return 0, false
	}
	n := int64(-1)
	for _, line := range strings.Split(string(head), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "size "); ok {
			if k, err := strconv.ParseInt(v, 10, 64); err == nil && k >= 0 {
				n = k
			}
		}
	}
	return n, true
}

func isHTML(text []byte) bool {
	lower := bytes.ToLower(text[:min(len(text), 64)])
	for _, p := range []string{"<!doctype html", "<html", "<head>", "<!--", "<?xml"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			if p == "<!--" || p == "<?xml" {
				return bytes.Contains(bytes.ToLower(text), []byte("<html"))
			}
			return true
		}
	}
	return false
}

// htmlTitle is the page's <title>, when the head holds it.
func htmlTitle(head []byte) string {
	lower := bytes.ToLower(head)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	k := bytes.Index(lower[start:], []byte("</title"))
	if k < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(string(head[start:start+k])), " ")
	if len(t) > 80 || !utf8.ValidString(t) {
		return ""
	}
	return t
}

// isText: valid UTF-8 without control characters other than white space.
func isText(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// HumanBytes formats a byte count in decimal units as Git LFS and file
// browsers do: 1.3 MB, 6.7 GB, 512 bytes.
func HumanBytes(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	f := float64(n) / 1000
	u := 0
	for f >= 999.95 && u < len(units)-1 {
		f /= 1000
		u++
	}
	if f >= 100 {
		return strconv.FormatFloat(f, 'f', 0, 64) + " " + units[u]
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[u]
}

// Describe names a model format layerinfo does not read from a file's
// name and first bytes ("an HDF5 file (Keras .h5)"), or returns "".
func Describe(name string, head []byte) string {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("\x89HDF\r\n\x1a\n")):
		return "an HDF5 file (Keras .h5 weights or model)"
	case len(head) >= 8 && string(head[4:8]) == "TFL3":
		return "a TensorFlow Lite model"
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return "a NumPy .npy array"
	case bytes.HasPrefix(head, []byte("\x1f\x8b")):
		return "a gzip-compressed file (decompress it first)"
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "a tar archive (extract it first)"
	}
	switch ext {
	case ".keras":
		return "a Keras .keras archive"
	case ".h5", ".hdf5":
		return "a Keras/HDF5 file"
	case ".caffemodel":
		return "a Caffe model"
	case ".pb":
		return "a TensorFlow protobuf (GraphDef or SavedModel)"
	case ".tflite":
		return "a TensorFlow Lite model"
	case ".npz":
		return "a NumPy .npz archive"
	case ".mlmodel":
		return "a Core ML model"
	case ".params":
		return "an MXNet/Gluon parameter file"
	case ".pdparams":
		return "a PaddlePaddle parameter file"
	case ".msgpack":
		return "a Flax msgpack checkpoint"
	}
	return ""
}

// Unread names the model format of a file whose extension belongs to a
// format layerinfo does not read (.pb, .tflite,
// ...), or returns "": such a file is named at once rather than tried as
// a format whose magic number it may share (a SavedModel .pb starts as an
// ONNX ModelProto does, a .keras or .npz archive is a zip).
func Unread(name string, head []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pb", ".tflite", ".npz", ".mlmodel", ".params", ".pdparams", ".msgpack":
		return Describe(name, head)
	}
	return ""
}
