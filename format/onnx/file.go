package onnx

import (
	"errors"
	"io"
	"os"

	"github.com/layerinfo/layerinfo/graph"
)

// File is an ONNX file opened for decoding and for reading tensor values
// later. On Unix systems the file is memory-mapped and decoded in place;
// elsewhere it is read with ReadAt. Pass the File as the io.ReaderAt of
// TensorInfo.Int64s and friends, and Close it when done; the Model stays
// valid after Close.
type File struct {
	Model *Model

	name string
	f    *os.File
	data []byte // the mapping, nil when not mapped
	size int64
}

// Open opens and decodes the ONNX file at path. Errors name the file.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	f := &File{name: path, f: osf, size: fi.Size()}
	if f.size > 0 && fi.Mode().IsRegular() {
		f.data, _ = mmap(osf, f.size) // on failure, fall back to ReadAt
	}
	m, err := Decode(f, f.size)
	if err != nil {
		f.Close()
		var e *graph.OffsetError
		if errors.As(err, &e) {
			e.File = path
		}
		return nil, err
	}
	f.Model = m
	return f, nil
}

// DecodeFile decodes the ONNX file at path and closes it.
func DecodeFile(path string) (*Model, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	m := f.Model
	return m, f.Close()
}

// Name returns the path the file was opened with.
func (f *File) Name() string { return f.name }

// Size returns the size of the file in bytes.
func (f *File) Size() int64 { return f.size }

// ReadAt implements io.ReaderAt over the file's contents.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.data == nil {
		if f.f == nil {
			return 0, os.ErrClosed
		}
		return f.f.ReadAt(p, off)
	}
	if off < 0 {
		return 0, errors.New("onnx: negative offset")
	}
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// bytes gives the decoder the mapped contents to walk in place.
func (f *File) bytes() []byte { return f.data }

// Close unmaps and closes the file.
func (f *File) Close() error {
	var err error
	if f.data != nil {
		err = munmap(f.data)
		f.data = nil
	}
	if f.f != nil {
		if cerr := f.f.Close(); err == nil {
			err = cerr
		}
		f.f = nil
	}
	return err
}
