package spec

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// maxRecurrentLayers caps num_layers (each adds parameter tensors).
const maxRecurrentLayers = 1000

var (
	dimI = op.RecDim{Of: op.SizeInput}
	dimH = op.RecDim{Of: op.SizeHidden}
)

// gatesOf is the number of gates (weight blocks) of each recurrent type.
var gatesOf = map[string]int64{"rnn": 1, "lstm": 4, "gru": 3}

// buildRecurrent makes a recurrent layer with Keras's tensors: a kernel
// (I, gates*H), a recurrent kernel (H, gates*H) and one bias (gates*H)
// with bias: single, or PyTorch's and ONNX's two biases (input-hidden and
// hidden-hidden, gates*H each) with bias: double. Keras's GRU with
// reset_after (the default) has a (2, 3H) bias. Stacked layers after the
// first read H*directions features; a bidirectional layer has a second
// set of tensors, suffixed "_reverse" as PyTorch does ("_l1" marks the
// second stacked layer).
func buildRecurrent(kind string) func(a *attrs) (graph.Op, []string) {
	return func(a *attrs) (graph.Op, []string) {
		units := a.int("units", 1, 1, true, "128")
		bias := "single"
		if v := a.get("bias"); v != nil {
			switch {
			case v.kind == kBool && v.b:
			case v.kind == kBool:
				bias = "none"
			default:
				bias = a.enum("bias", "single", "single", "double", "none")
			}
		}
		resetAfter := false
		if kind == "gru" {
			resetAfter = a.bool("reset_after", true)
		}
		bidir := a.bool("bidirectional", false)
		seqs := a.bool("return_sequences", true)
		batchFirst := a.bool("batch_first", true)
		layers := a.int("num_layers", 1, 1, false, "")
		if layers > maxRecurrentLayers {
			a.fail(a.get("num_layers"), "num_layers", "%d is more than %d", layers, maxRecurrentLayers)
			layers = 1
		}
		a.str("activation")
		a.str("recurrent_activation")
		a.number("dropout")
		a.number("recurrent_dropout")

		gates := gatesOf[kind]
		dirs := int64(1)
		if bidir {
			dirs = 2
		}
		gH := op.RecDim{Of: op.SizeHidden, Mult: gates}
		var ps []op.RecParam
		var rs []string
		add := func(role string, mat bool, dims ...op.RecDim) {
			ps = append(ps, op.RecParam{Role: role, Dims: dims, Trainable: true, MatMul: mat})
			rs = append(rs, role)
		}
		for l := int64(0); l < layers; l++ {
			in := dimI
			if l > 0 {
				in = op.RecDim{Of: op.SizeHidden, Mult: dirs}
			}
			for dir := int64(0); dir < dirs; dir++ {
				sfx := ""
				if l > 0 {
					sfx += fmt.Sprintf("_l%d", l)
				}
				if dir == 1 {
					sfx += "_reverse"
				}
				add("kernel"+sfx, true, in, gH)
				add("recurrent_kernel"+sfx, true, dimH, gH)
				switch {
				case bias == "double":
					add("bias_ih"+sfx, false, gH)
					add("bias_hh"+sfx, false, gH)
				case bias == "single" && resetAfter:
					add("bias"+sfx, false, op.RecDim{Of: op.SizeOne, Mult: 2}, gH)
				case bias == "single":
					add("bias"+sfx, false, gH)
				}
			}
		}
		return &op.Recurrent{Units: units, Params: ps, OnlyFinal: !seqs, TimeMajor: !batchFirst, Directions: int(dirs)}, rs
	}
}
