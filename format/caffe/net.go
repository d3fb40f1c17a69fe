package caffe

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// layer is one LayerParameter, V1 layers upgraded as Caffe's
// UpgradeV1Net does.
type layer struct {
	name, typ   string
	bottom, top []string
	params      []paramSpec
	p           *message // the layer's message: its *_param fields
	include     []*message
	exclude     []*message
	blobs       [][]int64 // blob shapes stored in a caffemodel; nil in a prototxt
	hasBlobs    bool
	pos         graph.Pos
	inputShapes [][]int64 // an Input layer made from net-level input fields
	legacyInput bool
}

// paramSpec is a layer's ParamSpec: a blob's sharing name and lr_mult.
type paramSpec struct {
	name   string
	lrMult float64
	pos    graph.Pos
}

// v1Types maps V1LayerParameter's enum to the layer type strings
// (upgrade_proto.cpp's UpgradeV1LayerType).
var v1Types = map[string]string{
	"ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax", "BNLL": "BNLL", "CONCAT": "Concat",
	"CONTRASTIVE_LOSS": "ContrastiveLoss", "CONVOLUTION": "Convolution", "DECONVOLUTION": "Deconvolution",
	"DATA": "Data", "DROPOUT": "Dropout", "DUMMY_DATA": "DummyData", "EUCLIDEAN_LOSS": "EuclideanLoss",
	"ELTWISE": "Eltwise", "EXP": "Exp", "FLATTEN": "Flatten", "HDF5_DATA": "HDF5Data", "HDF5_OUTPUT": "HDF5Output",
	"HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col", "IMAGE_DATA": "ImageData", "INFOGAIN_LOSS": "InfogainLoss",
	"INNER_PRODUCT": "InnerProduct", "LRN": "LRN", "MEMORY_DATA": "MemoryData",
	"MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss", "MVN": "MVN", "POOLING": "Pooling", "POWER": "Power",
	"RELU": "ReLU", "SIGMOID": "Sigmoid", "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss",
	"SILENCE": "Silence", "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss", "SPLIT": "Split",
	"SLICE": "Slice", "TANH": "TanH", "WINDOW_DATA": "WindowData", "THRESHOLD": "Threshold",
}

// net is a NetParameter read into layers.
type net struct {
	name   string
	layers []*layer
	state  *message
	notes  []string
}

// readNet turns the tree into layers: net-level inputs become an Input
// layer named "input" placed first (UpgradeNetInput), V1 layers are
// upgraded.
func readNet(root *message) (*net, error) {
	n := &net{state: root.sub("state")}
	var err error
	if n.name, err = root.str("name"); err != nil {
		return nil, err
	}
	if len(root.all("layer")) > 0 && len(root.all("layers")) > 0 {
		v := root.last("layers")
		return nil, &fieldError{v.pos, "the file has both layer { } and V1 layers { } fields; Caffe refuses such a net"}
	}
	inputs, err := root.strs("input")
	if err != nil {
		return nil, err
	}
	if len(inputs) > 0 {
		in, err := legacyInput(root, inputs)
		if err != nil {
			return nil, err
		}
		n.layers = append(n.layers, in)
	} else if v := root.last("input_dim"); v != nil {
		return nil, &fieldError{v.pos, "input_dim is given without an input: name"}
	} else if v := root.last("input_shape"); v != nil {
		return nil, &fieldError{v.pos, "input_shape is given without an input: name"}
	}
	for _, v := range root.fields {
		switch v.name {
		case "layer":
			l, err := readLayer(v.msg)
			if err != nil {
				return nil, err
			}
			n.layers = append(n.layers, l)
		case "layers":
			l, err := readV1Layer(v.msg)
			if err != nil {
				return nil, err
			}
			n.layers = append(n.layers, l)
		}
	}
	return n, nil
}

// legacyInput is the Input layer Caffe makes of input/input_shape/input_dim.
func legacyInput(root *message, inputs []string) (*layer, error) {
	pos := root.last("input").pos
	l := &layer{name: "input", typ: "Input", top: inputs, pos: pos, legacyInput: true}
	shapes := root.subs("input_shape")
	dims, err := root.ints("input_dim")
	if err != nil {
		return nil, err
	}
	switch {
	case len(shapes) > 0 && len(dims) > 0:
		return nil, &fieldError{pos, "input_shape and input_dim are both given; give one"}
	case len(shapes) > 0:
		if len(shapes) != len(inputs) {
			return nil, &fieldError{pos, fmt.Sprintf("%d inputs but %d input_shape; give one per input", len(inputs), len(shapes))}
		}
		for _, s := range shapes {
			d, err := s.ints("dim")
			if err != nil {
				return nil, err
			}
			l.inputShapes = append(l.inputShapes, d)
		}
	case len(dims) > 0:
		if len(dims) != 4*len(inputs) {
			return nil, &fieldError{pos, fmt.Sprintf("%d input_dim values for %d inputs; give four per input (num, channels, height, width)", len(dims), len(inputs))}
		}
		for i := range inputs {
			l.inputShapes = append(l.inputShapes, dims[4*i:4*i+4])
		}
	}
	return l, nil
}

func readLayer(m *message) (*layer, error) {
	l := &layer{p: m, pos: m.pos}
	var err error
	if l.name, err = m.str("name"); err != nil {
		return nil, err
	}
	if l.typ, err = m.str("type"); err != nil {
		return nil, err
	}
	if l.typ == "" {
		return nil, &fieldError{m.pos, fmt.Sprintf("layer %s has no type", l.name)}
	}
	if l.bottom, err = m.strs("bottom"); err != nil {
		return nil, err
	}
	if l.top, err = m.strs("top"); err != nil {
		return nil, err
	}
	for _, ps := range m.subs("param") {
		s := paramSpec{lrMult: 1, pos: ps.pos}
		if s.name, err = ps.str("name"); err != nil {
			return nil, err
		}
		if s.lrMult, err = ps.float("lr_mult", 1); err != nil {
			return nil, err
		}
		l.params = append(l.params, s)
	}
	l.include, l.exclude = m.subs("include"), m.subs("exclude")
	if err := readBlobs(l, m); err != nil {
		return nil, err
	}
	return l, nil
}

func readV1Layer(m *message) (*layer, error) {
	l := &layer{p: m, pos: m.pos}
	var err error
	if l.name, err = m.str("name"); err != nil {
		return nil, err
	}
	if m.has("layer") {
		return nil, &fieldError{m.pos, fmt.Sprintf("layer %s is a V0 layer (layers { layer { … } }), which layerinfo does not read; upgrade it with Caffe's upgrade_net_proto_text", l.name)}
	}
	t, err := m.enum("type", "NONE")
	if err != nil {
		return nil, err
	}
	if l.typ = v1Types[t]; l.typ == "" {
		return nil, &fieldError{m.pos, fmt.Sprintf("layer %s: V1 layer type %s has no upgrade", l.name, t)}
	}
	if l.bottom, err = m.strs("bottom"); err != nil {
		return nil, err
	}
	if l.top, err = m.strs("top"); err != nil {
		return nil, err
	}
	names, err := m.strs("param")
	if err != nil {
		return nil, err
	}
	lrs, err := m.floats("blobs_lr")
	if err != nil {
		return nil, err
	}
	for i := range max(len(names), len(lrs)) {
		s := paramSpec{lrMult: 1, pos: m.pos}
		if i < len(names) {
			s.name = names[i]
		}
		if i < len(lrs) {
			s.lrMult = lrs[i]
		}
		l.params = append(l.params, s)
	}
	l.include, l.exclude = m.subs("include"), m.subs("exclude")
	if err := readBlobs(l, m); err != nil {
		return nil, err
	}
	return l, nil
}

// readBlobs keeps the shapes of the blobs a caffemodel stores.
func readBlobs(l *layer, m *message) error {
	for _, b := range m.subs("blobs") {
		l.hasBlobs = true
		if s := b.sub("shape"); s != nil {
			d, err := s.ints("dim")
			if err != nil {
				return err
			}
			l.blobs = append(l.blobs, d)
			continue
		}
		var d []int64
		for _, f := range []string{"num", "channels", "height", "width"} {
			x, err := b.int(f, 0)
			if err != nil {
				return err
			}
			d = append(d, x)
		}
		l.blobs = append(l.blobs, d)
	}
	return nil
}

// state is the NetState the net is built in.
type state struct {
	phase  string
	level  int64
	stages []string
}

// included applies Caffe's Net::FilterNet rule to l.
func (s state) included(l *layer) (bool, error) {
	if len(l.include) > 0 && len(l.exclude) > 0 {
		return false, &fieldError{l.pos, fmt.Sprintf("layer %s has both include and exclude rules; Caffe refuses that", l.name)}
	}
	if len(l.include) == 0 {
		for _, r := range l.exclude {
			ok, err := s.meets(r)
			if err != nil || ok {
				return false, err
			}
		}
		return true, nil
	}
	for _, r := range l.include {
		ok, err := s.meets(r)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// meets is Net::StateMeetsRule.
func (s state) meets(r *message) (bool, error) {
	if r.has("phase") {
		p, err := r.enum("phase", "")
		if err != nil {
			return false, err
		}
		if p != s.phase {
			return false, nil
		}
	}
	if r.has("min_level") {
		x, err := r.int("min_level", 0)
		if err != nil || s.level < x {
			return false, err
		}
	}
	if r.has("max_level") {
		x, err := r.int("max_level", 0)
		if err != nil || s.level > x {
			return false, err
		}
	}
	stages, err := r.strs("stage")
	if err != nil {
		return false, err
	}
	for _, st := range stages {
		if !contains(s.stages, st) {
			return false, nil
		}
	}
	not, err := r.strs("not_stage")
	if err != nil {
		return false, err
	}
	for _, st := range not {
		if contains(s.stages, st) {
			return false, nil
		}
	}
	return true, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// phaseOf checks a --phase value.
func phaseOf(p string) (string, error) {
	switch strings.ToUpper(p) {
	case "", "TEST":
		return "TEST", nil
	case "TRAIN":
		return "TRAIN", nil
	}
	return "", fmt.Errorf("the phase %q is neither TRAIN nor TEST", p)
}
