package torchcode

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// fedCall is a module call the file makes itself with tensors of known
// shapes (x = torch.randn(2, 3, 32, 32); model(x)).
type fedCall struct {
	o   *pyhost.Instance
	a   starlark.Tuple
	kw  []starlark.Tuple
	pos graph.Pos
}

// call is module(…): during the trace, a traced call; outside it (the
// file's own code), a call with tensors of known shapes is recorded (an
// input the file feeds its model) and traced on a scratch graph, so
// that code that runs a dummy input through its layers to size the next
// one gets the sizes; other calls give a tensor of unknown shape.
func (t *torch) call(th *starlark.Thread, o *pyhost.Instance, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if tr := tracing(th); tr != nil {
		return tr.call(th, o, a, kw)
	}
	ins := tensorsIn(a...)
	for _, x := range kw {
		ins = append(ins, tensorsIn(x[1])...)
	}
	known := len(ins) > 0
	for _, x := range ins {
		known = known && x.Known
	}
	if !known {
		return &Tensor{Desc: o.Class.Name() + "(…)"}, nil
	}
	if len(t.fed) < 100 {
		t.fed = append(t.fed, fedCall{o, a, kw, where(th)})
	}
	tr := newTracer(t, th, &graph.Graph{}, nil)
	th.SetLocal(traceKey, tr)
	defer th.SetLocal(traceKey, nil)
	th.SetLocal(pyhost.OpaqueCallKey, opaqueCall)
	defer th.SetLocal(pyhost.OpaqueCallKey, nil)
	out, err := tr.call(th, o, detachAll(a), detachKw(kw))
	if err != nil {
		return nil, err
	}
	return detach(out, 0), nil
}

// detach is v with its tensors taken out of the trace that made them.
func detach(v starlark.Value, depth int) starlark.Value {
	if depth > 4 {
		return v
	}
	switch x := v.(type) {
	case *Tensor:
		c := *x
		c.src, c.tr = nil, nil
		return &c
	case starlark.Tuple:
		r := make(starlark.Tuple, len(x))
		for i, e := range x {
			r[i] = detach(e, depth+1)
		}
		return r
	}
	return v
}

func detachAll(a starlark.Tuple) starlark.Tuple {
	r := make(starlark.Tuple, len(a))
	for i, e := range a {
		r[i] = detach(e, 0)
	}
	return r
}

func detachKw(kw []starlark.Tuple) []starlark.Tuple {
	r := make([]starlark.Tuple, len(kw))
	for i, x := range kw {
		r[i] = starlark.Tuple{x[0], detach(x[1], 0)}
	}
	return r
}

func newTracer(t *torch, th *starlark.Thread, g *graph.Graph, bud *budget.Budget) *tracer {
	return &tracer{t: t, th: th, g: g, paths: map[*pyhost.Instance]string{}, params: map[*Tensor]*graph.Param{},
		names: map[string]int{}, called: map[*pyhost.Instance]bool{}, bud: bud}
}

// dtypes are the element types an input may be given, by torch's names.
var dtypes = map[string]graph.DType{
	"float": graph.Float32, "float32": graph.Float32, "half": graph.Float16, "float16": graph.Float16,
	"bfloat16": graph.BFloat16, "double": graph.Float64, "float64": graph.Float64,
	"long": graph.Int64, "int64": graph.Int64, "int": graph.Int32, "int32": graph.Int32,
	"int16": graph.Int16, "int8": graph.Int8, "uint8": graph.Uint8, "bool": graph.Bool,
}

// ParseDType is an input's element type by torch's name ("long", "bool").
func ParseDType(s string) (graph.DType, error) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "torch.")
	if d, ok := dtypes[s]; ok {
		return d, nil
	}
	names := make([]string, 0, len(dtypes))
	for k := range dtypes {
		names = append(names, k)
	}
	sort.Strings(names)
	return "", fmt.Errorf("%q is not a tensor type (%s)", s, strings.Join(names, ", "))
}

// forwardParams are the names of forward's parameters after self, and
// how many of them need a value.
func forwardParams(o *pyhost.Instance) (names []string, required int) {
	f := pyForward(o)
	if bm, ok := f.(*pyhost.BoundMethod); ok {
		f = bm.Fn
	}
	fn, ok := f.(*starlark.Function)
	if !ok {
		// A torch.nn module as the model: its forward's parameters.
		if names := goParams[stateOf(o).kind]; names != nil {
			return names, 1
		}
		return []string{"input"}, 1
	}
	n := fn.NumParams()
	if fn.HasKwargs() {
		n--
	}
	if fn.HasVarargs() {
		n--
	}
	for i := 1; i < n; i++ {
		name, _ := fn.Param(i)
		names = append(names, name)
		if fn.ParamDefault(i) == nil {
			required = len(names)
		}
	}
	return names, required
}

// traceInput is one input of the trace.
type traceInput struct {
	name  string // forward's parameter
	shape []int64
	dtype graph.DType
}

// givenInputs are the inputs the options give, in forward's order.
func givenInputs(o *pyhost.Instance, opt Options) ([]traceInput, error) {
	names, _ := forwardParams(o)
	byPos := map[int]traceInput{}
	for key, shape := range opt.InputShapes {
		i := -1
		switch {
		case key == "":
			i = 0
		case strings.HasPrefix(key, "#"):
			k, err := strconv.Atoi(key[1:])
			if err != nil || k < 1 {
				return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("%q is not an input", key)}
			}
			i = k - 1
		default:
			for j, n := range names {
				if n == key {
					i = j
				}
			}
			if i < 0 {
				return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("forward has no parameter %q (its parameters: %s)", key, strings.Join(names, ", "))}
			}
		}
		if i >= len(names) {
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("%d shapes given, forward takes %d inputs (%s)", i+1, len(names), strings.Join(names, ", "))}
		}
		if _, dup := byPos[i]; dup {
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("the shape of %s is given twice", names[i])}
		}
		if len(shape) > maxDims {
			return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("%d dimensions is more than the %d a tensor may have here", len(shape), maxDims)}
		}
		in := traceInput{name: names[i], shape: append([]int64{}, shape...), dtype: graph.Float32}
		for j, d := range in.shape {
			if d < 0 {
				in.shape[j] = -1
			}
		}
		if t, ok := opt.InputTypes[key]; ok && t != "" {
			dt, err := ParseDType(t)
			if err != nil {
				return nil, &format.UsageError{Option: "input-shape", Err: err}
			}
			in.dtype = dt
		}
		byPos[i] = in
	}
	var out []traceInput
	for i := 0; i < len(names); i++ {
		in, ok := byPos[i]
		if !ok {
			break
		}
		out = append(out, in)
	}
	if len(out) != len(byPos) {
		return nil, &format.UsageError{Option: "input-shape", Err: fmt.Errorf("give the inputs in forward's order without a gap (%s)", strings.Join(names, ", "))}
	}
	return out, nil
}

// Partial is a trace that stopped at a shape bug: the error, and the
// graph of the calls before it (printed before the error).
type Partial struct {
	Graph *graph.Graph
	Err   error
}

func (p *Partial) Error() string { return p.Err.Error() }
func (p *Partial) Unwrap() error { return p.Err }

// PartialGraph is the graph of the rows before the error.
func (p *Partial) PartialGraph() *graph.Graph { return p.Graph }

// trace runs the model's forward on the inputs and builds the graph of
// its calls. On a shape bug the error is a *Partial.
func (b *built) trace(run *pyhost.Run, t *torch, name string, opt Options, ins []traceInput, from string) (*graph.Graph, *tracer, error) {
	g := &graph.Graph{Name: b.model.Class.Name(), Format: "pytorch", Path: name,
		Notes:  append([]string{"model: " + b.entry}, b.notes...),
		Prints: graph.Printed{Which: "total", Label: `"Total params" in torchinfo's summary`}}
	tr := newTracer(t, run.Thread, g, opt.Budget)
	tr.root = b.model
	walk(b.model, func(o *pyhost.Instance, p string) error {
		tr.paths[o] = p
		return nil
	})
	var args starlark.Tuple
	var desc []string
	for _, in := range ins {
		v := &graph.Value{Name: in.name, Shape: gshape(in.shape), DType: in.dtype}
		g.Inputs = append(g.Inputs, v)
		x := &Tensor{Shape: in.shape, Known: true, DType: in.dtype, Desc: in.name, src: []*graph.Value{v}, tr: tr}
		args = append(args, x)
		d := in.name + " " + gshape(in.shape).String()
		if in.dtype != graph.Float32 {
			d += " " + string(in.dtype)
		}
		desc = append(desc, d)
	}
	g.Notes = append(g.Notes, "forward traced on "+strings.Join(desc, ", ")+" ("+from+")")
	run.Thread.SetLocal(traceKey, tr)
	defer run.Thread.SetLocal(traceKey, nil)
	run.Thread.SetLocal(pyhost.OpaqueCallKey, opaqueCall)
	defer run.Thread.SetLocal(pyhost.OpaqueCallKey, nil)
	var out starlark.Value
	var err error
	if call := strings.TrimSpace(opt.Call); call != "" {
		params := []string{"m", "x"}
		for _, in := range ins[min(1, len(ins)):] {
			params = append(params, in.name)
		}
		fn, cerr := starlark.EvalOptions(pyhost.FileOptions, run.Thread, "<call>", "lambda "+strings.Join(params, ", ")+": "+call, run.Globals)
		if cerr != nil {
			return nil, tr, &format.UsageError{Option: "call", Err: fmt.Errorf("%s: %v", call, cerr)}
		}
		var x starlark.Value = starlark.None
		if len(args) > 0 {
			x = args[0]
		}
		all := append(starlark.Tuple{b.model, x}, args[min(1, len(args)):]...)
		out, err = run.Call(fn, all, nil)
	} else {
		out, err = run.Call(b.model, args, nil)
	}
	if err != nil {
		if tr.fail != nil {
			err = tr.fail
		}
		tr.called = map[*pyhost.Instance]bool{} // what forward did not reach is counted all the same
		b.finish(tr, g, true)
		return g, tr, &Partial{Graph: g, Err: err}
	}
	for _, x := range tensorsIn(out) {
		for _, v := range x.src {
			if v.Producer != nil || contains2(g.Inputs, v) {
				if !contains2(g.Outputs, v) {
					g.Outputs = append(g.Outputs, v)
				}
			}
		}
	}
	if err := b.finish(tr, g, false); err != nil {
		return nil, tr, err
	}
	return g, tr, nil
}

func contains2(vs []*graph.Value, v *graph.Value) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// finish adds a node for each row module forward did not call whose
// tensors no call used (googlenet's auxiliary heads in eval mode): they
// count, as model.parameters() counts them.
func (b *built) finish(tr *tracer, g *graph.Graph, stopped bool) error {
	var idle []string
	for _, r := range b.rows {
		if tr.called[r.o] {
			continue
		}
		owned, err := tr.owned(r.o, r.path)
		if err != nil {
			return err
		}
		var fresh []*graph.Value
		for _, v := range owned {
			if v.Param.Owner == nil {
				fresh = append(fresh, v)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		name := r.path
		if name == "" {
			name = r.o.Class.Name()
		}
		if stopped {
			// Forward might have called it after the error: its
			// output and work are unknown, not none.
			g.NewNode(tr.unique(name), r.o.Class.Name(), unknownOp{"forward stopped at an error before reaching it"}, fresh, 1, stateOf(r.o).pos)
		} else {
			g.NewNode(tr.unique(name), r.o.Class.Name(), notCalled{}, fresh, 0, stateOf(r.o).pos)
		}
		if n := g.Nodes[len(g.Nodes)-1]; stateOf(r.o).wrapped != "" {
			n.Op, n.Uncounted = uncounted{n.Op}, true
		}
		idle = append(idle, name)
	}
	if len(idle) > 0 && stopped {
		g.Notes = append(g.Notes, fmt.Sprintf("forward stopped at an error: the parameters of %d modules it did not reach are counted, as model.parameters() counts them: %s", len(idle), clipList(idle, 8)))
	} else if len(idle) > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("%d modules with parameters are not called by forward (counted, as model.parameters() counts them): %s", len(idle), clipList(idle, 8)))
	}
	return nil
}

func clipList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(", … %d more", len(xs)-n)
}

// fedInputs are the inputs of the file's own call of the model (or of a
// module of its class), if it makes one.
func (t *torch) fedInputs(model *pyhost.Instance) ([]traceInput, string, bool) {
	pick := func(same func(o *pyhost.Instance) bool) ([]traceInput, string, bool) {
		for _, f := range t.fed {
			if !same(f.o) || len(f.kw) > 0 {
				continue
			}
			names, _ := forwardParams(model)
			var ins []traceInput
			ok := true
			for i, v := range f.a {
				x, isT := v.(*Tensor)
				if !isT || !x.Known || i >= len(names) {
					ok = false
					break
				}
				ins = append(ins, traceInput{name: names[i], shape: x.Shape, dtype: dtypeOf(x)})
			}
			if ok && len(ins) > 0 {
				return ins, fmt.Sprintf("the input the file feeds the model at %s", f.pos), true
			}
		}
		return nil, "", false
	}
	if ins, from, ok := pick(func(o *pyhost.Instance) bool { return o == model }); ok {
		return ins, from, true
	}
	return pick(func(o *pyhost.Instance) bool { return o.Class == model.Class })
}

// notCalled is a module forward did not call: it holds its tensors, has
// no output and did no work.
type notCalled struct{}

func (notCalled) Infer(n *graph.Node) error {
	n.Note("not called by forward")
	n.FLOPs = calc.N(0)
	return nil
}

// goParams are the forward parameters of torch.nn modules that take
// more than one input.
var goParams = map[string][]string{
	"Transformer":             {"src", "tgt", "src_mask", "tgt_mask", "memory_mask"},
	"TransformerDecoder":      {"tgt", "memory", "tgt_mask", "memory_mask"},
	"TransformerDecoderLayer": {"tgt", "memory", "tgt_mask", "memory_mask"},
	"TransformerEncoder":      {"src", "mask", "src_key_padding_mask"},
	"TransformerEncoderLayer": {"src", "src_mask", "src_key_padding_mask"},
	"MultiheadAttention":      {"query", "key", "value"},
	"Bilinear":                {"input1", "input2"},
	"CosineSimilarity":        {"x1", "x2"},
	"RNN":                     {"input", "hx"},
	"GRU":                     {"input", "hx"},
	"LSTM":                    {"input", "hx"},
}
