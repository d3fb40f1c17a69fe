package onnx

import (
	"sort"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// issue16Ops are the operators of ops_*.go, "domain/op" outside ai.onnx.
var issue16Ops = func() []string {
	ops := []string{"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "HannWindow", "BlackmanWindow", "DFT",
		"STFT", "MelWeightMatrix", "DynamicQuantizeLinear", "Unique", "MaxUnpool", "StringNormalizer",
		"TfIdfVectorizer", "Optional", "OptionalHasElement", "OptionalGetElement", "Compress", "Attention",
		"TensorScatter", "Col2Im", "DeformConv", "AffineGrid", "CumProd", "BitCast", "StringSplit", "ImageDecoder",
		"SwiGLU", "CausalConvWithState", "MaxRoiPool", "Multinomial", "SequenceConstruct", "SequenceEmpty",
		"SequenceInsert", "SequenceErase", "SequenceAt", "SequenceLength", "SplitToSequence", "ConcatFromSequence",
		"SimplifiedLayerNormalization", "LinearAttention", "Scan", "Loop"}
	var others []string
	for d, m := range domainOps {
		for t := range m {
			others = append(others, d+"/"+t)
		}
	}
	sort.Strings(others)
	return append(ops, others...)
}()

// FuzzIssue16Ops builds a node of one of issue 16's operators with fuzzed
// attributes, input shapes and constant inputs: inference must never hit
// an internal error (a recovered panic), whatever the values.
func FuzzIssue16Ops(f *testing.F) {
	f.Add(uint8(0), int64(1), []byte{3, 5, 2}, []byte{3, 2}, []byte{1, 2}, uint8(2), "mean")
	f.Add(uint8(4), int64(1), []byte{2, 8, 1}, []byte{4}, []byte{4}, uint8(3), "")
	f.Add(uint8(16), int64(0), []byte{1, 3, 4, 8}, []byte{1, 3, 6, 8}, []byte{3}, uint8(4), "")
	f.Add(uint8(40), int64(2), []byte{2, 4, 24}, []byte{24, 72}, []byte{}, uint8(3), "")
	f.Fuzz(func(t *testing.T, opi uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) {
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
		floats := make([]float32, len(vals))
		for i, v := range vals {
			ints[i] = int64(int8(v))
			floats[i] = float32(int8(v))
		}
		op := issue16Ops[int(opi)%len(issue16Ops)]
		domain := ""
		if i := strings.LastIndexByte(op, '/'); i >= 0 {
			domain, op = op[:i], op[i+1:]
		}
		ins := []string{"X", "W", "I", "S", "X", "W", "S"}[:int(nin)%8]
		node := bNode("n", op, ins, []string{"Y", "Z", "Q", "R"},
			bAttrInt("axis", axis), bAttrInt("onesided", axis&1), bAttrInt("inverse", axis>>1&1),
			bAttrInts("kernel_shape", ints...), bAttrInts("strides", ints...), bAttrInts("pads", ints...),
			bAttrInt("q_num_heads", axis), bAttrInt("kv_num_heads", axis>>2), bAttrInt("num_heads", axis),
			bAttrInts("ngram_indexes", ints...), bAttrInts("pooled_shape", ints...), bAttrInt("sample_size", axis),
			bAttrInt("new_axis", axis&1), bAttrInt("keepdims", axis&1), bAttrInt("K", axis), bAttrInt("N", axis),
			bAttrInts("qkv_hidden_sizes", ints...), bAttrInts("inputdimensions", ints...), bAttrInt("targets", axis),
			bAttrInt("n_targets", axis), bAttrFloats("coefficients", floats...), bAttrFloats("intercepts", floats...),
			bAttrInts("classlabels_ints", ints...), bAttrInts("cats_int64s", ints...),
			pb{}.str(attrName, "reduction").int(attrType, int64(AttrString)).str(attrS, s))
		if domain != "" {
			node = node.str(nodeDomain, domain)
		}
		gr := bGraph([]pb{node},
			[]pb{bInts("I", ints...), bTensor("W", Float, intsOf(wdims)...), bScalarInt("S", axis)},
			[]pb{bValueInfo("X", Float, dims(xdims)...)},
			[]pb{bValueInfo("Y", Float)})
		model := bModel(gr)
		m, err := Decode(memReader(model), int64(len(model)))
		if err != nil {
			t.Fatalf("a built model does not decode: %v", err)
		}
		g, err := Build("fuzz.onnx", m, memReader(model), Options{})
		if err != nil {
			return
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
	})
}

func intsOf(b []byte) []int64 {
	var xs []int64
	for _, x := range b {
		xs = append(xs, int64(x%9))
	}
	return xs
}
