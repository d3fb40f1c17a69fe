package onnx

import (
	"io"
	"strconv"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pbwire"
	"github.com/layerinfo/layerinfo/stats"
)

// Sizes of the decoded messages, charged to the budget as each is made.
// Node, TensorInfo and ValueInfo are charged at their sizes before they
// kept the ids of their names (the ids are 4 bytes a name, and a Node's
// slice header 24 more: about 1% of what a node charges with its row),
// so that the charges, and what a tight budget refuses and where, are
// those every budget message was written against.
const (
	sizeNode      = int64(unsafe.Sizeof(Node{})) - int64(unsafe.Sizeof([]int32(nil)))
	sizeAttribute = int64(unsafe.Sizeof(Attribute{}))
	sizeTensor    = int64(unsafe.Sizeof(TensorInfo{})) - 8 + 8 // without the (padded) id; with the pointer to it
	sizeValueInfo = int64(unsafe.Sizeof(ValueInfo{})) - 8
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
	d := newDecoder(r, size, window, b)
	d.rowCost = rowCost
	m, err := d.model(size)
	return m, d.nodes, err
}

func (d *decoder) model(size int64) (*Model, error) {
	m := &Model{}
	root := &pbwire.Loc{}
	nfunc, nopset := 0, 0
	w := pbwire.Fields(0, size)
	for w.Next(&d.Reader, root) {
		switch f := w.F; f.Num {
		case modelIRVersion:
			m.IRVersion, w.Err = d.Int64(f, root, "ir_version")
		case modelProducerName:
			m.ProducerName, w.Err = d.Str(f, root, "producer_name")
		case modelProducerVersion:
			m.ProducerVersion, w.Err = d.Str(f, root, "producer_version")
		case modelDomain:
			m.Domain, w.Err = d.Str(f, root, "domain")
		case modelModelVersion:
			m.ModelVersion, w.Err = d.Int64(f, root, "model_version")
		case modelGraph:
			if err := d.Want(f, protowire.BytesType, root, "graph"); err != nil {
				return nil, err
			}
			if m.Graph != nil {
				return nil, d.Errf(f.Off, root, "graph appears twice")
			}
			m.Graph, w.Err = d.graph(f, "graph")
		case modelOpsetImport:
			if m.OpsetImport == nil {
				m.OpsetImport = map[string]int64{}
			}
			at := root.Elem("opset_import", nopset)
			w.Err = d.opset(f, m.OpsetImport, &at)
			nopset++
		case modelMetadataProps:
			at := root.Elem("metadata_props", len(m.MetadataProps))
			kv, err := d.entry(f, &at)
			if err != nil {
				return nil, err
			}
			m.MetadataProps = append(m.MetadataProps, kv)
		case modelFunctions:
			at := root.Elem("functions", nfunc)
			fn, err := d.function(f, &at)
			if err != nil {
				return nil, err
			}
			m.Functions = append(m.Functions, fn)
			nfunc++
		}
	}
	if w.Err != nil {
		return nil, w.Err
	}
	if m.Graph == nil {
		return nil, &graph.OffsetError{Offset: size, Path: "model", Msg: "model has no graph"}
	}
	m.names = d.Interned()
	return m, nil
}

// allocNode charges a node about to be decoded, and its row.
func (d *decoder) allocNode(off int64) error {
	d.nodes++
	n := sizeNode + d.rowCost
	return d.Alloc(n, off, func() string {
		return "the graph and report of more than " + stats.Thousands(int64(d.nodes)) + " nodes"
	})
}

func (d *decoder) enter(f pbwire.Field, at *pbwire.Loc) error {
	if d.depth >= MaxDepth {
		return d.Errf(f.Off, at, "nesting deeper than %d levels", MaxDepth)
	}
	d.depth++
	return nil
}

// graph decodes the GraphProto in field f; path names it in node paths and
// errors.
func (d *decoder) graph(f pbwire.Field, path string) (*Graph, error) {
	at := &pbwire.Loc{Base: path}
	if err := d.Want(f, protowire.BytesType, at, ""); err != nil {
		return nil, err
	}
	if err := d.enter(f, at); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	g := &Graph{Path: path}
	d.presize(f, g, at)
	w := pbwire.Fields(f.Pos, f.Pos+f.N)
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case graphNode:
			if w.Err = d.allocNode(c.Off); w.Err != nil {
				break
			}
			i := len(g.Nodes)
			g.Nodes = append(g.Nodes, Node{})
			w.Err = d.node(c, &g.Nodes[i], d.ElemPath(path, "node", i))
		case graphName:
			g.Name, w.Err = d.Str(c, at, "name")
		case graphInitializer:
			if err := d.Alloc(sizeTensor, c.Off, nil); err != nil {
				return nil, err
			}
			t, err := d.tensor(c, d.ElemPath(path, "initializer", len(g.Initializers)))
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
			switch c.Num {
			case graphOutput:
				dst, name = &g.Outputs, "output"
			case graphValueInfo:
				dst, name = &g.ValueInfo, "value_info"
			}
			vat := at.Elem(name, len(*dst))
			if err := d.Alloc(sizeValueInfo, c.Off, nil); err != nil {
				return nil, err
			}
			vi, err := d.valueInfo(c, &vat)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, vi)
		}
	}
	if w.Err != nil {
		return nil, w.Err
	}
	return g, nil
}

// presize counts the nodes, initializers and inputs of the graph in
// field f and, when the budget affords what decoding them will charge,
// makes g's slices (and, for the first graph, the table of names) at
// their final size instead of growing them a field at a time. The
// charges are still made one by one as each is decoded, so what is
// charged, and what a refusal says, are as without it; a file whose
// nodes the budget would refuse is decoded as before, growing the slices
// as it goes, and refused at the same node. A malformed field ends the
// count; the decoding proper reports it.
func (d *decoder) presize(f pbwire.Field, g *Graph, at *pbwire.Loc) {
	var nodes, inits, vals int64
	if c, ok := d.CountFields(f, [5]protowire.Number{graphNode, graphInitializer, graphInput, graphOutput, graphValueInfo}, false); ok {
		nodes, inits, vals = int64(c[0]), int64(c[1]), int64(c[2]+c[3]+c[4])
	} else {
		w := pbwire.Fields(f.Pos, f.Pos+f.N)
		for w.Next(&d.Reader, at) {
			switch w.F.Num {
			case graphNode:
				nodes++
			case graphInitializer:
				inits++
			case graphInput, graphOutput, graphValueInfo:
				vals++
			}
		}
	}
	if nodes+inits == 0 || !d.Affords(nodes*(sizeNode+d.rowCost)+inits*sizeTensor+vals*sizeValueInfo) {
		return
	}
	if nodes > 0 {
		g.Nodes = make([]Node, 0, nodes)
	}
	if inits > 0 {
		g.Initializers = make([]*TensorInfo, 0, inits)
	}
	// Names: about one new for each node output, initializer and value.
	d.ReserveNames(int(nodes + inits + vals))
}

// presizeInts makes room for the values of repeated int64 field num of
// the message in field f when they are stored unpacked (one field each,
// as proto2 writes them), when the budget affords the 8 bytes a value
// that Int64s will charge; nil otherwise (Int64s then grows the slice).
func (d *decoder) presizeInts(f pbwire.Field, at *pbwire.Loc, num protowire.Number) []int64 {
	c, ok := d.CountFields(f, [5]protowire.Number{num}, true)
	k := c[0]
	if !ok {
		k = 0
		w := pbwire.Fields(f.Pos, f.Pos+f.N)
		for w.Next(&d.Reader, at) {
			if w.F.Num == num && w.F.Type == protowire.VarintType {
				k++
			}
		}
	}
	if k == 0 || !d.Affords(8*int64(k)) {
		return nil
	}
	return d.ints.take(k)[:0]
}

// node decodes the NodeProto in field f into n.
func (d *decoder) node(f pbwire.Field, n *Node, path string) error {
	at := &pbwire.Loc{Base: path}
	if err := d.Want(f, protowire.BytesType, at, ""); err != nil {
		return err
	}
	n.Path, n.Offset = path, f.Pos
	// Count the repeated fields first to size their slices exactly: in
	// one view of the message when it can be, else with a walk, which
	// reports a malformed field before anything is charged.
	var nin, nout, nattr int
	w := pbwire.Fields(f.Pos, f.Pos+f.N)
	if c, ok := d.CountFields(f, [5]protowire.Number{nodeInput, nodeOutput, nodeAttribute}, false); ok {
		nin, nout, nattr = c[0], c[1], c[2]
	} else {
		for w.Next(&d.Reader, at) {
			switch w.F.Num {
			case nodeInput:
				nin++
			case nodeOutput:
				nout++
			case nodeAttribute:
				nattr++
			}
		}
		if w.Err != nil {
			return w.Err
		}
	}
	if err := d.Alloc(16*int64(nin+nout)+sizeAttribute*int64(nattr), f.Pos, nil); err != nil {
		return err
	}
	if nin > 0 {
		n.Inputs = d.strs.take(nin)[:0]
	}
	if nout > 0 {
		n.Outputs = d.strs.take(nout)[:0]
	}
	if nattr > 0 {
		n.Attributes = d.attrs.take(nattr)[:0]
	}
	if nin+nout > 0 {
		n.ids = d.ids.take(nin + nout)
	}
	w = pbwire.Fields(f.Pos, f.Pos+f.N)
	for w.Next(&d.Reader, at) {
		var (
			s  string
			id int32
		)
		switch c := w.F; c.Num {
		case nodeInput:
			if s, id, w.Err = d.NameID(c, at, "input"); w.Err == nil {
				n.ids[len(n.Inputs)] = id
				n.Inputs = append(n.Inputs, s)
			}
		case nodeOutput:
			if s, id, w.Err = d.NameID(c, at, "output"); w.Err == nil {
				n.ids[nin+len(n.Outputs)] = id // after all the inputs
				n.Outputs = append(n.Outputs, s)
			}
		case nodeName:
			n.Name, w.Err = d.Str(c, at, "name")
		case nodeOpType:
			n.OpType, w.Err = d.Str(c, at, "op_type")
		case nodeDomain:
			n.Domain, w.Err = d.Str(c, at, "domain")
		case nodeOverload:
			n.Overload, w.Err = d.Str(c, at, "overload")
		case nodeAttribute:
			i := len(n.Attributes)
			n.Attributes = append(n.Attributes, Attribute{})
			w.Err = d.attribute(c, &n.Attributes[i], path, i)
		}
	}
	return w.Err
}

// attribute decodes the AttributeProto in field f, element i of the
// attributes of the node (or function) at path. Tensors and graphs are
// decoded after the other fields, once the name is known, so that their
// paths can name the attribute.
func (d *decoder) attribute(f pbwire.Field, a *Attribute, path string, i int) error {
	base := pbwire.Loc{Base: path}
	at := base.Elem("attribute", i)
	var (
		later    [4]pbwire.Field
		deferred = later[:0]
		hasF     bool
		hasI     bool
		hasS     bool
	)
	w := d.Message(f, &at)
	if w.Err == nil {
		a.Ints = d.presizeInts(f, &at, attrInts)
	}
	for w.Next(&d.Reader, &at) {
		switch c := w.F; c.Num {
		case attrName:
			a.Name, w.Err = d.Str(c, &at, "name")
			at.Key = a.Name
		case attrRefAttrName:
			a.RefAttrName, w.Err = d.Str(c, &at, "ref_attr_name")
		case attrType:
			a.Type, w.Err = pbwire.Enum[AttrType](&d.Reader, c, &at, "type")
		case attrF:
			if w.Err = d.Want(c, protowire.Fixed32Type, &at, "f"); w.Err == nil {
				a.F, hasF = c.Float32(), true
			}
		case attrI:
			a.I, w.Err = d.Int64(c, &at, "i")
			hasI = true
		case attrS:
			a.S, w.Err = d.Str(c, &at, "s")
			hasS = true
		case attrFloats:
			a.Floats, w.Err = d.Float32s(a.Floats, c, &at, "floats")
		case attrInts:
			a.Ints, w.Err = d.Int64s(a.Ints, c, &at, "ints")
		case attrStrings:
			a.Strings, w.Err = d.Strs(a.Strings, c, &at, "strings")
		case attrT, attrG, attrTensors, attrGraphs, attrSparseTensor, attrSparseTensors:
			if w.Err = d.Want(c, protowire.BytesType, &at, "value"); w.Err == nil {
				w.Err = d.Alloc(sizeTensor+sizeGraph+16, c.Off, nil)
				deferred = append(deferred, c)
			}
		}
	}
	if w.Err != nil {
		return w.Err
	}
	var apath string
	if len(deferred) > 0 {
		apath = at.String()
	}
	var err error
	for _, c := range deferred {
		switch c.Num {
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
func (d *decoder) tensor(f pbwire.Field, path string) (*TensorInfo, error) {
	at := &pbwire.Loc{Base: path}
	w := d.Message(f, at)
	t := &d.tensors.take(1)[0]
	*t = TensorInfo{Path: path, msgOff: f.Pos, msgEnd: f.Pos + f.N}
	if w.Err == nil {
		t.Dims = d.presizeInts(f, at, tensorDims)
	}
	for w.Next(&d.Reader, at) {
		switch c := w.F; {
		case isDataField(int32(c.Num)):
			switch {
			case t.DataField == NoData:
				t.DataField = DataField(c.Num)
				t.Offset, t.Length = c.Pos, c.N
			case DataField(c.Num) == t.DataField:
				t.Length = c.Pos + c.N - t.Offset
			}
		case c.Num == tensorDims:
			t.Dims, w.Err = d.Int64s(t.Dims, c, at, "dims")
		case c.Num == tensorDataType:
			t.DataType, w.Err = pbwire.Enum[DataType](&d.Reader, c, at, "data_type")
		case c.Num == tensorName:
			t.Name, t.nameID, w.Err = d.NameID(c, at, "name")
		case c.Num == tensorExternalData:
			eat := at.Elem("external_data", len(t.ExternalData))
			kv, err := d.entry(c, &eat)
			if err != nil {
				return nil, err
			}
			if t.ExternalData == nil {
				t.ExternalData = make(KeyValues, 0, 4) // location, offset, length, checksum
			}
			t.ExternalData = append(t.ExternalData, kv)
		case c.Num == tensorDataLocation:
			t.DataLocation, w.Err = pbwire.Enum[DataLocation](&d.Reader, c, at, "data_location")
		}
	}
	if w.Err != nil {
		return nil, w.Err
	}
	return t, nil
}

// sparse decodes the SparseTensorProto in field f; path names it in errors.
func (d *decoder) sparse(f pbwire.Field, path string) (SparseTensor, error) {
	var s SparseTensor
	at := &pbwire.Loc{Base: path}
	w := d.Message(f, at)
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case sparseValues:
			s.Values, w.Err = d.tensor(c, path+".values")
		case sparseIndices:
			s.Indices, w.Err = d.tensor(c, path+".indices")
		case sparseDims:
			s.Dims, w.Err = d.Int64s(s.Dims, c, at, "dims")
		}
	}
	return s, w.Err
}

// valueInfo decodes the ValueInfoProto in field f.
func (d *decoder) valueInfo(f pbwire.Field, at *pbwire.Loc) (ValueInfo, error) {
	var vi ValueInfo
	w := d.Message(f, at)
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case valueInfoName:
			vi.Name, vi.nameID, w.Err = d.NameID(c, at, "name")
		case valueInfoType:
			tat := at.Child("type")
			w.Err = d.typeProto(c, &vi, true, &tat)
		}
	}
	return vi, w.Err
}

// typeProto decodes the TypeProto in field f into vi. The outermost type
// sets vi.Kind; tensor element types and shapes are taken from whichever
// level holds them.
func (d *decoder) typeProto(f pbwire.Field, vi *ValueInfo, outer bool, at *pbwire.Loc) error {
	if err := d.Want(f, protowire.BytesType, at, ""); err != nil {
		return err
	}
	if err := d.enter(f, at); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	w := pbwire.Fields(f.Pos, f.Pos+f.N)
	for w.Next(&d.Reader, at) {
		c := w.F
		kind := TypeNone
		switch c.Num {
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
		if err := d.Want(c, protowire.BytesType, at, kind.String()+"_type"); err != nil {
			return err
		}
		if outer {
			vi.Kind = kind
		}
		mat := at.Child(kind.String() + "_type")
		if kind == TypeOpaque {
			continue
		}
		mw := pbwire.Fields(c.Pos, c.Pos+c.N)
		for mw.Next(&d.Reader, &mat) {
			switch m := mw.F; {
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.Num == tensorTypeElem:
				vi.ElemType, mw.Err = pbwire.Enum[DataType](&d.Reader, m, &mat, "elem_type")
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.Num == tensorTypeShape:
				sat := mat.Child("shape")
				vi.Shape, mw.Err = d.shape(m, &sat)
			case (kind == TypeSequence || kind == TypeOptional) && m.Num == tensorTypeElem,
				kind == TypeMap && m.Num == mapValueType:
				eat := mat.Child("elem_type")
				if kind == TypeMap {
					eat = mat.Child("value_type")
				}
				mw.Err = d.typeProto(m, vi, false, &eat)
			}
		}
		if mw.Err != nil {
			return mw.Err
		}
	}
	return w.Err
}

// shape decodes the TensorShapeProto in field f.
func (d *decoder) shape(f pbwire.Field, at *pbwire.Loc) ([]Dim, error) {
	w := d.Message(f, at)
	dims := []Dim{}
	if w.Err == nil {
		k := 0
		cw := pbwire.Fields(f.Pos, f.Pos+f.N)
		for cw.Next(&d.Reader, at) {
			if cw.F.Num == shapeDim {
				k++
			}
		}
		// Each dim is charged as it is read; make room for them at once
		// when they would all be charged anyway.
		if k > 0 && d.Affords(int64(k)*sizeDim) {
			dims = d.dims.take(k)[:0]
		}
	}
	for w.Next(&d.Reader, at) {
		c := w.F
		if c.Num != shapeDim {
			continue
		}
		dat := at.Elem("dim", len(dims))
		if err := d.Want(c, protowire.BytesType, at, "dim"); err != nil {
			return nil, err
		}
		if err := d.Alloc(sizeDim, c.Off, nil); err != nil {
			return nil, err
		}
		var dim Dim
		dw := pbwire.Fields(c.Pos, c.Pos+c.N)
		for dw.Next(&d.Reader, &dat) {
			switch m := dw.F; m.Num {
			case dimValue:
				var v int64
				if v, dw.Err = d.Int64(m, &dat, "dim_value"); dw.Err == nil {
					dim = Dim{Value: v, Known: true}
				}
			case dimParam:
				var s string
				if s, dw.Err = d.Str(m, &dat, "dim_param"); dw.Err == nil {
					dim = Dim{Param: s}
				}
			}
		}
		if dw.Err != nil {
			return nil, dw.Err
		}
		dims = append(dims, dim)
	}
	if w.Err != nil {
		return nil, w.Err
	}
	return dims, nil
}

// function decodes the FunctionProto in field f.
func (d *decoder) function(f pbwire.Field, at *pbwire.Loc) (Function, error) {
	var fn Function
	w := d.Message(f, at)
	if w.Err != nil {
		return fn, w.Err
	}
	path := at.String()
	fn.Path = path
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case funcName:
			fn.Name, w.Err = d.Str(c, at, "name")
		case funcDomain:
			fn.Domain, w.Err = d.Str(c, at, "domain")
		case funcOverload:
			fn.Overload, w.Err = d.Str(c, at, "overload")
		case funcInput:
			fn.Inputs, w.Err = d.Strs(fn.Inputs, c, at, "input")
		case funcOutput:
			fn.Outputs, w.Err = d.Strs(fn.Outputs, c, at, "output")
		case funcAttribute:
			fn.Attributes, w.Err = d.Strs(fn.Attributes, c, at, "attribute")
		case funcAttributeProto:
			if w.Err = d.Alloc(sizeAttribute, c.Off, nil); w.Err != nil {
				break
			}
			i := len(fn.AttributeDefaults)
			fn.AttributeDefaults = append(fn.AttributeDefaults, Attribute{})
			w.Err = d.attribute(c, &fn.AttributeDefaults[i], path, i)
		case funcNode:
			if w.Err = d.allocNode(c.Off); w.Err != nil {
				break
			}
			i := len(fn.Nodes)
			fn.Nodes = append(fn.Nodes, Node{})
			w.Err = d.node(c, &fn.Nodes[i], path+".node["+strconv.Itoa(i)+"]")
		case funcOpsetImport:
			if fn.OpsetImport == nil {
				fn.OpsetImport = map[string]int64{}
			}
			oat := at.Elem("opset_import", len(fn.OpsetImport))
			w.Err = d.opset(c, fn.OpsetImport, &oat)
		}
	}
	return fn, w.Err
}

// opset decodes the OperatorSetIdProto in field f into imports.
func (d *decoder) opset(f pbwire.Field, imports map[string]int64, at *pbwire.Loc) error {
	var (
		domain  string
		version int64
	)
	w := d.Message(f, at)
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case opsetDomain:
			domain, w.Err = d.Str(c, at, "domain")
		case opsetVersion:
			version, w.Err = d.Int64(c, at, "version")
		}
	}
	if w.Err != nil {
		return w.Err
	}
	imports[domain] = version
	return nil
}

// entry decodes the StringStringEntryProto in field f.
func (d *decoder) entry(f pbwire.Field, at *pbwire.Loc) (KeyValue, error) {
	var kv KeyValue
	w := d.Message(f, at)
	for w.Next(&d.Reader, at) {
		switch c := w.F; c.Num {
		case entryKey:
			kv.Key, w.Err = d.Str(c, at, "key")
		case entryValue:
			kv.Value, w.Err = d.Str(c, at, "value")
		}
	}
	return kv, w.Err
}
