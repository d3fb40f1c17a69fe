package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// rnn is ONNX's recurrent family (RNN, GRU, LSTM) with Gates gates (1, 3,
// 4): X (seq, batch, I), or (batch, seq, I) with Layout 1; W (dirs, G*H, I)
// and R (dirs, G*H, H) as inputs 1 and 2. Outputs Y (seq, dirs, batch, H)
// and the final states (dirs, batch, H), batch first with Layout 1.
// FLOPs: 2*seq*batch*dirs*G*H*(I+H), the weight work of every step.
type rnn struct {
	Gates  int64
	Hidden int64 // hidden_size; 0: from R
	Layout int64
}

func (r *rnn) Infer(n *graph.Node) error {
	x, w, rr := n.In(0), n.In(1), n.In(2)
	if err := tensor.NeedRank(x, "a recurrent layer", 3); err != nil {
		return err
	}
	if err := tensor.NeedRank(w, "the input weight W", 3); err != nil {
		return err
	}
	if err := tensor.NeedRank(rr, "the recurrence weight R", 3); err != nil {
		return err
	}
	seq, batch := x[0], x[1]
	if r.Layout == 1 {
		seq, batch = x[1], x[0]
	}
	dirs, I := w[0], x[2]
	h := r.Hidden
	if h == 0 {
		if !rr[2].Known() {
			return fmt.Errorf("hidden_size is not given and R %s does not tell it", fmtDims(rr))
		}
		h = rr[2].Size
	}
	if w[1].Known() && w[1].Size != r.Gates*h {
		//lint:ignore ST1005 the message starts with the operator's (or operand's) name
		return fmt.Errorf("W %s must have %d*%d rows", fmtDims(w), r.Gates, h)
	}
	if !I.Known() {
		I = w[2]
	}
	H := graph.D(h)
	if r.Layout == 1 {
		if len(n.Outputs) > 0 {
			n.SetOut(0, graph.Shape{batch, seq, dirs, H})
		}
		for i := 1; i < len(n.Outputs); i++ {
			n.SetOut(i, graph.Shape{batch, dirs, H})
		}
	} else {
		if len(n.Outputs) > 0 {
			n.SetOut(0, graph.Shape{seq, dirs, batch, H})
		}
		for i := 1; i < len(n.Outputs); i++ {
			n.SetOut(i, graph.Shape{dirs, batch, H})
		}
	}
	n.Why("%d gates of %d units, %s directions, I = %s", r.Gates, h, dirs, I)
	n.FLOPs = tensor.FlopsDims(&batch, seq.Expr(), dirs.Expr(), calc.N(r.Gates), H.Expr(), calc.Paren(calc.Add(I.Expr(), H.Expr())))
	return nil
}
