package onnx

import (
	"strconv"

	"github.com/layerinfo/layerinfo/internal/pbwire"
)

// MaxDepth is how deeply messages may nest: subgraphs within subgraphs, and
// types within types. Deeper input is rejected.
const MaxDepth = 64

// Model is a decoded ModelProto.
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	// OpsetImport maps an operator-set domain to its version. The default
	// domain is "" (also spelled "ai.onnx"); see Opset.
	OpsetImport   map[string]int64
	Graph         *Graph
	Functions     []Function
	MetadataProps KeyValues

	// names are the value names the decoder interned; the ids kept with
	// nodes, tensors and value infos index them (see Build).
	names *pbwire.Names
}

// Opset returns the imported version of an operator-set domain, treating ""
// and "ai.onnx" as the same domain; 0 when the domain is not imported.
func (m *Model) Opset(domain string) int64 { return opset(m.OpsetImport, domain) }

func opset(imports map[string]int64, domain string) int64 {
	if v, ok := imports[domain]; ok {
		return v
	}
	switch domain {
	case "":
		return imports["ai.onnx"]
	case "ai.onnx":
		return imports[""]
	}
	return 0
}

// Graph is a decoded GraphProto: the main graph or a subgraph.
type Graph struct {
	Name string
	// Path names the graph in the model: "graph", or e.g.
	// "graph.node[3].attribute[then_branch].g".
	Path         string
	Nodes        []Node
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
	Initializers []*TensorInfo
	// SparseInitializers are the sparse_initializer entries; only their
	// dims and the headers of their values and indices tensors are read.
	SparseInitializers []SparseTensor
}

// Initializer returns the initializer called name, or nil.
func (g *Graph) Initializer(name string) *TensorInfo {
	for _, t := range g.Initializers {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Node is a decoded NodeProto.
type Node struct {
	Name     string
	OpType   string
	Domain   string
	Overload string
	// Inputs and Outputs name values; an empty string is an omitted
	// optional input or output.
	Inputs     []string
	Outputs    []string
	Attributes []Attribute
	// Path names the node in the model, e.g. "graph.node[12]".
	Path string
	// Offset is the byte offset of the NodeProto's contents in the file.
	Offset int64

	// ids are the ids of Inputs then Outputs among the model's interned
	// names, -1 for an empty one; nil for a node not decoded.
	ids []int32
}

// id is the interned id of input i (of output i - len(Inputs) past
// them), -1 when unknown. Build checks it against the name.
func (n *Node) id(i int) int32 {
	if i < len(n.ids) {
		return n.ids[i]
	}
	return -1
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for i := range n.Attributes {
		if n.Attributes[i].Name == name {
			return &n.Attributes[i]
		}
	}
	return nil
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// Attribute types.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

var attrTypeNames = [...]string{
	"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS",
	"STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS",
	"TYPE_PROTO", "TYPE_PROTOS",
}

// String returns the proto enum name, e.g. "INTS".
func (t AttrType) String() string {
	if t >= 0 && int(t) < len(attrTypeNames) {
		return attrTypeNames[t]
	}
	return "AttrType(" + strconv.Itoa(int(t)) + ")"
}

// Attribute is a decoded AttributeProto. Which value fields are set
// depends on Type. When the file leaves type unset (old exporters), Type is
// inferred from the value fields present.
type Attribute struct {
	Name        string
	Type        AttrType
	RefAttrName string // set in function bodies: the value is the caller's attribute of that name
	F           float32
	I           int64
	S           string
	Floats      []float32
	Ints        []int64
	Strings     []string
	T           *TensorInfo
	G           *Graph
	Tensors     []*TensorInfo
	Graphs      []*Graph
	Sparse      *SparseTensor
	// SparseTensors holds sparse_tensors; TYPE_PROTO values are skipped.
	SparseTensors []SparseTensor
}

// ValueInfo is a decoded ValueInfoProto: a named value and its type.
type ValueInfo struct {
	Name string
	Kind TypeKind
	// ElemType is the element type of a tensor or sparse tensor; for a
	// sequence or optional it is that of the innermost tensor.
	ElemType DataType
	// Shape is nil when the type has no shape (unknown rank); a scalar has
	// a non-nil empty shape.
	Shape []Dim

	nameID int32 // Name's interned id (Node.ids), checked before use
}

// TypeKind says which member of TypeProto's value oneof is set.
type TypeKind uint8

// Type kinds.
const (
	TypeNone TypeKind = iota
	TypeTensor
	TypeSparseTensor
	TypeSequence
	TypeMap
	TypeOptional
	TypeOpaque
)

var typeKindNames = [...]string{"none", "tensor", "sparse_tensor", "sequence", "map", "optional", "opaque"}

func (k TypeKind) String() string {
	if int(k) < len(typeKindNames) {
		return typeKindNames[k]
	}
	return "TypeKind(" + strconv.Itoa(int(k)) + ")"
}

// Dim is one dimension of a shape: a number (Known), a symbolic name
// (Param), or neither (unknown).
type Dim struct {
	Value int64
	Param string
	Known bool
}

// String returns the number, the symbolic name, or "?".
func (d Dim) String() string {
	switch {
	case d.Known:
		return strconv.FormatInt(d.Value, 10)
	case d.Param != "":
		return d.Param
	}
	return "?"
}

// Function is a decoded FunctionProto, a model-local operator.
type Function struct {
	Name     string
	Domain   string
	Overload string
	Inputs   []string
	Outputs  []string
	// Attributes names the function's attributes that have no default.
	Attributes []string
	// AttributeDefaults are the attributes declared with default values.
	AttributeDefaults []Attribute
	Nodes             []Node
	OpsetImport       map[string]int64
	// Path names the function in the model, e.g. "functions[0]".
	Path string
}

// Opset returns the version of an operator-set domain imported by the
// function, treating "" and "ai.onnx" as the same domain.
func (f *Function) Opset(domain string) int64 { return opset(f.OpsetImport, domain) }

// KeyValue is a StringStringEntryProto.
type KeyValue struct {
	Key, Value string
}

// KeyValues is a list of entries in file order.
type KeyValues []KeyValue

// Get returns the value of the last entry with the key.
func (kv KeyValues) Get(key string) (string, bool) {
	for i := len(kv) - 1; i >= 0; i-- {
		if kv[i].Key == key {
			return kv[i].Value, true
		}
	}
	return "", false
}

// SparseTensor is a decoded SparseTensorProto: its dims and the headers of
// its values and indices tensors.
type SparseTensor struct {
	Dims    []int64
	Values  *TensorInfo // nil when absent
	Indices *TensorInfo // nil when absent
}

// Name returns the name of the sparse tensor, which is its values' name.
func (s *SparseTensor) Name() string {
	if s.Values == nil {
		return ""
	}
	return s.Values.Name
}
