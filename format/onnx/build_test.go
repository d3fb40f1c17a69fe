package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// pb builds protobuf messages by hand for tests, with protowire only.
type pb []byte

func (m pb) varint(num protowire.Number, v uint64) pb {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func (m pb) int(num protowire.Number, v int64) pb { return m.varint(num, uint64(v)) }

func (m pb) fixed32(num protowire.Number, v uint32) pb {
	m = protowire.AppendTag(m, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(m, v)
}

func (m pb) float(num protowire.Number, f float32) pb { return m.fixed32(num, math.Float32bits(f)) }

func (m pb) bytes(num protowire.Number, b []byte) pb {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m pb) str(num protowire.Number, s string) pb { return m.bytes(num, []byte(s)) }

func (m pb) msg(num protowire.Number, sub pb) pb { return m.bytes(num, sub) }

// packed appends a packed repeated varint field.
func (m pb) packed(num protowire.Number, vs ...int64) pb {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	return m.bytes(num, b)
}

// packedFloats appends a packed repeated float field.
func (m pb) packedFloats(num protowire.Number, fs ...float32) pb {
	var b []byte
	for _, f := range fs {
		b = protowire.AppendFixed32(b, math.Float32bits(f))
	}
	return m.bytes(num, b)
}

// Builders for ONNX messages.

func bOpset(domain string, version int64) pb {
	return pb{}.str(opsetDomain, domain).int(opsetVersion, version)
}

func bEntry(k, v string) pb { return pb{}.str(entryKey, k).str(entryValue, v) }

// tensorMsg starts a TensorProto with a name, data type and dims.
func bTensor(name string, dt DataType, dims ...int64) pb {
	m := pb{}.packed(tensorDims, dims...).int(tensorDataType, int64(dt)).str(tensorName, name)
	if len(dims) == 0 {
		m = pb{}.int(tensorDataType, int64(dt)).str(tensorName, name)
	}
	return m
}

func bNode(name, op string, inputs, outputs []string, attrs ...pb) pb {
	var m pb
	for _, in := range inputs {
		m = m.str(nodeInput, in)
	}
	for _, out := range outputs {
		m = m.str(nodeOutput, out)
	}
	m = m.str(nodeName, name).str(nodeOpType, op)
	for _, a := range attrs {
		m = m.msg(nodeAttribute, a)
	}
	return m
}

func bAttrInt(name string, v int64) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrInt)).int(attrI, v)
}

func bAttrInts(name string, vs ...int64) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrInts)).packed(attrInts, vs...)
}

func bAttrFloat(name string, f float32) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrFloat)).float(attrF, f)
}

func bAttrFloats(name string, fs ...float32) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrFloats)).packedFloats(attrFloats, fs...)
}

func bAttrTensor(name string, t pb) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrTensor)).msg(attrT, t)
}

func bAttrGraph(name string, g pb) pb {
	return pb{}.str(attrName, name).int(attrType, int64(AttrGraph)).msg(attrG, g)
}

// valueInfoMsg builds a tensor ValueInfoProto; dims are int64 (dim_value),
// string (dim_param) or nil (unknown).
func bValueInfo(name string, dt DataType, dims ...any) pb {
	var shape pb
	for _, d := range dims {
		var dim pb
		switch d := d.(type) {
		case int:
			dim = dim.int(dimValue, int64(d))
		case string:
			dim = dim.str(dimParam, d)
		}
		shape = shape.msg(shapeDim, dim)
	}
	tt := pb{}.int(tensorTypeElem, int64(dt)).msg(tensorTypeShape, shape)
	return pb{}.str(valueInfoName, name).msg(valueInfoType, pb{}.msg(typeTensor, tt))
}

func bModel(graph pb, extra ...pb) pb {
	m := pb{}.int(modelIRVersion, 9).msg(modelOpsetImport, bOpset("", 18)).
		str(modelProducerName, "test").str(modelProducerVersion, "1.0").msg(modelGraph, graph)
	for _, e := range extra {
		m = append(m, e...)
	}
	return m
}

func le32(fs ...float32) []byte {
	var b []byte
	for _, f := range fs {
		b = protowire.AppendFixed32(b, math.Float32bits(f))
	}
	return b
}

func le64(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendFixed64(b, uint64(v))
	}
	return b
}

// nestedIf returns a graph whose If node nests depth levels of subgraphs.
func nestedIf(depth int) pb {
	g := pb{}.str(graphName, "leaf").msg(graphNode, bNode("id", "Identity", []string{"x"}, []string{"y"}))
	for i := 0; i < depth; i++ {
		g = pb{}.str(graphName, "g").msg(graphNode, bNode("if", "If", []string{"c"}, []string{"y"}, bAttrGraph("then_branch", g)))
	}
	return g
}
