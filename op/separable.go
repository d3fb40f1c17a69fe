package op

import (
	"fmt"
	"slices"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// DepthwiseConv convolves each input channel with Multiplier filters of
// its own: Keras DepthwiseConv1D/2D, or a PyTorch Conv with groups =
// in_channels and out_channels = multiplier*in_channels. Its filters and
// groups follow from the input's channels, which a front-end may not know
// when it builds the graph; the rest is Conv.
type DepthwiseConv struct {
	Conv       Conv  // Filters and Groups are ignored: set from the input
	Multiplier int64 // filters per input channel; 0 means 1
}

func (d *DepthwiseConv) Infer(n *graph.Node) error {
	c, err := d.conv(n)
	if err != nil {
		return err
	}
	if err := c.Infer(n); err != nil {
		return err
	}
	// Conv shows k…*(C_in/g)*C_out with g = C_in; say it as a depthwise
	// convolution does: k…*C_in*m (+ C_in*m). The kernel keeps Conv's
	// shape, (k…, 1, C_in*m) or (C_in*m, 1, k…), so that sharing it
	// compares like with like.
	in, out := n.In(0), n.Outputs[0].Shape
	caxis := c.Layout.channelAxis(len(in))
	cin, m := in[caxis].Size, c.Filters/in[caxis].Size
	var kx []calc.Expr
	for _, k := range c.Kernel {
		kx = append(kx, calc.N(k))
	}
	nsp := len(in) - 2
	if len(kx) == 1 && nsp > 1 {
		for len(kx) < nsp {
			kx = append(kx, kx[0])
		}
	}
	per := append(slices.Clone(kx), calc.N(cin), calc.N(m))
	count := calc.Mul(per...)
	if c.Bias {
		count = calc.Add(count, calc.Mul(calc.N(cin), calc.N(m)))
	}
	if v, ok := count.Value(); ok {
		if w, ok := n.Count.Value(); ok && v == w {
			n.Count = count
		}
	}
	fl := slices.Clone(per)
	for _, ax := range c.Layout.spatialAxes(len(out)) {
		fl = append(fl, out[ax].Expr())
	}
	if f := batchFLOPs(in[0], fl...); f.Known() {
		if w, ok := n.FLOPs.Value(); ok {
			if v, _ := f.Value(); v == w {
				n.FLOPs = f
			}
		}
	}
	return nil
}

// conv is the plain convolution this depthwise one is for n's input.
func (d *DepthwiseConv) conv(n *graph.Node) (*Conv, error) {
	in := n.In(0)
	if in == nil {
		return nil, fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 3 {
		return nil, fmt.Errorf("a convolution needs (batch, channels, spatial…) input, got %s", fmtShape(in))
	}
	m := d.Multiplier
	if m == 0 {
		m = 1
	}
	if m < 0 {
		return nil, fmt.Errorf("the depth multiplier must be positive, got %d", m)
	}
	cin, err := known(in[d.Conv.Layout.channelAxis(len(in))], "the number of input channels")
	if err != nil {
		return nil, err
	}
	if cin == 0 {
		return nil, fmt.Errorf("the input has no channels")
	}
	f := calc.Mul(calc.N(cin), calc.N(m))
	if err := check("filters", f); err != nil {
		return nil, err
	}
	c := d.Conv
	c.Filters, _ = f.Value()
	c.Groups = cin
	return &c, nil
}

// SeparableConv is a depthwise convolution (Multiplier filters per input
// channel, no bias) followed by a pointwise 1×1 convolution to Filters
// channels with the bias (Keras SeparableConv1D/2D):
// k…*C_in*m + C_in*m*C_out + C_out parameters. The kernels are
// "depthwise_kernel" and "pointwise_kernel", the bias "bias".
type SeparableConv struct {
	Layout      Layout
	Filters     int64
	Kernel      []int64 // per spatial axis (one value: every axis)
	Stride      []int64 // of the depthwise step; default 1
	Dilation    []int64 // of the depthwise step; default 1
	Pad         Padding // of the depthwise step
	Multiplier  int64   // 0 means 1
	Bias        bool
	WeightOrder WeightOrder
}

func (s *SeparableConv) Infer(n *graph.Node) error {
	dw := &DepthwiseConv{Multiplier: s.Multiplier, Conv: Conv{
		Layout: s.Layout, Kernel: s.Kernel, Stride: s.Stride, Dilation: s.Dilation, Pad: s.Pad,
		WeightOrder: s.WeightOrder, WeightRole: "depthwise_kernel",
	}}
	// The two steps run on stand-in nodes that share n's inputs, outputs
	// and weight sharing, so each is exactly the Conv it describes.
	mid := &graph.Node{Name: n.Name, Type: n.Type, Inputs: n.Inputs, Pos: n.Pos, NoArithmetic: n.NoArithmetic}
	sharesOf(mid, n)
	mid.Outputs = []*graph.Value{{Name: n.Name + ":depthwise", Producer: mid}}
	if err := dw.Infer(mid); err != nil {
		return fmt.Errorf("depthwise step: %w", err)
	}
	pw := &Conv{Layout: s.Layout, Filters: s.Filters, Kernel: []int64{1}, Bias: s.Bias,
		WeightOrder: s.WeightOrder, WeightRole: "pointwise_kernel", BiasRole: "bias"}
	last := &graph.Node{Name: n.Name, Type: n.Type, Inputs: mid.Outputs, Outputs: n.Outputs, Pos: n.Pos, NoArithmetic: n.NoArithmetic}
	sharesOf(last, n)
	if err := pw.Infer(last); err != nil {
		return fmt.Errorf("pointwise step: %w", err)
	}
	n.Params = append(append(n.Params, mid.Params...), last.Params...)
	n.Count = calc.Add(mid.Count, last.Count)
	n.FLOPs = calc.Add(mid.FLOPs, last.FLOPs)
	for _, w := range mid.ShapeWhy() {
		n.Why("depthwise %s", w)
	}
	n.Why("pointwise 1×1 to %d channels", s.Filters)
	n.AddNotes(mid.Notes()...)
	n.AddNotes(last.Notes()...)
	return nil
}

// sharesOf gives to the parameters n takes from other nodes.
func sharesOf(to, n *graph.Node) {
	for role, r := range n.Shares() {
		to.Share(role, r)
	}
}
