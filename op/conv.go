package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// WeightOrder is the axis order of a convolution kernel tensor, which only
// changes how it is displayed, not its size.
type WeightOrder int

const (
	OutInKernel WeightOrder = iota // (C_out, C_in/g, k…): Lasagne Conv, PyTorch, ONNX, Caffe
	InOutKernel                    // (C_in, C_out/g, k…): transposed convs, Lasagne DilatedConv2DLayer
	KernelInOut                    // (k…, C_in/g, C_out): Keras
)

// Conv is an N-dimensional convolution, plain or transposed.
type Conv struct {
	Layout   Layout
	Filters  int64   // output channels
	Kernel   []int64 // per spatial axis (one value: every axis)
	Stride   []int64 // default 1
	Dilation []int64 // default 1
	Pad      Padding
	Groups   int64 // default 1
	Bias     bool
	// UntiedBias gives each output position its own bias (Lasagne
	// untie_biases=True): bias shape (C_out, spatial_out…).
	UntiedBias  bool
	WeightOrder WeightOrder
	WeightRole  string // name of the kernel parameter, default "W"
	BiasRole    string // default "b"

	Transposed    bool
	OutputPadding []int64 // transposed only: added to the end of each axis
	OutputSize    []int64 // transposed only: the requested output size (Lasagne output_size), overrides the formula

	// FromInputs takes the kernel from the node's inputs, as ONNX does:
	// the weight is input WeightInput (0 means 1) and gives Filters and
	// Kernel; Bias says whether a bias input is given. No parameters are
	// created: the weight and bias inputs carry them.
	FromInputs  bool
	WeightInput int
	inChannels  int64 // the channels the weight implies, used when the input's are unknown
}

func (c *Conv) Infer(n *graph.Node) error {
	if c.FromInputs {
		cc, err := c.fromInputs(n)
		if err != nil {
			return err
		}
		c = cc
	}
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 3 {
		return fmt.Errorf("a convolution needs (batch, channels, spatial…) input, got %s", fmtShape(in))
	}
	rank := len(in)
	nsp := rank - 2
	caxis := c.Layout.channelAxis(rank)
	spatial := c.Layout.spatialAxes(rank)
	if c.Filters <= 0 {
		return fmt.Errorf("the number of filters must be positive, got %d", c.Filters)
	}
	k, err := perAxis(c.Kernel, nsp, 0)
	if err != nil {
		return fmt.Errorf("filter size: %v", err)
	}
	s, err := perAxis(c.Stride, nsp, 1)
	if err != nil {
		return fmt.Errorf("stride: %v", err)
	}
	d, err := perAxis(c.Dilation, nsp, 1)
	if err != nil {
		return fmt.Errorf("dilation: %v", err)
	}
	for i := range k {
		if k[i] <= 0 || s[i] <= 0 || d[i] <= 0 {
			return fmt.Errorf("filter size, stride and dilation must be positive, got %v, %v, %v", k, s, d)
		}
	}
	g := c.Groups
	if g == 0 {
		g = 1
	}
	cin, err := known(in[caxis], "the number of input channels")
	if err != nil && c.inChannels > 0 {
		cin, err = c.inChannels, nil
	}
	if err != nil {
		return err
	}
	if cin%g != 0 || c.Filters%g != 0 {
		return fmt.Errorf("groups=%d must divide the input channels (%d) and the filters (%d)", g, cin, c.Filters)
	}

	outPad, err := perAxis(c.OutputPadding, nsp, 0)
	if err != nil {
		return fmt.Errorf("output padding: %v", err)
	}
	var want []int64
	if len(c.OutputSize) > 0 {
		if want, err = perAxis(c.OutputSize, nsp, 0); err != nil {
			return fmt.Errorf("output size: %v", err)
		}
	}

	out := in.Clone()
	out[caxis] = graph.D(c.Filters)
	if c.FromInputs {
		n.Why("channels: %d filters (the weight's)", c.Filters)
	} else {
		n.Why("channels: num_filters = %d", c.Filters)
	}
	for i, ax := range spatial {
		pb, pe, err := c.Pad.padsFor(i, nsp, in[ax], k[i], s[i], d[i])
		if err != nil {
			return err
		}
		var e calc.Expr
		if c.Transposed {
			w := int64(-1)
			if want != nil {
				w = want[i]
			}
			if e, err = transposedLength(c.Pad.Mode, in[ax], k[i], s[i], d[i], pb, pe, outPad[i], w); err != nil {
				return fmt.Errorf("%s: %v", axisName(i, nsp), err)
			}
		} else {
			e = convLength(c.Pad.Mode, in[ax], k[i], s[i], d[i], pb, pe)
		}
		if err := check(axisName(i, nsp), e); err != nil {
			return err
		}
		if v, ok := e.Value(); ok && v <= 0 {
			return fmt.Errorf("%s: %s: the filter of size %d (dilation %d) does not fit the input of size %s padded by %d+%d",
				axisName(i, nsp), e.Equation(), k[i], d[i], in[ax], pb, pe)
		}
		out[ax] = graph.DimOf(e)
		n.Why("%s: %s", axisName(i, nsp), e.Equation())
	}
	n.SetOut(0, out)

	// Parameters: each of C_out filters sees k…*C_in/g inputs, for plain
	// and transposed convolutions alike (a transposed kernel is
	// (C_in, C_out/g, k…): the same number of elements).
	kx := make([]calc.Expr, nsp)
	kshape := make(graph.Shape, nsp)
	for i := range k {
		kx[i] = calc.N(k[i])
		kshape[i] = graph.D(k[i])
	}
	fan := calc.N(cin)
	if g != 1 {
		fan = calc.Div(calc.N(cin), calc.N(g))
	}
	var wshape graph.Shape
	switch {
	case c.Transposed && c.WeightOrder == KernelInOut:
		wshape = append(kshape.Clone(), graph.S(c.Filters/g, cin)...)
	case c.Transposed:
		wshape = append(graph.S(cin, c.Filters/g), kshape...)
	case c.WeightOrder == InOutKernel:
		wshape = append(graph.S(cin/g, c.Filters), kshape...)
	case c.WeightOrder == KernelInOut:
		wshape = append(kshape.Clone(), graph.S(cin/g, c.Filters)...)
	default:
		wshape = append(graph.S(c.Filters, cin/g), kshape...)
	}
	if !c.FromInputs {
		if _, err := n.Param(roleOr(c.WeightRole, "W"), wshape, true); err != nil {
			return err
		}
	}
	perFilter := calc.Mul(append(kx, fan)...)
	n.Count = calc.Mul(perFilter, calc.N(c.Filters))
	if c.Bias {
		brole := roleOr(c.BiasRole, "b")
		if c.UntiedBias {
			bshape := graph.Shape{graph.D(c.Filters)}
			for _, ax := range spatial {
				if _, err := known(out[ax], "the output size (biases are untied)"); err != nil {
					return err
				}
				bshape = append(bshape, out[ax])
			}
			if _, err := n.Param(brole, bshape, true); err != nil {
				return err
			}
			n.Count = calc.Add(n.Count, bshape.Numel())
		} else {
			if !c.FromInputs {
				if _, err := n.Param(brole, graph.S(c.Filters), true); err != nil {
					return err
				}
			}
			n.Count = calc.Mul(calc.Paren(calc.Add(perFilter, calc.N(1))), calc.N(c.Filters))
		}
	}

	// FLOPs: k…*C_in/g*C_out multiply-adds at every output position, or
	// at every input position of a transposed convolution.
	pos := out
	if c.Transposed {
		pos = in
	}
	fl := append(kx, fan, calc.N(c.Filters))
	for _, ax := range spatial {
		fl = append(fl, pos[ax].Expr())
	}
	n.FLOPs = batchFLOPs(in[0], fl...)
	if c.FromInputs && c.Bias {
		n.OtherOps = out.Numel() // the bias additions
	}
	return nil
}

func roleOr(role, def string) string {
	if role == "" {
		return def
	}
	return role
}

// convLength is the output length of a convolution or floor-rounded
// pooling window along one axis:
// floor((in + pb + pe - d*(k-1) - 1)/s) + 1, written as simply as the
// values allow ("28-(5-1)" when stride is 1 and there is no padding).
func convLength(mode PadMode, in graph.Dim, k, s, d, pb, pe int64) calc.Expr {
	if mode == PadSameEnd || mode == PadSameBegin {
		if s == 1 {
			return in.Expr()
		}
		return calc.Ceil(in.Expr(), calc.N(s))
	}
	x := padded(in, pb, pe)
	if s == 1 {
		return calc.Sub(x, span(k, d))
	}
	if d == 1 {
		return calc.Add(calc.Floor(calc.Sub(x, calc.N(k)), calc.N(s)), calc.N(1))
	}
	return calc.Add(calc.Floor(calc.Sub(calc.Sub(x, span(k, d)), calc.N(1)), calc.N(s)), calc.N(1))
}

// transposedLength is the output length of a transposed convolution,
// (in-1)*s - pb - pe + d*(k-1) + 1 + output_padding, or the requested
// size want (≥ 0) checked against what the stride can reach.
func transposedLength(mode PadMode, in graph.Dim, k, s, d, pb, pe, opad, want int64) (calc.Expr, error) {
	if want >= 0 {
		if in.Known() {
			min := (in.Size-1)*s - pb - pe + d*(k-1) + 1
			if want < min || want >= min+s {
				return calc.Expr{}, fmt.Errorf("output_size %d is not reachable from input size %d: it must lie in [%d, %d]", want, in.Size, min, min+s-1)
			}
		}
		return calc.Label(calc.N(want), fmt.Sprintf("output_size %d", want)), nil
	}
	if mode == PadSameEnd || mode == PadSameBegin {
		return calc.Mul(in.Expr(), calc.N(s)), nil
	}
	x := calc.Mul(calc.Paren(calc.Sub(in.Expr(), calc.N(1))), calc.N(s))
	switch {
	case pb == 0 && pe == 0:
	case pb == pe:
		x = calc.Sub(x, calc.Mul(calc.N(2), calc.N(pb)))
	default:
		x = calc.Sub(calc.Sub(x, calc.N(pb)), calc.N(pe))
	}
	if d == 1 {
		x = calc.Add(x, calc.N(k))
	} else {
		x = calc.Add(x, span(k, d), calc.N(1))
	}
	if opad != 0 {
		x = calc.Add(x, calc.N(opad))
	}
	return x, nil
}

// LocallyConnected is a 2D convolution with 'same' padding and stride 1
// whose filters are not shared across positions: every output position
// has its own (Lasagne LocallyConnected2DLayer). Channelwise gives each
// channel its own filter (Filters must equal the input channels).
type LocallyConnected struct {
	Filters     int64
	Kernel      []int64
	Bias        bool
	UntiedBias  bool
	Channelwise bool
}

func (c *LocallyConnected) Infer(n *graph.Node) error {
	in := n.In(0)
	if err := needRank(in, "a locally connected layer", 4); err != nil {
		return err
	}
	k, err := perAxis(c.Kernel, 2, 0)
	if err != nil {
		return fmt.Errorf("filter size: %v", err)
	}
	cin, err := known(in[1], "the number of input channels")
	if err != nil {
		return err
	}
	h, err := known(in[2], "the input height")
	if err != nil {
		return err
	}
	w, err := known(in[3], "the input width")
	if err != nil {
		return err
	}
	if c.Channelwise && c.Filters != cin {
		return fmt.Errorf("num_filters (%d) must equal the input channels (%d) when channelwise", c.Filters, cin)
	}
	n.SetOut(0, graph.Shape{in[0], graph.D(c.Filters), in[2], in[3]})
	n.Why("channels: num_filters = %d; height and width unchanged ('same' padding, stride 1)", c.Filters)
	var wshape graph.Shape
	per := []calc.Expr{calc.N(c.Filters)}
	if c.Channelwise {
		wshape = graph.S(c.Filters, k[0], k[1], h, w)
	} else {
		wshape = graph.S(c.Filters, cin, k[0], k[1], h, w)
		per = append(per, calc.N(cin))
	}
	per = append(per, calc.N(k[0]), calc.N(k[1]), calc.N(h), calc.N(w))
	if _, err := n.Param("W", wshape, true); err != nil {
		return err
	}
	n.Count = calc.Mul(per...)
	if c.Bias {
		bshape := graph.S(c.Filters)
		if c.UntiedBias {
			bshape = graph.S(c.Filters, h, w)
		}
		if _, err := n.Param("b", bshape, true); err != nil {
			return err
		}
		n.Count = calc.Add(n.Count, bshape.Numel())
	}
	n.FLOPs = batchFLOPs(in[0], per...)
	return nil
}
