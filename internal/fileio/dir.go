package fileio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNoDir is the error of a model file that names others (the shards of
// an index) when it was read without a directory: from standard input or
// from bytes in memory.
var ErrNoDir = errors.New("read without its directory")

// Shards is "its shard" or "its 3 shards", for messages.
func Shards(n int) string {
	if n == 1 {
		return "its shard"
	}
	return fmt.Sprintf("its %d shards", n)
}

// Dir opens the directory holding the model file path as a file system
// that no path and no symbolic link leads out of (os.Root), for the
// files a model names beside it: shards, external data, a config.json.
// In a Hugging Face hub cache (…/models--org--name/snapshots/REV/), the
// files are symbolic links to ../../blobs/SHA: the model's directory is
// then the whole models--org--name folder, and the file system is its
// snapshots/REV.
func Dir(path string) (fs.FS, func() error, error) {
	dir := filepath.Dir(path)
	top, sub := dir, "."
	if parent := filepath.Dir(dir); filepath.Base(parent) == "snapshots" {
		top = filepath.Dir(parent)
		sub = "snapshots/" + filepath.Base(dir)
	}
	root, err := os.OpenRoot(top)
	if err != nil {
		return nil, nil, err
	}
	fsys := root.FS()
	if sub != "." {
		if fsys, err = fs.Sub(fsys, sub); err != nil {
			root.Close()
			return nil, nil, err
		}
	}
	return fsys, root.Close, nil
}

// Stat checks that name is a regular file of dir, reached through no
// symbolic link that leads out of dir (Dir's file systems refuse those)
// and is neither a directory, a named pipe, a socket nor a device. The
// errors say what the file is instead, never what it holds.
func Stat(dir fs.FS, name string) (fs.FileInfo, error) {
	if dir == nil {
		return nil, ErrNoDir
	}
	if !fs.ValidPath(name) {
		return nil, errors.New("is not a file name inside the model's directory")
	}
	link := false
	if l, ok := dir.(fs.ReadLinkFS); ok {
		fi, err := l.Lstat(name)
		if err != nil {
			return nil, plain(err)
		}
		link = fi.Mode()&fs.ModeSymlink != 0
	}
	fi, err := fs.Stat(dir, name)
	if err != nil {
		if link && !errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("is a symbolic link that leads out of the model's directory")
		}
		if link {
			return nil, errors.New("is a symbolic link to a file that does not exist")
		}
		return nil, plain(err)
	}
	if what := kind(fi.Mode()); what != "" {
		return nil, fmt.Errorf("is %s, not a regular file", what)
	}
	return fi, nil
}

// plain is a file system error without the path the caller names anyway.
func plain(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errMissing{}
		}
		return pe.Err
	}
	return err
}

// errMissing is a file that does not exist; it matches fs.ErrNotExist.
type errMissing struct{}

func (errMissing) Error() string        { return "does not exist" }
func (errMissing) Is(target error) bool { return target == fs.ErrNotExist }

// kind names a file mode that is not a regular file's.
func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// OpenIn is Open for a file the model names beside it: name, relative to
// dir, must pass Stat; display is how messages name the file.
func OpenIn[T any](dir fs.FS, name, display string, decode func(r io.ReaderAt, size int64) (T, error)) (T, error) {
	var zero T
	if _, err := Stat(dir, name); err != nil {
		return zero, err
	}
	f, err := dir.Open(name)
	if err != nil {
		return zero, plain(err)
	}
	defer f.Close()
	st, err := f.Stat() // the file opened, should it have changed since
	if err != nil {
		return zero, plain(err)
	}
	if what := kind(st.Mode()); what != "" {
		return zero, fmt.Errorf("is %s, not a regular file", what)
	}
	r, ok := f.(io.ReaderAt)
	if !ok {
		return zero, errors.New("cannot be read at an offset")
	}
	head := make([]byte, min(st.Size(), HeadSize))
	n, _ := r.ReadAt(head, 0)
	if err := Check(display, head[:n], st.Size(), true); err != nil {
		return zero, err
	}
	return decode(r, st.Size())
}
