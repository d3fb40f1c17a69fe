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
	"math"

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
	// NoArithmetic skips the arithmetic text nobody will read: nodes get
	// no ShapeWhy and ops build no explanation (graph.Node.NoArithmetic).
	// Every number, shape, note and error is the same as without it.
	NoArithmetic bool
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
	arena := new(graph.Arena)
	for i, n := range order {
		if opt.Context != nil {
			if err := opt.Context.Err(); err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			opt.Progress(i, len(order))
		}
		n.NoArithmetic, n.Arena = opt.NoArithmetic, arena
		err := Node(n)
		n.Arena = nil
		if err != nil {
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
	err = run(n)
	if err != nil || n.Count.Err() != nil || n.FLOPs.Err() != nil || n.OtherOps.Err() != nil {
		if n.NoArithmetic {
			// Under NoArithmetic an op may keep bare values where the
			// arithmetic was (calc.Terse), and an error's message quotes
			// the arithmetic: run the op again with it, for the message.
			n.NoArithmetic = false
			err = run(n)
			n.NoArithmetic = true
			n.SetShapeWhy(nil)
		}
	}
	unknown := false
	if err != nil {
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
	if n.Params == nil {
		k := 0
		for _, v := range n.Inputs {
			if v != nil && v.Param != nil {
				k++
			}
		}
		if k > 0 {
			n.Params = n.Arena.ParamList(k)
		}
	}
	for _, v := range n.Inputs {
		if v != nil && v.Param != nil && !contains(n.Params, v.Param) {
			n.Params = append(n.Params, v.Param)
		}
	}
	shared := 0
	for _, p := range n.Params {
		if p.Owner == nil {
			p.Owner = n
		}
		if p.Owner != n {
			shared++
		}
	}
	if err := countParams(n); err != nil {
		return err
	}
	for _, p := range n.Params {
		if shared > 0 && p.Owner != n {
			n.Note("%s is shared with layer %s and counted there", p.Name, p.Owner.Name)
		}
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

// countParams sets n.Count to the parameters first counted at n: the
// op's own formula when it counts exactly those, otherwise (sharing) the
// fresh tensors one by one.
func countParams(n *graph.Node) error {
	// The usual case: every size known and no overflow, and the op's
	// formula agrees; then the sum is not written as an expression.
	if sum, ok := freshSum(n); ok && n.Count.Err() == nil {
		if cv, ok := n.Count.Value(); ok && cv == sum {
			return nil
		}
		if n.NoArithmetic {
			n.Count = calc.N(sum) // the value of the sum below, without its text
			return nil
		}
	}
	want := calc.N(0)
	var buf [8]calc.Expr
	terms := buf[:0]
	for _, p := range n.Params {
		if p.Owner != n || p.Buffer {
			continue // counted elsewhere, or apart (stats: buffers)
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
	return nil
}

// freshSum is the number of elements of the parameters first counted at
// n, without arithmetic text; ok is false when a size is unknown or the
// sum overflows (countParams then says which).
func freshSum(n *graph.Node) (int64, bool) {
	var sum int64
	for _, p := range n.Params {
		if p.Owner != n || p.Buffer {
			continue
		}
		numel := int64(1)
		for _, d := range p.Shape {
			if !d.Known() {
				return 0, false
			}
			if d.Size != 0 && numel > math.MaxInt64/d.Size {
				return 0, false
			}
			numel *= d.Size
		}
		if sum > math.MaxInt64-numel {
			return 0, false
		}
		sum += numel
	}
	return sum, true
}

// run resets what inference fills in and runs n's op.
func run(n *graph.Node) error {
	n.Params = nil
	n.SetNotes(append([]string(nil), n.Remarks()...))
	n.SetShapeWhy(nil)
	n.Count, n.FLOPs, n.OtherOps = calc.Expr{}, calc.Expr{}, calc.Expr{}
	n.Uncounted = false
	return n.Op.Infer(n)
}

func contains(ps []*graph.Param, p *graph.Param) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
