package torchcode

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"

	"github.com/layerinfo/layerinfo/internal/pyhost"
)

// The weight reparametrizations of torch.nn.utils, which model code wraps
// layers in (GAN discriminators, WaveNet-style convolutions): each takes
// a module and returns it with its weight replaced by the tensors the
// reparametrization keeps, named as PyTorch's state_dict names them.
//
//   - nn.utils.spectral_norm(m, name='weight', n_power_iterations=1,
//     eps=1e-12, dim=None): parameter weight_orig (the weight), buffers
//     weight_u (h) and weight_v (numel/h), h the size along dim (1 for
//     ConvTranspose, else 0).
//   - nn.utils.weight_norm(m, name='weight', dim=0): parameters weight_g
//     (the weight's shape with 1 on every axis but dim; a scalar for
//     dim=None) and weight_v (the weight).
//   - nn.utils.parametrizations.spectral_norm: parameter
//     parametrizations.weight.original, buffers
//     parametrizations.weight.0._u and ._v.
//   - nn.utils.parametrizations.weight_norm: parameters
//     parametrizations.weight.original0 (g) and original1 (v).
//
// Their forwards compute the weight from these before the layer runs:
// the layer's shapes and FLOPs are the plain layer's.

func (t *torch) utils() *pyhost.Module {
	return &pyhost.Module{Name: "torch.nn.utils", Open: true, Members: starlark.StringDict{
		"spectral_norm": t.reparam("spectral_norm", false),
		"weight_norm":   t.reparam("weight_norm", false),
		"parametrizations": &pyhost.Module{Name: "torch.nn.utils.parametrizations", Open: true, Members: starlark.StringDict{
			"spectral_norm": t.reparam("spectral_norm", true),
			"weight_norm":   t.reparam("weight_norm", true),
		}},
	}}
}

func (t *torch) reparam(fn string, parametrized bool) *starlark.Builtin {
	full := "torch.nn.utils." + fn
	if parametrized {
		full = "torch.nn.utils.parametrizations." + fn
	}
	return starlark.NewBuiltin(full, func(th *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
		o, ok := t.isModule(argOf(a, kw, 0, "module"))
		if !ok {
			return nil, fmt.Errorf("%s() takes a module", full)
		}
		name := "weight"
		if v, ok := starlark.AsString(argOf(a, kw, 1, "name")); ok {
			name = v
		}
		m := stateOf(o)
		i := m.find(&m.params, name)
		var w *Tensor
		if i >= 0 {
			w, _ = m.params[i].val.(*Tensor)
		}
		if w == nil {
			return nil, fmt.Errorf("%s(): the module has no parameter '%s'", full, name)
		}
		if !w.Known {
			return o, nil // a lazy module's weight: its shape is set later
		}
		// dim: the positional argument after name (weight_norm's third,
		// spectral_norm's fifth).
		dimAt := 2
		if fn == "spectral_norm" {
			dimAt = 4
		}
		dim := 0
		dimNone := false
		switch v := argOf(a, kw, dimAt, "dim"); {
		case fn == "spectral_norm" && (v == nil || v == starlark.None):
			if strings.HasPrefix(m.kind, "ConvTranspose") {
				dim = 1
			}
		case v == nil: // weight_norm's default, dim=0
		case v == starlark.None: // weight_norm over the whole weight
			dimNone = true
		default:
			d, err := starlark.AsInt32(v)
			if err != nil {
				return nil, fmt.Errorf("%s(): dim must be an int", full)
			}
			dim = d
		}
		rank := len(w.Shape)
		if rank == 0 {
			return nil, fmt.Errorf("%s(): '%s' is a scalar", full, name)
		}
		if dim < 0 {
			dim += rank
		}
		if dim < 0 || dim >= rank {
			return nil, fmt.Errorf("%s(): dim %d is out of range for '%s' of shape %s", full, dim, name, shapeText(w.Shape))
		}
		b := &builder{th: th, o: o, t: t}
		m.drop(&m.params, name)
		prefix := name + "_"
		if parametrized {
			prefix = "parametrizations." + name + "."
		}
		switch fn {
		case "spectral_norm":
			h := w.Shape[dim]
			n := int64(1)
			for _, d := range w.Shape {
				n *= d
			}
			if parametrized {
				b.param(prefix+"original", w.Shape...)
				b.buffer(prefix+"0._u", h)
				b.buffer(prefix+"0._v", n/max(h, 1))
			} else {
				b.param(prefix+"orig", w.Shape...)
				b.buffer(prefix+"u", h)
				b.buffer(prefix+"v", n/max(h, 1))
			}
		case "weight_norm":
			var g []int64
			if !dimNone {
				g = make([]int64, rank)
				for k := range g {
					g[k] = 1
				}
				g[dim] = w.Shape[dim]
			}
			if parametrized {
				b.param(prefix+"original0", g...)
				b.param(prefix+"original1", w.Shape...)
			} else {
				b.param(prefix+"g", g...)
				b.param(prefix+"v", w.Shape...)
			}
		}
		if b.err != nil {
			return nil, b.err
		}
		// m.weight stays readable (the computed weight), not a parameter.
		o.Store(name, &Tensor{Shape: w.Shape, Known: true, Desc: w.Desc})
		return o, nil
	})
}
