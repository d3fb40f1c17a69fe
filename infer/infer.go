// Package infer walks a graph once, in dependency order, and lets each
// node's op fill in its output shapes, parameters, FLOPs and the arithmetic
// behind them. It also decides where each parameter is counted: at the
// first node that uses it, so shared tensors count once.
//
// The package uses the standard library only.
package infer

import (
	"context"
	"errors"
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Error is an inference failure at one node, with the node's source
// position: "model.py:12:5: layer conv2d2 (Conv2DLayer): …".
type Error struct {
	Node *graph.Node
	Err  error
}

func (e *Error) Error() string {
	pos := e.Node.Pos.String()
	what := fmt.Sprintf("layer %s (%s)", e.Node.Name, e.Node.Type)
	if pos != "" {
		return pos + ": " + what + ": " + e.Err.Error()
	}
	return what + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Options tune a run. The zero value stops at the first error.
type Options struct {
	// KeepGoing analyses the rest of the graph after a node fails: its
	// outputs stay unknown and the errors are returned together.
	KeepGoing bool
	// Progress, when set, is called after each node with the number of
	// nodes done and the total.
	Progress func(done, total int)
	// Context, when set, is checked between nodes: once it is done, Run
	// returns its error.
	Context context.Context
}

// Run infers every node of g. Nodes run in a stable topological order
// (source order where the dependencies allow), counting weight sharing as a
// dependency.
func Run(g *graph.Graph, opt Options) error {
	order, err := Order(g)
	if err != nil {
		return err
	}
	var errs []error
	for i, n := range order {
		if opt.Context != nil {
			if err := opt.Context.Err(); err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			opt.Progress(i, len(order))
		}
		if err := Node(n); err != nil {
			e := &Error{Node: n, Err: err}
			if !opt.KeepGoing {
				return e
			}
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// Node infers one node whose inputs are already inferred; front-ends that
// must know shapes while they build (Lasagne computes them at
// construction) call it as each node is made. Running it again on the
// same node recomputes everything from its op.
func Node(n *graph.Node) (err error) {
	defer func() {
		// An op must not panic on odd input; if one does, report it as
		// a bug at this node rather than crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (please report): %v", r)
		}
	}()
	for i, v := range n.Inputs {
		if v == nil {
			continue
		}
		if v.Producer != nil && !v.Producer.Done {
			return fmt.Errorf("input %d (%s) is unknown because layer %s failed", i, v.Name, v.Producer.Name)
		}
	}
	n.Params, n.ShapeWhy, n.Notes = nil, nil, append([]string(nil), n.Remarks...)
	n.Count, n.FLOPs, n.OtherOps = calc.Expr{}, calc.Expr{}, calc.Expr{}
	unknown := false
	if err := n.Op.Infer(n); err != nil {
		// An op that cannot work out its outputs (an unsupported
		// operator, unknown input shapes) leaves them unknown; the rest
		// of the graph is still analysed and the FLOPs are unknown.
		var u *graph.UnknownError
		if !errors.As(err, &u) {
			return err
		}
		unknown = true
		n.Note("%s", u.Reason)
		n.FLOPs, n.OtherOps = calc.Expr{}, calc.Expr{}
	}
	// Parameters fed as inputs (ONNX initializers) belong to the node too.
	for _, v := range n.Inputs {
		if v != nil && v.Param != nil && !contains(n.Params, v.Param) {
			n.Params = append(n.Params, v.Param)
		}
	}
	var fresh, shared []*graph.Param
	for _, p := range n.Params {
		if p.Owner == nil {
			p.Owner = n
		}
		if p.Owner == n {
			fresh = append(fresh, p)
		} else {
			shared = append(shared, p)
		}
	}
	// The op's own formula stands when it counts exactly the fresh
	// parameters; otherwise (sharing) show the fresh tensors one by one.
	want := calc.N(0)
	terms := make([]calc.Expr, 0, len(fresh))
	for _, p := range fresh {
		if p.Buffer {
			continue // counted apart (stats: buffers)
		}
		// A count is never a guess: a parameter must have a known size.
		numel := p.Numel()
		if _, ok := numel.Value(); !ok && numel.Err() == nil {
			return fmt.Errorf("parameter %s has a shape of unknown size %s", p.Name, p.Shape)
		}
		terms = append(terms, numel)
	}
	if len(terms) > 0 {
		want = calc.Add(terms...)
	}
	if err := want.Err(); err != nil {
		return fmt.Errorf("counting parameters: %w", err)
	}
	if err := n.Count.Err(); err != nil {
		return fmt.Errorf("counting parameters: %w", err)
	}
	wv, _ := want.Value()
	if cv, ok := n.Count.Value(); !ok || cv != wv {
		n.Count = want
	}
	for _, p := range shared {
		n.Note("%s is shared with layer %s and counted there", p.Name, p.Owner.Name)
	}
	if err := n.FLOPs.Err(); err != nil {
		return fmt.Errorf("counting FLOPs: %w", err)
	}
	if err := n.OtherOps.Err(); err != nil {
		return fmt.Errorf("counting other operations: %w", err)
	}
	for i, v := range n.Outputs {
		if v.Shape == nil && !unknown {
			return fmt.Errorf("output %d has no shape (op %T did not set it)", i, n.Op)
		}
	}
	n.Done = true
	return nil
}

func contains(ps []*graph.Param, p *graph.Param) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
