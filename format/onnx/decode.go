package onnx

import (
	"io"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Decode reads the ONNX model of size bytes from r. Tensor payloads are
// located but not read. When r is a *File the mapped bytes are walked in
// place; otherwise r is read through a small window buffer.
func Decode(r io.ReaderAt, size int64) (*Model, error) {
	return decodeWindow(r, size, defaultWindow)
}

func decodeWindow(r io.ReaderAt, size int64, window int) (*Model, error) {
	if size < 0 {
		return nil, &Error{Msg: "negative size " + strconv.FormatInt(size, 10)}
	}
	d := &decoder{src: newSource(r, size, window)}
	return d.model(size)
}

func (d *decoder) model(size int64) (*Model, error) {
	m := &Model{}
	root := &loc{}
	nfunc, nopset := 0, 0
	for pos := int64(0); pos < size; {
		f, err := d.next(pos, size, root)
		if err != nil {
			return nil, err
		}
		pos = f.end
		switch f.num {
		case modelIRVersion:
			if err := d.want(f, protowire.VarintType, root, "ir_version"); err != nil {
				return nil, err
			}
			m.IRVersion = int64(f.v)
		case modelProducerName:
			if m.ProducerName, err = d.str(f, root, "producer_name"); err != nil {
				return nil, err
			}
		case modelProducerVersion:
			if m.ProducerVersion, err = d.str(f, root, "producer_version"); err != nil {
				return nil, err
			}
		case modelDomain:
			if m.Domain, err = d.str(f, root, "domain"); err != nil {
				return nil, err
			}
		case modelModelVersion:
			if err := d.want(f, protowire.VarintType, root, "model_version"); err != nil {
				return nil, err
			}
			m.ModelVersion = int64(f.v)
		case modelGraph:
			if err := d.want(f, protowire.BytesType, root, "graph"); err != nil {
				return nil, err
			}
			if m.Graph != nil {
				return nil, d.errAt(f.off, root, "graph appears twice")
			}
			at := root.child("graph")
			if m.Graph, err = d.graph(f, "graph", &at); err != nil {
				return nil, err
			}
		case modelOpsetImport:
			if m.OpsetImport == nil {
				m.OpsetImport = map[string]int64{}
			}
			at := root.elem("opset_import", nopset)
			if err := d.opset(f, m.OpsetImport, &at); err != nil {
				return nil, err
			}
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
	if m.Graph == nil {
		return nil, &Error{Offset: size, Path: "model", Msg: "model has no graph"}
	}
	return m, nil
}

func (d *decoder) enter(f field, at *loc) error {
	if d.depth >= MaxDepth {
		return d.errAt(f.off, at, "nesting deeper than %d levels", MaxDepth)
	}
	d.depth++
	return nil
}

// graph decodes the GraphProto in field f; path names it in node paths.
func (d *decoder) graph(f field, path string, at *loc) (*Graph, error) {
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return nil, err
	}
	if err := d.enter(f, at); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	g := &Graph{Path: path}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return nil, err
		}
		pos = c.end
		switch c.num {
		case graphNode:
			i := len(g.Nodes)
			g.Nodes = append(g.Nodes, Node{})
			if err = d.node(c, &g.Nodes[i], path+".node["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		case graphName:
			if g.Name, err = d.str(c, at, "name"); err != nil {
				return nil, err
			}
		case graphInitializer:
			p := path + ".initializer[" + strconv.Itoa(len(g.Initializers)) + "]"
			t, err := d.tensor(c, p, &loc{base: p})
			if err != nil {
				return nil, err
			}
			g.Initializers = append(g.Initializers, t)
		case graphSparseInitializer:
			p := path + ".sparse_initializer[" + strconv.Itoa(len(g.SparseInitializers)) + "]"
			s, err := d.sparse(c, p, &loc{base: p})
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
			vi, err := d.valueInfo(c, &vat)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, vi)
		}
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
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		c, err := d.next(pos, end, at)
		if err != nil {
			return err
		}
		pos = c.end
		switch c.num {
		case nodeInput:
			nin++
		case nodeOutput:
			nout++
		case nodeAttribute:
			nattr++
		}
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
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return err
		}
		pos = c.end
		var s string
		switch c.num {
		case nodeInput:
			if s, err = d.name(c, at, "input"); err != nil {
				return err
			}
			n.Inputs = append(n.Inputs, s)
		case nodeOutput:
			if s, err = d.name(c, at, "output"); err != nil {
				return err
			}
			n.Outputs = append(n.Outputs, s)
		case nodeName:
			if n.Name, err = d.str(c, at, "name"); err != nil {
				return err
			}
		case nodeOpType:
			if n.OpType, err = d.str(c, at, "op_type"); err != nil {
				return err
			}
		case nodeDomain:
			if n.Domain, err = d.str(c, at, "domain"); err != nil {
				return err
			}
		case nodeOverload:
			if n.Overload, err = d.str(c, at, "overload"); err != nil {
				return err
			}
		case nodeAttribute:
			i := len(n.Attributes)
			n.Attributes = append(n.Attributes, Attribute{})
			if err = d.attribute(c, &n.Attributes[i], path, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// attribute decodes the AttributeProto in field f, element i of the
// attributes of the node (or function) at path. Tensors and graphs are
// decoded after the other fields, once the name is known, so that their
// paths can name the attribute.
func (d *decoder) attribute(f field, a *Attribute, path string, i int) error {
	base := loc{base: path}
	at := base.elem("attribute", i)
	if err := d.want(f, protowire.BytesType, &at, ""); err != nil {
		return err
	}
	var (
		err      error
		later    [4]field
		deferred = later[:0]
		hasF     bool
		hasI     bool
		hasS     bool
	)
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, &at); err != nil {
			return err
		}
		pos = c.end
		switch c.num {
		case attrName:
			if a.Name, err = d.str(c, &at, "name"); err != nil {
				return err
			}
			at.key = a.Name
		case attrRefAttrName:
			if a.RefAttrName, err = d.str(c, &at, "ref_attr_name"); err != nil {
				return err
			}
		case attrType:
			if err = d.want(c, protowire.VarintType, &at, "type"); err != nil {
				return err
			}
			a.Type = AttrType(int32(c.v))
		case attrF:
			if err = d.want(c, protowire.Fixed32Type, &at, "f"); err != nil {
				return err
			}
			a.F, hasF = float32frombits(c.v), true
		case attrI:
			if err = d.want(c, protowire.VarintType, &at, "i"); err != nil {
				return err
			}
			a.I, hasI = int64(c.v), true
		case attrS:
			if a.S, err = d.str(c, &at, "s"); err != nil {
				return err
			}
			hasS = true
		case attrFloats:
			if a.Floats, err = d.float32s(a.Floats, c, &at, "floats"); err != nil {
				return err
			}
		case attrInts:
			if a.Ints, err = d.int64s(a.Ints, c, &at, "ints"); err != nil {
				return err
			}
		case attrStrings:
			var s string
			if s, err = d.str(c, &at, "strings"); err != nil {
				return err
			}
			a.Strings = append(a.Strings, s)
		case attrT, attrG, attrTensors, attrGraphs, attrSparseTensor, attrSparseTensors:
			if err = d.want(c, protowire.BytesType, &at, "value"); err != nil {
				return err
			}
			deferred = append(deferred, c)
		}
	}
	var apath string
	if len(deferred) > 0 {
		apath = at.String()
	}
	for _, c := range deferred {
		switch c.num {
		case attrT:
			p := apath + ".t"
			if a.T, err = d.tensor(c, p, &loc{base: p}); err != nil {
				return err
			}
		case attrG:
			p := apath + ".g"
			if a.G, err = d.graph(c, p, &loc{base: p}); err != nil {
				return err
			}
		case attrTensors:
			p := apath + ".tensors[" + strconv.Itoa(len(a.Tensors)) + "]"
			t, err := d.tensor(c, p, &loc{base: p})
			if err != nil {
				return err
			}
			a.Tensors = append(a.Tensors, t)
		case attrGraphs:
			p := apath + ".graphs[" + strconv.Itoa(len(a.Graphs)) + "]"
			g, err := d.graph(c, p, &loc{base: p})
			if err != nil {
				return err
			}
			a.Graphs = append(a.Graphs, g)
		case attrSparseTensor:
			p := apath + ".sparse_tensor"
			s, err := d.sparse(c, p, &loc{base: p})
			if err != nil {
				return err
			}
			a.Sparse = &s
		case attrSparseTensors:
			p := apath + ".sparse_tensors[" + strconv.Itoa(len(a.SparseTensors)) + "]"
			s, err := d.sparse(c, p, &loc{base: p})
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

// tensor decodes the TensorProto in field f without reading its payload.
func (d *decoder) tensor(f field, path string, at *loc) (*TensorInfo, error) {
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return nil, err
	}
	t := &TensorInfo{Path: path, msgOff: f.pos, msgEnd: f.pos + f.n}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return nil, err
		}
		pos = c.end
		switch {
		case isDataField(int32(c.num)):
			switch {
			case t.DataField == NoData:
				t.DataField = DataField(c.num)
				t.Offset, t.Length = c.pos, c.n
			case DataField(c.num) == t.DataField:
				t.Length = c.pos + c.n - t.Offset
			}
		case c.num == tensorDims:
			if t.Dims, err = d.int64s(t.Dims, c, at, "dims"); err != nil {
				return nil, err
			}
		case c.num == tensorDataType:
			if err = d.want(c, protowire.VarintType, at, "data_type"); err != nil {
				return nil, err
			}
			t.DataType = DataType(int32(c.v))
		case c.num == tensorName:
			if t.Name, err = d.name(c, at, "name"); err != nil {
				return nil, err
			}
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
			if err = d.want(c, protowire.VarintType, at, "data_location"); err != nil {
				return nil, err
			}
			t.DataLocation = DataLocation(int32(c.v))
		}
	}
	return t, nil
}

// sparse decodes the SparseTensorProto in field f.
func (d *decoder) sparse(f field, path string, at *loc) (SparseTensor, error) {
	var s SparseTensor
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return s, err
	}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return s, err
		}
		pos = c.end
		switch c.num {
		case sparseValues:
			p := path + ".values"
			if s.Values, err = d.tensor(c, p, &loc{base: p}); err != nil {
				return s, err
			}
		case sparseIndices:
			p := path + ".indices"
			if s.Indices, err = d.tensor(c, p, &loc{base: p}); err != nil {
				return s, err
			}
		case sparseDims:
			if s.Dims, err = d.int64s(s.Dims, c, at, "dims"); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

// valueInfo decodes the ValueInfoProto in field f.
func (d *decoder) valueInfo(f field, at *loc) (ValueInfo, error) {
	var vi ValueInfo
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return vi, err
	}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return vi, err
		}
		pos = c.end
		switch c.num {
		case valueInfoName:
			if vi.Name, err = d.name(c, at, "name"); err != nil {
				return vi, err
			}
		case valueInfoType:
			tat := at.child("type")
			if err = d.typeProto(c, &vi, true, &tat); err != nil {
				return vi, err
			}
		}
	}
	return vi, nil
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
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return err
		}
		pos = c.end
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
		if err = d.want(c, protowire.BytesType, at, kind.String()+"_type"); err != nil {
			return err
		}
		if outer {
			vi.Kind = kind
		}
		mat := at.child(kind.String() + "_type")
		if kind == TypeOpaque {
			continue
		}
		for p, e := c.pos, c.pos+c.n; p < e; {
			var m field
			if m, err = d.next(p, e, &mat); err != nil {
				return err
			}
			p = m.end
			switch {
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.num == tensorTypeElem:
				if err = d.want(m, protowire.VarintType, &mat, "elem_type"); err != nil {
					return err
				}
				vi.ElemType = DataType(int32(m.v))
			case (kind == TypeTensor || kind == TypeSparseTensor) && m.num == tensorTypeShape:
				sat := mat.child("shape")
				if vi.Shape, err = d.shape(m, &sat); err != nil {
					return err
				}
			case (kind == TypeSequence || kind == TypeOptional) && m.num == tensorTypeElem,
				kind == TypeMap && m.num == mapValueType:
				eat := mat.child("elem_type")
				if kind == TypeMap {
					eat = mat.child("value_type")
				}
				if err = d.typeProto(m, vi, false, &eat); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// shape decodes the TensorShapeProto in field f.
func (d *decoder) shape(f field, at *loc) ([]Dim, error) {
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return nil, err
	}
	dims := []Dim{}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return nil, err
		}
		pos = c.end
		if c.num != shapeDim {
			continue
		}
		dat := at.elem("dim", len(dims))
		if err = d.want(c, protowire.BytesType, at, "dim"); err != nil {
			return nil, err
		}
		var dim Dim
		for p, e := c.pos, c.pos+c.n; p < e; {
			var m field
			if m, err = d.next(p, e, &dat); err != nil {
				return nil, err
			}
			p = m.end
			switch m.num {
			case dimValue:
				if err = d.want(m, protowire.VarintType, &dat, "dim_value"); err != nil {
					return nil, err
				}
				dim = Dim{Value: int64(m.v), Known: true}
			case dimParam:
				var s string
				if s, err = d.str(m, &dat, "dim_param"); err != nil {
					return nil, err
				}
				dim = Dim{Param: s}
			}
		}
		dims = append(dims, dim)
	}
	return dims, nil
}

// function decodes the FunctionProto in field f.
func (d *decoder) function(f field, at *loc) (Function, error) {
	var fn Function
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return fn, err
	}
	path := at.String()
	fn.Path = path
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return fn, err
		}
		pos = c.end
		var s string
		switch c.num {
		case funcName:
			if fn.Name, err = d.str(c, at, "name"); err != nil {
				return fn, err
			}
		case funcDomain:
			if fn.Domain, err = d.str(c, at, "domain"); err != nil {
				return fn, err
			}
		case funcOverload:
			if fn.Overload, err = d.str(c, at, "overload"); err != nil {
				return fn, err
			}
		case funcInput:
			if s, err = d.str(c, at, "input"); err != nil {
				return fn, err
			}
			fn.Inputs = append(fn.Inputs, s)
		case funcOutput:
			if s, err = d.str(c, at, "output"); err != nil {
				return fn, err
			}
			fn.Outputs = append(fn.Outputs, s)
		case funcAttribute:
			if s, err = d.str(c, at, "attribute"); err != nil {
				return fn, err
			}
			fn.Attributes = append(fn.Attributes, s)
		case funcAttributeProto:
			i := len(fn.AttributeDefaults)
			fn.AttributeDefaults = append(fn.AttributeDefaults, Attribute{})
			if err = d.attribute(c, &fn.AttributeDefaults[i], path, i); err != nil {
				return fn, err
			}
		case funcNode:
			i := len(fn.Nodes)
			fn.Nodes = append(fn.Nodes, Node{})
			if err = d.node(c, &fn.Nodes[i], path+".node["+strconv.Itoa(i)+"]"); err != nil {
				return fn, err
			}
		case funcOpsetImport:
			if fn.OpsetImport == nil {
				fn.OpsetImport = map[string]int64{}
			}
			oat := at.elem("opset_import", len(fn.OpsetImport))
			if err = d.opset(c, fn.OpsetImport, &oat); err != nil {
				return fn, err
			}
		}
	}
	return fn, nil
}

// opset decodes the OperatorSetIdProto in field f into imports.
func (d *decoder) opset(f field, imports map[string]int64, at *loc) error {
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return err
	}
	var (
		domain  string
		version int64
		err     error
	)
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return err
		}
		pos = c.end
		switch c.num {
		case opsetDomain:
			if domain, err = d.str(c, at, "domain"); err != nil {
				return err
			}
		case opsetVersion:
			if err = d.want(c, protowire.VarintType, at, "version"); err != nil {
				return err
			}
			version = int64(c.v)
		}
	}
	imports[domain] = version
	return nil
}

// entry decodes the StringStringEntryProto in field f.
func (d *decoder) entry(f field, at *loc) (KeyValue, error) {
	var kv KeyValue
	if err := d.want(f, protowire.BytesType, at, ""); err != nil {
		return kv, err
	}
	var err error
	for pos, end := f.pos, f.pos+f.n; pos < end; {
		var c field
		if c, err = d.next(pos, end, at); err != nil {
			return kv, err
		}
		pos = c.end
		switch c.num {
		case entryKey:
			if kv.Key, err = d.str(c, at, "key"); err != nil {
				return kv, err
			}
		case entryValue:
			if kv.Value, err = d.str(c, at, "value"); err != nil {
				return kv, err
			}
		}
	}
	return kv, nil
}
