package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// This file holds ONNX's convolution conventions: auto_pad and pads, the
// kernel read from the weight input, and ConvTranspose's output_shape.

// padding reads auto_pad and pads.
func padding(nd *Node) (op.Padding, error) {
	switch ap := nd.attrString("auto_pad", "NOTSET"); ap {
	case "SAME_UPPER":
		return op.Padding{Mode: op.PadSameEnd}, nil
	case "SAME_LOWER":
		return op.Padding{Mode: op.PadSameBegin}, nil
	case "VALID":
		return op.Padding{Mode: op.PadValid}, nil
	case "NOTSET", "":
		pads := nd.attrInts("pads")
		if len(pads)%2 != 0 {
			return op.Padding{}, fmt.Errorf("pads %v must have a begin and an end per spatial axis", pads)
		}
		k := len(pads) / 2
		return op.Padding{Mode: op.PadExplicit, Begin: pads[:k], End: pads[k:]}, nil
	default:
		return op.Padding{}, fmt.Errorf("auto_pad %q is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap)
	}
}

// makeConv is the op of a Conv, ConvTranspose, ConvInteger or QLinearConv
// node and the number of inputs it needs.
func makeConv(nd *Node) (graph.Op, int) {
	min := 2
	if nd.OpType == "QLinearConv" {
		min = 8
	}
	pad, err := padding(nd)
	if err != nil {
		return errOp{err}, min
	}
	c := &conv{Conv: op.Conv{WeightsGiven: true, Groups: nd.attrInt("group", 1), Kernel: nd.attrInts("kernel_shape"),
		Stride: nd.attrInts("strides"), Dilation: nd.attrInts("dilations"), Pad: pad}, weight: 1}
	switch nd.OpType {
	case "ConvTranspose":
		c.Transposed = true
		c.OutputPadding = nd.attrInts("output_padding")
		c.OutputSize = nd.attrInts("output_shape")
	case "QLinearConv":
		// x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
		// y_zero_point, then the bias.
		c.weight = 3
		c.Bias = len(nd.Inputs) > 8 && nd.Inputs[8] != ""
		return c, min
	case "ConvInteger":
		return c, min
	}
	c.Bias = len(nd.Inputs) > 2 && nd.Inputs[2] != ""
	return c, 2
}

// conv is an ONNX convolution. ONNX states no filter count: the kernel is
// the weight input, (C_out, C_in/g, k…), or (C_in, C_out/g, k…) when
// transposed, read when the node is inferred (the weight may be computed,
// a DequantizeLinear of an int8 initializer). The weight and bias inputs
// carry the parameters: op.Conv creates none (WeightsGiven).
type conv struct {
	op.Conv     // the node's attributes; Filters, Kernel and InChannels come from the weight
	weight  int // the weight's input index
}

func (c *conv) Infer(n *graph.Node) error {
	var cc op.Conv
	if err := c.fromWeight(n, &cc); err != nil {
		return err
	}
	return cc.Infer(n)
}

// fromWeight sets cc to the op.Conv for node n with the kernel taken from
// the weight input.
func (c *conv) fromWeight(n *graph.Node, cc *op.Conv) error {
	w := n.In(c.weight)
	if w == nil {
		return fmt.Errorf("the weight (input %d) is missing", c.weight)
	}
	if len(w) < 3 {
		return fmt.Errorf("the weight %s must have (out, in, kernel…) axes", fmtDims(w))
	}
	for a, d := range w {
		if !d.Known() {
			return fmt.Errorf("axis %d of the weight %s must be known", a, fmtDims(w))
		}
	}
	if in := n.In(0); in != nil && len(in) != len(w) {
		return fmt.Errorf("input %s and weight %s have different ranks", fmtDims(in), fmtDims(w))
	}
	g := c.Groups
	if g <= 0 {
		g = 1
	}
	*cc = c.Conv
	cc.Layout = op.ChannelsFirst
	if c.Transposed {
		cc.Filters, cc.InChannels = w[1].Size*g, w[0].Size
	} else {
		cc.Filters, cc.InChannels = w[0].Size, w[1].Size*g
	}
	// The kernel_shape attribute, when given, must be the weight's; then
	// it serves as the kernel as it is.
	same := len(c.Kernel) == len(w)-2
	for i := 0; same && i < len(c.Kernel); i++ {
		same = c.Kernel[i] == w[2+i].Size
	}
	if !same {
		k := make([]int64, len(w)-2)
		for i, d := range w[2:] {
			k[i] = d.Size
		}
		if len(c.Kernel) > 0 {
			return fmt.Errorf("kernel_shape %v differs from the weight's %v", c.Kernel, k)
		}
		cc.Kernel = k
	}
	if c.Transposed && len(c.OutputSize) > 0 {
		if err := outputShape(cc, n.In(0)); err != nil {
			return err
		}
	}
	if in := n.In(0); in != nil && in[1].Known() && in[1].Size != cc.InChannels {
		if c.Transposed {
			return fmt.Errorf("the input has %d channels but the weight %s expects %d", in[1].Size, fmtDims(w), cc.InChannels)
		}
		return fmt.Errorf("the input has %d channels but the weight %s with group=%d expects %d", in[1].Size, fmtDims(w), g, cc.InChannels)
	}
	return nil
}

// outputShape applies ConvTranspose's output_shape: the padding is
// whatever makes the output that size, split between the ends as auto_pad
// says (the odd one at the end for SAME_UPPER, at the start otherwise).
func outputShape(c *op.Conv, in graph.Shape) error {
	nsp := len(c.Kernel)
	want := c.OutputSize
	if len(want) > nsp {
		want = want[len(want)-nsp:] // the whole shape was given
	}
	if len(want) != nsp {
		return fmt.Errorf("output_shape %v has %d entries for %d spatial axes", c.OutputSize, len(want), nsp)
	}
	s, err := op.PerAxis(c.Stride, nsp, 1)
	if err != nil {
		return fmt.Errorf("stride: %w", err)
	}
	d, err := op.PerAxis(c.Dilation, nsp, 1)
	if err != nil {
		return fmt.Errorf("dilation: %w", err)
	}
	opad, err := op.PerAxis(c.OutputPadding, nsp, 0)
	if err != nil {
		return fmt.Errorf("output padding: %w", err)
	}
	c.OutputSize = want
	if in == nil || len(in) != nsp+2 {
		return nil
	}
	pb, pe := make([]int64, nsp), make([]int64, nsp)
	for i := range want {
		x := in[2+i]
		if !x.Known() {
			c.Pad = op.Padding{}
			return nil // the output is want; the padding cannot be told
		}
		total := s[i]*(x.Size-1) + opad[i] + (c.Kernel[i]-1)*d[i] + 1 - want[i]
		if c.Pad.Mode == op.PadSameEnd {
			pb[i], pe[i] = total/2, total-total/2
		} else {
			pb[i], pe[i] = total-total/2, total/2
		}
	}
	c.Pad = op.Padding{Mode: op.PadExplicit, Begin: pb, End: pe}
	c.OutputSize = nil
	return nil
}
