package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Weight is one parameter tensor of a Module.
type Weight struct {
	// Role is its name inside the module as the framework's state dict
	// spells it ("q_proj.weight"); the parameter is "<node name>.<Role>".
	Role  string
	Shape graph.Shape
	// Size is the arithmetic of its element count as a reader should see
	// it (hidden*(heads*head_dim)); zero means the product of Shape. It
	// must equal the product of Shape.
	Size calc.Expr
	// Frozen marks a tensor the optimizer does not train (PyTorch
	// requires_grad=False).
	Frozen bool
	// Name, when set, is the parameter's full name instead of
	// "<node name>.<Role>" (a bare nn.Parameter on the root module).
	Name string
}

// Module is a part of a transformer as its framework writes it: an
// embedding lookup, an attention block, an MLP or a set of experts, a norm,
// a head. The front-end lists the parameter tensors (with their framework
// names and shapes) and the multiply-adds per token; the op checks the
// input, sets the output shape, creates the parameters and counts
// parameters and FLOPs, each with its arithmetic.
//
// The input is (batch, …, features): the output replaces the last axis with
// Out features. FLOPs are 2 per multiply-add: TokenMACs for every output
// position, and for attention KeyMACs for every pair of query position and
// key (QKᵀ and AV), the keys being the query sequence itself, or input 1's
// sequence for cross-attention.
type Module struct {
	What string // shown in the output-shape explanation: "self-attention", "SwiGLU MLP", …

	In     int64 // the size the input's last axis must have (0: not checked); with Lookup, the vocabulary size
	Out    int64 // the size of the output's last axis (0: the input's)
	Lookup bool  // the input holds token ids: the output appends an axis of Out features
	Seq    int64 // > 0: the output is (batch, Seq, Out) (patch and audio front-ends)
	First  bool  // the output keeps the first position only: (batch, Out) (poolers, [CLS] heads)

	Weights []Weight

	TokenMACs calc.Expr // multiply-adds per output position (zero: none)
	KeyMACs   calc.Expr // attention: multiply-adds per query position per key (zero: not attention)
	Window    int64     // attention: the most keys one query sees (sliding window); 0: all
}

func (m *Module) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	minRank := 2
	if m.Lookup {
		minRank = 1
	}
	if len(in) < minRank {
		return fmt.Errorf("%s expects at least a %d-dimensional input, got %s", m.what(), minRank, fmtShape(in))
	}
	last := in[len(in)-1]
	if m.In > 0 && !m.Lookup && last.Known() && last.Size != m.In {
		return fmt.Errorf("%s expects %d input features, got %d", m.what(), m.In, last.Size)
	}
	var out graph.Shape
	switch {
	case m.Lookup:
		if m.Out <= 0 {
			return fmt.Errorf("an embedding needs a positive width, got %d", m.Out)
		}
		out = append(in.Clone(), graph.D(m.Out))
		n.Why("a vector of %d for each of the %d token ids", m.Out, m.In)
	case m.Seq > 0:
		if m.Out <= 0 {
			return fmt.Errorf("%s needs a positive width, got %d", m.what(), m.Out)
		}
		out = graph.Shape{in[0], graph.D(m.Seq), graph.D(m.Out)}
		n.Why("%s: %s → %s", m.what(), fmtShape(in), fmtShape(out))
	case m.First:
		width := m.Out
		if width == 0 {
			if !last.Known() {
				return fmt.Errorf("%s: the input width is unknown", m.what())
			}
			width = last.Size
		}
		out = graph.Shape{in[0], graph.D(width)}
		n.Why("%s on the first position: %s → %s", m.what(), fmtShape(in), fmtShape(out))
	default:
		out = in.Clone()
		if m.Out > 0 {
			out[len(out)-1] = graph.D(m.Out)
		}
		n.Why("%s: %s → %s", m.what(), fmtShape(in), fmtShape(out))
	}
	n.SetOut(0, out)
	if m.Lookup || n.Outputs[0].DType == "" || !n.Outputs[0].DType.IsFloat() {
		n.Outputs[0].DType = graph.Float32
	}

	var terms []calc.Expr
	for _, w := range m.Weights {
		if w.Role == "" {
			return fmt.Errorf("%s: a parameter has no name", m.what())
		}
		for _, d := range w.Shape {
			if !d.Known() || d.Size <= 0 {
				return fmt.Errorf("%s: parameter %s has shape %s; every size must be positive", m.what(), w.Role, fmtShape(w.Shape))
			}
		}
		numel := w.Shape.Numel()
		if err := check("parameter "+w.Role, numel); err != nil {
			return err
		}
		size := w.Size
		if size.IsZero() {
			size = numel
		} else {
			sv, ok := size.Value()
			nv, _ := numel.Value()
			if !ok || sv != nv {
				return fmt.Errorf("%s: parameter %s: %s does not match its shape %s", m.what(), w.Role, size.Equation(), fmtShape(w.Shape))
			}
		}
		p, err := n.Param(w.Role, w.Shape.Clone(), !w.Frozen)
		if err != nil {
			return err
		}
		if _, shared := n.Shares()[w.Role]; !shared {
			if w.Name != "" {
				p.Name = w.Name
			}
			terms = append(terms, size)
		}
	}
	n.Count = calc.Add(terms...)
	if err := check("parameters", n.Count); err != nil {
		return err
	}

	// FLOPs: per output position, times the positions; an unknown batch
	// leaves them per example.
	if m.TokenMACs.IsZero() && m.KeyMACs.IsZero() {
		zeroFLOPs(n)
		return nil
	}
	var pos []calc.Expr
	batchKnown := out[0].Known()
	if batchKnown {
		pos = append(pos, out[0].Expr())
	}
	for _, d := range out[1 : len(out)-1] {
		pos = append(pos, d.Expr())
	}
	var parts []calc.Expr
	if !m.TokenMACs.IsZero() {
		parts = append(parts, calc.Mul(append([]calc.Expr{calc.N(2), m.TokenMACs}, pos...)...))
	}
	if !m.KeyMACs.IsZero() {
		keys, err := m.keys(n, out)
		if err != nil {
			return err
		}
		parts = append(parts, calc.Mul(append(append([]calc.Expr{calc.N(2), m.KeyMACs}, pos...), keys)...))
	}
	n.FLOPs = calc.Add(parts...)
	return check("FLOPs", n.FLOPs)
}

// keys is the number of keys each query position attends to: the query
// sequence, or input 1's for cross-attention, capped by the window.
func (m *Module) keys(n *graph.Node, out graph.Shape) (calc.Expr, error) {
	src := out
	if len(n.Inputs) > 1 {
		src = n.In(1)
		if len(src) < 2 {
			return calc.Expr{}, fmt.Errorf("%s: the keys' input %s has no sequence axis", m.what(), fmtShape(src))
		}
	}
	if len(src) < 3 {
		return calc.N(1), nil
	}
	k := src[len(src)-2].Expr()
	if m.Window > 0 {
		if v, ok := k.Value(); !ok || v > m.Window {
			n.Note("sliding window: each query sees at most %d keys", m.Window)
			if ok {
				return calc.Min(k, calc.N(m.Window)), nil
			}
		}
	}
	return k, nil
}

func (m *Module) what() string {
	if m.What == "" {
		return "module"
	}
	return m.What
}
