package caffe

import (
	"bytes"

	"context"
	"github.com/layerinfo/layerinfo/format"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
)

const fuzzSeed = `name: "f"
input: "data"
input_shape { dim: 1 dim: 3 dim: 9 dim: 9 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 3 pad: 1 group: 1 } }
layer { name: "p" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "bn" type: "BatchNorm" bottom: "p" top: "p" }
layer { name: "s" type: "Scale" bottom: "p" top: "p" scale_param { bias_term: true } }
layer { name: "sl" type: "Slice" bottom: "p" top: "a" top: "b" slice_param { axis: 1 } }
layer { name: "e" type: "Eltwise" bottom: "a" bottom: "b" top: "e" }
layer { name: "ip" type: "InnerProduct" bottom: "e" top: "ip" inner_product_param { num_output: 3 } include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "data" top: "loss" include { phase: TRAIN } }
`

// run decodes and infers, as the CLI does; it must never panic.
func run(t *testing.T, g *graph.Graph, err error) {
	if err != nil {
		return
	}
	if g.Validate() != nil {
		return
	}
	_ = infer.Run(g, infer.Options{})
}

func FuzzPrototxt(f *testing.F) {
	f.Add([]byte(fuzzSeed))
	f.Add([]byte("layers { name: \"x\" type: CONVOLUTION }\ninput: 'd' input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2"))
	f.Add([]byte("layer < name: \"a\" type: \"Input\" top: \"a\" input_param { shape: [{dim: 1}, {dim: 2}] } >"))
	f.Fuzz(func(t *testing.T, src []byte) {
		b := budget.New(64 << 20)
		g, err := DecodeText("f.prototxt", src, Options{}, inputWith(b))
		run(t, g, err)
	})
}

func FuzzCaffemodel(f *testing.F) {
	f.Add(modelOf(f, fuzzSeed, map[string][][]int64{"c": {{4, 3, 3, 3}, {4}}}, "TEST"))
	f.Add(modelOf(f, "name: \"v\" input: \"d\" input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4\nlayers { name: \"r\" type: RELU bottom: \"d\" top: \"d\" }", nil, ""))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := decodeModelBudget(data, budget.New(64<<20))
		run(t, g, err)
	})
}

func decodeModelBudget(data []byte, b *budget.Budget) (*graph.Graph, error) {
	in := inputWith(b)
	in.Name = "f.caffemodel"
	in.R = bytesReader(data)
	in.Size = int64(len(data))
	return DecodeModel(context.Background(), in, Options{})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func inputWith(b *budget.Budget) format.Input { return format.Input{Budget: b} }
