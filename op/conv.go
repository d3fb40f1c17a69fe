package op

import (
	"fmt"
	"slices"
	"strconv"

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

	// WeightsGiven says the kernel and bias are the node's inputs, whose
	// parameters the front-end attached (a graph of tensors, as ONNX and
	// a traced PyTorch model are): Conv creates no parameters, counts
	// them as the layer would, and counts the bias additions in OtherOps
	// as for any elementwise addition of such a graph. A front-end that
	// reads Filters and Kernel from the weight's shape sets InChannels
	// too, used when the input's channels are unknown.
	WeightsGiven bool
	InChannels   int64
}

// convGeom is a convolution's attributes resolved against its input: one
// value per spatial axis.
type convGeom struct {
	caxis   int   // the channel axis
	spatial []int // the spatial axes
	k, s, d []int64
	outPad  []int64
	want    []int64 // the requested output size, nil when none
	g, cin  int64
}

// geomBuf holds a convGeom's per-axis values for up to 3 spatial axes,
// so that the usual convolution allocates none of them.
type geomBuf struct {
	axes [3]int
	vals [4][3]int64
}

func (c *Conv) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 3 {
		return fmt.Errorf("a convolution needs (batch, channels, spatial…) input, got %s", fmtShape(in))
	}
	var buf geomBuf
	geo, err := c.geometry(in, &buf)
	if err != nil {
		return err
	}
	out, err := c.outShape(n, in, &geo)
	if err != nil {
		return err
	}
	n.SetOut(0, out)
	if err := c.params(n, &geo, out); err != nil {
		return err
	}
	c.flops(n, &geo, in, out)
	return nil
}

// geometry checks and expands the attributes for input in, using buf's
// storage where it fits.
func (c *Conv) geometry(in graph.Shape, buf *geomBuf) (convGeom, error) {
	var geo convGeom
	rank := len(in)
	nsp := rank - 2
	geo.caxis = c.Layout.channelAxis(rank)
	geo.spatial = c.Layout.appendSpatialAxes(buf.axes[:0], rank)
	if c.Filters <= 0 {
		return geo, fmt.Errorf("the number of filters must be positive, got %d", c.Filters)
	}
	var err error
	if geo.k, err = perAxisInto(buf.vals[0][:], c.Kernel, nsp, 0); err != nil {
		return geo, fmt.Errorf("filter size: %w", err)
	}
	if geo.s, err = perAxisInto(buf.vals[1][:], c.Stride, nsp, 1); err != nil {
		return geo, fmt.Errorf("stride: %w", err)
	}
	if geo.d, err = perAxisInto(buf.vals[2][:], c.Dilation, nsp, 1); err != nil {
		return geo, fmt.Errorf("dilation: %w", err)
	}
	for i := range geo.k {
		if geo.k[i] <= 0 || geo.s[i] <= 0 || geo.d[i] <= 0 {
			return geo, fmt.Errorf("filter size, stride and dilation must be positive, got %v, %v, %v",
				slices.Clone(geo.k), slices.Clone(geo.s), slices.Clone(geo.d))
		}
	}
	geo.g = c.Groups
	if geo.g == 0 {
		geo.g = 1
	}
	if d := in[geo.caxis]; d.Known() {
		geo.cin = d.Size
	} else if c.InChannels > 0 {
		geo.cin = c.InChannels
	} else {
		_, err := known(d, "the number of input channels")
		return geo, err
	}
	if geo.cin%geo.g != 0 || c.Filters%geo.g != 0 {
		return geo, fmt.Errorf("groups=%d must divide the input channels (%d) and the filters (%d)", geo.g, geo.cin, c.Filters)
	}
	if geo.outPad, err = perAxisInto(buf.vals[3][:], c.OutputPadding, nsp, 0); err != nil {
		return geo, fmt.Errorf("output padding: %w", err)
	}
	if len(c.OutputSize) > 0 {
		if geo.want, err = PerAxis(c.OutputSize, nsp, 0); err != nil {
			return geo, fmt.Errorf("output size: %w", err)
		}
	}
	return geo, nil
}

// outShape is the output shape, each spatial length with its arithmetic.
func (c *Conv) outShape(n *graph.Node, in graph.Shape, geo *convGeom) (graph.Shape, error) {
	nsp := len(geo.spatial)
	t := n.Terse()
	// Worked out on the stack: a convolution that keeps its input's shape
	// (same padding, as many filters as channels) gives its input's
	// dims, read-only as every inferred shape, not a copy.
	var buf [8]graph.Dim
	out := graph.Shape(append(buf[:0], in...))
	out[geo.caxis] = graph.D(c.Filters)
	if !n.NoArithmetic {
		if n.ShapeWhy() == nil {
			n.SetShapeWhy(make([]string, 0, 1+nsp)) // the channels, then each spatial axis
		}
		if c.WeightsGiven {
			n.WhyText("channels: " + strconv.FormatInt(c.Filters, 10) + " filters (the weight's)")
		} else {
			n.WhyText("channels: num_filters = " + strconv.FormatInt(c.Filters, 10))
		}
	}
	for i, ax := range geo.spatial {
		k, s, d := geo.k[i], geo.s[i], geo.d[i]
		pb, pe, err := c.Pad.padsFor(i, nsp, in[ax], k, s, d)
		if err != nil {
			return nil, err
		}
		var e calc.Expr
		if c.Transposed {
			w := int64(-1)
			if geo.want != nil {
				w = geo.want[i]
			}
			if e, err = transposedLength(c.Pad.Mode, in[ax], k, s, d, pb, pe, geo.outPad[i], w); err != nil {
				return nil, fmt.Errorf("%s: %w", axisName(i, nsp), err)
			}
		} else {
			e = convLength(t, c.Pad.Mode, in[ax], k, s, d, pb, pe)
		}
		if err := check(axisName(i, nsp), e); err != nil {
			return nil, err
		}
		if v, ok := e.Value(); ok && v <= 0 {
			return nil, fmt.Errorf("%s: %s: the filter of size %d (dilation %d) does not fit the input of size %s padded by %d+%d",
				axisName(i, nsp), e.Equation(), k, d, in[ax], pb, pe)
		}
		out[ax] = graph.DimOf(e)
		if !n.NoArithmetic {
			n.WhyText(axisName(i, nsp) + ": " + e.Equation())
		}
	}
	if out.Equal(in) {
		return in[:len(in):len(in)], nil
	}
	return n.Arena.Clone(out), nil
}

// params creates the kernel and bias (unless given) and counts them:
// each of C_out filters sees k…*C_in/g inputs, for plain and transposed
// convolutions alike (a transposed kernel is (C_in, C_out/g, k…): the
// same number of elements).
func (c *Conv) params(n *graph.Node, geo *convGeom, out graph.Shape) error {
	cin, g := geo.cin, geo.g
	t := n.Terse()
	if !c.WeightsGiven {
		if _, err := n.Param(roleOr(c.WeightRole, "W"), c.weightShape(geo), true); err != nil {
			return err
		}
	}
	var buf [8]calc.Expr
	perFilter := t.Mul(append(appendKernel(buf[:0], geo.k), fanIn(t, cin, g))...)
	n.Count = t.Mul(perFilter, calc.N(c.Filters))
	if !c.Bias {
		return nil
	}
	brole := roleOr(c.BiasRole, "b")
	if c.UntiedBias {
		bshape := graph.Shape{graph.D(c.Filters)}
		for _, ax := range geo.spatial {
			if _, err := known(out[ax], "the output size (biases are untied)"); err != nil {
				return err
			}
			bshape = append(bshape, out[ax])
		}
		if _, err := n.Param(brole, bshape, true); err != nil {
			return err
		}
		n.Count = calc.Add(n.Count, bshape.Numel())
		return nil
	}
	if !c.WeightsGiven {
		if _, err := n.Param(brole, graph.S(c.Filters), true); err != nil {
			return err
		}
	}
	n.Count = t.Mul(calc.Paren(t.Add(perFilter, calc.N(1))), calc.N(c.Filters))
	return nil
}

// weightShape is the kernel's shape in the WeightOrder.
func (c *Conv) weightShape(geo *convGeom) graph.Shape {
	cin, g := geo.cin, geo.g
	kshape := make(graph.Shape, len(geo.k))
	for i, k := range geo.k {
		kshape[i] = graph.D(k)
	}
	switch {
	case c.Transposed && c.WeightOrder == KernelInOut:
		return append(kshape.Clone(), graph.S(c.Filters/g, cin)...)
	case c.Transposed:
		return append(graph.S(cin, c.Filters/g), kshape...)
	case c.WeightOrder == InOutKernel:
		return append(graph.S(cin/g, c.Filters), kshape...)
	case c.WeightOrder == KernelInOut:
		return append(kshape.Clone(), graph.S(cin/g, c.Filters)...)
	}
	return append(graph.S(c.Filters, cin/g), kshape...)
}

// flops counts k…*C_in/g*C_out multiply-adds at every output position,
// or at every input position of a transposed convolution.
func (c *Conv) flops(n *graph.Node, geo *convGeom, in, out graph.Shape) {
	pos := out
	if c.Transposed {
		pos = in
	}
	t := n.Terse()
	var buf [12]calc.Expr
	fl := append(appendKernel(buf[:0], geo.k), fanIn(t, geo.cin, geo.g), calc.N(c.Filters))
	for _, ax := range geo.spatial {
		fl = append(fl, pos[ax].Expr())
	}
	n.FLOPs = batchFLOPsWith(t, in[0], fl...)
	if c.WeightsGiven && c.Bias {
		n.OtherOps = out.NumelWith(t) // the bias additions
	}
}

// appendKernel appends the kernel sizes as expressions.
func appendKernel(xs []calc.Expr, k []int64) []calc.Expr {
	for _, v := range k {
		xs = append(xs, calc.N(v))
	}
	return xs
}

// fanIn is the input channels each filter sees: C_in, or C_in/g.
func fanIn(t calc.Terse, cin, g int64) calc.Expr {
	if g != 1 {
		return t.Div(calc.N(cin), calc.N(g))
	}
	return calc.N(cin)
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
func convLength(t calc.Terse, mode PadMode, in graph.Dim, k, s, d, pb, pe int64) calc.Expr {
	if mode == PadSameEnd || mode == PadSameBegin {
		if s == 1 {
			return in.Expr()
		}
		return t.Ceil(in.Expr(), calc.N(s))
	}
	x := padded(t, in, pb, pe)
	if s == 1 {
		return t.Sub(x, span(t, k, d))
	}
	if d == 1 {
		return t.Add(t.Floor(t.Sub(x, calc.N(k)), calc.N(s)), calc.N(1))
	}
	return t.Add(t.Floor(t.Sub(t.Sub(x, span(t, k, d)), calc.N(1)), calc.N(s)), calc.N(1))
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
		x = calc.Add(x, span(false, k, d), calc.N(1))
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
	k, err := PerAxis(c.Kernel, 2, 0)
	if err != nil {
		return fmt.Errorf("filter size: %w", err)
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
