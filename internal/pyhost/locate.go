package pyhost

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/graph"
)

// Locate places a Starlark run error in the file: the innermost position
// in name (or in one of files, the modules beside it), and the message
// with the chain of calls that led there ("in C.forward, called from
// model.py:40:9"). max is the step limit, named when the run hit it.
func Locate(name string, ee *starlark.EvalError, max uint64, files map[string]bool) (graph.Pos, string) {
	msg := ee.Msg
	if strings.Contains(msg, "too many steps") {
		msg = fmt.Sprintf("stopped after %d steps: the script runs too long (an endless loop?)", max)
	}
	var pos graph.Pos
	var chain []string
	for i := len(ee.CallStack) - 1; i >= 0; i-- {
		fr := ee.CallStack[i]
		if !fr.Pos.IsValid() || fr.Pos.Filename() != name && !files[fr.Pos.Filename()] {
			continue
		}
		p := graph.Pos{File: fr.Pos.Filename(), Line: int(fr.Pos.Line), Col: int(fr.Pos.Col)}
		if pos.File == "" {
			pos = p
			if fr.Name != "<toplevel>" {
				chain = append(chain, "in "+DisplayName(fr.Name))
			}
			continue
		}
		chain = append(chain, fmt.Sprintf("called from %s", p))
	}
	if len(chain) > 12 {
		// Deep recursion: the first calls and the outermost two.
		n := len(chain)
		chain = append(append(chain[:10:10], fmt.Sprintf("… %d more calls", n-12)), chain[n-2:]...)
	}
	if len(chain) > 0 {
		msg += " (" + strings.Join(chain, ", ") + ")"
	}
	if pos.File == "" {
		pos.File = name
	}
	return pos, msg
}
