package pycode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/textlimit"
	"github.com/layerinfo/layerinfo/op"
)

// builder collects the layers a script creates into a graph, inferring
// each as it is made, as Lasagne computes output shapes at construction.
type builder struct {
	file    string
	g       *graph.Graph
	layers  []*layer
	names   map[string]bool
	calls   map[syntax.Position]syntax.Position // call '(' → start of the callee expression
	nets    []*net
	netInfo map[syntax.Position]*netSyntax
	at      *graph.Pos // position to give new layers instead of the caller's (nolearn)
	classes map[string]class
	roots   map[string]starlark.Value // importable modules
	skipped []string                  // functions left out because Starlark cannot parse them
	given   *given                    // --entry, --set, --input-shape and what became of them
	netArgs netArgs                   // the NeuralNet keywords of the layer being made (nolearn)

	th    *starlark.Thread
	max   uint64          // the step limit of each run (top level, entry)
	sib   *siblings       // modules beside the script
	files map[string]bool // the script and its modules, for positions
	ext   *extent         // where the script builds its model
	built int             // the last top-level line that made a layer (extent.go)
	cells *pyhost.Cells   // a notebook's code cells, for positions
	// guardErr is the error that stopped the file's if __name__ ==
	// '__main__': block before anything was built.
	guardErr error
	// The script's and its modules' compiled classes (classes.go): by
	// file and name, and each file's globals once it has run.
	classByName map[string]*userClass
	globalsOf   map[string]starlark.StringDict
	prefixes    map[string]string // autoName's, by class
	mark        uint32            // ancestors' current visit mark (layer.mark)
	walk        []ancestorFrame   // ancestors' stack, kept for the next walk
	freeCalls   []*call           // finished constructor calls, for the next (newCall)
	walkShares  [][]*layer        // ancestors' lists of layers to share with
}

func newBuilder(file string) *builder {
	return &builder{
		file:  file,
		g:     &graph.Graph{Path: file},
		names: map[string]bool{},
	}
}

// callerPos is the position of the Starlark call being evaluated: the
// start of the callee's name rather than its '('.
func (b *builder) callerPos(th *starlark.Thread) graph.Pos {
	if b.at != nil {
		return *b.at
	}
	for d := 1; d < th.CallStackDepth(); d++ {
		p := th.CallFrame(d).Pos
		if p.IsValid() && (p.Filename() == b.file || b.files[p.Filename()]) {
			if start, ok := b.calls[p]; ok {
				p = start
			}
			return graph.Pos{File: p.Filename(), Line: int(p.Line), Col: int(p.Col)}
		}
	}
	return graph.Pos{File: b.file}
}

// autoName is nolearn's and layerinfo's name for an unnamed layer: the
// class name in lower case without "layer", and its index.
func autoName(class string, index int) string {
	return autoPrefix(class) + strconv.Itoa(index)
}

func autoPrefix(class string) string {
	return strings.ReplaceAll(strings.ToLower(class), "layer", "")
}

// autoName is the package's autoName with the class's prefix made once.
func (b *builder) autoName(class string, index int) string {
	p, ok := b.prefixes[class]
	if !ok {
		if b.prefixes == nil {
			b.prefixes = map[string]string{}
		}
		p = autoPrefix(class)
		b.prefixes[class] = p
	}
	return p + strconv.Itoa(index)
}

// uniqueName keeps names unique as the graph needs; Lasagne allows
// duplicates, which get a suffix.
func (b *builder) uniqueName(name string) string {
	if !b.names[name] {
		return name
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s_%d", name, i)
		if !b.names[n] {
			return n
		}
	}
}

// claimName is uniqueName, taking the name it returns: one map
// operation for a name not taken yet.
func (b *builder) claimName(name string) string {
	n := len(b.names)
	b.names[name] = true
	if len(b.names) > n {
		return name
	}
	name = b.uniqueName(name)
	b.names[name] = true
	return name
}

// spec is what a class builder decided: the op and the inputs.
type spec struct {
	op     graph.Op
	inputs []*layer
	share  map[string]*paramRef
	nonlin bool
}

// add creates the layer's node, infers it, and registers it.
func (b *builder) add(c *call, s spec) (*layer, error) {
	if len(b.layers) >= pyhost.MaxInstances {
		return nil, fmt.Errorf("the script makes more than %s layers; a model may have at most %s", textlimit.Count(pyhost.MaxInstances), textlimit.Count(pyhost.MaxInstances))
	}
	b.noteBuilt(c.th)
	name := c.name
	named := name != ""
	if !named {
		name = b.autoName(c.class, len(b.layers))
	}
	name = b.claimName(name)
	var ins []*graph.Value
	for _, l := range s.inputs {
		ins = append(ins, l.node.Outputs[0])
	}
	n := b.g.NewNode(name, c.class, s.op, ins, 1, c.pos)
	for role, r := range s.share {
		n.Share(role, graph.Ref{Node: r.layer.node, Role: r.role, Transposed: r.transposed})
	}
	l := &layer{b: b, node: n, class: c.class, nonlin: s.nonlin, args: c.a, named: named}
	b.layers = append(b.layers, l)
	if err := b.infer(l); err != nil {
		return nil, err
	}
	return l, nil
}

// infer (re)runs inference of one layer, as Lasagne does when it is made.
// The script reads shapes and counts, never the arithmetic, and
// layerinfo.Analyze infers every node again: the layer is inferred
// without arithmetic text (graph.Node.NoArithmetic; an error is worded
// as with it), and finish clears the flag.
func (b *builder) infer(l *layer) error {
	l.node.NoArithmetic = true
	if err := infer.Node(l.node); err != nil {
		return &infer.Error{Node: l.node, Err: err}
	}
	return nil
}

// layerOf finds the layer producing a value.
func (b *builder) layerOf(v *graph.Value) *layer {
	if v == nil || v.Producer == nil {
		return nil
	}
	return b.byNode(v.Producer)
}

// byNode finds the layer that made a node: layers and nodes are made
// together, so a node's index in the graph is its layer's in b.layers
// (a map would cost some 50 bytes a layer, and a hash per lookup).
func (b *builder) byNode(n *graph.Node) *layer {
	if n != nil && n.Index >= 0 && n.Index < len(b.layers) && b.layers[n.Index].node == n {
		return b.layers[n.Index]
	}
	return nil
}

// call is one layer constructor call being evaluated.
type call struct {
	b     *builder // nil for layers made implicitly (a shape tuple as incoming)
	src   argSrcs
	th    *starlark.Thread
	class string
	a     *args
	name  string
	pos   graph.Pos
	old   []oldKw  // keywords of Lasagne before 0.1 it used (lasagne.go)
	notes []string // remarks for the layer it makes
}

// newCall is a call to fill: one a finished constructor call left, or a
// new one. A script of 100,000 layers would otherwise make as many calls
// of some 200 bytes, each garbage once its layer is made.
func (b *builder) newCall() *call {
	if n := len(b.freeCalls); n > 0 {
		c := b.freeCalls[n-1]
		b.freeCalls = b.freeCalls[:n-1]
		return c
	}
	return &call{}
}

// freeCall takes back a call whose layer is made: nothing keeps a call
// (the layer keeps its args, closures copy what they use), and a call that
// failed is not taken back.
func (b *builder) freeCall(c *call) {
	*c = call{}
	b.freeCalls = append(b.freeCalls, c)
}

// what names the layer for messages before it exists.
func (c *call) what() string {
	if c.name != "" {
		return fmt.Sprintf("layer %s (%s)", c.name, c.class)
	}
	return c.class
}

// fail is an error about this call at its position. A size that comes
// from data is reported as such, whatever the caller's wording.
func (c *call) fail(format string, args ...any) error {
	for _, a := range args {
		if err, ok := a.(error); ok {
			if de, ok := asDataError(err, ""); ok {
				c.explain(de)
				return &graph.Error{Pos: c.pos, Layer: c.what(), Err: de}
			}
		}
	}
	return &graph.Error{Pos: c.pos, Layer: c.what(), Err: fmt.Errorf(format, args...)}
}

// attrsOf is the constructor's keyword arguments as layer attributes
// (l.num_units, l.filter_size, …).
func attrsOf(a *args) starlark.StringDict {
	d := starlark.StringDict{}
	for _, kv := range a.vals {
		if kv.name != "incoming" && kv.name != "incomings" {
			d[kv.name] = kv.v
		}
	}
	return d
}

// incoming resolves a layer argument: a layer, or a shape tuple (Lasagne
// accepts one in place of an input layer).
func (b *builder) incoming(c *call, arg string) (*layer, error) {
	v := c.a.get(arg)
	switch x := v.(type) {
	case *layer:
		return x, nil
	case starlark.Tuple, *starlark.List:
		ic := &call{th: c.th, class: "InputLayer", a: &args{fn: "InputLayer", vals: argVals{{"shape", v}}}, pos: c.pos}
		if c.name != "" {
			ic.name = c.name + "_input"
		}
		s, fixed, err := b.inputShape(ic.name, v, c.pos, true)
		if err != nil {
			return nil, err
		}
		if !fixed {
			if s, err = toShape(v); err != nil {
				asDataError(err, arg)
				return nil, c.fail("%s: %v", arg, err)
			}
		}
		return b.add(ic, spec{op: &op.Input{Shape: s}})
	case nil:
		return nil, c.fail("%s is missing", arg)
	case *pyhost.Opaque:
		if x.Missing != nil {
			return nil, x.Missing.Err
		}
	}
	return nil, c.fail("%s must be a layer or a shape tuple, got %s", arg, pyhost.Describe(v))
}

// incomings resolves a list of layers.
func (b *builder) incomings(c *call, arg string) ([]*layer, error) {
	v := c.a.get(arg)
	seq, ok := v.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(v) {
		return nil, c.fail("%s must be a list of layers, got %s", arg, pyhost.Describe(v))
	}
	var out []*layer
	for i := 0; i < seq.Len(); i++ {
		x := seq.Index(i)
		l, ok := x.(*layer)
		if !ok {
			if pyhost.IsSequence(x) {
				sub := &call{th: c.th, class: c.class, a: &args{fn: c.a.fn, vals: argVals{{arg, x}}}, pos: c.pos, name: ""}
				il, err := b.incoming(sub, arg)
				if err != nil {
					return nil, err
				}
				out = append(out, il)
				continue
			}
			return nil, c.fail("%s[%d] must be a layer, got %s", arg, i, pyhost.Describe(x))
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, c.fail("%s is empty", arg)
	}
	return out, nil
}

// shareArg reads a parameter argument such as W: a shared parameter
// (W=l1.W), None (no such parameter), or anything else (an initializer or
// an array: a new parameter).
func shareArg(c *call, arg string, s *spec) (present bool, err error) {
	v := c.a.get(arg)
	switch x := v.(type) {
	case nil:
		return true, nil
	case starlark.NoneType:
		return false, nil
	case *paramRef:
		if s.share == nil {
			s.share = map[string]*paramRef{}
		}
		s.share[arg] = x
		return true, nil
	case *layer:
		return false, c.fail("%s must be a parameter or an initializer, got the layer %s", arg, x.node.Name)
	}
	return true, nil
}

// asStarlarkErr lets a Go error pass through Starlark unchanged.
func unwrapEval(err error) error {
	var pe *graph.Error
	if errors.As(err, &pe) {
		return pe
	}
	var ie *infer.Error
	if errors.As(err, &ie) {
		return ie
	}
	return err
}
