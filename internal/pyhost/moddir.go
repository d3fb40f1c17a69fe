package pyhost

import (
	"fmt"
	"io"
	"io/fs"
	"path"
)

// Limits on the modules a script imports from beside it: each file, all
// of them together, and how many.
const (
	MaxModuleSize = 16 << 20
	MaxModuleSum  = 64 << 20
	MaxModules    = 200
)

// ModuleDir is the directory of a script, from which the modules it
// imports are read: regular files only, reached through no symbolic link
// (nor a device or FIFO on the way), each and all together capped. A nil
// FS reads nothing.
type ModuleDir struct {
	FS    fs.FS
	bytes int64 // read so far
}

// Regular reports whether rel is a regular file reached through no link.
func (d *ModuleDir) Regular(rel string) bool {
	fi, ok := d.lstat(rel)
	return ok && fi.Mode().IsRegular()
}

// IsDir reports whether rel is a directory reached through no link.
func (d *ModuleDir) IsDir(rel string) bool {
	fi, ok := d.lstat(rel)
	return ok && fi.IsDir()
}

// lstat stats rel and every directory above it without following links:
// a link, a device or a FIFO anywhere on the way is refused.
func (d *ModuleDir) lstat(rel string) (fs.FileInfo, bool) {
	if !fs.ValidPath(rel) {
		return nil, false
	}
	stat := func(p string) (fs.FileInfo, error) {
		if l, ok := d.FS.(fs.ReadLinkFS); ok {
			return l.Lstat(p)
		}
		return fs.Stat(d.FS, p)
	}
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		fi, err := stat(dir)
		if err != nil || !fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0 {
			return nil, false
		}
	}
	fi, err := stat(rel)
	if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		return nil, false
	}
	return fi, true
}

// Read reads a module file, capped in size (each, and all together).
func (d *ModuleDir) Read(rel string) ([]byte, error) {
	f, err := d.FS.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	if fi.Size() > MaxModuleSize || d.bytes+fi.Size() > MaxModuleSum {
		return nil, fmt.Errorf("%s has %d bytes; a module may have at most %d, all modules together %d", rel, fi.Size(), MaxModuleSize, MaxModuleSum)
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxModuleSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxModuleSize {
		return nil, fmt.Errorf("%s has more than %d bytes", rel, MaxModuleSize)
	}
	d.bytes += int64(len(src))
	return src, nil
}
