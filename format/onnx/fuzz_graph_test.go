package onnx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// FuzzGraph runs the whole path from bytes to a report: decode, build the
// graph, infer, report. Whatever the input, nothing panics, a graph that
// is built is structurally valid, and inference never aborts because of
// one node (unknown and failing nodes get unknown outputs and a note).
func FuzzGraph(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.onnx")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(symbolicModel()))
	f.Add([]byte(sampleModel()))
	for _, m := range []pb{unsupportedModel(), functionModel(), controlModel()} {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(memReader(b), int64(len(b)))
		if err != nil {
			return
		}
		g, err := Build("fuzz.onnx", m, memReader(b), Options{})
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("built an invalid graph: %v", err)
		}
		for _, n := range g.Nodes {
			for _, note := range n.Notes() {
				if strings.Contains(note, "internal error") {
					t.Fatalf("%s (%s): %s", n.Name, n.Type, note)
				}
			}
		}
		if err := infer.Run(g, infer.Options{KeepGoing: true}); err != nil {
			// Only whole-graph problems may stop inference: a cycle,
			// or a count that overflows.
			for _, n := range g.Nodes {
				if !n.Done && n.Op != nil {
					if _, ok := n.Op.(*nodeOp); !ok {
						t.Fatalf("node %s is not wrapped", n.Name)
					}
				}
			}
		}
		stats.Build(g)
	})
}

// fuzzOps are the operators FuzzOps builds nodes of.
var fuzzOps = func() []string {
	ops := []string{"Where", "Clip", "Identity", "Dropout", "Cast", "CastLike", "Shape", "Size", "Gather",
		"GatherElements", "GatherND", "Concat", "Slice", "Squeeze", "Unsqueeze", "Reshape", "Flatten",
		"Transpose", "Expand", "Tile", "Range", "ConstantOfShape", "Split", "Pad", "Resize", "Upsample",
		"TopK", "ArgMax", "Constant", "NonZero", "Compress", "OneHot", "DepthToSpace", "SpaceToDepth",
		"Det", "GridSample", "RoiAlign", "NonMaxSuppression", "CenterCropPad", "Conv", "ConvTranspose",
		"MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Einsum", "BatchNormalization",
		"LayerNormalization", "GroupNormalization", "Softmax", "LSTM", "GRU", "RNN", "If", "Loop", "Scan",
		"Add", "Mul", "Div", "Equal", "Not", "Sum", "ReduceMean", "ReduceProd", "ReduceSum"}
	return ops
}()

// FuzzOps builds one node of a fuzzed operator, with fuzzed attributes,
// input shapes and constant inputs, and checks that inference never hits
// an internal error (a recovered panic) whatever the values.
func FuzzOps(f *testing.F) {
	f.Add(uint8(0), int64(1), []byte{1, 3, 8, 8}, []byte{4, 3, 3, 3}, []byte{0, 1, 2, 3}, uint8(4), "")
	f.Add(uint8(14), int64(-1), []byte{2, 0xff, 4}, []byte{2}, []byte{0xff, 0, 1}, uint8(2), "ij,jk")
	f.Add(uint8(39), int64(0), []byte{1, 2, 5, 5}, []byte{3, 2, 2, 2}, []byte{1, 1, 1, 1}, uint8(2), "")
	f.Fuzz(func(t *testing.T, opi uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) {
		fuzzOp(t, 18, opi, axis, xdims, wdims, vals, nin, s)
	})
}

// FuzzOpsOpset is FuzzOps at the opsets before an attribute became an
// input (Squeeze-11's axes, Reshape-1's shape, Slice-1's bounds, Pad-2's
// pads, TopK-1's k, Upsample-7's scales, ReduceSum-11's axes).
func FuzzOpsOpset(f *testing.F) {
	f.Add(uint8(12), uint8(0), int64(1), []byte{2, 6}, []byte{}, []byte{1, 3}, uint8(1), "")
	f.Add(uint8(15), uint8(1), int64(0), []byte{2, 3, 4}, []byte{}, []byte{0, 0xff}, uint8(1), "")
	f.Add(uint8(23), uint8(2), int64(0), []byte{4, 4}, []byte{}, []byte{0, 1, 0, 1}, uint8(2), "")
	f.Fuzz(func(t *testing.T, opi, opseti uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) {
		opsets := []int64{1, 2, 5, 7, 9, 10, 11, 12, 13}
		fuzzOp(t, opsets[int(opseti)%len(opsets)], opi, axis, xdims, wdims, vals, nin, s)
	})
}

// fuzzOp builds and infers one node of operator fuzzOps[opi] at opset.
func fuzzOp(t *testing.T, opset int64, opi uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) {
	if len(xdims) > 6 || len(wdims) > 6 || len(vals) > 16 || len(s) > 16 {
		return
	}
	dims := func(b []byte) []any {
		var ds []any
		for _, x := range b {
			if x == 0xff {
				ds = append(ds, "N")
			} else {
				ds = append(ds, int(x%9))
			}
		}
		return ds
	}
	ints := make([]int64, len(vals))
	for i, v := range vals {
		ints[i] = int64(int8(v))
	}
	var wd []int64
	for _, x := range wdims {
		wd = append(wd, int64(x%9))
	}
	ins := []string{"X", "I", "W", "S", "X"}[:int(nin)%6]
	node := bNode("n", fuzzOps[int(opi)%len(fuzzOps)], ins, []string{"Y", "Z"},
		bAttrInt("axis", axis), bAttrInts("axes", ints...), bAttrInts("perm", ints...), bAttrInts("pads", ints...),
		bAttrInts("kernel_shape", ints...), bAttrInts("strides", ints...), bAttrInts("split", ints...),
		bAttrInt("to", axis), bAttrInt("keepdims", axis), bAttrInt("group", axis), bAttrInt("blocksize", axis),
		pb{}.str(attrName, "equation").int(attrType, int64(AttrString)).str(attrS, s),
		bAttrGraph("then_branch", bGraph(nil, nil, nil, []pb{bValueInfo("X", Float)})),
		bAttrGraph("else_branch", bGraph(nil, nil, nil, []pb{bValueInfo("I", Float)})),
		bAttrGraph("body", bGraph([]pb{bNode("b", "Identity", []string{"X"}, []string{"o"})}, nil, nil, []pb{bValueInfo("o", Float)})))
	gr := bGraph([]pb{node},
		[]pb{bInts("I", ints...), bTensor("W", Float, wd...), bScalarInt("S", axis)},
		[]pb{bValueInfo("X", Float, dims(xdims)...)},
		[]pb{bValueInfo("Y", Float)})
	model := bModel(gr)
	if opset != 18 {
		model = pb{}.int(modelIRVersion, 7).msg(modelOpsetImport, bOpset("", opset)).msg(modelGraph, gr)
	}
	m, err := Decode(memReader(model), int64(len(model)))
	if err != nil {
		t.Fatalf("a built model does not decode: %v", err)
	}
	g, err := Build("fuzz.onnx", m, memReader(model), Options{})
	if err != nil {
		return
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("built an invalid graph: %v", err)
	}
	infer.Run(g, infer.Options{KeepGoing: true})
	for _, n := range g.Nodes {
		for _, note := range n.Notes() {
			if strings.Contains(note, "internal error") {
				t.Fatalf("%s (%s): %s", n.Name, n.Type, note)
			}
		}
	}
	stats.Build(g)
}
