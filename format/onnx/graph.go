package onnx

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pbwire"
	"github.com/layerinfo/layerinfo/op/tensor"
	"github.com/layerinfo/layerinfo/stats"
)

// Options tune Build. The zero value keeps the model's declared input
// shapes.
type Options struct {
	// InputShapes fixes the shapes of graph inputs, by input name; the
	// name "" stands for the first input. Symbolic dims become known.
	InputShapes map[string][]int64
	// Budget is charged, before they are made, for the decoded model
	// (nodes, names, attribute values, shapes) and for the graph and
	// report rows of its nodes; nil charges each request against the
	// default limit only.
	Budget *budget.Budget

	reserved int // nodes whose rows the decoder charged (Load)
}

// RowCost is the memory one ONNX node costs from its graph node to the
// report's row (values, shapes, arithmetic text), as charged to the
// budget; measured at about 1.5 KB for the reference models.
const RowCost = 2 << 10

// MaxNodes caps the nodes a model may expand to (functions are inlined,
// subgraphs flattened); a model may also expand to at most 64 times the
// nodes it holds, plus 100,000, so that a small hostile file cannot make a
// huge graph.
const MaxNodes = 1 << 21

// maxInline is how deeply model-local functions may call each other.
const maxInline = 16

// Load decodes the ONNX model of size bytes read from r and builds its
// graph; name is used in messages and positions.
func Load(name string, r io.ReaderAt, size int64, opt Options) (*graph.Graph, error) {
	m, n, err := decodeBudget(r, size, defaultWindow, opt.Budget, RowCost)
	opt.reserved = n
	if err != nil {
		var e *graph.OffsetError
		if errors.As(err, &e) {
			e.File = name
		}
		return nil, err
	}
	return Build(name, m, r, opt)
}

// Build turns a decoded model into a graph: one node per ONNX node (model
// functions inlined, the nodes of If, Loop and Scan bodies included),
// values named by tensor name, initializers as parameters, the graph's
// other inputs with their declared shapes. r reads the values of small
// integer initializers and constants (for folding shape computations);
// it may be nil, and external data need not exist.
//
// An initializer is a parameter (counted at the first node that consumes
// it): trainable when floating-point, except BatchNormalization's running
// mean and variance (inputs 3 and 4); integer and bool tensors are not
// trainable. Initializers no node consumes are not counted.
func Build(name string, m *Model, r io.ReaderAt, opt Options) (*graph.Graph, error) {
	if m == nil || m.Graph == nil {
		return nil, fmt.Errorf("%s: the model has no graph", name)
	}
	b := &builder{
		file:     name,
		m:        m,
		r:        r,
		g:        &graph.Graph{Name: m.Graph.Name, Format: "onnx", Path: name, Prints: graph.Printed{}},
		next:     map[string]int{},
		funcs:    map[string]*Function{},
		bnStats:  map[string]bool{},
		declared: map[string][]Dim{},
		opset:    m.Opset(""),
		budget:   opt.Budget,
		reserved: opt.reserved,
	}
	b.nodeSlab.max = 256
	b.valueSlab.max = 1024
	b.ptrSlab.max = 4096
	b.opSlab.max = 1024
	b.paramSlab.max = 512
	b.dimSlab.max = 2048
	count := countNodes(m)
	b.maxNodes = min(MaxNodes, 64*count+100000)
	// The node list and the name tables at their size, when the budget
	// affords the rows of the nodes (charged as each list is built).
	hint := 0
	if k := min(count, MaxNodes); b.budget.Used()+int64(max(k-b.reserved, 0))*RowCost <= b.budget.Limit() {
		hint = k
		b.g.Nodes = make([]*graph.Node, 0, k)
	}
	b.names = make(map[string]bool, hint)
	if b.opset == 0 {
		b.opset = 1
	}
	for i := range m.Functions {
		f := &m.Functions[i]
		b.funcs[funcKey(f.Domain, f.Name, f.Overload)] = f
	}
	b.scanBN(m.Graph, 0)
	for _, vi := range m.Graph.ValueInfo {
		if vi.Shape != nil {
			b.declared[vi.Name] = vi.Shape
		}
	}
	for _, vi := range m.Graph.Outputs {
		if vi.Shape != nil {
			b.declared[vi.Name] = vi.Shape
		}
	}
	root := &scope{vals: map[string]*graph.Value{}}
	if m.names != nil {
		// The decoder's names index the main graph's values.
		root.syms = m.names
		root.byID = make([]*graph.Value, len(m.names.List))
	}
	b.root = root
	if err := b.initializers(m.Graph, root); err != nil {
		return nil, err
	}
	if err := b.inputs(m.Graph, root, opt); err != nil {
		return nil, err
	}
	if err := b.nodes(m.Graph.Nodes, root, "", b.opset, nil); err != nil {
		return nil, err
	}
	for _, vi := range m.Graph.Outputs {
		if v := root.lookupID(vi.Name, vi.nameID); v != nil && (v.Producer != nil || v.Param == nil) {
			b.g.Outputs = append(b.g.Outputs, v)
		}
	}
	if len(b.unresolved) > 0 {
		sort.Strings(b.unresolved)
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("%d value(s) used by nodes are defined nowhere in the model and have unknown shapes: %s",
			len(b.unresolved), strings.Join(first(b.unresolved, 5), ", ")))
	}
	if v := m.Opset(""); v > 0 {
		note := fmt.Sprintf("ONNX opset %d, IR version %d", v, m.IRVersion)
		if by := strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion); by != "" {
			note += ", produced by " + by
		}
		b.g.Notes = append(b.g.Notes, note)
	}
	return b.g, nil
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], "…")
	}
	return xs
}

func funcKey(domain, name, overload string) string {
	if domain == "ai.onnx" {
		domain = ""
	}
	return domain + "\x00" + name + "\x00" + overload
}

type builder struct {
	file       string
	m          *Model
	r          io.ReaderAt
	g          *graph.Graph
	root       *scope
	names      map[string]bool      // node names in use
	next       map[string]int       // by base name: the last suffix uniqueName gave it
	funcs      map[string]*Function // model-local functions by domain, name, overload
	bnStats    map[string]bool      // initializers fed to BatchNormalization as running mean or variance
	declared   map[string][]Dim     // value_info shapes of the main graph, for the cross-check
	opset      int64
	unresolved []string
	maxNodes   int
	budget     *budget.Budget
	reserved   int // nodes whose rows are charged already

	// Shared chunks the graph's nodes, values, parameters and shapes are
	// cut from (see slab): a few hundred allocations for a million nodes.
	nodeSlab  slab[graph.Node]
	valueSlab slab[graph.Value]
	ptrSlab   slab[*graph.Value]
	opSlab    slab[nodeOp]
	paramSlab slab[graph.Param]
	dimSlab   slab[graph.Dim]
}

// values is a slice of n value pointers; never nil, as make made it.
func (b *builder) values(n int) []*graph.Value {
	if n == 0 {
		return []*graph.Value{}
	}
	return b.ptrSlab.take(n)
}

// shape is graph.S(dims...) cut from the builder's chunks.
func (b *builder) shape(dims []int64) graph.Shape {
	if len(dims) == 0 {
		return graph.Shape{}
	}
	s := graph.Shape(b.dimSlab.take(len(dims)))
	for i, n := range dims {
		if n < 0 {
			s[i] = graph.Unknown()
		} else {
			s[i] = graph.D(n)
		}
	}
	return s
}

// countNodes counts the nodes a model holds: its graph's, its subgraphs'
// and its functions'.
func countNodes(m *Model) int {
	var graphNodes func(g *Graph, depth int) int
	graphNodes = func(g *Graph, depth int) int {
		if g == nil || depth > MaxDepth {
			return 0
		}
		k := len(g.Nodes)
		for i := range g.Nodes {
			for j := range g.Nodes[i].Attributes {
				a := &g.Nodes[i].Attributes[j]
				k += graphNodes(a.G, depth+1)
				for _, sg := range a.Graphs {
					k += graphNodes(sg, depth+1)
				}
			}
		}
		return k
	}
	k := graphNodes(m.Graph, 0)
	for i := range m.Functions {
		k += len(m.Functions[i].Nodes)
	}
	return k
}

// scope maps tensor names to values; subgraphs see their parents' names.
type scope struct {
	vals map[string]*graph.Value
	up   *scope
	// reserved are values made before their producer is built (function
	// outputs bound to the caller's), claimed by the node producing them.
	reserved map[string]*graph.Value
	// byID holds, by id, the values of the names the decoder interned
	// (syms): the main graph's scope of a decoded model, where a name is
	// found by its id instead of a hash lookup; vals holds the others.
	byID []*graph.Value
	syms *pbwire.Names
}

// key is the id under which byID keeps name: id, the one the decoder
// gave the name, when it is that name's (a node changed after decoding
// may hold any), else the table's; -1 when the name is not in byID.
func (s *scope) key(name string, id int32) int32 {
	if s.byID == nil {
		return -1
	}
	if id >= 0 && int(id) < len(s.syms.List) && s.syms.List[id] == name {
		return id
	}
	return s.syms.ID(name)
}

// get is the value of name in this scope alone; id as for key.
func (s *scope) get(name string, id int32) (*graph.Value, bool) {
	if k := s.key(name, id); k >= 0 {
		v := s.byID[k]
		return v, v != nil
	}
	v, ok := s.vals[name]
	return v, ok
}

// set makes name (id as for key) refer to v in this scope.
func (s *scope) set(name string, id int32, v *graph.Value) {
	if k := s.key(name, id); k >= 0 {
		s.byID[k] = v
		return
	}
	s.vals[name] = v
}

// lookupID finds name (id as for key) here or in an enclosing scope.
func (s *scope) lookupID(name string, id int32) *graph.Value {
	for ; s != nil; s = s.up {
		if v, ok := s.get(name, id); ok {
			return v
		}
	}
	return nil
}

// scanBN finds the initializers fed to BatchNormalization as its running
// mean and variance (inputs 3 and 4), in the graph and its subgraphs.
func (b *builder) scanBN(g *Graph, depth int) {
	if g == nil || depth > MaxDepth {
		return
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.OpType == "BatchNormalization" && isDefaultDomain(n.Domain) {
			for _, k := range []int{3, 4} {
				if k < len(n.Inputs) && n.Inputs[k] != "" {
					b.bnStats[n.Inputs[k]] = true
				}
			}
		}
		for j := range n.Attributes {
			a := &n.Attributes[j]
			b.scanBN(a.G, depth+1)
			for _, sg := range a.Graphs {
				b.scanBN(sg, depth+1)
			}
		}
	}
}

// initializers makes a parameter value of each initializer of g.
func (b *builder) initializers(g *Graph, sc *scope) error {
	for _, t := range g.Initializers {
		if err := b.initializer(t, t.Dims, t.Name, t.nameID, sc); err != nil {
			return err
		}
	}
	for i := range g.SparseInitializers {
		s := &g.SparseInitializers[i]
		if s.Values == nil {
			continue
		}
		if err := b.initializer(s.Values, s.Dims, s.Name(), s.Values.nameID, sc); err != nil {
			return err
		}
		if v, _ := sc.get(s.Name(), s.Values.nameID); v != nil {
			v.Const = nil
		}
	}
	return nil
}

// initializer makes the parameter value of initializer t in sc. The
// parameter and its value share one shape: neither is changed in place.
func (b *builder) initializer(t *TensorInfo, dims []int64, name string, id int32, sc *scope) error {
	n, ok := numElements(dims)
	if !ok {
		return fmt.Errorf("%s: %s: initializer %q has invalid dims %v", b.file, t.Path, name, dims)
	}
	dt := dtypeOf(t.DataType)
	shape := b.shape(dims)
	p := &b.paramSlab.take(1)[0]
	*p = graph.Param{Name: name, Shape: shape, DType: dt,
		Trainable: t.DataType.IsFloat() && (len(b.bnStats) == 0 || !b.bnStats[name])}
	v := &b.valueSlab.take(1)[0]
	*v = graph.Value{Name: name, Shape: shape, DType: dt, Param: p}
	b.readConst(t, v, n)
	sc.set(name, id, v)
	return nil
}

// readConst keeps the values of a small integer tensor (and of a tiny
// floating-point one, such as Resize's scales) for constant folding.
func (b *builder) readConst(t *TensorInfo, v *graph.Value, n int64) {
	if b.r == nil || t.IsExternal() || n > tensor.MaxConst || t.unreadable(tensor.MaxConst) {
		return
	}
	if t.DataType.IsFloat() {
		if n > 64 {
			return
		}
		if xs, err := t.Float64s(b.r, tensor.MaxConst); err == nil {
			v.Const = &graph.Const{Floats: xs}
		}
		return
	}
	if xs, err := t.Int64s(b.r, tensor.MaxConst); err == nil {
		v.Const = &graph.Const{Ints: xs}
	}
}

// shapeOf turns a declared ONNX shape into a graph shape.
func shapeOf(dims []Dim) graph.Shape {
	if dims == nil {
		return nil
	}
	s := make(graph.Shape, len(dims))
	for i, d := range dims {
		switch {
		case d.Known && d.Value >= 0:
			s[i] = graph.D(d.Value)
		case d.Param != "":
			s[i] = graph.Symbol(d.Param)
		default:
			s[i] = graph.Unknown()
		}
	}
	return s
}

// inputs makes the graph inputs that are not initializers.
func (b *builder) inputs(g *Graph, sc *scope, opt Options) error {
	used := map[string]bool{}
	for i, vi := range g.Inputs {
		if _, ok := sc.get(vi.Name, vi.nameID); ok {
			continue // an initializer: its value is the default, and it counts as a parameter
		}
		v := &graph.Value{Name: vi.Name, Shape: shapeOf(vi.Shape), DType: dtypeOf(vi.ElemType)}
		fix, ok := opt.InputShapes[vi.Name]
		if !ok && i == 0 {
			fix, ok = opt.InputShapes[""]
			used[""] = ok
		}
		if ok {
			used[vi.Name] = true
			if v.Shape != nil && len(v.Shape) != len(fix) {
				return fmt.Errorf("%s: input %q has %d axes %s; the shape given for it has %d", b.file, vi.Name, len(v.Shape), v.Shape, len(fix))
			}
			shape := graph.S(fix...)
			for j, d := range fix {
				if d < 0 {
					// N: the axis stays unknown, under the model's name for it.
					if v.Shape != nil && !v.Shape[j].Known() {
						shape[j] = v.Shape[j]
					}
					continue
				}
				if v.Shape != nil && v.Shape[j].Known() && v.Shape[j].Size != d {
					b.g.Notes = append(b.g.Notes, fmt.Sprintf("input %s: axis %d set to %d (the model declares %d)", vi.Name, j, d, v.Shape[j].Size))
				}
			}
			v.Shape = shape
		}
		sc.set(vi.Name, vi.nameID, v)
		b.g.Inputs = append(b.g.Inputs, v)
		if v.Shape == nil {
			b.g.Notes = append(b.g.Notes, fmt.Sprintf("input %s has no declared shape: what depends on it is unknown", vi.Name))
			b.g.AddAsk(graph.Ask{What: "the shape of input " + vi.Name, Option: "input-shape", Value: vi.Name + "=…"})
		}
	}
	for name := range opt.InputShapes {
		if !used[name] {
			var names []string
			for _, vi := range g.Inputs {
				if v, ok := sc.get(vi.Name, vi.nameID); ok && v.Param == nil {
					names = append(names, vi.Name)
				}
			}
			if name == "" {
				return fmt.Errorf("%s: the model has no input to give a shape to", b.file)
			}
			return fmt.Errorf("%s: the model has no input named %q (inputs: %s)", b.file, name, strings.Join(names, ", "))
		}
	}
	return nil
}

// uniqueName makes a node name unique in the graph.
func (b *builder) uniqueName(base string) string {
	if base == "" {
		base = "node"
	}
	name := base
	// One map operation for the usual unique name: the set only ever
	// holds true, so a name was taken when setting it does not grow it.
	had := len(b.names)
	b.names[name] = true
	if len(b.names) == had {
		// The smallest free suffix: those below next[base] are all taken
		// (names are never freed), so a model of a million unnamed nodes
		// is named in linear time.
		k := b.next[base]
		for {
			k++
			name = base + "_" + strconv.Itoa(k)
			if !b.names[name] {
				break
			}
		}
		b.next[base] = k
		b.names[name] = true
	}
	return name
}

// nodes builds the graph nodes of a list of ONNX nodes in scope sc.
// prefix is prepended to node names (subgraph and function bodies);
// rename maps names local to a function body to value names. fattrs are
// the attributes of the function call whose body this is, nil otherwise.
func (b *builder) nodes(list []Node, sc *scope, prefix string, opset int64, call *callCtx) error {
	// Make every output first, so that a node may use a value defined
	// later in the list (the walk is in dependency order anyway). The
	// output lists are cut from one: node i's is all[at[i]:at[i+1]].
	total := 0
	for i := range list {
		total += len(list[i].Outputs)
	}
	all := b.values(total)
	at := make([]int, len(list)+1)
	for i := range list {
		at[i+1] = at[i] + len(list[i].Outputs)
	}
	out := func(i int) []*graph.Value { return all[at[i]:at[i+1]:at[i+1]] }
	for i := range list {
		nd := &list[i]
		outs := out(i)
		var made []graph.Value
		if len(nd.Outputs) > 0 {
			made = b.valueSlab.take(len(nd.Outputs))
		}
		for j, name := range nd.Outputs {
			id := nd.id(len(nd.Inputs) + j)
			if name != "" {
				if v, ok := sc.reserved[name]; ok {
					delete(sc.reserved, name)
					outs[j] = v
					sc.set(name, id, v)
					continue
				}
			}
			vname := name
			if call != nil && name != "" {
				vname = prefix + name
			}
			v := &made[j]
			v.Name = vname
			outs[j] = v
			if name == "" {
				continue
			}
			if _, dup := sc.get(name, id); dup {
				b.g.Notes = append(b.g.Notes, fmt.Sprintf("%s: value %q is defined twice; the first definition is used", nd.Path, name))
				continue
			}
			sc.set(name, id, v)
		}
	}
	if err := b.charge(len(list)); err != nil {
		return err
	}
	for i := range list {
		if len(b.g.Nodes) >= b.maxNodes {
			return fmt.Errorf("%s: the model expands to more than %d nodes (functions inlined)", b.file, b.maxNodes)
		}
		if err := b.node(&list[i], out(i), sc, prefix, opset, call); err != nil {
			return err
		}
	}
	return nil
}

// charge asks the budget for the graph and report rows of n nodes, of
// which the decoder may have charged some already.
func (b *builder) charge(n int) error {
	k := min(n, b.reserved)
	b.reserved -= k
	if err := b.budget.Charge(budget.Items(int64(n-k), RowCost), ""); err != nil {
		var be *budget.Error
		if errors.As(err, &be) {
			be.What = fmt.Sprintf("the graph and report of %s nodes", stats.Thousands(int64(len(b.g.Nodes)+n))) + be.What
		}
		return err
	}
	return nil
}

// callCtx is a function call being inlined.
type callCtx struct {
	attrs map[string]*Attribute // the call's attributes and the function's defaults
	depth int
}

// resolve finds the value an input name refers to.
func (b *builder) resolve(name string, sc *scope) *graph.Value { return b.resolveID(name, -1, sc) }

// resolveID is resolve of a name with its id (scope.key).
func (b *builder) resolveID(name string, id int32, sc *scope) *graph.Value {
	if name == "" {
		return nil
	}
	if v := sc.lookupID(name, id); v != nil {
		return v
	}
	v := &graph.Value{Name: name}
	b.root.set(name, id, v)
	b.g.Inputs = append(b.g.Inputs, v)
	b.unresolved = append(b.unresolved, name)
	return v
}

// node builds one ONNX node.
func (b *builder) node(nd *Node, outs []*graph.Value, sc *scope, prefix string, opset int64, call *callCtx) error {
	if call != nil {
		nd = bindAttrs(nd, call.attrs)
	}
	base := nd.Name
	if base == "" {
		for _, o := range nd.Outputs {
			if o != "" {
				base = o
				break
			}
		}
	}
	if base == "" {
		base = nd.OpType
	}
	name := b.uniqueName(prefix + base)
	ins := b.values(len(nd.Inputs))
	for i, in := range nd.Inputs {
		ins[i] = b.resolveID(in, nd.id(i), sc)
	}
	depth := 0
	if call != nil {
		depth = call.depth
	}
	if f := b.function(nd); f != nil && !(isDefaultDomain(nd.Domain) && b.knownOp(nd.OpType)) {
		if depth < maxInline {
			return b.inline(nd, f, ins, outs, name, depth)
		}
		b.add(nd, name, unsupported{fmt.Sprintf("function %s (nested more than %d deep)", nd.OpType, maxInline)}, 0, ins, outs)
		return nil
	}
	if isDefaultDomain(nd.Domain) {
		switch nd.OpType {
		case "If", "Loop", "Scan":
			return b.control(nd, name, ins, outs, sc, opset)
		}
	}
	o, min := b.makeOp(nd, opset)
	b.add(nd, name, o, min, ins, outs)
	return nil
}

// knownOp reports whether a default-domain op type is one layerinfo
// implements (a function of the same name then does not replace it).
func (b *builder) knownOp(t string) bool {
	o, _ := b.makeOp(&Node{OpType: t}, b.opset)
	_, u := o.(unsupported)
	return !u
}

// function is the model-local function a node calls, or nil.
func (b *builder) function(nd *Node) *Function {
	if len(b.funcs) == 0 {
		return nil
	}
	return b.funcs[funcKey(nd.Domain, nd.OpType, nd.Overload)]
}

// add appends a graph node for nd.
func (b *builder) add(nd *Node, name string, o graph.Op, min int, ins, outs []*graph.Value) *graph.Node {
	typ := opName(nd)
	n := &b.nodeSlab.take(1)[0]
	n.Name, n.Type, n.Inputs, n.Outputs = name, typ, ins, outs
	n.Pos = graph.Pos{File: b.file, Path: nd.Path}
	w := &b.opSlab.take(1)[0]
	*w = nodeOp{op: o, opType: typ, min: min}
	for i, v := range outs {
		v.Producer = n
		if len(b.declared) == 0 {
			continue
		}
		if d, ok := b.declared[v.Name]; ok {
			if w.declared == nil {
				// nil for the outputs without a declared shape
				w.declared = make([][]Dim, len(outs))
			}
			w.declared[i] = d
		}
	}
	n.Op = w
	n.Index = len(b.g.Nodes)
	b.g.Nodes = append(b.g.Nodes, n)
	return n
}

// bindAttrs resolves the attribute references of a node in a function body
// against the call's attributes.
func bindAttrs(nd *Node, attrs map[string]*Attribute) *Node {
	ref := false
	for i := range nd.Attributes {
		if nd.Attributes[i].RefAttrName != "" {
			ref = true
		}
	}
	if !ref {
		return nd
	}
	c := *nd
	c.Attributes = nil
	for _, a := range nd.Attributes {
		if a.RefAttrName == "" {
			c.Attributes = append(c.Attributes, a)
			continue
		}
		if v, ok := attrs[a.RefAttrName]; ok {
			x := *v
			x.Name = a.Name
			c.Attributes = append(c.Attributes, x)
		}
	}
	return &c
}

// inline expands a call of a model-local function into its body's nodes,
// named "<call>/<node>", bound to the call's inputs and outputs.
func (b *builder) inline(nd *Node, f *Function, ins, outs []*graph.Value, name string, depth int) error {
	fsc := &scope{vals: map[string]*graph.Value{}, reserved: map[string]*graph.Value{}}
	for i, formal := range f.Inputs {
		if i < len(ins) && ins[i] != nil {
			fsc.vals[formal] = ins[i]
		}
	}
	for i, formal := range f.Outputs {
		if i < len(outs) && formal != "" {
			fsc.reserved[formal] = outs[i]
		}
	}
	attrs := map[string]*Attribute{}
	for i := range f.AttributeDefaults {
		a := &f.AttributeDefaults[i]
		attrs[a.Name] = a
	}
	for i := range nd.Attributes {
		a := &nd.Attributes[i]
		attrs[a.Name] = a
	}
	opset := f.Opset("")
	if opset == 0 {
		opset = b.opset
	}
	if err := b.nodes(f.Nodes, fsc, name+"/", opset, &callCtx{attrs: attrs, depth: depth + 1}); err != nil {
		return err
	}
	// Outputs the body never produces stay unknown.
	var missing []string
	for formal := range fsc.reserved {
		missing = append(missing, formal)
	}
	sort.Strings(missing)
	for _, formal := range missing {
		v := fsc.reserved[formal]
		b.add(&Node{OpType: nd.OpType, Domain: nd.Domain, Path: nd.Path}, b.uniqueName(name+"/"+formal),
			unsupported{fmt.Sprintf("output %s of function %s, which its body does not produce,", formal, f.Name)}, 0, ins, []*graph.Value{v})
	}
	return nil
}

// Sniff reports whether a file looks like an ONNX model: named *.onnx, or
// starting as a serialized ModelProto does (ir_version, then producer,
// domain, model version, graph or opset import).
func Sniff(name string, head []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".onnx") {
		return true
	}
	if len(head) < 3 || head[0] != 0x08 || head[1] == 0 || head[1] > 0x20 {
		return false
	}
	switch head[2] {
	case 0x12, 0x1a, 0x22, 0x28, 0x3a, 0x42:
		return true
	}
	return false
}
