package pycode

import (
	"strings"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// prepare is the host's source preparation with Lasagne's class policy:
// a class deriving from a Layer is modelled by the front-end (its
// get_output_shape_for and add_param calls are read, classes.go), any
// other top-level class is compiled and its methods run.
func prepare(src string) *pyhost.Source {
	return pyhost.Prepare(src, pyhost.PrepareOptions{Modeled: func(bases string) bool { return strings.Contains(bases, "Layer") }})
}

// IsNotebook reports whether a file is a Jupyter notebook: named .ipynb,
// or JSON with nbformat and cells.
func IsNotebook(name string, head []byte) bool { return pyhost.IsNotebook(name, head) }
