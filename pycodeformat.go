package layerinfo

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/layerinfo/layerinfo/format/pycode"
	"github.com/layerinfo/layerinfo/graph"
)

// decodePython runs Python model code, or a notebook's code cells. A
// script given as a file may import modules beside it (from layers import
// *): they are read through Input.Dir (layerinfo.File's os.Root on its
// directory, which no path or symbolic link leaves), or an os.Root opened
// here for an Input made by hand over an *os.File.
func decodePython(in Input, opt Options) (*graph.Graph, error) {
	src, err := in.text()
	if err != nil {
		return nil, err
	}
	po := pycode.Options{Entry: opt.Entry, Set: opt.Set, InputShapes: opt.InputShapes, Dir: in.Dir}
	if f, ok := in.R.(*os.File); ok && f.Name() == in.Name && po.Dir == nil {
		if root, err := os.OpenRoot(filepath.Dir(in.Name)); err == nil {
			defer root.Close()
			po.Dir = root.FS()
		}
	}
	po.Budget = opt.budget
	g, err := pycode.Decode(in.Name, src, po)
	var oe *pycode.OptionError
	if errors.As(err, &oe) {
		return nil, usageError{err}
	}
	return g, err
}
