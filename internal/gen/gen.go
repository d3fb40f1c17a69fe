// Package gen writes large synthetic models for benchmarks: ONNX graphs
// (a chain and a residual DAG) whose initializers declare their shapes and
// hold no data, layerinfo specs, Lasagne loops and safetensors headers, at
// any node count. Benchmarks, bench/graphgen and the web page's 10,000-node browser test use it.
package gen

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Channels, Side: the activation of the ONNX graphs is 1×Channels×Side×Side.
const (
	Channels = 8
	Side     = 16
)

type pb []byte

func (m pb) int(num protowire.Number, v int64) pb {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, uint64(v))
}

func (m pb) bytes(num protowire.Number, b []byte) pb {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m pb) str(num protowire.Number, s string) pb { return m.bytes(num, []byte(s)) }

// ONNX field numbers (onnx.proto).
const (
	modelIR, modelOpset, modelGraph             = 1, 8, 7
	opsetVersion                                = 2
	graphNode, graphName, graphInit, graphInput = 1, 2, 5, 11
	graphOutput                                 = 12
	nodeInput, nodeOutput, nodeName, nodeOp     = 1, 2, 3, 4
	nodeAttr                                    = 5
	attrName, attrInts, attrType                = 1, 8, 20
	tensorDims, tensorType, tensorName          = 1, 2, 8
	viName, viType                              = 1, 2
	typeTensor, ttElem, ttShape                 = 1, 1, 2
	shapeDim, dimValue                          = 1, 1
	float32Type, attrTypeInts                   = 1, 7
)

func valueInfo(name string, dims ...int64) pb {
	var shape pb
	for _, d := range dims {
		shape = shape.bytes(shapeDim, pb{}.int(dimValue, d))
	}
	tt := pb{}.int(ttElem, float32Type).bytes(ttShape, shape)
	return pb{}.str(viName, name).bytes(viType, pb{}.bytes(typeTensor, tt))
}

func initializer(name string, dims ...int64) pb {
	var t pb
	for _, d := range dims {
		t = t.int(tensorDims, d)
	}
	return t.int(tensorType, float32Type).str(tensorName, name)
}

func node(name, op string, inputs []string, output string, attrs ...pb) pb {
	var n pb
	for _, in := range inputs {
		n = n.str(nodeInput, in)
	}
	n = n.str(nodeOutput, output).str(nodeName, name).str(nodeOp, op)
	for _, a := range attrs {
		n = n.bytes(nodeAttr, a)
	}
	return n
}

func intsAttr(name string, vs ...int64) pb {
	a := pb{}.str(attrName, name)
	for _, v := range vs {
		a = a.int(attrInts, v)
	}
	return a.int(attrType, attrTypeInts)
}

// ONNX returns an opset-17 model of about nodes operators on a
// 1×8×16×16 input. A DAG repeats the residual block
// x → Conv(1×1) → Relu → MatMul(16×16) → Add(·, x); a chain repeats
// Conv(1×1) → Relu. Every Conv and MatMul has its own initializer, which
// declares its shape and holds no data (weights absent).
func ONNX(nodes int, dag bool) []byte {
	var g pb
	g = g.str(graphName, "generated")
	g = g.bytes(graphInput, valueInfo("x", 1, Channels, Side, Side))
	kernel := intsAttr("kernel_shape", 1, 1)
	x := "x"
	per := 2
	if dag {
		per = 4
	}
	blocks := max(1, nodes/per)
	for b := range blocks {
		s := strconv.Itoa(b)
		g = g.bytes(graphInit, initializer("w"+s, Channels, Channels, 1, 1))
		g = g.bytes(graphNode, node("conv"+s, "Conv", []string{x, "w" + s}, "c"+s, kernel))
		g = g.bytes(graphNode, node("relu"+s, "Relu", []string{"c" + s}, "r"+s))
		if !dag {
			x = "r" + s
			continue
		}
		g = g.bytes(graphInit, initializer("m"+s, Side, Side))
		g = g.bytes(graphNode, node("matmul"+s, "MatMul", []string{"r" + s, "m" + s}, "p"+s))
		g = g.bytes(graphNode, node("add"+s, "Add", []string{"p" + s, x}, "a"+s))
		x = "a" + s
	}
	g = g.bytes(graphOutput, valueInfo(x, 1, Channels, Side, Side))
	m := pb{}.int(modelIR, 8).bytes(modelOpset, pb{}.int(opsetVersion, 17))
	return m.bytes(modelGraph, g)
}

// Spec returns a layerinfo YAML spec of layers dense layers of 64 units
// on a 1×64 input, named by default (dense, dense_1, …).
func Spec(layers int) []byte {
	b := []byte("name: generated\ninput: {shape: [1, 64]}\nlayers:\n")
	for range layers {
		b = append(b, "  - {type: dense, units: 64}\n"...)
	}
	return b
}

// SpecNamed returns a spec of layers dense layers of 64 units on a 1×64
// input, each named (d0, d1, …) in a flow mapping: issue 8's 4 MB spec
// that is all layers is SpecNamed(93277).
func SpecNamed(layers int) []byte {
	b := []byte("name: big\ninput: {shape: [1, 64]}\nlayers:\n")
	for i := range layers {
		b = append(b, "  - {name: d"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ", type: dense, units: 64}\n"...)
	}
	return b
}

// Lasagne returns a script that builds layers-1 DenseLayers of 64 units
// in a loop on a 1×64 InputLayer: layers in all.
func Lasagne(layers int) []byte {
	return fmt.Appendf(nil, `from lasagne.layers import InputLayer, DenseLayer

def build():
    net = InputLayer((1, 64))
    for i in range(%d):
        net = DenseLayer(net, num_units=64)
    return net

network = build()
`, max(0, layers-1))
}

// Safetensors returns a safetensors file of tensors F32 tensors of shape
// 2×2, data zero.
func Safetensors(tensors int) []byte {
	h := []byte("{")
	const size = 2 * 2 * 4
	for i := range tensors {
		if i > 0 {
			h = append(h, ',')
		}
		h = fmt.Appendf(h, `"model.layers.%d.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[%d,%d]}`, i, i*size, (i+1)*size)
	}
	h = append(h, '}')
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(out, h...)
	return append(out, make([]byte, tensors*size)...)
}
