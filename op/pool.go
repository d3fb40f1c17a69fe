package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// Rounding is how a pooling window count that does not divide evenly is
// rounded.
type Rounding int

const (
	// Floor drops a partial last window: floor((in+pb+pe-d*(k-1)-1)/s)+1.
	// PyTorch and ONNX by default, Keras 'valid', Lasagne ignore_border=True.
	Floor Rounding = iota
	// CeilClip keeps a partial last window unless it would start in the
	// end padding: ceil(…)+1, minus one if (out-1)*s >= in+pb (PyTorch
	// ceil_mode=True, ONNX ceil_mode=1).
	CeilClip
	// CeilCaffe is Caffe's pooling: ceil((in+2p-k)/s)+1, clipped as
	// CeilClip only when there is padding.
	CeilCaffe
	// KeepPartial is Theano's ignore_border=False (Lasagne): no padding;
	// ceil(in/s) when s >= k, else max(0, ceil((in-k)/s))+1.
	KeepPartial
)

// Pool is max or average pooling over the spatial axes.
type Pool struct {
	Layout   Layout
	Mode     string  // "max", "average", … (shown only)
	Kernel   []int64 // per spatial axis
	Stride   []int64 // default: the kernel (Lasagne, Keras); front-ends set 1 where that is the default
	Dilation []int64
	Pad      Padding
	Rounding Rounding
}

func (p *Pool) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 3 {
		return fmt.Errorf("pooling needs (batch, channels, spatial…) input, got %s", fmtShape(in))
	}
	nsp := len(in) - 2
	k, err := PerAxis(p.Kernel, nsp, 0)
	if err != nil {
		return fmt.Errorf("pool size: %w", err)
	}
	s, err := PerAxis(p.Stride, nsp, 0)
	if err != nil {
		return fmt.Errorf("stride: %w", err)
	}
	d, err := PerAxis(p.Dilation, nsp, 1)
	if err != nil {
		return fmt.Errorf("dilation: %w", err)
	}
	for i := range s {
		if s[i] == 0 {
			s[i] = k[i]
		}
		if k[i] <= 0 || s[i] <= 0 || d[i] <= 0 {
			return fmt.Errorf("pool size, stride and dilation must be positive, got %v, %v, %v", k, s, d)
		}
	}
	out := in.Clone()
	for i, ax := range p.Layout.spatialAxes(len(in)) {
		pb, pe, err := p.Pad.padsFor(i, nsp, in[ax], k[i], s[i], d[i])
		if err != nil {
			return err
		}
		if pb >= k[i] || pe >= k[i] {
			if p.Pad.Mode == PadExplicit {
				return fmt.Errorf("%s: padding %d+%d must be smaller than the pool size %d", axisName(i, nsp), pb, pe, k[i])
			}
		}
		e := poolLength(n.Terse(), p.Rounding, p.Pad.Mode, in[ax], k[i], s[i], d[i], pb, pe)
		if err := check(axisName(i, nsp), e); err != nil {
			return err
		}
		if v, ok := e.Value(); ok && v <= 0 {
			return fmt.Errorf("%s: %s: the pool of size %d does not fit the input of size %s", axisName(i, nsp), e.Equation(), k[i], in[ax])
		}
		out[ax] = graph.DimOf(e)
		if !n.NoArithmetic {
			n.WhyText(axisName(i, nsp) + ": " + e.Equation())
		}
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// poolLength is the pooled length along one axis under a rounding rule.
func poolLength(t calc.Terse, r Rounding, mode PadMode, in graph.Dim, k, s, d, pb, pe int64) calc.Expr {
	if mode == PadSameEnd || mode == PadSameBegin || r == Floor {
		return convLength(t, mode, in, k, s, d, pb, pe)
	}
	x := padded(false, in, pb, pe)
	var top calc.Expr // the numerator of the window count
	if d == 1 {
		top = calc.Sub(x, calc.N(k))
	} else {
		top = calc.Sub(calc.Sub(x, span(false, k, d)), calc.N(1))
	}
	switch r {
	case KeepPartial:
		if s >= k {
			return calc.Ceil(in.Expr(), calc.N(s))
		}
		return calc.Add(calc.Max(calc.N(0), calc.Ceil(calc.Sub(in.Expr(), calc.N(k)), calc.N(s))), calc.N(1))
	case CeilClip, CeilCaffe:
		out := calc.Add(calc.Ceil(top, calc.N(s)), calc.N(1))
		v, ok := out.Value()
		clip := r == CeilClip || pb > 0 || pe > 0
		if ok && clip && (v-1)*s >= in.Size+pb {
			// The last window would start in the padding: drop it.
			return calc.Sub(out, calc.N(1))
		}
		return out
	}
	return convLength(t, mode, in, k, s, d, pb, pe)
}

// GlobalPool pools every spatial axis to one value per channel.
type GlobalPool struct {
	Layout   Layout
	Mode     string
	KeepDims bool // spatial axes stay with size 1 (ONNX, Keras keepdims); otherwise (N, C)
}

func (p *GlobalPool) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 2 {
		return fmt.Errorf("global pooling needs (batch, channels, …) input, got %s", fmtShape(in))
	}
	caxis := p.Layout.channelAxis(len(in))
	if p.KeepDims {
		out := in.Clone()
		for _, ax := range p.Layout.spatialAxes(len(in)) {
			out[ax] = graph.D(1)
		}
		n.SetOut(0, out)
		n.Why("every spatial axis pooled to 1")
	} else {
		n.SetOut(0, graph.Shape{in[0], in[caxis]})
		n.Why("(batch, channels): the %d trailing axes are pooled away", len(in)-2)
	}
	zeroFLOPs(n)
	return nil
}

// Upscale repeats each spatial element Factor times along its axis.
type Upscale struct {
	Layout  Layout
	Factors []int64
}

func (u *Upscale) Infer(n *graph.Node) error {
	in := n.In(0)
	if len(in) < 3 {
		return fmt.Errorf("upscaling needs (batch, channels, spatial…) input, got %s", fmtShape(in))
	}
	nsp := len(in) - 2
	f, err := PerAxis(u.Factors, nsp, 1)
	if err != nil {
		return fmt.Errorf("scale factor: %w", err)
	}
	out := in.Clone()
	for i, ax := range u.Layout.spatialAxes(len(in)) {
		if f[i] < 1 {
			return fmt.Errorf("scale factor must be at least 1, got %d", f[i])
		}
		e := calc.Mul(in[ax].Expr(), calc.N(f[i]))
		out[ax] = graph.DimOf(e)
		if !n.NoArithmetic {
			n.WhyText(axisName(i, nsp) + ": " + e.Equation())
		}
	}
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// FeaturePool pools groups of Size consecutive entries of one axis (Lasagne
// FeaturePoolLayer, maxout).
type FeaturePool struct {
	Axis int
	Size int64
}

func (f *FeaturePool) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	ax, ok := graph.Axis(f.Axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", f.Axis, fmtShape(in))
	}
	if f.Size <= 0 {
		return fmt.Errorf("pool size must be positive, got %d", f.Size)
	}
	out := in.Clone()
	if in[ax].Known() && in[ax].Size%f.Size != 0 {
		return fmt.Errorf("axis %d has size %d, which the pool size %d does not divide", ax, in[ax].Size, f.Size)
	}
	e := calc.Div(in[ax].Expr(), calc.N(f.Size))
	out[ax] = graph.DimOf(e)
	n.Why("axis %d: %s", ax, e.Equation())
	n.SetOut(0, out)
	zeroFLOPs(n)
	return nil
}

// SpatialPyramidPool pools a (N, C, H, W) input into a fixed grid of each
// given size and concatenates them: (N, C, Σ d*d).
type SpatialPyramidPool struct {
	Dims []int64
}

func (p *SpatialPyramidPool) Infer(n *graph.Node) error {
	in := n.In(0)
	if err := needRank(in, "spatial pyramid pooling", 4); err != nil {
		return err
	}
	var terms []calc.Expr
	for _, d := range p.Dims {
		terms = append(terms, calc.Mul(calc.N(d), calc.N(d)))
	}
	e := calc.Add(terms...)
	n.SetOut(0, graph.Shape{in[0], in[1], graph.DimOf(e)})
	n.Why("bins: %s", e.Equation())
	zeroFLOPs(n)
	return nil
}
