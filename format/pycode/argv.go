package pycode

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// argvList is sys.argv of a script run without its arguments: the
// script's name alone (len(sys.argv) > 1 is false), but an argument it
// reads anyway (index = int(sys.argv[1])) is a value the file cannot
// know — a placeholder that says so where a size needs it — not
// Python's IndexError.
type argvList struct{ file string }

var (
	_ starlark.Mapping   = (*argvList)(nil)
	_ starlark.Sliceable = (*argvList)(nil)
)

func (a *argvList) list() *starlark.List {
	return starlark.NewList([]starlark.Value{starlark.String(a.file)})
}
func (a *argvList) String() string        { return a.list().String() }
func (a *argvList) Type() string          { return "list" }
func (a *argvList) Freeze()               {}
func (a *argvList) Truth() starlark.Bool  { return true }
func (a *argvList) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: list") }
func (a *argvList) Len() int              { return 1 }
func (a *argvList) Index(i int) starlark.Value {
	return starlark.String(a.file)
}
func (a *argvList) Iterate() starlark.Iterator { return a.list().Iterate() }
func (a *argvList) Slice(start, end, step int) starlark.Value {
	return a.list().Slice(start, end, step)
}
func (a *argvList) Get(k starlark.Value) (starlark.Value, bool, error) {
	i, err := starlark.AsInt32(k)
	if err != nil {
		return nil, false, fmt.Errorf("list index: %w", err)
	}
	if i == 0 || i == -1 {
		return starlark.String(a.file), true, nil
	}
	what := fmt.Sprintf("sys.argv[%d]", i)
	return &pyhost.Opaque{Desc: what, From: &pyhost.Origin{Expr: what + " (a command-line argument)"}}, true, nil
}
