package onnx

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
)

// sampleModel exercises most of the format: typed payloads, an external
// initializer, a sparse initializer, Constant nodes, an If with subgraphs
// and a model-local function.
func sampleModel() pb {
	then := pb{}.str(graphName, "then").
		msg(graphNode, bNode("t0", "Identity", []string{"x"}, []string{"ty"})).
		msg(graphOutput, bValueInfo("ty", Float, "N", 3))
	// The else branch has its attribute name after the graph, and a nested If.
	inner := pb{}.str(graphName, "inner").msg(graphNode, bNode("i0", "Neg", []string{"x"}, []string{"iy"}))
	els := pb{}.str(graphName, "else").
		msg(graphNode, bNode("e0", "If", []string{"c"}, []string{"ey"}, bAttrGraph("then_branch", inner)))
	elseAttr := pb{}.int(attrType, int64(AttrGraph)).msg(attrG, els).str(attrName, "else_branch")

	g := pb{}.str(graphName, "main").
		// node[0..4]: constants
		msg(graphNode, bNode("c_ints", "Constant", nil, []string{"ci"}, bAttrInts("value_ints", 1, -2, 3))).
		msg(graphNode, bNode("c_int", "Constant", nil, []string{"cs"}, bAttrInt("value_int", 7))).
		msg(graphNode, bNode("c_float", "Constant", nil, []string{"cf"}, bAttrFloat("value_float", 0.5))).
		msg(graphNode, bNode("c_floats", "Constant", nil, []string{"cfs"}, bAttrFloats("value_floats", 1.5, 2.5))).
		msg(graphNode, bNode("c_t", "Constant", nil, []string{"ct"},
			bAttrTensor("value", bTensor("", Int64, 2).bytes(protowire.Number(RawData), le64(4, -1))))).
		// node[5]: If with two subgraphs
		msg(graphNode, bNode("cond", "If", []string{"c"}, []string{"y"}, bAttrGraph("then_branch", then), elseAttr)).
		// node[6]: an omitted optional input and an attribute without type
		msg(graphNode, bNode("resize", "Resize", []string{"x", "", "scales"}, []string{"r"},
			pb{}.str(attrName, "alpha").float(attrF, 0.25),
			pb{}.str(attrName, "mode").int(attrType, int64(AttrString)).str(attrS, "linear"))).
		// node[7]: a call of the function
		msg(graphNode, bNode("call", "MyFunc", []string{"x"}, []string{"z"}).str(nodeDomain, "com.example")).
		msg(graphInput, bValueInfo("x", Float, "N", 3)).
		msg(graphInput, bValueInfo("c", Bool)).
		msg(graphOutput, bValueInfo("y", Float, nil, 3)).
		msg(graphValueInfo, pb{}.str(valueInfoName, "seq").msg(valueInfoType,
			pb{}.msg(typeSequence, pb{}.msg(tensorTypeElem, pb{}.msg(typeTensor, pb{}.int(tensorTypeElem, int64(Int64))))))).
		// initializers
		msg(graphInitializer, bTensor("w", Float, 2, 3).bytes(protowire.Number(RawData), le32(1, 2, 3, 4, 5, 6))).
		msg(graphInitializer, bTensor("ext", Float, 4096, 4096).
			msg(tensorExternalData, bEntry("location", "weights.bin")).
			msg(tensorExternalData, bEntry("offset", "0")).
			msg(tensorExternalData, bEntry("length", "67108864")).
			int(tensorDataLocation, int64(External))).
		msg(graphInitializer, bTensor("i64", Int64, 3).packed(protowire.Number(Int64Data), 1, -2, 3)).
		msg(graphInitializer, bTensor("i32", Int32, 2).int(protowire.Number(Int32Data), -7).int(protowire.Number(Int32Data), 8)).
		msg(graphInitializer, bTensor("f16", Float16, 2).packed(protowire.Number(Int32Data), 0x3c00, 0xc000)).
		msg(graphInitializer, bTensor("dbl", Double, 2).bytes(protowire.Number(DoubleData), le64(int64(math.Float64bits(1.5)), int64(math.Float64bits(-2.25))))).
		msg(graphInitializer, bTensor("u64", Uint64, 2).packed(protowire.Number(Uint64Data), 5, math.MinInt64)).
		msg(graphInitializer, bTensor("flt", Float).float(protowire.Number(FloatData), 3.5)).
		msg(graphInitializer, bTensor("big", Float, 5000).bytes(protowire.Number(RawData), make([]byte, 20000))).
		msg(graphInitializer, bTensor("bool", Bool, 3).bytes(protowire.Number(RawData), []byte{1, 0, 1})).
		msg(graphInitializer, bTensor("bf16", BFloat16, 1).bytes(protowire.Number(RawData), []byte{0x80, 0x3f})).
		msg(graphInitializer, bTensor("split", Int64, 4).packed(protowire.Number(Int64Data), 1, 2).packed(protowire.Number(Int64Data), 3, 4)).
		msg(graphInitializer, bTensor("i8", Int8, 2).packed(protowire.Number(Int32Data), -5, 100)).
		msg(graphSparseInitializer, pb{}.
			msg(sparseValues, bTensor("sp", Float, 3).bytes(protowire.Number(RawData), le32(1, 2, 3))).
			msg(sparseIndices, bTensor("", Int64, 3).packed(protowire.Number(Int64Data), 0, 11, 99)).
			packed(sparseDims, 10, 10))

	fn := pb{}.str(funcName, "MyFunc").str(funcDomain, "com.example").
		str(funcInput, "a").str(funcOutput, "b").str(funcAttribute, "alpha").
		msg(funcAttributeProto, bAttrInt("beta", 2)).
		msg(funcNode, bNode("m", "Mul", []string{"a", "a"}, []string{"b"},
			pb{}.str(attrName, "scale").int(attrType, int64(AttrFloat)).str(attrRefAttrName, "alpha"))).
		msg(funcOpsetImport, bOpset("", 18))
	return bModel(g,
		pb{}.msg(modelOpsetImport, bOpset("com.example", 1)),
		pb{}.msg(modelMetadataProps, bEntry("author", "me")),
		pb{}.str(6, "doc string is skipped"),
		pb{}.msg(modelFunctions, fn))
}

// decodeAll decodes b through every reading path and checks they agree.
func decodeAll(t *testing.T, b []byte) *Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	for _, w := range []int{16, 100, defaultWindow} {
		m, err := decodeWindow(bytes.NewReader(b), int64(len(b)), w)
		if err != nil {
			t.Fatalf("window %d: %v", w, err)
		}
		if !reflect.DeepEqual(m, f.Model) {
			t.Fatalf("window %d: model differs from the mapped decode", w)
		}
	}
	return f.Model
}

func TestDecodeSample(t *testing.T) {
	b := sampleModel()
	m := decodeAll(t, b)
	r := bytes.NewReader(b)

	if m.IRVersion != 9 || m.ProducerName != "test" || m.ProducerVersion != "1.0" {
		t.Errorf("header = %d %q %q", m.IRVersion, m.ProducerName, m.ProducerVersion)
	}
	if m.Opset("") != 18 || m.Opset("ai.onnx") != 18 || m.Opset("com.example") != 1 || m.Opset("x") != 0 {
		t.Errorf("opsets = %v", m.OpsetImport)
	}
	if v, _ := m.MetadataProps.Get("author"); v != "me" {
		t.Errorf("metadata = %v", m.MetadataProps)
	}
	g := m.Graph
	if g.Name != "main" || g.Path != "graph" || len(g.Nodes) != 8 {
		t.Fatalf("graph %q %q with %d nodes", g.Name, g.Path, len(g.Nodes))
	}

	// Inputs, outputs, value_info.
	x := g.Inputs[0]
	if x.Name != "x" || x.Kind != TypeTensor || x.ElemType != Float || len(x.Shape) != 2 ||
		x.Shape[0] != (Dim{Param: "N"}) || x.Shape[1] != (Dim{Value: 3, Known: true}) {
		t.Errorf("input x = %+v", x)
	}
	if c := g.Inputs[1]; c.ElemType != Bool || c.Shape == nil || len(c.Shape) != 0 {
		t.Errorf("scalar input c = %+v", c)
	}
	if y := g.Outputs[0]; y.Shape[0].String() != "?" || y.Shape[1].String() != "3" {
		t.Errorf("output y = %+v", y)
	}
	if s := g.ValueInfo[0]; s.Kind != TypeSequence || s.ElemType != Int64 || s.Shape != nil {
		t.Errorf("value_info seq = %+v", s)
	}

	// The If node and its subgraphs.
	ifn := &g.Nodes[5]
	if ifn.Path != "graph.node[5]" || ifn.OpType != "If" || len(ifn.Attributes) != 2 {
		t.Fatalf("If node = %+v", ifn)
	}
	then := ifn.Attr("then_branch")
	if then == nil || then.Type != AttrGraph || then.G == nil || then.G.Name != "then" {
		t.Fatalf("then_branch = %+v", then)
	}
	if p := then.G.Nodes[0].Path; p != "graph.node[5].attribute[then_branch].g.node[0]" {
		t.Errorf("then node path %q", p)
	}
	if o := then.G.Outputs[0]; o.Name != "ty" || o.Shape[0].Param != "N" {
		t.Errorf("then output = %+v", o)
	}
	els := ifn.Attr("else_branch")
	if els == nil || els.G == nil {
		t.Fatalf("else_branch = %+v", els)
	}
	inner := els.G.Nodes[0].Attr("then_branch").G
	if p := inner.Nodes[0].Path; p != "graph.node[5].attribute[else_branch].g.node[0].attribute[then_branch].g.node[0]" || inner.Nodes[0].OpType != "Neg" {
		t.Errorf("nested node %q %s", p, inner.Nodes[0].OpType)
	}

	// Optional inputs and attributes.
	rs := &g.Nodes[6]
	if !reflect.DeepEqual(rs.Inputs, []string{"x", "", "scales"}) {
		t.Errorf("resize inputs %q", rs.Inputs)
	}
	if a := rs.Attr("alpha"); a == nil || a.Type != AttrFloat || a.F != 0.25 {
		t.Errorf("untyped attribute = %+v", a)
	}
	if a := rs.Attr("mode"); a == nil || a.S != "linear" || a.Type.String() != "STRING" {
		t.Errorf("string attribute = %+v", a)
	}
	if rs.Attr("missing") != nil {
		t.Error("Attr(missing) != nil")
	}
	if call := &g.Nodes[7]; call.Domain != "com.example" {
		t.Errorf("call domain %q", call.Domain)
	}

	// The function.
	if len(m.Functions) != 1 {
		t.Fatalf("%d functions", len(m.Functions))
	}
	fn := &m.Functions[0]
	if fn.Name != "MyFunc" || fn.Domain != "com.example" || fn.Path != "functions[0]" ||
		!reflect.DeepEqual(fn.Inputs, []string{"a"}) || !reflect.DeepEqual(fn.Outputs, []string{"b"}) ||
		!reflect.DeepEqual(fn.Attributes, []string{"alpha"}) || fn.Opset("ai.onnx") != 18 {
		t.Errorf("function = %+v", fn)
	}
	if len(fn.AttributeDefaults) != 1 || fn.AttributeDefaults[0].Name != "beta" || fn.AttributeDefaults[0].I != 2 {
		t.Errorf("function attribute defaults = %+v", fn.AttributeDefaults)
	}
	if len(fn.Nodes) != 1 || fn.Nodes[0].Path != "functions[0].node[0]" || fn.Nodes[0].Attr("scale").RefAttrName != "alpha" {
		t.Errorf("function nodes = %+v", fn.Nodes)
	}

	// Initializers: headers.
	if len(g.Initializers) != 13 {
		t.Fatalf("%d initializers", len(g.Initializers))
	}
	w := g.Initializer("w")
	if w.Path != "graph.initializer[0]" || w.DataType != Float || !reflect.DeepEqual(w.Dims, []int64{2, 3}) ||
		w.DataField != RawData || w.Length != 24 || !bytes.Equal(b[w.Offset:w.Offset+w.Length], le32(1, 2, 3, 4, 5, 6)) {
		t.Errorf("w = %+v", w)
	}
	ext := g.Initializer("ext")
	if !ext.IsExternal() || ext.DataField != NoData || ext.Length != 0 {
		t.Errorf("ext = %+v", ext)
	}
	if loc, _ := ext.ExternalData.Get("location"); loc != "weights.bin" {
		t.Errorf("ext location %q", loc)
	}
	if n, _ := ext.ByteSize(); n != 4096*4096*4 {
		t.Errorf("ext ByteSize %d", n)
	}
	if _, err := ext.Float64s(r, 0); err == nil || !strings.Contains(err.Error(), "external") {
		t.Errorf("external Float64s error = %v", err)
	}
	if g.Initializer("nope") != nil {
		t.Error("Initializer(nope) != nil")
	}
	sp := g.SparseInitializers[0]
	if sp.Name() != "sp" || !reflect.DeepEqual(sp.Dims, []int64{10, 10}) || sp.Indices == nil ||
		sp.Values.Path != "graph.sparse_initializer[0].values" {
		t.Errorf("sparse = %+v", sp)
	}

	// Initializers: values.
	ints := map[string][]int64{
		"i64":   {1, -2, 3},
		"i32":   {-7, 8},
		"bool":  {1, 0, 1},
		"split": {1, 2, 3, 4},
		"i8":    {-5, 100},
	}
	for name, want := range ints {
		got, err := g.Initializer(name).Int64s(r, 0)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s.Int64s = %v, %v; want %v", name, got, err, want)
		}
	}
	floats := map[string][]float64{
		"w":    {1, 2, 3, 4, 5, 6},
		"f16":  {1, -2},
		"dbl":  {1.5, -2.25},
		"flt":  {3.5},
		"bf16": {1},
		"u64":  {5, 1 << 63},
		"i64":  {1, -2, 3},
	}
	for name, want := range floats {
		got, err := g.Initializer(name).Float64s(r, 0)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s.Float64s = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := g.Initializer("u64").Int64s(r, 0); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("u64.Int64s error = %v", err)
	}
	if _, err := g.Initializer("w").Int64s(r, 0); err == nil {
		t.Error("Int64s of a float tensor succeeded")
	}
	big := g.Initializer("big")
	if _, err := big.Float64s(r, 0); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("big.Float64s error = %v", err)
	}
	if v, err := big.Float64s(r, 5000); err != nil || len(v) != 5000 {
		t.Errorf("big.Float64s(5000) = %d values, %v", len(v), err)
	}

	// Constant nodes.
	type constCase struct {
		node  int
		dims  []int64
		ints  []int64
		float []float64
	}
	for _, c := range []constCase{
		{0, []int64{3}, []int64{1, -2, 3}, []float64{1, -2, 3}},
		{1, []int64{}, []int64{7}, []float64{7}},
		{2, []int64{}, nil, []float64{0.5}},
		{3, []int64{2}, nil, []float64{1.5, 2.5}},
		{4, []int64{2}, []int64{4, -1}, []float64{4, -1}},
	} {
		n := &g.Nodes[c.node]
		dims, fs, err := n.ConstFloat64s(r, 0)
		if err != nil || !reflect.DeepEqual(dims, c.dims) || !reflect.DeepEqual(fs, c.float) {
			t.Errorf("%s ConstFloat64s = %v %v %v", n.Name, dims, fs, err)
		}
		dims, is, err := n.ConstInt64s(r, 0)
		if c.ints == nil {
			if err == nil {
				t.Errorf("%s ConstInt64s succeeded on floats", n.Name)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(dims, c.dims) || !reflect.DeepEqual(is, c.ints) {
			t.Errorf("%s ConstInt64s = %v %v %v", n.Name, dims, is, err)
		}
	}
	if _, _, err := g.Nodes[0].ConstInt64s(r, 2); err == nil {
		t.Error("value_ints over the limit succeeded")
	}
	if _, _, err := ifn.ConstInt64s(r, 0); err == nil {
		t.Error("ConstInt64s of an If node succeeded")
	}
}

func TestValueErrors(t *testing.T) {
	g := pb{}.
		msg(graphInitializer, bTensor("short", Float, 3).bytes(protowire.Number(RawData), le32(1, 2))).
		msg(graphInitializer, bTensor("few", Int64, 3).packed(protowire.Number(Int64Data), 1, 2)).
		msg(graphInitializer, bTensor("many", Int64, 1).packed(protowire.Number(Int64Data), 1, 2)).
		msg(graphInitializer, bTensor("wrongfield", Float, 1).packed(protowire.Number(Int64Data), 1)).
		msg(graphInitializer, bTensor("str", String, 1).str(protowire.Number(StringData), "a")).
		msg(graphInitializer, bTensor("nodata", Float, 2)).
		msg(graphInitializer, bTensor("empty", Float, 0)).
		msg(graphInitializer, bTensor("neg", Float, -1))
	b := bModel(g)
	m := decodeAll(t, b)
	r := bytes.NewReader(b)
	for name, want := range map[string]string{
		"short":      "raw_data has 8 bytes, want 12",
		"few":        "holds 2 values, dims say 3",
		"many":       "more than the 1 values",
		"wrongfield": "stores values in int64_data, want float_data",
		"str":        "cannot read values of string tensor",
		"nodata":     "has no data",
		"neg":        "invalid dims",
	} {
		_, err := m.Graph.Initializer(name).Float64s(r, 0)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
		var e *graph.OffsetError
		if !errors.As(err, &e) || !strings.HasPrefix(e.Path, "graph.initializer[") {
			t.Errorf("%s: error %#v lacks a path", name, err)
		}
	}
	if v, err := m.Graph.Initializer("empty").Float64s(r, 0); err != nil || len(v) != 0 {
		t.Errorf("empty = %v, %v", v, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	node := func(attrs ...pb) pb {
		return bModel(pb{}.msg(graphNode, bNode("a", "Relu", []string{"x"}, []string{"y"})).
			msg(graphNode, bNode("b", "Conv", []string{"y"}, []string{"z"}, attrs...)))
	}
	// An attribute whose ints field claims more bytes than the attribute has.
	badAttr := pb{}.str(attrName, "kernel_shape").int(attrType, int64(AttrInts))
	badAttr = append(badAttr, 0x42, 0x7f, 1, 2) // field 8, length 127, 2 bytes
	// Huge declared length at the top level.
	huge := pb{}.int(modelIRVersion, 8)
	huge = append(huge, 0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f) // graph, length 2^63-1

	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"truncated attribute", node(badAttr), "graph.node[1].attribute[kernel_shape]: truncated length-delimited field (field 8 declares 127 bytes, 2 remain)"},
		{"huge length", huge, "truncated length-delimited field (field 7 declares 9223372036854775807 bytes"},
		{"no graph", pb{}.int(modelIRVersion, 8), "model has no graph"},
		{"empty", nil, "model has no graph"},
		{"wire type", bModel(pb{}.msg(graphNode, pb{}.int(nodeOpType, 3))), "graph.node[0]: field op_type (4) has wire type varint, want length-delimited"},
		{"group", []byte{0x0b}, "group wire type not supported"},
		{"bad wire type", []byte{0x0e}, "invalid wire type 6"},
		{"field zero", []byte{0x00, 0x01}, "invalid field number 0"},
		{"truncated varint", []byte{0x08, 0x80}, "truncated varint"},
		{"overlong varint", []byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "malformed varint"},
		{"truncated fixed", bModel(pb{}.msg(graphNode, bNode("n", "Elu", nil, nil, append(pb{}.str(attrName, "alpha"), 0x15, 1, 2)))), "graph.node[0].attribute[alpha]: truncated fixed32"},
		{"deep subgraphs", bModel(nestedIf(MaxDepth + 5)), "nesting deeper than 64 levels"},
		{"graph twice", bModel(pb{}, pb{}.msg(modelGraph, pb{})), "graph appears twice"},
		{"bad packed float", bModel(pb{}.msg(graphNode, bNode("n", "X", nil, nil, pb{}.str(attrName, "fs").bytes(attrFloats, []byte{1, 2, 3})))), "not a multiple of 4"},
		{"bad dim", bModel(pb{}.msg(graphInput, pb{}.msg(valueInfoType, pb{}.msg(typeTensor, pb{}.msg(tensorTypeShape, pb{}.msg(shapeDim, pb{}.str(dimValue, "x"))))))), "graph.input[0].type.tensor_type.shape.dim[0]: field dim_value"},
	}
	for _, c := range cases {
		_, err := Decode(bytes.NewReader(c.in), int64(len(c.in)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
			continue
		}
		var e *graph.OffsetError
		if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(c.in)) {
			t.Errorf("%s: error %#v has no valid offset", c.name, err)
		}
	}

	// Nesting just under the limit decodes.
	if _, err := Decode(bytes.NewReader(bModel(nestedIf(MaxDepth-2))), int64(len(bModel(nestedIf(MaxDepth-2))))); err != nil {
		t.Errorf("nesting under the limit: %v", err)
	}
	// Deeply nested types are capped too.
	ty := pb{}.msg(typeTensor, pb{}.int(tensorTypeElem, 1))
	for i := 0; i < 2*MaxDepth; i++ {
		ty = pb{}.msg(typeSequence, pb{}.msg(tensorTypeElem, ty))
	}
	deep := bModel(pb{}.msg(graphInput, pb{}.str(valueInfoName, "s").msg(valueInfoType, ty)))
	if _, err := Decode(bytes.NewReader(deep), int64(len(deep))); err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Errorf("deep types: %v", err)
	}
}

func TestErrorNamesFile(t *testing.T) {
	b := bModel(pb{}.msg(graphNode, bNode("a", "Relu", nil, nil)))
	b = b[:len(b)-3]
	path := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := DecodeFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+": offset ") {
		t.Fatalf("error %v does not start with the file name", err)
	}
	t.Log(err)
	if _, err := DecodeFile(filepath.Join(t.TempDir(), "absent.onnx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

// TestTruncations decodes every prefix of the sample model: each one either
// decodes or fails with a *graph.OffsetError inside the input, through both readers.
func TestTruncations(t *testing.T) {
	b := sampleModel()
	for n := 0; n < len(b); n++ {
		for _, w := range []int{16, defaultWindow} {
			_, err := decodeWindow(bytes.NewReader(b[:n]), int64(n), w)
			if err == nil {
				continue
			}
			var e *graph.OffsetError
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(n) {
				t.Fatalf("prefix %d: error %v has no valid offset", n, err)
			}
		}
	}
}

// TestShortReader gives a size larger than the reader holds.
func TestShortReader(t *testing.T) {
	b := sampleModel()
	_, err := Decode(bytes.NewReader(b[:100]), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "unexpected end of input") {
		t.Errorf("error %v", err)
	}
	if _, err := Decode(bytes.NewReader(b), -1); err == nil {
		t.Error("negative size accepted")
	}
}

// TestAllocationBounded checks that a file declaring huge counts and lengths
// does not make the decoder allocate for them.
func TestAllocationBounded(t *testing.T) {
	// A tensor claiming 2^40 elements with a tiny raw_data, and an attribute
	// whose packed ints claim more bytes than exist.
	g := pb{}.msg(graphInitializer, bTensor("t", Float, 1<<20, 1<<20).bytes(protowire.Number(RawData), []byte{1, 2, 3, 4}))
	b := bModel(g)
	allocs := testing.AllocsPerRun(10, func() {
		m, err := Decode(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Graph.Initializers[0].Float64s(bytes.NewReader(b), 1<<30); err == nil {
			t.Fatal("reading a short raw_data succeeded")
		}
	})
	if allocs > 40 {
		t.Errorf("%v allocations", allocs)
	}
}
