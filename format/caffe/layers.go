package caffe

import (
	"fmt"
	"math"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// caffeOp is a layer's op with Caffe's rules on its blobs: each blob's
// lr_mult (0: not trained; BatchNorm's are always 0), and the shapes a
// caffemodel stores, checked against those the layer makes.
type caffeOp struct {
	l      *layer
	inner  graph.Op
	roles  []string // the layer's blobs in Caffe's order
	frozen bool     // every blob is non-trainable (BatchNorm)
	input  bool     // an Input or data layer: its tops are the net's inputs
	note   string   // a remark made at every inference
}

func (o *caffeOp) Infer(n *graph.Node) error {
	for i, v := range n.Inputs {
		if v != nil && v.Shape == nil {
			// Fed by a layer layerinfo does not know: this layer's tops
			// are unknown too, and so are its blobs when it has any.
			if len(o.roles) > 0 {
				n.Uncounted = true
			}
			return graph.Unknownf("bottom %d (%s) has an unknown shape", i, v.Name)
		}
	}
	if err := o.inner.Infer(n); err != nil {
		return err
	}
	if n.FLOPs.IsZero() && !n.FLOPs.Known() {
		n.FLOPs = calc.N(0)
	}
	if o.note != "" {
		n.Note("%s", o.note)
	}
	shares := n.Shares()
	for i, role := range o.roles {
		p := n.ParamByRole(role)
		if p == nil {
			continue
		}
		if _, ok := shares[role]; ok {
			continue
		}
		p.Trainable = !o.frozen
		if i < len(o.l.params) && o.l.params[i].lrMult == 0 {
			p.Trainable = false
		}
	}
	if o.l.hasBlobs {
		var made []graph.Shape
		for _, role := range o.roles {
			if p := n.ParamByRole(role); p != nil {
				made = append(made, p.Shape)
			}
		}
		if !sameBlobs(made, o.l.blobs) {
			n.Note("the caffemodel stores blobs of shapes %s; the layer makes %s", fmtBlobs(o.l.blobs), fmtShapes(made))
		}
	}
	return nil
}

func sameBlobs(made []graph.Shape, stored [][]int64) bool {
	if len(made) != len(stored) {
		return false
	}
	for i, s := range made {
		a, b := s.Numel(), int64(1)
		for _, d := range stored[i] {
			b *= d
		}
		if v, ok := a.Value(); !ok || v != b {
			return false
		}
	}
	return true
}

func fmtBlobs(bs [][]int64) string {
	var s []string
	for _, b := range bs {
		s = append(s, shapeOf(b).String())
	}
	return "(" + strings.Join(s, ", ") + ")"
}

func fmtShapes(bs []graph.Shape) string {
	var s []string
	for _, b := range bs {
		s = append(s, b.String())
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// identity types: the top has the bottom's shape, no blobs.
var identity = map[string]bool{
	"ReLU": true, "Dropout": true, "LRN": true, "Sigmoid": true, "TanH": true, "ELU": true, "Power": true,
	"AbsVal": true, "BNLL": true, "Exp": true, "Log": true, "Threshold": true, "Clip": true, "Swish": true,
	"MVN": true, "Softmax": true, "ReLU6": true, "LRNRelu": true, "Mish": true, "HardSigmoid": true,
	"HardSwish": true, "Im2colNoop": true, "ShuffleChannel": true, "Dropout2D": true,
}

// losses: the first top is the loss, a 0-axis blob.
var losses = map[string]bool{
	"SoftmaxWithLoss": true, "EuclideanLoss": true, "SigmoidCrossEntropyLoss": true, "HingeLoss": true,
	"InfogainLoss": true, "MultinomialLogisticLoss": true, "ContrastiveLoss": true, "MultiBoxLoss": true,
	"SmoothL1Loss": true,
}

// makeOp reads the layer's parameters into its op.
func (b *builder) makeOp(l *layer) (*caffeOp, error) {
	o := &caffeOp{l: l}
	p := l.p
	var err error
	switch t := l.typ; {
	case t == "Input":
		o.input = true
		o.inner, err = b.inputOp(l)
	case t == "Data" || t == "ImageData" || t == "HDF5Data" || t == "MemoryData" || t == "DummyData" || t == "WindowData" || t == "AnnotatedData" || t == "VideoData":
		o.input = true
		o.inner, err = b.dataOp(l)
	case t == "Convolution" || t == "Deconvolution" || t == "DepthwiseConvolution" || t == "ConvolutionDepthwise":
		o.roles = []string{"weight", "bias"}
		o.inner, err = convOp(p.sub("convolution_param"), t == "Deconvolution")
		if err == nil && t != "Convolution" && t != "Deconvolution" && !p.sub("convolution_param").has("group") {
			// The depthwise forks' layers: one filter group per input channel.
			o.inner = &depthwise{conv: o.inner.(*op.Conv)}
		}
	case t == "Axpy":
		if len(l.bottom) != 3 {
			return nil, &fieldError{l.pos, "an Axpy layer takes three bottoms: the scale, x and y"}
		}
		o.inner = axpy{}
	case t == "Pooling":
		o.inner, err = poolOp(p.sub("pooling_param"))
	case t == "InnerProduct":
		o.roles = []string{"weight", "bias"}
		o.inner, err = ipOp(p.sub("inner_product_param"))
	case t == "BatchNorm":
		o.roles = []string{"mean", "variance", "moving_average_factor"}
		o.frozen = true
		o.inner = batchNorm{}
	case t == "Scale" || t == "Bias":
		o.inner, o.roles, err = scaleOp(l)
	case t == "PReLU":
		o.roles = []string{"slope"}
		shared, e := p.sub("prelu_param").bool("channel_shared", false)
		o.inner, err = &perChannel{role: "slope", shared: shared, scalar: true}, e
	case t == "Normalize":
		o.roles = []string{"scale"}
		shared, e := p.sub("norm_param").bool("channel_shared", true)
		o.inner, err = &perChannel{role: "scale", shared: shared}, e
	case identity[t]:
		if len(l.top) != 1 || len(l.bottom) != 1 {
			return nil, &fieldError{l.pos, fmt.Sprintf("a %s layer takes one bottom and one top", t)}
		}
		o.inner = op.Identity{}
	case t == "Concat":
		cp := p.sub("concat_param")
		axis, e := cp.int("axis", 1)
		if cp.has("concat_dim") {
			axis, e = cp.uint("concat_dim", 1)
		}
		o.inner, err = &op.Concat{Axis: int(axis)}, e
	case t == "Eltwise":
		o.inner, err = eltwiseOp(l)
	case t == "Flatten":
		fp := p.sub("flatten_param")
		a, e1 := fp.int("axis", 1)
		e, e2 := fp.int("end_axis", -1)
		o.inner, err = &op.Flatten{Start: int(a), End: int(e)}, firstErr(e1, e2)
	case t == "Reshape":
		o.inner, err = reshapeOp(p.sub("reshape_param"))
	case t == "Slice":
		o.inner, err = sliceOp(l)
	case t == "Split":
		o.inner = split{}
	case t == "Silence":
		o.inner = silence{}
	case t == "Crop":
		o.inner, err = cropOp(l)
	case t == "Tile":
		tp := p.sub("tile_param")
		axis, e1 := tp.int("axis", 1)
		tiles, e2 := tp.int("tiles", 0)
		if e1 == nil && e2 == nil && tiles <= 0 {
			return nil, &fieldError{l.pos, "tile_param needs tiles > 0"}
		}
		o.inner, err = &tile{axis: int(axis), tiles: tiles}, firstErr(e1, e2)
	case t == "Permute":
		order, e := p.sub("permute_param").uints("order")
		o.inner, err = &permute{order: order}, e
	case t == "PriorBox":
		o.inner, err = priorBoxOp(p.sub("prior_box_param"))
	case t == "DetectionOutput":
		o.inner = fixed{shape: graph.S(1, 1, 1, 7), why: "Caffe allocates (1, 1, 1, 7): one row of [image_id, label, confidence, xmin, ymin, xmax, ymax] per detection, their number known only when the net runs"}
	case t == "Accuracy":
		o.inner, err = accuracyOp(l)
	case losses[t]:
		o.inner = loss{softmax: t == "SoftmaxWithLoss"}
	case t == "ArgMax":
		ap := p.sub("argmax_param")
		top, e1 := ap.uint("top_k", 1)
		maxv, e2 := ap.bool("out_max_val", false)
		axis, e3 := ap.int("axis", 0)
		o.inner, err = &argmax{topK: top, outMax: maxv, axis: int(axis), hasAxis: ap.has("axis")}, firstErr(e1, e2, e3)
	case t == "Embed":
		o.roles = []string{"weight", "bias"}
		ep := p.sub("embed_param")
		out, e1 := ep.uint("num_output", 0)
		in, e2 := ep.uint("input_dim", 0)
		bias, e3 := ep.bool("bias_term", true)
		if err := firstErr(e1, e2, e3); err != nil {
			return nil, err
		}
		if out <= 0 || in <= 0 {
			return nil, &fieldError{l.pos, "embed_param needs num_output and input_dim"}
		}
		o.inner = &embed{out: out, in: in, bias: bias}
	case t == "LSTM" || t == "RNN":
		rp := p.sub("recurrent_param")
		h, e := rp.uint("num_output", 0)
		if e == nil && h <= 0 {
			return nil, &fieldError{l.pos, "recurrent_param needs num_output > 0"}
		}
		r := &recurrent{lstm: t == "LSTM", h: h}
		o.inner, err = r, e
		o.roles = r.roles(len(l.bottom) > 2)
	case t == "Reduction":
		rp := p.sub("reduction_param")
		axis, e := rp.int("axis", 0)
		o.inner, err = &reduction{axis: int(axis)}, e
	case t == "Interp":
		o.inner, err = interpOp(p.sub("interp_param"))
	case t == "Upsample":
		o.inner, err = upsampleOp(p.sub("upsample_param"))
	case t == "Parameter":
		dims, e := p.sub("parameter_param").sub("shape").ints("dim")
		o.roles = []string{"blob"}
		o.inner, err = &parameter{shape: shapeOf(dims)}, e
	case t == "SPP":
		h, e := p.sub("spp_param").uint("pyramid_height", 0)
		o.inner, err = &spp{height: h}, e
	default:
		o.inner = unknown{typ: t}
	}
	if err != nil {
		return nil, err
	}
	if f := forks[l.typ]; f != "" {
		o.note = l.typ + " is a layer of " + f + ", not of BVLC Caffe"
	}
	return o, nil
}

// forks names where layer types BVLC Caffe lacks come from.
var forks = map[string]string{
	"Normalize": "the SSD fork (weiliu89/caffe)", "Permute": "the SSD fork (weiliu89/caffe)",
	"PriorBox": "the SSD fork (weiliu89/caffe)", "DetectionOutput": "the SSD fork (weiliu89/caffe)",
	"MultiBoxLoss": "the SSD fork (weiliu89/caffe)", "AnnotatedData": "the SSD fork (weiliu89/caffe)",
	"SmoothL1Loss": "the Fast R-CNN fork (rbgirshick/caffe-fast-rcnn)",
	"Interp":       "DeepLab's and PSPNet's forks", "Upsample": "SegNet's fork (alexgkendall/caffe-segnet)",
	"Axpy": "SENet's fork", "DepthwiseConvolution": "a depthwise-convolution fork", "ConvolutionDepthwise": "a depthwise-convolution fork",
	"ReLU6": "a MobileNet fork", "ShuffleChannel": "a ShuffleNet fork",
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// spatial reads a 2-D window field: NAME_h and NAME_w, or NAME repeated
// (once for every axis, or once per axis); def when neither is given.
func spatial(m *message, name string, def int64) ([]int64, error) {
	if m.has(name+"_h") || m.has(name+"_w") {
		if m.has(name) {
			v := m.last(name)
			return nil, &fieldError{v.pos, fmt.Sprintf("%s is given both as %s and as %s_h/%s_w; give one", name, name, name, name)}
		}
		if !m.has(name+"_h") || !m.has(name+"_w") {
			v := m.last(name + "_h")
			if v == nil {
				v = m.last(name + "_w")
			}
			return nil, &fieldError{v.pos, fmt.Sprintf("%s_h and %s_w go together: give both", name, name)}
		}
		h, err := m.uint(name+"_h", def)
		if err != nil {
			return nil, err
		}
		w, err := m.uint(name+"_w", def)
		return []int64{h, w}, err
	}
	xs, err := m.uints(name)
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 && def >= 0 {
		return []int64{def}, nil
	}
	return xs, nil
}

func convOp(cp *message, deconv bool) (graph.Op, error) {
	if cp == nil {
		return nil, fmt.Errorf("convolution_param is missing (it gives num_output and kernel_size)")
	}
	num, err := cp.uint("num_output", 0)
	if err != nil {
		return nil, err
	}
	if num <= 0 {
		return nil, &fieldError{cp.pos, "convolution_param needs num_output > 0"}
	}
	k, pad, stride, err := window(cp, "convolution_param", "")
	if err != nil {
		return nil, err
	}
	dil, err := cp.uints("dilation")
	if err != nil {
		return nil, err
	}
	group, err := cp.uint("group", 1)
	if err != nil {
		return nil, err
	}
	bias, err := cp.bool("bias_term", true)
	if err != nil {
		return nil, err
	}
	axis, err := cp.int("axis", 1)
	if err != nil {
		return nil, err
	}
	if axis != 1 {
		return nil, &fieldError{cp.last("axis").pos, fmt.Sprintf("convolution_param axis %d: layerinfo reads channel axis 1 only", axis)}
	}
	if group <= 0 {
		return nil, &fieldError{cp.pos, "group must be positive"}
	}
	c := &op.Conv{Layout: op.ChannelsFirst, Filters: num, Kernel: k, Stride: stride, Dilation: dil, Pad: op.Pad(pad...),
		Groups: group, Bias: bias, WeightOrder: op.OutInKernel, WeightRole: "weight", BiasRole: "bias"}
	if deconv {
		c.Transposed, c.WeightOrder = true, op.InOutKernel
	}
	return c, nil
}

// window reads a convolution's or pooling's kernel (kernel_size, or
// kernel_h and kernel_w), pad and stride; or names what is missing (or
// adds the other way to give it).
func window(m *message, param, or string) (k, pad, stride []int64, err error) {
	k, err = spatial(m, "kernel", -1)
	if err == nil && !m.has("kernel_h") {
		k, err = m.uints("kernel_size")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if len(k) == 0 {
		return nil, nil, nil, &fieldError{m.pos, param + " needs kernel_size (or kernel_h and kernel_w" + or + ")"}
	}
	if pad, err = spatial(m, "pad", 0); err != nil {
		return nil, nil, nil, err
	}
	stride, err = spatial(m, "stride", 1)
	return k, pad, stride, err
}

func poolOp(pp *message) (graph.Op, error) {
	if pp == nil {
		pp = &message{typ: "PoolingParameter"}
	}
	method, err := pp.enum("pool", "MAX")
	if err != nil {
		return nil, err
	}
	mode := map[string]string{"MAX": "max", "AVE": "average", "STOCHASTIC": "stochastic"}[method]
	global, err := pp.bool("global_pooling", false)
	if err != nil {
		return nil, err
	}
	if global {
		if pp.has("kernel_size") || pp.has("kernel_h") {
			return nil, &fieldError{pp.pos, "with global_pooling the window is the whole input: Caffe refuses a kernel_size too"}
		}
		return &globalPool{mode: mode}, nil
	}
	k, pad, stride, err := window(pp, "pooling_param", ", or global_pooling")
	if err != nil {
		return nil, err
	}
	round, err := pp.enum("round_mode", "CEIL")
	if err != nil {
		return nil, err
	}
	r := op.CeilCaffe
	if round == "FLOOR" {
		r = op.Floor
	}
	if pp.has("ceil_mode") {
		ceil, err := pp.bool("ceil_mode", true)
		if err != nil {
			return nil, err
		}
		if !ceil {
			r = op.Floor
		}
	}
	return &op.Pool{Layout: op.ChannelsFirst, Mode: mode, Kernel: k, Stride: stride, Pad: op.Pad(pad...), Rounding: r}, nil
}

// depthwise is a depthwise fork's convolution without group: one group
// per input channel.
type depthwise struct{ conv *op.Conv }

func (d *depthwise) Infer(n *graph.Node) error {
	in := n.In(0)
	if len(in) < 2 || !in[1].Known() {
		return fmt.Errorf("the input's channels are unknown")
	}
	c := *d.conv
	c.Groups = in[1].Size
	n.Why("depthwise: group = the input's %d channels", in[1].Size)
	return c.Infer(n)
}

// axpy is SENet's Axpy: scale (N, C, 1, 1) * x + y, the shape of x.
type axpy struct{}

func (axpy) Infer(n *graph.Node) error {
	x := n.In(1)
	if x == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, x.Clone())
	n.FLOPs = calc.N(0)
	return nil
}

// globalPool is Caffe's global_pooling: the window is the bottom's H×W.
type globalPool struct{ mode string }

func (g *globalPool) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) != 4 {
		return fmt.Errorf("pooling needs (N, C, H, W) input, got %s", in)
	}
	n.SetOut(0, graph.Shape{in[0], in[1], graph.D(1), graph.D(1)})
	n.Why("global_pooling: the %s×%s window covers the input: 1×1", in[2], in[3])
	n.FLOPs = calc.N(0)
	return nil
}

func ipOp(ip *message) (graph.Op, error) {
	if ip == nil {
		return nil, fmt.Errorf("inner_product_param is missing (it gives num_output)")
	}
	num, err := ip.uint("num_output", 0)
	if err != nil {
		return nil, err
	}
	if num <= 0 {
		return nil, &fieldError{ip.pos, "inner_product_param needs num_output > 0"}
	}
	bias, e1 := ip.bool("bias_term", true)
	axis, e2 := ip.int("axis", 1)
	tr, e3 := ip.bool("transpose", false)
	if err := firstErr(e1, e2, e3); err != nil {
		return nil, err
	}
	return &innerProduct{lin: op.Linear{Units: num, From: int(axis), Bias: bias, OutIn: !tr, WeightRole: "weight", BiasRole: "bias"}, axis: int(axis)}, nil
}

// innerProduct flattens from axis to the end (Caffe's rule; op.Linear's
// To 0 means the end, and a negative From counts from the end).
type innerProduct struct {
	lin  op.Linear
	axis int
}

func (ip *innerProduct) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	a, ok := graph.Axis(ip.axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", ip.axis, in)
	}
	l := ip.lin
	l.From = a
	return l.Infer(n)
}

// batchNorm is Caffe's BatchNorm: mean C, variance C and the
// moving-average factor (1), none learnable (batch_norm_layer.cpp forces
// lr_mult 0); the affine part is a Scale layer.
type batchNorm struct{}

func (batchNorm) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, in.Clone())
	c := graph.D(1)
	if len(in) > 1 {
		c = in[1]
	}
	if !c.Known() {
		return fmt.Errorf("the channels (axis 1) of input %s are unknown", in)
	}
	n.Why("same shape as the input")
	for _, r := range []struct {
		role string
		s    graph.Shape
	}{{"mean", graph.Shape{c}}, {"variance", graph.Shape{c}}, {"moving_average_factor", graph.S(1)}} {
		if _, err := n.Param(r.role, r.s, false); err != nil {
			return err
		}
	}
	n.Count = calc.Add(calc.Mul(calc.N(2), c.Expr()), calc.N(1))
	n.Note("blobs: mean %s, variance %s, moving-average factor 1 (Caffe's lr_mult 0: not trained)", c, c)
	n.FLOPs = calc.N(0)
	return nil
}

// scaleOp is Scale or Bias: with one bottom the layer learns its factor
// (and, Scale with bias_term, a bias) of bottom.shape[axis:axis+num_axes];
// with two, the factor is the second bottom and only the bias is a blob.
func scaleOp(l *layer) (graph.Op, []string, error) {
	field := "scale_param"
	if l.typ == "Bias" {
		field = "bias_param"
	}
	sp := l.p.sub(field)
	if sp == nil {
		sp = &message{}
	}
	axis, e1 := sp.int("axis", 1)
	num, e2 := sp.int("num_axes", 1)
	bias, e3 := sp.bool("bias_term", false)
	if err := firstErr(e1, e2, e3); err != nil {
		return nil, nil, err
	}
	s := &scale{axis: int(axis), numAxes: int(num), bias: bias, isBias: l.typ == "Bias", two: len(l.bottom) > 1}
	var roles []string
	switch {
	case s.isBias && !s.two:
		roles = []string{"bias"}
	case s.isBias:
	case !s.two:
		roles = []string{"scale"}
		if bias {
			roles = append(roles, "bias")
		}
	case bias:
		roles = []string{"bias"}
	}
	return s, roles, nil
}

type scale struct {
	axis, numAxes int
	bias, isBias  bool
	two           bool
}

func (s *scale) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, in.Clone())
	var ps graph.Shape
	if s.two {
		ps = n.In(1)
		if ps == nil {
			return fmt.Errorf("the shape of the second bottom is unknown")
		}
		ps = ps.Clone()
	} else {
		a, ok := graph.Axis(s.axis, len(in))
		if !ok && s.axis != len(in) {
			return fmt.Errorf("axis %d is out of range for input %s", s.axis, in)
		}
		if !ok {
			a = len(in)
		}
		end := len(in)
		if s.numAxes >= 0 {
			end = a + s.numAxes
		}
		if s.numAxes < -1 || end > len(in) {
			return fmt.Errorf("num_axes %d from axis %d does not fit input %s", s.numAxes, a, in)
		}
		ps = in[a:end].Clone()
	}
	for _, d := range ps {
		if !d.Known() {
			return fmt.Errorf("the sizes the parameters span (%s) are unknown", ps)
		}
	}
	n.Why("same shape as the input")
	if s.isBias {
		if !s.two {
			_, err := n.Param("bias", ps, true)
			return err
		}
		n.FLOPs = calc.N(0)
		return nil
	}
	if !s.two {
		if _, err := n.Param("scale", ps, true); err != nil {
			return err
		}
	}
	if s.bias {
		if _, err := n.Param("bias", ps.Clone(), true); err != nil {
			return err
		}
	}
	n.FLOPs = calc.N(0)
	return nil
}

// perChannel is one blob of C values, or a single one when shared
// (PReLU's slopes: a 0-axis blob; Normalize's scale: shape (1)).
type perChannel struct {
	role           string
	shared, scalar bool
}

func (p *perChannel) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	n.SetOut(0, in.Clone())
	var s graph.Shape
	switch {
	case p.shared && p.scalar:
		s = graph.Shape{}
	case p.shared:
		s = graph.S(1)
	default:
		if len(in) < 2 || !in[1].Known() {
			return fmt.Errorf("the channels (axis 1) of input %s are unknown", in)
		}
		s = graph.Shape{in[1]}
	}
	n.Why("same shape as the input")
	_, err := n.Param(p.role, s, true)
	n.FLOPs = calc.N(0)
	return err
}

func eltwiseOp(l *layer) (graph.Op, error) {
	ep := l.p.sub("eltwise_param")
	operation, err := ep.enum("operation", "SUM")
	if err != nil {
		return nil, err
	}
	coeff, err := ep.floats("coeff")
	if err != nil {
		return nil, err
	}
	if len(coeff) > 0 && (operation != "SUM" || len(coeff) != len(l.bottom)) {
		return nil, &fieldError{ep.pos, fmt.Sprintf("eltwise_param: coeff needs operation SUM and one value per bottom (%d bottoms, %d coeff)", len(l.bottom), len(coeff))}
	}
	if len(l.bottom) < 2 {
		return nil, &fieldError{l.pos, "an Eltwise layer takes two or more bottoms"}
	}
	return &op.Merge{}, nil
}

// reshape is Caffe's Reshape: shape's dims replace bottom axes
// [axis, axis+num_axes); 0 copies the bottom's size there, -1 is inferred.
type reshape struct {
	dims          []int64
	axis, numAxes int
}

func reshapeOp(rp *message) (graph.Op, error) {
	if rp == nil || rp.sub("shape") == nil {
		return nil, fmt.Errorf("reshape_param needs shape { dim: … }")
	}
	dims, e1 := rp.sub("shape").ints("dim")
	axis, e2 := rp.int("axis", 0)
	num, e3 := rp.int("num_axes", -1)
	if err := firstErr(e1, e2, e3); err != nil {
		return nil, err
	}
	inferred := 0
	for _, d := range dims {
		if d < -1 {
			return nil, &fieldError{rp.pos, fmt.Sprintf("reshape_param: dim %d is invalid", d)}
		}
		if d == -1 {
			inferred++
		}
	}
	if inferred > 1 {
		return nil, &fieldError{rp.pos, "reshape_param: only one dim may be -1"}
	}
	return &reshape{dims: dims, axis: int(axis), numAxes: int(num)}, nil
}

func (r *reshape) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	start := r.axis
	if start < 0 {
		start += len(in) + 1
	}
	if start < 0 || start > len(in) {
		return fmt.Errorf("axis %d is out of range for input %s", r.axis, in)
	}
	end := len(in)
	if r.numAxes != -1 {
		end = start + r.numAxes
	}
	if r.numAxes < -1 || end > len(in) {
		return fmt.Errorf("num_axes %d from axis %d does not fit input %s", r.numAxes, start, in)
	}
	var target []op.ReshapeDim
	for i := 0; i < start; i++ {
		target = append(target, op.RefAxis(i))
	}
	for i, d := range r.dims {
		if d == 0 {
			if start+i >= len(in) {
				return fmt.Errorf("dim %d is 0 (copy the bottom's size) but the bottom %s has no axis %d", i, in, start+i)
			}
			target = append(target, op.RefAxis(start+i))
		} else {
			target = append(target, op.Literal(d))
		}
	}
	for i := end; i < len(in); i++ {
		target = append(target, op.RefAxis(i))
	}
	return (&op.Reshape{Target: target}).Infer(n)
}

func sliceOp(l *layer) (graph.Op, error) {
	sp := l.p.sub("slice_param")
	axis, err := sp.int("axis", 1)
	if err != nil {
		return nil, err
	}
	if sp.has("slice_dim") {
		if axis, err = sp.uint("slice_dim", 1); err != nil {
			return nil, err
		}
	}
	points, err := sp.uints("slice_point")
	if err != nil {
		return nil, err
	}
	if len(points) > 0 && len(points) != len(l.top)-1 {
		return nil, &fieldError{sp.pos, fmt.Sprintf("slice_param: %d slice_point for %d tops; give one fewer than the tops", len(points), len(l.top))}
	}
	for i := 1; i < len(points); i++ {
		if points[i] <= points[i-1] {
			return nil, &fieldError{sp.pos, "slice_param: slice_point must increase"}
		}
	}
	return &slice{axis: int(axis), points: points}, nil
}

type slice struct {
	axis   int
	points []int64
}

func (s *slice) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	a, ok := graph.Axis(s.axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", s.axis, in)
	}
	size := in[a]
	if !size.Known() {
		return fmt.Errorf("axis %d of input %s is unknown", a, in)
	}
	k := int64(len(n.Outputs))
	prev := int64(0)
	for i := range n.Outputs {
		out := in.Clone()
		var w int64
		if len(s.points) > 0 {
			end := size.Size
			if i < len(s.points) {
				end = s.points[i]
			}
			if end > size.Size {
				return fmt.Errorf("slice_point %d is beyond axis %d's size %d", end, a, size.Size)
			}
			w, prev = end-prev, end
		} else {
			if size.Size%k != 0 {
				return fmt.Errorf("axis %d's size %d does not divide into %d tops", a, size.Size, k)
			}
			w = size.Size / k
		}
		out[a] = graph.D(w)
		n.SetOut(i, out)
	}
	if len(s.points) > 0 {
		n.Why("axis %d cut at %v", a, s.points)
	} else {
		n.Why("axis %d: %d / %d tops = %d each", a, size.Size, k, size.Size/k)
	}
	n.FLOPs = calc.N(0)
	return nil
}

type split struct{}

func (split) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	for i := range n.Outputs {
		n.SetOut(i, in.Clone())
	}
	n.FLOPs = calc.N(0)
	return nil
}

type silence struct{}

func (silence) Infer(n *graph.Node) error {
	n.FLOPs = calc.N(0)
	return nil
}

func cropOp(l *layer) (graph.Op, error) {
	if len(l.bottom) != 2 {
		return nil, &fieldError{l.pos, "a Crop layer takes two bottoms: the blob to crop and the reference"}
	}
	cp := l.p.sub("crop_param")
	axis, e1 := cp.int("axis", 2)
	off, e2 := cp.uints("offset")
	return &crop{axis: int(axis), offset: off}, firstErr(e1, e2)
}

type crop struct {
	axis   int
	offset []int64
}

func (c *crop) Infer(n *graph.Node) error {
	in, ref := n.In(0), n.In(1)
	if in == nil || ref == nil {
		return fmt.Errorf("the input shapes are unknown")
	}
	if len(in) != len(ref) {
		return fmt.Errorf("the bottoms %s and %s have different ranks", in, ref)
	}
	a, ok := graph.Axis(c.axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", c.axis, in)
	}
	if len(c.offset) > 1 && len(c.offset) != len(in)-a {
		return fmt.Errorf("%d offsets for %d cropped axes", len(c.offset), len(in)-a)
	}
	out := in.Clone()
	for i := a; i < len(in); i++ {
		var off int64
		if len(c.offset) == 1 {
			off = c.offset[0]
		} else if len(c.offset) > 1 {
			off = c.offset[i-a]
		}
		if in[i].Known() && ref[i].Known() && in[i].Size < ref[i].Size+off {
			return fmt.Errorf("axis %d: the crop of size %d at offset %d does not fit the bottom's %d", i, ref[i].Size, off, in[i].Size)
		}
		out[i] = ref[i]
	}
	n.SetOut(0, out)
	n.Why("axes %d… take the reference's sizes", a)
	n.FLOPs = calc.N(0)
	return nil
}

type tile struct {
	axis  int
	tiles int64
}

func (t *tile) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	a, ok := graph.Axis(t.axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", t.axis, in)
	}
	out := in.Clone()
	e := calc.Mul(in[a].Expr(), calc.N(t.tiles))
	if err := e.Err(); err != nil {
		return err
	}
	out[a] = graph.DimOf(e)
	n.SetOut(0, out)
	n.Why("axis %d: %s", a, e.Equation())
	n.FLOPs = calc.N(0)
	return nil
}

// permute is the SSD fork's Permute: order names the first axes, the
// others follow in their order.
type permute struct{ order []int64 }

func (p *permute) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	seen := make([]bool, len(in))
	var pat []int
	for _, o := range p.order {
		if o >= int64(len(in)) || seen[o] {
			return fmt.Errorf("permute order %v does not fit input %s", p.order, in)
		}
		seen[o] = true
		pat = append(pat, int(o))
	}
	for i := range in {
		if !seen[i] {
			pat = append(pat, i)
		}
	}
	out := make(graph.Shape, len(in))
	for i, a := range pat {
		out[i] = in[a]
	}
	n.SetOut(0, out)
	n.Why("axes in the order %v", pat)
	n.FLOPs = calc.N(0)
	return nil
}

func priorBoxOp(pp *message) (graph.Op, error) {
	if pp == nil {
		return nil, fmt.Errorf("prior_box_param is missing (it gives min_size)")
	}
	mins, e1 := pp.floats("min_size")
	maxs, e2 := pp.floats("max_size")
	ars, e3 := pp.floats("aspect_ratio")
	flip, e4 := pp.bool("flip", true)
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return nil, err
	}
	if len(mins) == 0 {
		return nil, &fieldError{pp.pos, "prior_box_param needs min_size"}
	}
	// prior_box_layer.cpp: ratio 1, then each new ratio and, with flip,
	// its inverse.
	list := []float64{1}
	for _, ar := range ars {
		dup := false
		for _, x := range list {
			if math.Abs(ar-x) < 1e-6 {
				dup = true
			}
		}
		if dup {
			continue
		}
		list = append(list, ar)
		if flip {
			list = append(list, 1/ar)
		}
	}
	num := int64(len(list)*len(mins) + len(maxs))
	return &priorBox{num: num, ratios: len(list), mins: len(mins), maxs: len(maxs)}, nil
}

type priorBox struct {
	num                int64
	ratios, mins, maxs int
}

func (p *priorBox) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(in) != 4 {
		return fmt.Errorf("PriorBox needs an (N, C, H, W) feature map, got %s", in)
	}
	e := calc.Mul(in[2].Expr(), in[3].Expr(), calc.N(p.num), calc.N(4))
	if err := e.Err(); err != nil {
		return err
	}
	n.SetOut(0, graph.Shape{graph.D(1), graph.D(2), graph.DimOf(e)})
	n.Why("priors per place: %d aspect ratios × %d min_size + %d max_size = %d", p.ratios, p.mins, p.maxs, p.num)
	n.Why("axis 2: %s (4 coordinates per prior); axis 1: the priors and their variances", e.Equation())
	n.FLOPs = calc.N(0)
	return nil
}

// fixed is a top of a fixed shape (DetectionOutput's).
type fixed struct {
	shape graph.Shape
	why   string
}

func (f fixed) Infer(n *graph.Node) error {
	for i := range n.Outputs {
		n.SetOut(i, f.shape.Clone())
	}
	n.Why("%s", f.why)
	n.FLOPs = calc.N(0)
	return nil
}

func accuracyOp(l *layer) (graph.Op, error) {
	axis, err := l.p.sub("accuracy_param").int("axis", 1)
	return &accuracy{axis: int(axis)}, err
}

type accuracy struct{ axis int }

func (a *accuracy) Infer(n *graph.Node) error {
	n.SetOut(0, graph.Shape{})
	n.Why("a 0-axis blob (Caffe's log prints (1))")
	if len(n.Outputs) > 1 {
		in := n.In(0)
		if in == nil {
			return fmt.Errorf("the input shape is unknown")
		}
		ax, ok := graph.Axis(a.axis, len(in))
		if !ok {
			return fmt.Errorf("axis %d is out of range for input %s", a.axis, in)
		}
		n.SetOut(1, graph.Shape{in[ax]})
	}
	n.FLOPs = calc.N(0)
	return nil
}

type loss struct{ softmax bool }

func (l loss) Infer(n *graph.Node) error {
	if len(n.Outputs) == 0 {
		n.FLOPs = calc.N(0)
		return nil
	}
	n.SetOut(0, graph.Shape{})
	n.Why("the loss: a 0-axis blob (Caffe's log prints (1))")
	if len(n.Outputs) > 1 && l.softmax {
		in := n.In(0)
		if in == nil {
			return fmt.Errorf("the input shape is unknown")
		}
		n.SetOut(1, in.Clone())
	}
	for i := 1; i < len(n.Outputs); i++ {
		if n.Outputs[i].Shape == nil {
			return graph.Unknownf("top %d of this loss layer is not one layerinfo knows", i)
		}
	}
	n.FLOPs = calc.N(0)
	return nil
}

type argmax struct {
	topK    int64
	outMax  bool
	axis    int
	hasAxis bool
}

func (a *argmax) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	var out graph.Shape
	if a.hasAxis {
		ax, ok := graph.Axis(a.axis, len(in))
		if !ok {
			return fmt.Errorf("axis %d is out of range for input %s", a.axis, in)
		}
		out = in.Clone()
		out[ax] = graph.D(a.topK)
	} else {
		out = make(graph.Shape, max(len(in), 3))
		for i := range out {
			out[i] = graph.D(1)
		}
		out[0] = in[0]
		out[2] = graph.D(a.topK)
		if a.outMax {
			out[1] = graph.D(2)
		}
	}
	n.SetOut(0, out)
	n.FLOPs = calc.N(0)
	return nil
}

type embed struct {
	out, in int64
	bias    bool
}

func (e *embed) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	out := append(in.Clone(), graph.D(e.out))
	n.SetOut(0, out)
	n.Why("the bottom's shape with num_output %d appended", e.out)
	if _, err := n.Param("weight", graph.S(e.in, e.out), true); err != nil {
		return err
	}
	if e.bias {
		if _, err := n.Param("bias", graph.S(e.out), true); err != nil {
			return err
		}
	}
	n.FLOPs = calc.N(0)
	return nil
}

// recurrent is Caffe's RNN and LSTM: bottoms x (T, N, …) and cont (T, N)
// (and a static input), top h (T, N, num_output).
type recurrent struct {
	lstm bool
	h    int64
}

func (r *recurrent) roles(static bool) []string {
	if r.lstm {
		if static {
			return []string{"W_xc", "b_c", "W_xc_static", "W_hc"}
		}
		return []string{"W_xc", "b_c", "W_hc"}
	}
	if static {
		return []string{"W_xh", "b_h", "W_xh_static", "W_hh", "W_ho", "b_o"}
	}
	return []string{"W_xh", "b_h", "W_hh", "W_ho", "b_o"}
}

func (r *recurrent) Infer(n *graph.Node) error {
	x := n.In(0)
	if x == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	if len(x) < 2 {
		return fmt.Errorf("the input %s needs (T, N, …) axes", x)
	}
	i := x[2:].Numel()
	iv, ok := i.Value()
	if !ok {
		return fmt.Errorf("the input %s has unknown feature axes", x)
	}
	n.SetOut(0, graph.Shape{x[0], x[1], graph.D(r.h)})
	for k := 1; k < len(n.Outputs); k++ {
		n.SetOut(k, graph.Shape{graph.D(1), x[1], graph.D(r.h)})
	}
	h := r.h
	gates := h
	if r.lstm {
		gates = 4 * h
	}
	add := func(role string, s graph.Shape) error { _, err := n.Param(role, s, true); return err }
	roles := r.roles(len(n.Inputs) > 2)
	var static int64
	if len(n.Inputs) > 2 {
		s := n.In(2)
		if s == nil {
			return fmt.Errorf("the static input's shape is unknown")
		}
		v, ok := s[1:].Numel().Value()
		if !ok {
			return fmt.Errorf("the static input %s has unknown feature axes", s)
		}
		static = v
	}
	shapes := map[string]graph.Shape{
		"W_xc": graph.S(gates, iv), "b_c": graph.S(gates), "W_xc_static": graph.S(gates, static), "W_hc": graph.S(gates, h),
		"W_xh": graph.S(h, iv), "b_h": graph.S(h), "W_xh_static": graph.S(h, static), "W_hh": graph.S(h, h), "W_ho": graph.S(h, h), "b_o": graph.S(h),
	}
	for _, role := range roles {
		if err := add(role, shapes[role]); err != nil {
			return err
		}
	}
	n.FLOPs = calc.N(0)
	return nil
}

type reduction struct{ axis int }

func (r *reduction) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil {
		return fmt.Errorf("the input shape is unknown")
	}
	a, ok := graph.Axis(r.axis, len(in))
	if !ok {
		return fmt.Errorf("axis %d is out of range for input %s", r.axis, in)
	}
	n.SetOut(0, in[:a].Clone())
	n.FLOPs = calc.N(0)
	return nil
}

// interp is DeepLab's and PSPNet's Interp (bilinear resize).
type interp struct {
	height, width, zoom, shrink, padBeg, padEnd int64
}

func interpOp(ip *message) (graph.Op, error) {
	if ip == nil {
		ip = &message{}
	}
	var it interp
	var errs [6]error
	it.height, errs[0] = ip.int("height", 0)
	it.width, errs[1] = ip.int("width", 0)
	it.zoom, errs[2] = ip.int("zoom_factor", 1)
	it.shrink, errs[3] = ip.int("shrink_factor", 1)
	it.padBeg, errs[4] = ip.int("pad_beg", 0)
	it.padEnd, errs[5] = ip.int("pad_end", 0)
	if it.zoom < 1 || it.shrink < 1 {
		return nil, &fieldError{ip.pos, "interp_param: zoom_factor and shrink_factor must be ≥ 1"}
	}
	return &it, firstErr(errs[:]...)
}

func (it *interp) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil || len(in) != 4 {
		return fmt.Errorf("an Interp layer needs an (N, C, H, W) input")
	}
	out := in.Clone()
	if len(n.Inputs) > 1 {
		ref := n.In(1)
		if ref == nil || len(ref) != 4 {
			return fmt.Errorf("the reference bottom's shape is unknown")
		}
		out[2], out[3] = ref[2], ref[3]
	} else {
		for k, ax := range []int{2, 3} {
			if !in[ax].Known() {
				return fmt.Errorf("axis %d of input %s is unknown", ax, in)
			}
			eff := in[ax].Size + it.padBeg + it.padEnd
			v := eff
			if it.shrink > 1 {
				v = (v-1)/it.shrink + 1
			}
			if it.zoom > 1 {
				v = v + (v-1)*(it.zoom-1)
			}
			if it.height > 0 && it.width > 0 {
				v = []int64{it.height, it.width}[k]
			}
			if v <= 0 {
				return fmt.Errorf("axis %d: the output size %d is not positive", ax, v)
			}
			out[ax] = graph.D(v)
		}
	}
	n.SetOut(0, out)
	n.FLOPs = calc.N(0)
	return nil
}

// upsample is SegNet's Upsample (max-unpooling with the pooling mask).
type upsample struct {
	sh, sw, uh, uw int64
	padH, padW     bool
}

func upsampleOp(up *message) (graph.Op, error) {
	if up == nil {
		up = &message{}
	}
	s, e1 := up.uint("scale", 2)
	sh, e2 := up.uint("scale_h", s)
	sw, e3 := up.uint("scale_w", s)
	uh, e4 := up.uint("upsample_h", 0)
	uw, e5 := up.uint("upsample_w", 0)
	ph, e6 := up.bool("pad_out_h", false)
	pw, e7 := up.bool("pad_out_w", false)
	return &upsample{sh: sh, sw: sw, uh: uh, uw: uw, padH: ph, padW: pw}, firstErr(e1, e2, e3, e4, e5, e6, e7)
}

func (u *upsample) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil || len(in) != 4 || !in[2].Known() || !in[3].Known() {
		return fmt.Errorf("an Upsample layer needs an (N, C, H, W) input of known size")
	}
	out := in.Clone()
	h, w := u.uh, u.uw
	if h == 0 {
		h = in[2].Size * u.sh
		if u.padH {
			h--
		}
	}
	if w == 0 {
		w = in[3].Size * u.sw
		if u.padW {
			w--
		}
	}
	out[2], out[3] = graph.D(h), graph.D(w)
	n.SetOut(0, out)
	n.FLOPs = calc.N(0)
	return nil
}

type parameter struct{ shape graph.Shape }

func (p *parameter) Infer(n *graph.Node) error {
	n.SetOut(0, p.shape.Clone())
	_, err := n.Param("blob", p.shape.Clone(), true)
	n.FLOPs = calc.N(0)
	return err
}

type spp struct{ height int64 }

func (s *spp) Infer(n *graph.Node) error {
	in := n.In(0)
	if in == nil || len(in) != 4 {
		return fmt.Errorf("SPP needs an (N, C, H, W) input")
	}
	var bins int64
	for l := int64(0); l < s.height && l < 20; l++ {
		bins += 1 << (2 * l)
	}
	e := calc.Mul(in[1].Expr(), calc.N(bins))
	n.SetOut(0, graph.Shape{in[0], graph.DimOf(e)})
	n.FLOPs = calc.N(0)
	return nil
}

// unknown is a layer type layerinfo does not model: its tops are unknown,
// the rest of the net is still analysed.
type unknown struct{ typ string }

func (u unknown) Infer(n *graph.Node) error {
	return graph.Unknownf("layer type %s is not one layerinfo knows: its tops and blobs are unknown", u.typ)
}

// inputOp is an Input layer: input_param's shapes (one for every top, or
// one each), or the legacy net-level input fields.
func (b *builder) inputOp(l *layer) (graph.Op, error) {
	var shapes [][]int64
	if l.legacyInput {
		shapes = l.inputShapes
	} else {
		for _, s := range l.p.sub("input_param").subs("shape") {
			d, err := s.ints("dim")
			if err != nil {
				return nil, err
			}
			shapes = append(shapes, d)
		}
	}
	if len(shapes) > 1 && len(shapes) != len(l.top) {
		return nil, &fieldError{l.pos, fmt.Sprintf("%d shapes for %d tops: give one, or one per top", len(shapes), len(l.top))}
	}
	io := &inputs{}
	for i, top := range l.top {
		given := b.inputShape(top)
		switch {
		case given != nil:
			io.shapes = append(io.shapes, given)
			io.why = append(io.why, "given")
		case len(shapes) == 0:
			return nil, b.missingShape(l, top, "")
		default:
			s := shapes[0]
			if len(shapes) > 1 {
				s = shapes[i]
			}
			for _, d := range s {
				if d < 0 {
					return nil, &fieldError{l.pos, fmt.Sprintf("top %s: dim %d is negative", top, d)}
				}
			}
			io.shapes = append(io.shapes, shapeOf(s))
			io.why = append(io.why, "from the file")
		}
	}
	return io, nil
}

type inputs struct {
	shapes []graph.Shape
	why    []string
}

func (io *inputs) Infer(n *graph.Node) error {
	for i := range n.Outputs {
		n.SetOut(i, io.shapes[i].Clone())
		if n.Outputs[i].DType == "" {
			n.Outputs[i].DType = graph.Float32
		}
		n.Why("%s: %s, %s", n.Outputs[i].Name, io.shapes[i], io.why[i])
	}
	n.FLOPs = calc.N(0)
	return nil
}

// dataOp is a data layer: its tops' shapes from batch_size and the
// crop/resize sizes where the file states them, else --input-shape.
func (b *builder) dataOp(l *layer) (graph.Op, error) {
	p := l.p
	tp := p.sub("transform_param")
	crop, err := tp.uint("crop_size", 0)
	if err != nil {
		return nil, err
	}
	ch, e1 := tp.uint("crop_h", 0)
	cw, e2 := tp.uint("crop_w", 0)
	if err := firstErr(e1, e2); err != nil {
		return nil, err
	}
	var batch, c, h, w int64 = -1, -1, -1, -1
	labelShape := func(n int64) []int64 { return []int64{n} }
	var tops [][]int64 // the shapes the file states in full
	var known string
	switch l.typ {
	case "Data", "AnnotatedData", "VideoData":
		if l.typ == "AnnotatedData" {
			// annotated_data_layer.cpp: one box of 8 values until data comes.
			labelShape = func(int64) []int64 { return []int64{1, 1, 1, 8} }
		}
		if rp := tp.sub("resize_param"); rp != nil {
			rh, e1 := rp.uint("height", 0)
			rw, e2 := rp.uint("width", 0)
			if err := firstErr(e1, e2); err != nil {
				return nil, err
			}
			if rh > 0 && rw > 0 {
				h, w = rh, rw
			}
		}
		dp := p.sub("data_param")
		if batch, err = dp.uint("batch_size", -1); err != nil {
			return nil, err
		}
		if crop == 0 {
			if crop, err = dp.uint("crop_size", 0); err != nil {
				return nil, err
			}
		}
	case "ImageData":
		ip := p.sub("image_data_param")
		var errs [4]error
		batch, errs[0] = ip.uint("batch_size", 1)
		color, e := ip.bool("is_color", true)
		errs[1] = e
		h, errs[2] = ip.uint("new_height", 0)
		w, errs[3] = ip.uint("new_width", 0)
		if err := firstErr(errs[:]...); err != nil {
			return nil, err
		}
		if h == 0 || w == 0 {
			h, w = -1, -1
		}
		c = 1
		if color {
			c = 3
		}
		if crop == 0 {
			if crop, err = ip.uint("crop_size", 0); err != nil {
				return nil, err
			}
		}
	case "WindowData":
		wp := p.sub("window_data_param")
		if batch, err = wp.uint("batch_size", -1); err != nil {
			return nil, err
		}
		c = 3
		if crop == 0 {
			if crop, err = wp.uint("crop_size", 0); err != nil {
				return nil, err
			}
		}
	case "MemoryData":
		mp := p.sub("memory_data_param")
		var errs [4]error
		batch, errs[0] = mp.uint("batch_size", 0)
		c, errs[1] = mp.uint("channels", 0)
		h, errs[2] = mp.uint("height", 0)
		w, errs[3] = mp.uint("width", 0)
		if err := firstErr(errs[:]...); err != nil {
			return nil, err
		}
		crop = 0
	case "HDF5Data":
		hp := p.sub("hdf5_data_param")
		if batch, err = hp.uint("batch_size", -1); err != nil {
			return nil, err
		}
		known = "HDF5Data takes its shapes from the HDF5 files"
		if batch > 0 {
			known += fmt.Sprintf("; the file states batch_size %d", batch)
		}
		labelShape = nil
	case "DummyData":
		dp := p.sub("dummy_data_param")
		for _, s := range dp.subs("shape") {
			d, err := s.ints("dim")
			if err != nil {
				return nil, err
			}
			tops = append(tops, d)
		}
		if len(tops) == 0 {
			var lists [4][]int64
			for i, f := range []string{"num", "channels", "height", "width"} {
				if lists[i], err = dp.uints(f); err != nil {
					return nil, err
				}
			}
			for t := range l.top {
				var d []int64
				for _, xs := range lists {
					switch len(xs) {
					case 0:
					case 1:
						d = append(d, xs[0])
					default:
						if t < len(xs) {
							d = append(d, xs[t])
						}
					}
				}
				if len(d) == 4 {
					tops = append(tops, d)
				}
			}
		}
		if len(tops) > 1 && len(tops) != len(l.top) || len(tops) == 0 {
			return nil, &fieldError{l.pos, fmt.Sprintf("dummy_data_param gives %d shapes for %d tops: give one, or one per top", len(tops), len(l.top))}
		}
		if len(tops) == 1 {
			for len(tops) < len(l.top) {
				tops = append(tops, tops[0])
			}
		}
		labelShape = nil
	}
	if crop > 0 {
		h, w = crop, crop
	}
	if ch > 0 && cw > 0 {
		h, w = ch, cw
	}
	if tops == nil && labelShape != nil && batch >= 0 && c >= 0 && h >= 0 && w >= 0 {
		tops = [][]int64{{batch, c, h, w}}
		for range l.top[min(1, len(l.top)):] {
			tops = append(tops, labelShape(batch))
		}
	}
	if known == "" && labelShape != nil {
		var parts []string
		if batch >= 0 {
			parts = append(parts, fmt.Sprintf("batch_size %d", batch))
		}
		if c >= 0 {
			parts = append(parts, fmt.Sprintf("%d channels", c))
		}
		if h >= 0 {
			parts = append(parts, fmt.Sprintf("%dx%d images", h, w))
		}
		known = "the file states " + strings.Join(parts, ", ")
		if len(parts) == 0 {
			known = "the images are in the database"
		} else if c < 0 || h < 0 {
			known += "; the rest is in the database"
		}
	}
	io := &inputs{}
	for i, top := range l.top {
		given := b.inputShape(top)
		switch {
		case given != nil:
			io.shapes = append(io.shapes, given)
			io.why = append(io.why, "given")
		case i < len(tops):
			io.shapes = append(io.shapes, shapeOf(tops[i]))
			io.why = append(io.why, "from the file")
		case i > 0 && labelShape != nil && batch >= 0:
			io.shapes = append(io.shapes, shapeOf(labelShape(batch)))
			io.why = append(io.why, "the labels, one per example")
		case i > 0 && labelShape != nil && len(io.shapes) > 0 && len(io.shapes[0]) > 0:
			io.shapes = append(io.shapes, graph.Shape{io.shapes[0][0]})
			io.why = append(io.why, "the labels, one per example")
		default:
			hint := "NxCxHxW"
			if i == 0 && labelShape != nil {
				part := func(x int64, letter string) string {
					if x < 0 {
						return letter
					}
					return fmt.Sprint(x)
				}
				hint = part(batch, "N") + "x" + part(c, "C") + "x" + part(h, "H") + "x" + part(w, "W")
			}
			return nil, b.missingShapeHint(l, top, known, hint)
		}
	}
	return io, nil
}
