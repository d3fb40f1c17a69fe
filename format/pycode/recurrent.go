package pycode

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/op"
)

// Recurrent layers. Lasagne keeps one weight matrix per gate:
// W_in_to_<gate> (I, H), W_hid_to_<gate> (H, H) and b_<gate> (H,); the LSTM
// adds peephole vectors W_cell_to_{ingate,forgetgate,outgate} (H,) by
// default; the initial states hid_init (and cell_init) are (1, H)
// parameters, trainable only with learn_init=True, unless a layer provides
// them.

var (
	dimI = op.RecDim{Of: op.SizeInput}
	dimH = op.RecDim{Of: op.SizeHidden}
	dim1 = op.RecDim{Of: op.SizeOne}
)

// recurrentCommon reads what all three classes share and returns the
// inputs: the sequence, then mask_input, hid_init and cell_init layers.
func (b *builder) recurrentCommon(c *call, inits []string) (ins []*layer, params []op.RecParam, units int64, err error) {
	in, err := b.incoming(c, "incoming")
	if err != nil {
		return nil, nil, 0, err
	}
	if s := in.node.Outputs[0].Shape; len(s) < 3 {
		return nil, nil, 0, c.fail("expects a (batch, time, features…) input of at least 3 dimensions, got %s", pyShape(s))
	}
	ins = []*layer{in}
	if units, err = c.a.int("num_units", 0); err != nil {
		return nil, nil, 0, c.fail("%v", err)
	}
	if m, ok := c.a.get("mask_input").(*layer); ok {
		ins = append(ins, m)
	}
	learn := c.a.bool("learn_init", false)
	for _, name := range inits {
		if l, ok := c.a.get(name).(*layer); ok {
			ins = append(ins, l) // the initial state comes from a layer: no parameter
			continue
		}
		params = append(params, op.RecParam{Role: name, Dims: []op.RecDim{dim1, dimH}, Trainable: learn})
	}
	return ins, params, units, nil
}

// gateParams are the three parameters of one gate.
func gateParams(gate string, bias bool) []op.RecParam {
	ps := []op.RecParam{
		{Role: "W_in_to_" + gate, Dims: []op.RecDim{dimI, dimH}, Trainable: true, MatMul: true},
		{Role: "W_hid_to_" + gate, Dims: []op.RecDim{dimH, dimH}, Trainable: true, MatMul: true},
	}
	if bias {
		ps = append(ps, op.RecParam{Role: "b_" + gate, Dims: []op.RecDim{dimH}, Trainable: true})
	}
	return ps
}

// gateArg reads a Gate argument; absent means Gate().
func gateArg(c *call, name string, def gate) (gate, error) {
	switch x := c.a.get(name).(type) {
	case nil:
		return def, nil
	case *gate:
		return *x, nil
	default:
		return gate{}, c.fail("%s must be a Gate(...), got %s", name, pyhost.Describe(x))
	}
}

func (b *builder) rnn(c *call) (*layer, error) {
	ins, inits, units, err := b.recurrentCommon(c, []string{"hid_init"})
	if err != nil {
		return nil, err
	}
	s := spec{inputs: ins, nonlin: true}
	bias, err := shareArg(c, "b", &s)
	if err != nil {
		return nil, err
	}
	params := []op.RecParam{{Role: "W_in_to_hid", Dims: []op.RecDim{dimI, dimH}, Trainable: true, MatMul: true}}
	if bias {
		params = append(params, op.RecParam{Role: "b", Dims: []op.RecDim{dimH}, Trainable: true})
	}
	params = append(params, op.RecParam{Role: "W_hid_to_hid", Dims: []op.RecDim{dimH, dimH}, Trainable: true, MatMul: true})
	params = append(params, inits...)
	s.op = &op.Recurrent{Units: units, Params: params, OnlyFinal: c.a.bool("only_return_final", false)}
	return b.add(c, s)
}

func (b *builder) lstm(c *call) (*layer, error) {
	ins, inits, units, err := b.recurrentCommon(c, []string{"cell_init", "hid_init"})
	if err != nil {
		return nil, err
	}
	var params []op.RecParam
	gates := []string{"ingate", "forgetgate", "cell", "outgate"}
	byName := map[string]gate{}
	for _, g := range gates {
		def := gate{cell: g != "cell", bias: true}
		x, err := gateArg(c, g, def)
		if err != nil {
			return nil, err
		}
		byName[g] = x
		params = append(params, gateParams(g, x.bias)...)
	}
	if c.a.bool("peepholes", true) {
		for _, g := range []string{"ingate", "forgetgate", "outgate"} {
			if !byName[g].cell {
				return nil, c.fail("peepholes=True needs a W_cell in the %s gate, which was given W_cell=None", g)
			}
			params = append(params, op.RecParam{Role: "W_cell_to_" + g, Dims: []op.RecDim{dimH}, Trainable: true})
		}
	}
	params = append(params, inits...)
	return b.add(c, spec{op: &op.Recurrent{Units: units, Params: params, OnlyFinal: c.a.bool("only_return_final", false)}, inputs: ins, nonlin: true})
}

func (b *builder) gru(c *call) (*layer, error) {
	ins, inits, units, err := b.recurrentCommon(c, []string{"hid_init"})
	if err != nil {
		return nil, err
	}
	var params []op.RecParam
	for _, g := range []string{"resetgate", "updategate", "hidden_update"} {
		x, err := gateArg(c, g, gate{bias: true})
		if err != nil {
			return nil, err
		}
		params = append(params, gateParams(g, x.bias)...)
	}
	params = append(params, inits...)
	return b.add(c, spec{op: &op.Recurrent{Units: units, Params: params, OnlyFinal: c.a.bool("only_return_final", false)}, inputs: ins})
}

// newGate is lasagne.layers.Gate(W_in, W_hid, W_cell, b, nonlinearity).
func newGate(_ *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	bound, err := bind("Gate", sig("W_in=, W_hid=, W_cell=, b=, nonlinearity="), nil, a, kw)
	if err != nil {
		return nil, err
	}
	return &gate{cell: !bound.isNone("W_cell"), bias: !bound.isNone("b")}, nil
}

// sliceVal is Python's slice(start, stop, step), for SliceLayer.
type sliceVal struct {
	start, stop *int64
	step        int64
}

func (s *sliceVal) String() string        { return "slice(…)" }
func (s *sliceVal) Type() string          { return "slice" }
func (s *sliceVal) Freeze()               {}
func (s *sliceVal) Truth() starlark.Bool  { return true }
func (s *sliceVal) Hash() (uint32, error) { return 0, nil }

func newSlice(_ *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(kw) > 0 || len(a) == 0 || len(a) > 3 {
		return nil, fmt.Errorf("slice takes 1 to 3 positional arguments")
	}
	opt := func(v starlark.Value) (*int64, error) {
		if v == starlark.None {
			return nil, nil
		}
		n, err := toInt(v)
		if err != nil {
			return nil, fmt.Errorf("slice index %w", err)
		}
		return &n, nil
	}
	s := &sliceVal{step: 1}
	var err error
	if len(a) == 1 {
		s.stop, err = opt(a[0])
		return s, err
	}
	if s.start, err = opt(a[0]); err != nil {
		return nil, err
	}
	if s.stop, err = opt(a[1]); err != nil {
		return nil, err
	}
	if len(a) == 3 {
		st, err := opt(a[2])
		if err != nil {
			return nil, err
		}
		if st != nil {
			if *st == 0 {
				return nil, fmt.Errorf("slice step cannot be zero")
			}
			s.step = *st
		}
	}
	return s, nil
}
