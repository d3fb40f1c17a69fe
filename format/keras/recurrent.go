package keras

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// rnnSpec is a Keras recurrent layer's config.
type rnnSpec struct {
	class      string
	units      int64
	params     []op.RecParam
	sequences  bool
	state      bool
	stateCount int // states returned with return_state: h (and c for LSTM)
}

// readRNN reads SimpleRNN, LSTM, GRU (and tf.keras 1's CuDNN ones):
// kernel (I, g*H), recurrent_kernel (H, g*H) and one bias of g*H per
// gate g — GRU with reset_after two, (2, 3H); CuDNN's two sets of biases.
func readRNN(c *conf, class, prefix string) rnnSpec {
	s := rnnSpec{class: class, units: c.pos("units", 0), sequences: c.bool("return_sequences", false), state: c.bool("return_state", false)}
	bias := c.bool("use_bias", true)
	var gates int64
	var biasDims []op.RecDim
	switch class {
	case "SimpleRNN":
		gates, s.stateCount = 1, 1
		biasDims = []op.RecDim{{Of: op.SizeHidden}}
	case "LSTM":
		gates, s.stateCount = 4, 2
		biasDims = []op.RecDim{{Of: op.SizeHidden, Mult: 4}}
	case "GRU":
		gates, s.stateCount = 3, 1
		biasDims = []op.RecDim{{Of: op.SizeHidden, Mult: 3}}
		if c.bool("reset_after", c.d.resetAfter) {
			biasDims = []op.RecDim{{Of: op.SizeOne, Mult: 2}, {Of: op.SizeHidden, Mult: 3}}
		}
	case "CuDNNLSTM":
		gates, s.stateCount = 4, 2
		biasDims = []op.RecDim{{Of: op.SizeHidden, Mult: 8}}
	case "CuDNNGRU":
		gates, s.stateCount = 3, 1
		biasDims = []op.RecDim{{Of: op.SizeHidden, Mult: 6}}
	default:
		c.fail(nil, "%s is not a recurrent layer layerinfo can wrap", class)
		return s
	}
	s.params = []op.RecParam{
		{Role: prefix + "kernel", Dims: []op.RecDim{{Of: op.SizeInput}, {Of: op.SizeHidden, Mult: gates}}, Trainable: true, MatMul: true},
		{Role: prefix + "recurrent_kernel", Dims: []op.RecDim{{Of: op.SizeHidden}, {Of: op.SizeHidden, Mult: gates}}, Trainable: true, MatMul: true},
	}
	if bias || class == "CuDNNLSTM" || class == "CuDNNGRU" {
		s.params = append(s.params, op.RecParam{Role: prefix + "bias", Dims: biasDims, Trainable: true})
	}
	return s
}

func rnn(class string) classFn {
	return func(c *conf) (builder, int) {
		s := readRNN(c, class, "")
		o := &op.Recurrent{Units: s.units, Params: s.params, OnlyFinal: !s.sequences}
		outs := 1
		if s.state {
			outs += s.stateCount
		}
		return fixed(&states{Op: o, units: s.units, extra: outs - 1}), outs
	}
}

// states sets the outputs after the first of a recurrent layer: the
// returned states (batch, units), or a second direction's output
// (same as the first) when copy is set.
type states struct {
	graph.Op
	units int64
	extra int
	copy  int // outputs 1..copy repeat output 0 (Bidirectional without merging)
}

func (s *states) Infer(n *graph.Node) error {
	if err := s.Op.Infer(n); err != nil {
		return err
	}
	batch := n.In(0)[0]
	for i := 1; i <= s.extra && i < len(n.Outputs); i++ {
		if i <= s.copy {
			n.SetOut(i, n.Outputs[0].Shape.Clone())
			continue
		}
		n.SetOut(i, graph.Shape{batch, graph.D(s.units)})
	}
	if s.extra > s.copy {
		n.Why("states returned: (batch, %d) each", s.units)
	}
	return nil
}

// bidirectional runs a recurrent layer forwards and backwards: its
// weights twice, forward_<name>/… then backward_<name>/…; merge_mode
// concat (the default) doubles the last axis, sum/mul/ave keep it, None
// returns both outputs.
func bidirectional(c *conf) (builder, int) {
	inner := c.sub("layer")
	if inner == nil {
		return nil, 1
	}
	ic := &conf{d: c.d, l: inner, cfg: inner.cfg}
	// Keras 3 writes the forward layer itself ("forward_lstm") and the
	// backward one; Keras 2 the wrapped layer ("lstm").
	fw := readRNN(ic, inner.class, "forward_"+trimPrefix(inner.name, "forward_")+"/")
	if ic.err != nil {
		c.err = ic.err
		return nil, 1
	}
	bwName := trimPrefix(inner.name, "forward_")
	bc := ic
	if b := c.v("backward_layer"); b != nil && b.k == jObj {
		bl := c.sub("backward_layer")
		if bl == nil {
			return nil, 1
		}
		bwName, bc = bl.name, &conf{d: c.d, l: bl, cfg: bl.cfg}
		bwName = trimPrefix(bwName, "backward_")
	}
	bw := readRNN(bc, inner.class, "backward_"+bwName+"/")
	if bc.err != nil {
		c.err = bc.err
		return nil, 1
	}
	if bw.units != fw.units {
		c.fail(c.v("backward_layer"), "backward_layer has %d units and the forward layer %d: layerinfo models equal sizes only", bw.units, fw.units)
		return nil, 1
	}
	mode := "concat"
	if v := c.v("merge_mode"); v != nil {
		if v.k == jNull {
			mode = ""
		} else {
			mode = c.str("merge_mode", "concat")
		}
	}
	o := &op.Recurrent{Units: fw.units, Params: append(fw.params, bw.params...), OnlyFinal: !fw.sequences}
	st := &states{Op: o, units: fw.units}
	switch mode {
	case "concat":
		o.Directions = 2
	case "sum", "mul", "ave":
	case "":
		st.copy = 1
	default:
		c.fail(c.v("merge_mode"), "merge_mode: %q is not concat, sum, mul, ave or None", mode)
	}
	st.extra = st.copy
	if fw.state {
		st.extra += 2 * fw.stateCount
	}
	return fixed(st), 1 + st.extra
}

func trimPrefix(s, p string) string {
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// timeDistributed applies a layer to every step of a (batch, time, …)
// input: the layer's weights once, its FLOPs times the steps.
func timeDistributed(c *conf) (builder, int) {
	inner := c.sub("layer")
	if inner == nil {
		return nil, 1
	}
	if isModel(inner.entry) {
		return func(*graph.Node) (graph.Op, error) {
			return nil, graph.Unknownf("TimeDistributed of a model is not modelled: its output is unknown")
		}, 1
	}
	b, _, err := c.d.builderFor(inner)
	if err != nil {
		c.err = err
		return nil, 1
	}
	return fixed(&timeDist{inner: b, class: inner.class}), 1
}

type timeDist struct {
	inner builder
	class string
}

func (t *timeDist) Infer(n *graph.Node) error {
	in := n.In(0)
	if len(in) < 3 {
		return fmt.Errorf("TimeDistributed needs a (batch, time, …) input, got %v", in)
	}
	step := &graph.Node{Name: n.Name, Type: t.class, Pos: n.Pos}
	step.Inputs = []*graph.Value{{Name: n.Inputs[0].Name, Shape: append(graph.Shape{in[0]}, in[2:]...), DType: n.Inputs[0].DType}}
	step.Outputs = []*graph.Value{{Name: n.Name, Producer: step}}
	o, err := t.inner(step)
	if err != nil {
		return err
	}
	if err := o.Infer(step); err != nil {
		return fmt.Errorf("the wrapped %s: %w", t.class, err)
	}
	out := step.Outputs[0].Shape
	if len(out) < 1 {
		return fmt.Errorf("the wrapped %s has no output shape", t.class)
	}
	n.SetOut(0, append(graph.Shape{out[0], in[1]}, out[1:]...))
	n.Outputs[0].DType = step.Outputs[0].DType
	for _, w := range step.ShapeWhy() {
		n.Why("each step: %s", w)
	}
	n.Why("the time axis (%s) kept", in[1])
	n.Params, n.Count = step.Params, step.Count
	n.AddNotes(step.Notes()...)
	if step.FLOPs.Known() && in[1].Known() {
		n.FLOPs = calc.Mul(step.FLOPs, calc.N(in[1].Size))
	} else if v, ok := step.FLOPs.Value(); ok && v == 0 {
		n.FLOPs = calc.N(0)
	}
	return nil
}

func multiHeadAttention(c *conf) (builder, int) {
	o := &op.MultiHeadAttention{Heads: c.pos("num_heads", 0), KeyDim: c.pos("key_dim", 0), Bias: c.bool("use_bias", true)}
	if v := c.v("value_dim"); !v.isNull() {
		o.ValueDim = c.pos("value_dim", 0)
	}
	if v := c.v("output_shape"); !v.isNull() {
		if v.k == jNum {
			o.Out = []int64{c.pos("output_shape", 0)}
		} else if s, ok := c.shapeList("output_shape"); ok {
			for _, d := range s {
				if !d.Known() || d.Size <= 0 {
					c.fail(v, "output_shape: want positive sizes")
					break
				}
				o.Out = append(o.Out, d.Size)
			}
		}
	}
	return fixed(o), 1
}

func attention(additive bool) classFn {
	return func(c *conf) (builder, int) {
		o := &op.DotAttention{}
		if additive {
			if c.bool("use_scale", true) {
				o.PerFeature = []string{"scale"}
			}
		} else {
			if c.bool("use_scale", false) {
				o.Scalars = append(o.Scalars, "scale")
			}
			if c.str("score_mode", "dot") == "concat" {
				o.Scalars = append(o.Scalars, "concat_score_weight")
			}
		}
		return fixed(o), 1
	}
}

// convLSTM is ConvLSTM1D/2D/3D: an LSTM whose products are
// convolutions; the recurrent one is 'same' with stride 1.
func convLSTM(rank int) classFn {
	return func(c *conf) (builder, int) {
		k := c.ints("kernel_size", rank, nil)
		if k == nil {
			c.fail(c.v("kernel_size"), "kernel_size is missing")
			return nil, 1
		}
		d := c.ints("dilation_rate", rank, nil)
		f := c.pos("filters", 0)
		o := &op.ConvRecurrent{Gates: 4, OnlyFinal: !c.bool("return_sequences", false), Conv: op.Conv{
			Layout: c.layout(), Filters: f, Kernel: k, Stride: c.ints("strides", rank, nil), Dilation: d,
			Pad: c.padding(k, d, false), Bias: c.bool("use_bias", true), WeightOrder: op.KernelInOut,
			WeightRole: "kernel",
		}}
		outs := 1
		if c.bool("return_state", false) {
			outs = 3
		}
		return fixed(&convStates{Op: o, extra: outs - 1}), outs
	}
}

// convStates sets a ConvLSTM's returned states: one step's output each.
type convStates struct {
	graph.Op
	extra int
}

func (s *convStates) Infer(n *graph.Node) error {
	if err := s.Op.Infer(n); err != nil {
		return err
	}
	out := n.Outputs[0].Shape
	if s.extra > 0 && n.In(0) != nil && len(out) == len(n.In(0)) {
		out = append(graph.Shape{out[0]}, out[2:]...) // every step returned: a state is one
	}
	for i := 1; i <= s.extra && i < len(n.Outputs); i++ {
		n.SetOut(i, out.Clone())
	}
	return nil
}

// groupedQueryAttention is Keras 3's GroupedQueryAttention: query heads
// num_query_heads, key and value heads num_key_value_heads, each of
// head_dim.
func groupedQueryAttention(c *conf) (builder, int) {
	hd := c.pos("head_dim", 0)
	return fixed(&op.MultiHeadAttention{Heads: c.pos("num_query_heads", 0), KVHeads: c.pos("num_key_value_heads", 0),
		KeyDim: hd, ValueDim: hd, Bias: c.bool("use_bias", true)}), 1
}

// rnnOfCell is the generic RNN layer wrapping one cell (LSTMCell,
// GRUCell, SimpleRNNCell): the same weights as the layer of that cell.
func rnnOfCell(c *conf) (builder, int) {
	cell := c.sub("cell")
	if cell == nil {
		return nil, 1
	}
	class := strings.TrimSuffix(cell.class, "Cell")
	switch class {
	case "LSTM", "GRU", "SimpleRNN":
	default:
		return func(*graph.Node) (graph.Op, error) {
			return nil, graph.Unknownf("an RNN of %s is not modelled: its output is unknown", cell.class)
		}, 1
	}
	cc := &conf{d: c.d, l: cell, cfg: cell.cfg}
	s := readRNN(cc, class, "")
	if cc.err != nil {
		c.err = cc.err
		return nil, 1
	}
	s.sequences, s.state = c.bool("return_sequences", false), c.bool("return_state", false)
	o := &op.Recurrent{Units: s.units, Params: s.params, OnlyFinal: !s.sequences}
	outs := 1
	if s.state {
		outs += s.stateCount
	}
	return fixed(&states{Op: o, units: s.units, extra: outs - 1}), outs
}
