package pyhost

import (
	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/budget"
)

// DefaultMaxSteps bounds a script's execution: enough for any model
// definition, small enough that an endless loop stops in about a second.
const DefaultMaxSteps = 20_000_000

// NewThread is the sandbox one run executes in: no print, a step limit
// (0 means DefaultMaxSteps), and the memory account of bud (nil: the
// default budget of a request, watched for the run). stop ends the
// watches; call it when the run is over.
func NewThread(name string, maxSteps uint64, bud *budget.Budget) (th *starlark.Thread, steps uint64, stop func()) {
	th = &starlark.Thread{Name: name, Print: func(*starlark.Thread, string) {}}
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	th.SetMaxExecutionSteps(maxSteps)
	var stopBudget func()
	if bud == nil {
		bud = budget.New(0)
		stopBudget = bud.Watch(0, nil)
	}
	mem := NewMemory(bud)
	th.SetLocal(memKey, mem)
	stopMem := mem.Watch(th)
	return th, maxSteps, func() {
		stopMem()
		if stopBudget != nil {
			stopBudget()
		}
	}
}
