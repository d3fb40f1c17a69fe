package op

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// ConvRecurrent is a convolutional recurrent layer (Keras ConvLSTM1D/2D/3D)
// run over the time axis of a (batch, time, image…) input: at every step
// the input is convolved by Conv (its Filters being the units) into
// Gates*units channels, and the hidden state, of the output's spatial
// size, by a stride-1 'same' convolution of the same kernel. Parameters:
// kernel (k…, C_in, Gates*F), recurrent_kernel (k…, F, Gates*F) and,
// with Bias, bias (Gates*F).
type ConvRecurrent struct {
	Conv      Conv // the input convolution of one step; Filters = units, Bias ignored
	Gates     int64
	OnlyFinal bool // output one step (batch, image…) instead of every step
}

func (c *ConvRecurrent) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) < 4 {
		return fmt.Errorf("a convolutional recurrent layer needs (batch, time, spatial…, channels) input, got %s", fmtShape(in))
	}
	f, g := c.Conv.Filters, max(c.Gates, 1)
	step := &graph.Node{Name: n.Name, Type: n.Type, Pos: n.Pos}
	step.Inputs = []*graph.Value{{Name: n.Inputs[0].Name, Shape: append(graph.Shape{in[0]}, in[2:]...), DType: n.Inputs[0].DType}}
	step.Outputs = []*graph.Value{{Name: n.Name, Producer: step}}
	conv := c.Conv
	conv.Filters, conv.Bias = f*g, false
	if err := conv.Infer(step); err != nil {
		return err
	}
	out := step.Outputs[0].Shape.Clone()
	out[conv.Layout.channelAxis(len(out))] = graph.D(f)
	for _, w := range step.ShapeWhy()[1:] {
		n.Why("%s", w)
	}
	n.Why("channels: %d filters", f)
	if c.OnlyFinal {
		n.SetOut(0, out)
	} else {
		n.SetOut(0, append(graph.Shape{out[0], in[1]}, out[1:]...))
		n.Why("every step is returned: time %s", in[1])
	}
	n.Params = append(n.Params, step.Params...)
	k := int64(1)
	var kx []calc.Expr
	kernel, _ := PerAxis(c.Conv.Kernel, len(in)-3, 0)
	rshape := graph.Shape{}
	for _, v := range kernel {
		k *= v
		kx = append(kx, calc.N(v))
		rshape = append(rshape, graph.D(v))
	}
	rshape = append(rshape, graph.D(f), graph.D(g*f))
	if _, err := n.Param("recurrent_kernel", rshape, true); err != nil {
		return err
	}
	rec := calc.Mul(append(append([]calc.Expr{}, kx...), calc.N(f), calc.N(g), calc.N(f))...)
	n.Count = calc.Add(step.Count, rec)
	if c.Conv.Bias {
		if _, err := n.Param("bias", graph.S(g*f), true); err != nil {
			return err
		}
		n.Count = calc.Add(n.Count, calc.Mul(calc.N(g), calc.N(f)))
	}
	// FLOPs: the input convolution and the recurrent one at every
	// output position, every step.
	pos := out[1 : len(out)-1]
	if conv.Layout == ChannelsFirst {
		pos = out[2:]
	}
	recFLOPs := batchFLOPs(in[0], rec, pos.Numel())
	per := calc.Add(step.FLOPs, recFLOPs)
	if in[1].Known() {
		n.FLOPs = calc.Mul(calc.Paren(per), calc.N(in[1].Size))
	}
	return nil
}
