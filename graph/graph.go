package graph

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/layerinfo/layerinfo/calc"
)

// Pos is where a node was defined: a line and column in a text file, or a
// path inside a binary file ("graph.node[12]").
type Pos struct {
	File string
	Line int // 1-based; 0 when not a text position
	Col  int
	Path string // e.g. `graph.node[12]` or `layers[3]`
	Cell int    // a notebook's code cell (1-based) that Line counts in; 0 for plain files
}

// String is "file:line:col", "file: path", "notebook.ipynb: cell 3 line 4",
// or whatever part is known.
func (p Pos) String() string {
	switch {
	case p.Cell > 0 && p.Line > 0:
		return fmt.Sprintf("%s: cell %d line %d", p.File, p.Cell, p.Line)
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	case p.Path != "" && p.File != "":
		return p.File + ": " + p.Path
	case p.Path != "":
		return p.Path
	}
	return p.File
}

// Const is the content of a small constant tensor, kept so that shape
// computations on constants (ONNX Shape → Gather → Reshape) can be folded.
type Const struct {
	Ints   []int64
	Floats []float64
	// Dims, when not nil, says which elements of Ints are known: a shape
	// computation on a tensor with symbolic dims (ONNX Shape of a
	// (batch, 3, 224, 224) input) knows some elements and only names the
	// others. Element i is unknown when Dims[i] is an unknown dim, and
	// stands for that dim (named when symbolic); otherwise it is Ints[i].
	Dims []Dim
}

// Value is a tensor flowing along an edge of the graph.
type Value struct {
	Name     string
	Shape    Shape // nil when even the rank is unknown; Shape{} is a scalar
	DType    DType
	Const    *Const // content, when it is a known small constant
	Producer *Node  // nil for graph inputs and parameters
	Param    *Param // non-nil when the value is a parameter tensor (an ONNX initializer)
}

// Param is a parameter tensor (weight, bias, running statistic). A Param
// used by several nodes is the same pointer in each, and counts once.
type Param struct {
	Name      string
	Role      string // "W", "b", "mean", "weight", …: the framework's name for it
	Shape     Shape
	DType     DType
	Trainable bool
	// Buffer marks state a framework keeps apart from its parameters
	// (PyTorch's register_buffer: BatchNorm's running statistics): it is
	// counted in buffers, not in params.
	Buffer bool
	Owner  *Node // the first node that uses it, where it is counted; set by infer
	// Bytes is the stored size when it is not elements × DType bits (block
	// quantized GGUF types); 0 means computed from the DType.
	Bytes int64
}

// Numel is the element count of the parameter as an expression.
func (p *Param) Numel() calc.Expr { return p.Shape.Numel() }

// Ref names a parameter another node owns, for weight sharing declared in
// the source (Lasagne's W=other.W): the parameter with Role of Node.
type Ref struct {
	Node       *Node
	Role       string
	Transposed bool // used transposed (Lasagne W=other.W.T): the shapes are reversed
}

// Op is a node's operation: it reads the node's input shapes and attributes
// and fills in output shapes, parameters, FLOPs and their arithmetic.
// Implementations live in package op, one file per family.
type Op interface {
	Infer(n *Node) error
}

// Node is one layer or operator.
//
// Its layout keeps what every node has inline and the rest behind one
// pointer (Shares, Remarks, ShapeWhy and Notes, read and written through
// methods): a node is 280 bytes.
type Node struct {
	Name    string
	Type    string // the framework's name for the layer type ("Conv2DLayer", "Conv")
	Op      Op
	Inputs  []*Value
	Outputs []*Value
	Pos     Pos

	// Filled by inference.
	Params []*Param  // every parameter the node uses, owned or shared
	Count  calc.Expr // arithmetic of the parameters first counted at this node
	FLOPs  calc.Expr // 2 per multiply-add of conv/linear/matmul-class work, bias excluded
	// OtherOps counts the arithmetic FLOPs leaves out (elementwise ops,
	// normalization, softmax, pooling), one per operation; the zero Expr
	// when the op does not define it.
	OtherOps calc.Expr

	// Index is the node's position in its graph's Nodes, kept by
	// infer.Order so that it finds producers without a map; it is only
	// trusted when Graph.Nodes[Index] is the node.
	Index int
	// Arena, when set (infer.Run sets one for a whole run), supplies the
	// parameters, parameter lists and output shapes the op makes.
	Arena *Arena

	// more holds what few nodes have: parameters shared from other
	// nodes, the front-end's remarks, the output-size arithmetic
	// (ShapeWhy, empty under NoArithmetic) and inference's notes; nil
	// until one is set.
	more *nodeMore

	Done bool // inference ran and succeeded
	// Uncounted says that the node's parameters cannot be known (a
	// layer of a class layerinfo does not know whose input shape is
	// unknown, with no weights file to tell): its count is unknown,
	// not 0, and so are the totals. Set by the op; infer clears it
	// before the op runs.
	Uncounted bool
	// NoArithmetic says that nobody will read the arithmetic text: Why
	// records nothing, and an op may skip building what it would only
	// show (shapes written out for ShapeWhy). Every number, shape, note
	// and error stays the same. Set by infer (Options.NoArithmetic)
	// before the op runs.
	NoArithmetic bool
}

// nodeMore is the rarely present part of a Node.
type nodeMore struct {
	share    map[string]Ref
	remarks  []string
	shapeWhy []string
	notes    []string
}

// extra is n's nodeMore, made when first needed.
func (n *Node) extra() *nodeMore {
	if n.more == nil {
		n.more = new(nodeMore)
	}
	return n.more
}

// Shares are the parameters the node takes from other nodes, by role
// (Lasagne's W=other.W), as Share set them; nil when none. Read it;
// add with Share.
func (n *Node) Shares() map[string]Ref {
	if n.more == nil {
		return nil
	}
	return n.more.share
}

// Share says that the node's parameter role is r's (the source shares
// it): Param then returns that parameter.
func (n *Node) Share(role string, r Ref) {
	m := n.extra()
	if m.share == nil {
		m.share = map[string]Ref{}
	}
	m.share[role] = r
}

// Remarks are the front-end's notes about the node (Remark adds one),
// which inference keeps; the slice is the node's own.
func (n *Node) Remarks() []string {
	if n.more == nil {
		return nil
	}
	return n.more.remarks
}

// ShapeWhy is how each output size was derived, a line each (WhyText
// and Why add them; empty under NoArithmetic).
func (n *Node) ShapeWhy() []string {
	if n.more == nil {
		return nil
	}
	return n.more.shapeWhy
}

// Notes are the warnings and remarks found while inferring the node
// (Note adds one; inference starts them from Remarks).
func (n *Node) Notes() []string {
	if n.more == nil {
		return nil
	}
	return n.more.notes
}

// SetNotes replaces the node's notes (nil clears them).
func (n *Node) SetNotes(notes []string) {
	if notes == nil && n.more == nil {
		return
	}
	n.extra().notes = notes
}

// AddNotes appends notes as they are.
func (n *Node) AddNotes(notes ...string) {
	if len(notes) == 0 {
		return
	}
	m := n.extra()
	m.notes = append(m.notes, notes...)
}

// SetShapeWhy replaces the node's ShapeWhy lines (nil clears them);
// AppendShapeWhy adds lines as they are, with or without NoArithmetic.
func (n *Node) SetShapeWhy(lines []string) {
	if lines == nil && n.more == nil {
		return
	}
	n.extra().shapeWhy = lines
}

// AppendShapeWhy appends lines to ShapeWhy as they are (WhyText
// records nothing under NoArithmetic; this does).
func (n *Node) AppendShapeWhy(lines ...string) {
	if len(lines) == 0 {
		return
	}
	m := n.extra()
	m.shapeWhy = append(m.shapeWhy, lines...)
}

// NewShape is a shape of rank dims for the node's op to fill (from the
// Arena when there is one; its capacity is its length; never nil).
func (n *Node) NewShape(rank int) Shape { return n.Arena.Shape(rank) }

// In is the shape of input i (nil when unknown).
func (n *Node) In(i int) Shape {
	if i >= len(n.Inputs) || n.Inputs[i] == nil {
		return nil
	}
	return n.Inputs[i].Shape
}

// SetOut sets output i's shape; the element type defaults to that of the
// first input.
func (n *Node) SetOut(i int, s Shape) {
	v := n.Outputs[i]
	v.Shape = s
	if v.DType == "" && len(n.Inputs) > 0 && n.Inputs[0] != nil {
		v.DType = n.Inputs[0].DType
	}
}

// Why records a line of the output-size arithmetic (nothing under
// NoArithmetic).
func (n *Node) Why(format string, args ...any) {
	if n.NoArithmetic {
		return
	}
	n.WhyText(fmt.Sprintf(format, args...))
}

// Terse is how the node's op builds arithmetic it would only show:
// calc.Terse(NoArithmetic).
func (n *Node) Terse() calc.Terse { return calc.Terse(n.NoArithmetic) }

// WhyText records a line of the output-size arithmetic already written
// out: for ops that build it without fmt (nothing under NoArithmetic).
func (n *Node) WhyText(line string) {
	if n.NoArithmetic {
		return
	}
	m := n.extra()
	m.shapeWhy = append(m.shapeWhy, line)
}

// Remark records a front-end's note about the node (inference keeps it).
func (n *Node) Remark(format string, args ...any) {
	m := n.extra()
	m.remarks = append(m.remarks, fmt.Sprintf(format, args...))
}

// Note records a remark found while inferring the node.
func (n *Node) Note(format string, args ...any) {
	m := n.extra()
	m.notes = append(m.notes, fmt.Sprintf(format, args...))
}

// Param returns the node's parameter with the given role: the shared one
// when the source said so (checked against shape), otherwise a new Param
// named "<node>.<role>". It is added to n.Params.
func (n *Node) Param(role string, shape Shape, trainable bool) (*Param, error) {
	if ref, ok := n.Shares()[role]; ok {
		p := ref.Node.ParamByRole(ref.Role)
		if p == nil {
			return nil, fmt.Errorf("%s is shared with layer %s, which has no parameter %s", role, ref.Node.Name, ref.Role)
		}
		want := shape
		if ref.Transposed {
			want = make(Shape, len(shape))
			for i, d := range shape {
				want[len(shape)-1-i] = d
			}
		}
		if !p.Shape.Equal(want) {
			return nil, fmt.Errorf("%s is shared with %s, whose shape %s differs from the %s this layer needs", role, p.Name, p.Shape, want)
		}
		n.AddParam(p)
		return p, nil
	}
	dt := Float32
	if len(n.Inputs) > 0 && n.Inputs[0] != nil && n.Inputs[0].DType.IsFloat() {
		dt = n.Inputs[0].DType
	}
	p := n.Arena.Param()
	*p = Param{Name: n.Arena.join(n.Name, ".", role), Role: role, Shape: shape, DType: dt, Trainable: trainable}
	n.AddParam(p)
	return p, nil
}

// AddParam appends p to n.Params; a first list is made with room for a
// second parameter (a weight and a bias), from the Arena when there is one.
func (n *Node) AddParam(p *Param) {
	if n.Params == nil {
		n.Params = n.Arena.ParamList(2)
	}
	n.Params = append(n.Params, p)
}

// ParamByRole finds one of the node's parameters by its role.
func (n *Node) ParamByRole(role string) *Param {
	for _, p := range n.Params {
		if p.Role == role {
			return p
		}
	}
	return nil
}

// Graph is a whole model.
type Graph struct {
	Name    string
	Format  string // which front-end read it: "nolearn", "lasagne", "spec", "onnx", …
	Path    string
	Nodes   []*Node  // in source order
	Inputs  []*Value // values fed from outside
	Outputs []*Value // values the model returns
	Notes   []string
	// Asks are the values only the caller can give that would complete
	// the report (AddAsk appends one).
	Asks []Ask

	// Prints says which total the framework itself prints and how it
	// labels it, so the report can name the number the user saw.
	Prints Printed

	// Arch describes a transformer for the memory and per-token FLOPs
	// estimates; nil for other models.
	Arch *Arch
}

// Printed describes the framework's own summary figure.
type Printed struct {
	Which string // "trainable", "total"
	Label string // e.g. "learnable parameters" (nolearn)
}

// NewNode appends a node with fresh output values named after it (one
// output named like the node, more outputs suffixed ":1", ":2", …).
func (g *Graph) NewNode(name, typ string, op Op, inputs []*Value, outputs int, pos Pos) *Node {
	var n *Node
	if outputs == 1 {
		// The usual node: the node, its value and the Outputs slice in
		// one allocation.
		one := &struct {
			n   Node
			v   Value
			out [1]*Value
		}{}
		n, one.out[0] = &one.n, &one.v
		n.Outputs = one.out[:]
		one.v = Value{Name: name, Producer: n}
	} else {
		n = &Node{}
	}
	if outputs > 1 {
		vals := make([]Value, outputs)
		n.Outputs = make([]*Value, outputs)
		for i := range vals {
			vn := name
			if i > 0 {
				vn = name + ":" + strconv.Itoa(i)
			}
			vals[i] = Value{Name: vn, Producer: n}
			n.Outputs[i] = &vals[i]
		}
	}
	n.Name, n.Type, n.Op, n.Inputs, n.Pos = name, typ, op, inputs, pos
	n.Index = len(g.Nodes)
	g.Nodes = append(g.Nodes, n)
	return n
}

// Arena hands out what inference makes for every node (parameters,
// parameter lists, output shapes) from blocks, so that a large graph
// costs an allocation per block rather than several per node. infer.Run
// sets one on the nodes it runs (Node.Arena). Pieces are never freed one
// by one: a block lives as long as any of its pieces. A nil *Arena makes
// each piece with its own allocation. An Arena is not safe for
// concurrent use.
type Arena struct {
	params []Param
	lists  []*Param
	dims   []Dim
	// text is the block parameter names are cut from: bytes once cut
	// are never written again (the block only grows past them).
	text []byte
}

const (
	arenaParams = 64   // parameters per block (~6 KB)
	arenaLists  = 256  // parameter pointers per block (2 KB)
	arenaDims   = 512  // dims per block (12 KB)
	arenaText   = 4096 // bytes of names per block
)

// join is a+b+c, cut from the arena's text.
func (a *Arena) join(x, y, z string) string {
	n := len(x) + len(y) + len(z)
	if a == nil || n == 0 || n > arenaText/16 {
		return x + y + z
	}
	if cap(a.text)-len(a.text) < n {
		a.text = make([]byte, 0, arenaText)
	}
	at := len(a.text)
	a.text = append(append(append(a.text, x...), y...), z...)
	return unsafe.String(&a.text[at], n)
}

// Param is a new zero Param.
func (a *Arena) Param() *Param {
	if a == nil {
		return new(Param)
	}
	if len(a.params) == 0 {
		a.params = make([]Param, arenaParams)
	}
	p := &a.params[0]
	a.params = a.params[1:]
	return p
}

// ParamList is an empty parameter list with room for n (appending past
// that copies it).
func (a *Arena) ParamList(n int) []*Param {
	if a == nil || n > arenaLists/8 {
		return make([]*Param, 0, n)
	}
	if len(a.lists) < n {
		a.lists = make([]*Param, arenaLists)
	}
	l := a.lists[:0:n]
	a.lists = a.lists[n:]
	return l
}

// Shape is a new shape of rank dims (each D(0)), never nil, its capacity
// its length (appending copies it).
func (a *Arena) Shape(rank int) Shape {
	if a == nil || rank == 0 || rank > arenaDims/8 {
		return make(Shape, rank)
	}
	if len(a.dims) < rank {
		a.dims = make([]Dim, arenaDims)
	}
	s := a.dims[:rank:rank]
	a.dims = a.dims[rank:]
	return s
}

// Clone is s.Clone() from the arena.
func (a *Arena) Clone(s Shape) Shape {
	if s == nil {
		return nil
	}
	c := a.Shape(len(s))
	copy(c, s)
	return c
}
