package onnx

import (
	"fmt"
	"math/bits"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// The signal operators of opset 17: the window functions, DFT (changed
// in opset 20: the axis became input 2), STFT and MelWeightMatrix.
//
// FLOPs of a transform follow the radix-2 FFT convention: 5·N·⌈log2 N⌉
// per transform of length N (a complex FFT's multiplies and adds, the
// count usually quoted for FFT work), whatever N and whether the signal
// is real or complex; --explain names it.

func init() {
	window := func(cost int64) maker {
		return func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &windowOp{dtype: dtypeOrFloat(nd.attrInt("output_datatype", 1)), cost: cost}, 1
		}
	}
	register("", map[string]maker{
		"HannWindow":     window(1), // one cosine term per element
		"HammingWindow":  window(1),
		"BlackmanWindow": window(2), // two cosine terms
		"DFT": func(_ *builder, nd *Node, opset int64) (graph.Op, int) {
			d := &dftOp{inverse: nd.attrInt("inverse", 0) != 0, onesided: nd.attrInt("onesided", 0) != 0, axis: -2, axisInput: true}
			if opset < 20 {
				d.axis, d.axisInput = nd.attrInt("axis", 1), false
			}
			return d, 1
		},
		"STFT": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &stftOp{onesided: nd.attrInt("onesided", 1) != 0}, 2
		},
		"MelWeightMatrix": func(_ *builder, nd *Node, _ int64) (graph.Op, int) {
			return &melOp{dtype: dtypeOrFloat(nd.attrInt("output_datatype", 1))}, 5
		},
	})
}

// fftFLOPs is 5·N·⌈log2 N⌉ per transform, times the transforms.
func fftFLOPs(n *graph.Node, length graph.Dim, transforms calc.Expr) {
	if !length.Known() {
		n.FLOPs = calc.Mul(calc.N(5), length.Expr(), transforms) // unknown
		return
	}
	lg := int64(0)
	if length.Size > 1 {
		lg = int64(bits.Len64(uint64(length.Size - 1))) // ⌈log2 N⌉
	}
	n.FLOPs = calc.Mul(calc.Label(calc.Mul(calc.N(5), calc.N(length.Size), calc.N(lg)), fmt.Sprintf("5·%d·%d", length.Size, lg)), transforms)
	n.Why("FLOPs: 5·N·⌈log2 N⌉ per transform (radix-2 FFT convention), N = %d: 5·%d·%d = %d, × %s transforms", length.Size, length.Size, lg, 5*length.Size*lg, transforms)
}

// perExample leaves out an unknown leading batch axis: FLOPs are then
// per example, as for the other ops.
func perExample(s graph.Shape) graph.Shape {
	if len(s) > 0 && !s[0].Known() {
		return s[1:]
	}
	return s
}

// windowOp is HannWindow, HammingWindow and BlackmanWindow: a 1-D tensor
// of the length input 0 holds.
type windowOp struct {
	dtype graph.DType
	cost  int64
}

func (w *windowOp) Infer(n *graph.Node) error {
	size := graph.Unknown()
	if k, ok := constIntInput(n, 0); ok {
		if k < 0 {
			return fmt.Errorf("the window size %d is negative", k)
		}
		size = graph.D(k)
		n.Why("length %d (input size)", k)
	} else {
		n.Why("the size is not a constant: length unknown")
	}
	out := graph.Shape{size}
	setOut(n, 0, out, w.dtype)
	otherOps(n, w.cost, out)
	noFLOPs(n)
	return nil
}

// dftOp transforms a signal (batch, n1, …, nk, 1 or 2) along one axis:
// the output has that axis of length dft_length (input 1, or the
// input's), halved plus one when onesided, and a last axis of 2.
type dftOp struct {
	inverse, onesided bool
	axis              int64
	axisInput         bool // opset 20: the axis is input 2
}

func (d *dftOp) Infer(n *graph.Node) error {
	x := n.In(0)
	if err := needRank(x, "the signal", 2); err != nil {
		return err
	}
	if last := x[len(x)-1]; last.Known() && last.Size != 1 && last.Size != 2 {
		return fmt.Errorf("the signal's last axis is %d, not 1 (real) or 2 (complex)", last.Size)
	}
	axis := d.axis
	if d.axisInput && inputAt(n, 2) != nil {
		a, ok := constIntInput(n, 2)
		if !ok {
			out := unknownDims(len(x))
			out[len(out)-1] = graph.D(2)
			setOut(n, 0, out, "")
			n.Why("the axis is not a constant: the transformed axis is unknown")
			n.FLOPs = calc.Sym("?")
			return nil
		}
		axis = a
	}
	ax, err := normAxis(axis, len(x))
	if err != nil {
		return err
	}
	if ax == 0 || ax == len(x)-1 {
		return fmt.Errorf("axis %d is the batch or the complex axis of the signal %s", axis, fmtDims(x))
	}
	length := x[ax]
	if inputAt(n, 1) != nil {
		if k, ok := constIntInput(n, 1); ok {
			if k < 1 {
				return fmt.Errorf("dft_length %d is not positive", k)
			}
			length = graph.D(k)
		} else {
			length = graph.Unknown()
		}
	}
	if d.onesided && d.inverse {
		return fmt.Errorf("onesided and inverse are both set")
	}
	out := x.Clone()
	out[len(out)-1] = graph.D(2)
	out[ax] = length
	if d.onesided && length.Known() {
		out[ax] = graph.D(length.Size/2 + 1)
		n.Why("onesided: axis %d = %d/2+1 = %d", ax, length.Size, out[ax].Size)
	} else if d.onesided {
		out[ax] = graph.Unknown()
	}
	setOut(n, 0, out, "")
	// One transform per position of the other axes (the complex axis
	// aside).
	rest := x[:len(x)-1].Clone()
	rest = append(rest[:ax], rest[ax+1:]...)
	fftFLOPs(n, length, perExample(rest).Numel())
	return nil
}

// stftOp is STFT: signal (batch, length, 1 or 2), frame_step (input 1),
// window (input 2) and frame_length (input 3), at least one of the last
// two; output (batch, frames, bins, 2), frames = ⌊(length −
// frame_length)/frame_step⌋ + 1, bins = ⌊frame_length/2⌋ + 1 when
// onesided, else frame_length.
type stftOp struct{ onesided bool }

func (s *stftOp) Infer(n *graph.Node) error {
	x := n.In(0)
	if err := needRank(x, "the signal", 3); err != nil {
		return err
	}
	if len(x) != 3 {
		return fmt.Errorf("the signal %s must be (batch, length, 1 or 2)", fmtDims(x))
	}
	frame := graph.Unknown()
	switch {
	case inputAt(n, 3) != nil:
		if k, ok := constIntInput(n, 3); ok {
			frame = graph.D(k)
		}
	case inputAt(n, 2) != nil:
		w := n.In(2)
		if len(w) != 1 {
			return fmt.Errorf("the window %s is not 1-D", fmtDims(w))
		}
		frame = w[0]
	}
	step := graph.Unknown()
	if k, ok := constIntInput(n, 1); ok {
		if k < 1 {
			return fmt.Errorf("frame_step %d is not positive", k)
		}
		step = graph.D(k)
	}
	frames := graph.Unknown()
	if frame.Known() && step.Known() && x[1].Known() {
		if frame.Size < 1 || frame.Size > x[1].Size {
			return fmt.Errorf("frame_length %d does not fit the signal's length %d", frame.Size, x[1].Size)
		}
		frames = graph.D((x[1].Size-frame.Size)/step.Size + 1)
		n.Why("frames = ⌊(%d-%d)/%d⌋+1 = %d", x[1].Size, frame.Size, step.Size, frames.Size)
	}
	bins := frame
	if s.onesided && frame.Known() {
		bins = graph.D(frame.Size/2 + 1)
		n.Why("onesided: bins = %d/2+1 = %d", frame.Size, bins.Size)
	} else if s.onesided {
		bins = graph.Unknown()
	}
	out := graph.Shape{x[0], frames, bins, graph.D(2)}
	setOut(n, 0, out, "")
	fftFLOPs(n, frame, perExample(graph.Shape{x[0], frames}).Numel())
	if inputAt(n, 2) != nil { // the window's multiply
		n.OtherOps = graph.Shape{x[0], frames, frame}.Numel()
	}
	return nil
}

// melOp is MelWeightMatrix: (⌊dft_length/2⌋+1, num_mel_bins), from inputs
// num_mel_bins (0) and dft_length (1).
type melOp struct{ dtype graph.DType }

func (m *melOp) Infer(n *graph.Node) error {
	bins, dft := graph.Unknown(), graph.Unknown()
	if k, ok := constIntInput(n, 0); ok {
		if k < 1 {
			return fmt.Errorf("num_mel_bins %d is not positive", k)
		}
		bins = graph.D(k)
	}
	if k, ok := constIntInput(n, 1); ok {
		if k < 1 {
			return fmt.Errorf("dft_length %d is not positive", k)
		}
		dft = graph.D(k/2 + 1)
		n.Why("rows ⌊%d/2⌋+1 = %d", k, dft.Size)
	}
	out := graph.Shape{dft, bins}
	setOut(n, 0, out, m.dtype)
	otherOps(n, 1, out)
	noFLOPs(n)
	return nil
}
