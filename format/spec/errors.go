package spec

import (
	"errors"
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
)

// Error is a problem with a spec at a position in it:
// "model.yaml:7:5: layer conv2 (conv2d): unknown attribute "filter" (did
// you mean "filters"?)". Decode returns every problem it finds (up to
// maxErrors) joined with errors.Join; errors.As finds the first.
type Error struct {
	Pos   graph.Pos
	Layer string // "layer conv2 (conv2d)"; empty for errors outside a layer
	Msg   string
}

func (e *Error) Error() string {
	s := e.Pos.String()
	if s != "" {
		s += ": "
	}
	if e.Layer != "" {
		s += e.Layer + ": "
	}
	return s + e.Msg
}

// maxErrors caps how many problems one Decode reports.
const maxErrors = 20

// errList collects errors in the order they are found.
type errList struct {
	errs []error
	more int
}

func (l *errList) add(err error) {
	if err == nil {
		return
	}
	if len(l.errs) >= maxErrors {
		l.more++
		return
	}
	l.errs = append(l.errs, err)
}

// full reports whether no more errors will be kept.
func (l *errList) full() bool { return len(l.errs) >= maxErrors }

func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := l.errs
	if l.more > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("… and %d more errors", l.more))
	}
	return errors.Join(errs...)
}
