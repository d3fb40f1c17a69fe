package onnx

import (
	"io"
	"strconv"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// Sizes of the decoded messages, charged to the budget as each is made.
const (
	sizeNode      = int64(unsafe.Sizeof(Node{}))
	sizeAttribute = int64(unsafe.Sizeof(Attribute{}))
	sizeTensor    = int64(unsafe.Sizeof(TensorInfo{})) + 8
	sizeValueInfo = int64(unsafe.Sizeof(ValueInfo{}))
	sizeDim       = int64(unsafe.Sizeof(Dim{}))
	sizeGraph     = int64(unsafe.Sizeof(Graph{})) + 8
)

// Decode reads the ONNX model of size bytes from r. Tensor payloads are
// located but not read. When r is a *File the mapped bytes are walked in
// place; otherwise r is read through a small window buffer.
func Decode(r io.ReaderAt, size int64) (*Model, error) {
	return decodeWindow(r, size, defaultWindow)
}

func decodeWindow(r io.ReaderAt, size int64, window int) (*Model, error) {
	m, _, err := decodeBudget(r, size, window, nil, 0)
	return m, err
}

// decodeBudget decodes charging b for the model it makes (nil: each
// request against the default limit only), and rowCost with each node; it
// returns the number of nodes decoded.
func decodeBudget(r io.ReaderAt, size int64, window int, b *budget.Budget, rowCost int64) (*Model, int, error) {
	if size < 0 {
		return nil, 0, &graph.OffsetError{Msg: "negative size " + strconv.FormatInt(size, 10)}
	}
	d := &decoder{src: newSource(r, size, window), budget: b, rowCost: rowCost}
	m, err := d.model(size)
	return m, d.nodes, err
}

func (d *decoder) model(size int64) (*Model, error) {
	m := &Model{}
	root := &loc{}
	nfunc, nopset := 0, 0
	w := fields(0, size)
	for w.next(d, root) {
		switch f := w.f; f.num {
		case modelIRVersion:
			m.IRVersion, w.err = d.int64(f, root, "ir_version")
		case modelProducerName:
			m.ProducerName, w.err = d.str(f, root, "producer_name")
		case modelProducerVersion:
			m.ProducerVersion, w.err = d.str(f, root, "producer_version")
		case modelDomain:
			m.Domain, w.err = d.str(f, root, "domain")
		case modelModelVersion:
			m.ModelVersion, w.err = d.int64(f, root, "model_version")
		case modelGraph:
			if err := d.want(f, protowire.BytesType, root, "graph"); err != nil {
				return nil, err
			}
			if m.Graph != nil {
				return nil, d.errAt(f.off, root, "graph appears twice")
			}
			m.Graph, w.err = d.graph(f, "graph")
		case modelOpsetImport:
			if m.OpsetImport == nil {
				m.OpsetImport = map[string]int64{}
			}
			at := root.elem("opset_import", nopset)
			w.err = d.opset(f, m.OpsetImport, &at)
			nopset++
		case modelMetadataProps:
			at := root.elem("metadata_props", len(m.MetadataProps))
			kv, err := d.entry(f, &at)
			if err != nil {
				return nil, err
			}
			m.MetadataProps = append(m.MetadataProps, kv)
		case modelFunctions:
			at := root.elem("functions", nfunc)
			fn, err := d.function(f, &at)
			if err != nil {
				return nil, err
			}
			m.Functions = append(m.Functions, fn)
			nfunc++
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	if m.Graph == nil {
		return nil, &graph.OffsetError{Offset: size, Path: "model", Msg: "model has no graph"}
	}
	return m, nil
}

// allocNode charges a node about to be decoded, and its row.
func (d *decoder) allocNode(off int64) error {
	d.nodes++
	n := sizeNode + d.rowCost
	return d.alloc(n, off, func() string {
		return "the graph and report of more than " + stats.Thousands(int64(d.nodes)) + " nodes"
	})
}

func (d *decoder) enter(f field, at *loc) error {
	if d.depth >= MaxDepth {
		return d.errAt(f.off, at, "nesting deeper than %d levels", MaxDepth)
	}
	d.depth++
	return nil
}

// graph decodes the GraphProto in field f; path names it in node paths and
// errors.
func (d *decoder) graph(f field, path string) (*Graph, error) {
	at := &loc{base: path}
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return nil, err
	}
	if err := d.enter(f, at); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	g := &Graph{Path: path}
	w := fields(f.pos, f.pos+f.n)
	for w.next(d, at) {
		switch c := w.f; c.num {
		case graphNode:
			if w.err = d.allocNode(c.off); w.err != nil {
				break
			}
			i := len(g.Nodes)
			g.Nodes = append(g.Nodes, Node{})
			w.err = d.node(c, &g.Nodes[i], path+".node["+strconv.Itoa(i)+"]")
		case graphName:
			g.Name, w.err = d.str(c, at, "name")
		case graphInitializer:
			if err := d.alloc(sizeTensor, c.off, nil); err != nil {
				return nil, err
			}
			t, err := d.tensor(c, path+".initializer["+strconv.Itoa(len(g.Initializers))+"]")
			if err != nil {
				return nil, err
			}
			g.Initializers = append(g.Initializers, t)
		case graphSparseInitializer:
			s, err := d.sparse(c, path+".sparse_initializer["+strconv.Itoa(len(g.SparseInitializers))+"]")
			if err != nil {
				return nil, err
			}
			g.SparseInitializers = append(g.SparseInitializers, s)
		case graphInput, graphOutput, graphValueInfo:
			dst := &g.Inputs
			name := "input"
			switch c.num {
			case graphOutput:
				dst, name = &g.Outputs, "output"
			case graphValueInfo:
				dst, name = &g.ValueInfo, "value_info"
			}
			vat := at.elem(name, len(*dst))
			if err := d.alloc(sizeValueInfo, c.off, nil); err != nil {
				return nil, err
			}
			vi, err := d.valueInfo(c, &vat)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, vi)
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	return g, nil
}

// node decodes the NodeProto in field f into n.
func (d *decoder) node(f field, n *Node, path string) error {
	at := &loc{base: path}
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return err
	}
	n.Path, n.Offset = path, f.pos
	// Count the repeated fields first to size their slices exactly.
	var nin, nout, nattr int
	w := fields(f.pos, f.pos+f.n)
	for w.next(d, at) {
		switch w.f.num {
		case nodeInput:
			nin++
		case nodeOutput:
			nout++
		case nodeAttribute:
			nattr++
		}
	}
	if w.err != nil {
		return w.err
	}
	if err := d.alloc(16*int64(nin+nout)+sizeAttribute*int64(nattr), f.pos, nil); err != nil {
		return err
	}
	if nin > 0 {
		n.Inputs = make([]string, 0, nin)
	}
	if nout > 0 {
		n.Outputs = make([]string, 0, nout)
	}
	if nattr > 0 {
		n.Attributes = make([]Attribute, 0, nattr)
	}
	w = fields(f.pos, f.pos+f.n)
	for w.next(d, at) {
		var s string
		switch c := w.f; c.num {
		case nodeInput:
			if s, w.err = d.name(c, at, "input"); w.err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case nodeOutput:
			if s, w.err = d.name(c, at, "output"); w.err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case nodeName:
			n.Name, w.err = d.str(c, at, "name")
		case nodeOpType:
			n.OpType, w.err = d.str(c, at, "op_type")
		case nodeDomain:
			n.Domain, w.err = d.str(c, at, "domain")
		case nodeOverload:
			n.Overload, w.err = d.str(c, at, "overload")
		case nodeAttribute:
			i := len(n.Attributes)
			n.Attributes = append(n.Attributes, Attribute{})
			w.err = d.attribute(c, &n.Attributes[i], path, i)
		}
	}
	return w.err
}

// attribute decodes the AttributeProto in field f, element i of the
// attributes of the node (or function) at path. Tensors and graphs are
// decoded after the other fields, once the name is known, so that their
// paths can name the attribute.
func (d *decoder) attribute(f field, a *Attribute, path string, i int) error {
	base := loc{base: path}
	at := base.elem("attribute", i)
	var (
		later    [4]field
		deferred = later[:0]
		hasF     bool
		hasI     bool
		hasS     bool
	)
	w := d.message(f, &at)
	for w.next(d, &at) {
		switch c := w.f; c.num {
		case attrName:
			a.Name, w.err = d.str(c, &at, "name")
			at.key = a.Name
		case attrRefAttrName:
			a.RefAttrName, w.err = d.str(c, &at, "ref_attr_name")
		case attrType:
			a.Type, w.err = enum[AttrType](d, c, &at, "type")
		case attrF:
			if w.err = d.want(c, protowire.Fixed32Type, &at, "f"); w.err == nil {
				a.F, hasF = float32frombits(c.v), true
			}
		case attrI:
			a.I, w.err = d.int64(c, &at, "i")
			hasI = true
		case attrS:
			a.S, w.err = d.str(c, &at, "s")
			hasS = true
		case attrFloats:
			a.Floats, w.err = d.float32s(a.Floats, c, &at, "floats")
		case attrInts:
			a.Ints, w.err = d.int64s(a.Ints, c, &at, "ints")
		case attrStrings:
			a.Strings, w.err = d.strs(a.Strings, c, &at, "strings")
		case attrT, attrG, attrTensors, attrGraphs, attrSparseTensor, attrSparseTensors:
			if w.err = d.want(c, protowire.BytesType, &at, "value"); w.err == nil {
				w.err = d.alloc(sizeTensor+sizeGraph+16, c.off, nil)
				deferred = append(deferred, c)
			}
		}
	}
	if w.err != nil {
		return w.err
	}
	var apath string
	if len(deferred) > 0 {
		apath = at.String()
	}
	var err error
	for _, c := range deferred {
		switch c.num {
		case attrT:
			if a.T, err = d.tensor(c, apath+".t"); err != nil {
				return err
			}
		case attrG:
			if a.G, err = d.graph(c, apath+".g"); err != nil {
				return err
			}
		case attrTensors:
			t, err := d.tensor(c, apath+".tensors["+strconv.Itoa(len(a.Tensors))+"]")
			if err != nil {
				return err
			}
			a.Tensors = append(a.Tensors, t)
		case attrGraphs:
			g, err := d.graph(c, apath+".graphs["+strconv.Itoa(len(a.Graphs))+"]")
			if err != nil {
				return err
			}
			a.Graphs = append(a.Graphs, g)
		case attrSparseTensor:
			s, err := d.sparse(c, apath+".sparse_tensor")
			if err != nil {
				return err
			}
			a.Sparse = &s
		case attrSparseTensors:
			s, err := d.sparse(c, apath+".sparse_tensors["+strconv.Itoa(len(a.SparseTensors))+"]")
			if err != nil {
				return err
			}
			a.SparseTensors = append(a.SparseTensors, s)
		}
	}
	if a.Type == AttrUndefined {
		a.Type = inferAttrType(a, hasF, hasI, hasS)
	}
	return nil
}

// inferAttrType guesses the type of an attribute whose type field is
// missing, as IR version 1 files allow.
func inferAttrType(a *Attribute, hasF, hasI, hasS bool) AttrType {
	switch {
	case hasF:
		return AttrFloat
	case hasI:
		return AttrInt
	case hasS:
		return AttrString
	case a.T != nil:
		return AttrTensor
	case a.G != nil:
		return AttrGraph
	case a.Sparse != nil:
		return AttrSparseTensor
	case a.Floats != nil:
		return AttrFloats
	case a.Ints != nil:
		return AttrInts
	case a.Strings != nil:
		return AttrStrings
	case a.Tensors != nil:
		return AttrTensors
	case a.Graphs != nil:
		return AttrGraphs
	case a.SparseTensors != nil:
		return AttrSparseTensors
	}
	return AttrUndefined
}

// tensor decodes the TensorProto in field f without reading its payload;
// path names it in errors.
func (d *decoder) tensor(f field, path string) (*TensorInfo, error) {
	at := &loc{base: path}
	w := d.message(f, at)
	t := &TensorInfo{Path: path, msgOff: f.pos, msgEnd: f.pos + f.n}
	for w.next(d, at) {
		switch c := w.f; {
		case isDataField(int32(c.num)):
			switch {
			case t.DataField == NoData:
				t.DataField = DataField(c.num)
				t.Offset, t.Length = c.pos, c.n
			case DataField(c.num) == t.DataField:
				t.Length = c.pos + c.n - t.Offset
			}
		case c.num == tensorDims:
			t.Dims, w.err = d.int64s(t.Dims, c, at, "dims")
		case c.num == tensorDataType:
			t.DataType, w.err = enum[DataType](d, c, at, "data_type")
		case c.num == tensorName:
			t.Name, w.err = d.name(c, at, "name")
		case c.num == tensorExternalData:
			eat := at.elem("external_data", len(t.ExternalData))
			kv, err := d.entry(c, &eat)
			if err != nil {
				return nil, err
			}
			if t.ExternalData == nil {
				t.ExternalData = make(KeyValues, 0, 4) // location, offset, length, checksum
			}
			t.ExternalData = append(t.ExternalData, kv)
		case c.num == tensorDataLocation:
			t.DataLocation, w.err = enum[DataLocation](d, c, at, "data_location")
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	return t, nil
}

// sparse decodes the SparseTensorProto in field f; path names it in errors.
func (d *decoder) sparse(f field, path string) (SparseTensor, error) {
	var s SparseTensor
	at := &loc{base: path}
	w := d.message(f, at)
	for w.next(d, at) {
		switch c := w.f; c.num {
		case sparseValues:
			s.Values, w.err = d.tensor(c, path+".values")
		case sparseIndices:
			s.Indices, w.err = d.tensor(c, path+".indices")
		case sparseDims:
			s.Dims, w.err = d.int64s(s.Dims, c, at, "dims")
		}
	}
	return s, w.err
}

// valueInfo decodes the ValueInfoProto in field f.
func (d *decoder) valueInfo(f field, at *loc) (ValueInfo, error) {
	var vi ValueInfo
	w := d.message(f, at)
	for w.next(d, at) {
		switch c := w.f; c.num {
		case valueInfoName:
			vi.Name, w.err = d.name(c, at, "name")
		case valueInfoType:
			tat := at.child("type")
			w.err = d.typeProto(c, &vi, true, &tat)
		}
	}
	return vi, w.err
}

// typeProto decodes the TypeProto in field f into vi. The outermost type
// sets vi.Kind; tensor element types and shapes are taken from whichever
// level holds them.
func (d *decoder) typeProto(f field, vi *ValueInfo, outer bool, at *loc) error {
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return err
	}
	if err := d.enter(f, at); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	w := fields(f.pos, f.pos+f.n)
	for w.next(d, at) {
		c := w.f
		kind := TypeNone
		switch c.num {
		case typeTensor:
			kind = TypeTensor
		case typeSparseTensor:
			kind = TypeSparseTensor
		case typeSequence:
			kind = TypeSequence
		case typeMap:
			kind = TypeMap
		case typeOptional:
			kind = TypeOptional
		case typeOpaque:
			kind = TypeOpaque
		default:
			continue
		}
		if err := d.want(c, protowire.BytesType, at, kind.String()+"_type"); err != nil {
			return err
		}
		if outer {
			vi.Kind = kind
		}
		mat := at.child(kind.String() + "_type")
		if kind == TypeOpaque {
			continue
		}
		mw := fields(c.pos, c.pos+c.n)
		for mw.next(d, &mat) {
			switch m := mw.f; {
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.num == tensorTypeElem:
				vi.ElemType, mw.err = enum[DataType](d, m, &mat, "elem_type")
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.num == tensorTypeShape:
				sat := mat.child("shape")
				vi.Shape, mw.err = d.shape(m, &sat)
			case (kind == TypeSequence || kind == TypeOptional) && m.num == tensorTypeElem,
				kind == TypeMap && m.num == mapValueType:
				eat := mat.child("elem_type")
				if kind == TypeMap {
					eat = mat.child("value_type")
				}
				mw.err = d.typeProto(m, vi, false, &eat)
			}
		}
		if mw.err != nil {
			return mw.err
		}
	}
	return w.err
}

// shape decodes the TensorShapeProto in field f.
func (d *decoder) shape(f field, at *loc) ([]Dim, error) {
	w := d.message(f, at)
	dims := []Dim{}
	for w.next(d, at) {
		c := w.f
		if c.num != shapeDim {
			continue
		}
		dat := at.elem("dim", len(dims))
		if err := d.want(c, protowire.BytesType, at, "dim"); err != nil {
			return nil, err
		}
		if err := d.alloc(sizeDim, c.off, nil); err != nil {
			return nil, err
		}
		var dim Dim
		dw := fields(c.pos, c.pos+c.n)
		for dw.next(d, &dat) {
			switch m := dw.f; m.num {
			case dimValue:
				var v int64
				if v, dw.err = d.int64(m, &dat, "dim_value"); dw.err == nil {
					dim = Dim{Value: v, Known: true}
				}
			case dimParam:
				var s string
				if s, dw.err = d.str(m, &dat, "dim_param"); dw.err == nil {
					dim = Dim{Param: s}
				}
			}
		}
		if dw.err != nil {
			return nil, dw.err
		}
		dims = append(dims, dim)
	}
	if w.err != nil {
		return nil, w.err
	}
	return dims, nil
}

// function decodes the FunctionProto in field f.
func (d *decoder) function(f field, at *loc) (Function, error) {
	var fn Function
	w := d.message(f, at)
	if w.err != nil {
		return fn, w.err
	}
	path := at.String()
	fn.Path = path
	for w.next(d, at) {
		switch c := w.f; c.num {
		case funcName:
			fn.Name, w.err = d.str(c, at, "name")
		case funcDomain:
			fn.Domain, w.err = d.str(c, at, "domain")
		case funcOverload:
			fn.Overload, w.err = d.str(c, at, "overload")
		case funcInput:
			fn.Inputs, w.err = d.strs(fn.Inputs, c, at, "input")
		case funcOutput:
			fn.Outputs, w.err = d.strs(fn.Outputs, c, at, "output")
		case funcAttribute:
			fn.Attributes, w.err = d.strs(fn.Attributes, c, at, "attribute")
		case funcAttributeProto:
			if w.err = d.alloc(sizeAttribute, c.off, nil); w.err != nil {
				break
			}
			i := len(fn.AttributeDefaults)
			fn.AttributeDefaults = append(fn.AttributeDefaults, Attribute{})
			w.err = d.attribute(c, &fn.AttributeDefaults[i], path, i)
		case funcNode:
			if w.err = d.allocNode(c.off); w.err != nil {
				break
			}
			i := len(fn.Nodes)
			fn.Nodes = append(fn.Nodes, Node{})
			w.err = d.node(c, &fn.Nodes[i], path+".node["+strconv.Itoa(i)+"]")
		case funcOpsetImport:
			if fn.OpsetImport == nil {
				fn.OpsetImport = map[string]int64{}
			}
			oat := at.elem("opset_import", len(fn.OpsetImport))
			w.err = d.opset(c, fn.OpsetImport, &oat)
		}
	}
	return fn, w.err
}

// opset decodes the OperatorSetIdProto in field f into imports.
func (d *decoder) opset(f field, imports map[string]int64, at *loc) error {
	var (
		domain  string
		version int64
	)
	w := d.message(f, at)
	for w.next(d, at) {
		switch c := w.f; c.num {
		case opsetDomain:
			domain, w.err = d.str(c, at, "domain")
		case opsetVersion:
			version, w.err = d.int64(c, at, "version")
		}
	}
	if w.err != nil {
		return w.err
	}
	imports[domain] = version
	return nil
}

// entry decodes the StringStringEntryProto in field f.
func (d *decoder) entry(f field, at *loc) (KeyValue, error) {
	var kv KeyValue
	w := d.message(f, at)
	for w.next(d, at) {
		switch c := w.f; c.num {
		case entryKey:
			kv.Key, w.err = d.str(c, at, "key")
		case entryValue:
			kv.Value, w.err = d.str(c, at, "value")
		}
	}
	return kv, w.err
}
