package torchpt

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"
)

// The pickles below are written as torch.save writes them (pickle protocol
// 2): Optimizer.state_dict() is {"state": {param index: {...}},
// "param_groups": [{..., "params": [indices]}]}; a pickled nn.Module is
// NEWOBJ of its class and BUILD with its __dict__.

// mlpStateDict is Sequential(Linear(4,8), ReLU(), Linear(8,2)).state_dict():
// (4+1)*8 + (8+1)*2 = 58 parameters. Storages "0".."3".
func mlpStateDict() (*pOrderedDict, map[string]int64) {
	sd := &pOrderedDict{
		keys: []string{"0.weight", "0.bias", "2.weight", "2.bias"},
		vals: []any{tensor("FloatStorage", "0", 8, 4), tensor("FloatStorage", "1", 8), tensor("FloatStorage", "2", 2, 8), tensor("FloatStorage", "3", 2)},
	}
	return sd, map[string]int64{"0": 32 * 4, "1": 8 * 4, "2": 16 * 4, "3": 2 * 4}
}

// adamState is Adam's state_dict after a step over those 4 parameters:
// per parameter a scalar step and exp_avg, exp_avg_sq of its shape.
// Storages "10".. .
func adamState(sizes map[string]int64) *pDict {
	shapes := [][]int64{{8, 4}, {8}, {2, 8}, {2}}
	state := &pDict{}
	key := 10
	next := func(size ...int64) pTensor {
		k := strconv.Itoa(key)
		key++
		sizes[k] = numel(size) * 4
		return tensor("FloatStorage", k, size...)
	}
	for i, s := range shapes {
		state.keys = append(state.keys, i)
		state.vals = append(state.vals, &pDict{keys: []any{"step", "exp_avg", "exp_avg_sq"}, vals: []any{next(), next(s...), next(s...)}})
	}
	group := &pDict{
		keys: []any{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable", "params"},
		vals: []any{1e-3, pTuple{0.9, 0.999}, 1e-8, 0, false, false, nil, false, pList{0, 1, 2, 3}},
	}
	return &pDict{keys: []any{"state", "param_groups"}, vals: []any{state, pList{group}}}
}

// npFloat64 is np.float64(x) as NumPy pickles it:
// numpy.core.multiarray.scalar(dtype('float64'), b'<8 bytes>').
func npFloat64(x float64) pCall {
	dt := pCall{fn: pGlob{"numpy", "dtype"}, args: pTuple{"f8", false, true}, state: pTuple{3, "<", nil, nil, nil, -1, -1, 0}}
	b := binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))
	return pCall{fn: pGlob{"numpy.core.multiarray", "scalar"}, args: pTuple{dt, pBytes(b)}}
}

func keysOf(sizes map[string]int64) []string {
	var keys []string
	for k := range sizes {
		keys = append(keys, k)
	}
	return keys
}

func contents(t *testing.T, root any, sizes map[string]int64, lenient bool) (*File, *Contents) {
	t.Helper()
	buf := torchZip(t, "archive", dumps(root), keysOf(sizes), sizes)
	d := Decoder{AllowUnknownGlobals: lenient}
	f, err := d.Decode(bytesReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	return f, f.Contents()
}

func modelElements(c *Contents) int64 {
	var n int64
	for _, t := range c.Model {
		n += t.Elements
	}
	return n
}

func names(ts []Tensor) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Name)
	}
	return strings.Join(s, " ")
}

func TestContentsTrainingCheckpoint(t *testing.T) {
	sd, sizes := mlpStateDict()
	ckpt := &pDict{
		keys: []any{"epoch", "model", "optimizer", "best_acc"},
		vals: []any{3, sd, adamState(sizes), npFloat64(0.9375)},
	}
	// NumPy scalars are on the allow-list: no AllowUnknownGlobals needed.
	_, c := contents(t, ckpt, sizes, false)
	if got := modelElements(c); got != (4+1)*8+(8+1)*2 {
		t.Errorf("model elements %d, want 58", got)
	}
	if got := names(c.Model); got != "0.weight 0.bias 2.weight 2.bias" {
		t.Errorf("model tensors %q", got)
	}
	if len(c.Sources) != 1 || c.Sources[0].Path != "model" {
		t.Errorf("sources %+v", c.Sources)
	}
	if len(c.Optimizers) != 1 {
		t.Fatalf("optimizers %+v", c.Optimizers)
	}
	o := c.Optimizers[0]
	// step (a scalar), exp_avg and exp_avg_sq for each of 4 parameters.
	if o.Path != "optimizer" || o.Kind != "Adam-like" || o.Params != 4 || o.Listed != 4 || o.Groups != 1 ||
		o.Tensors != 12 || o.Elements != 4+2*58 || strings.Join(o.Keys, ",") != "step,exp_avg,exp_avg_sq" {
		t.Errorf("optimizer %+v", o)
	}
	var other []string
	for _, p := range c.Other {
		other = append(other, p.Path+"="+p.What)
	}
	if got := strings.Join(other, "; "); got != "epoch=3; best_acc=numpy float64 0.9375" {
		t.Errorf("other %q", got)
	}
}

func TestContentsLightning(t *testing.T) {
	sd, sizes := mlpStateDict()
	for i, k := range sd.keys {
		sd.keys[i] = "model." + k
	}
	sizes["30"], sizes["31"] = 4, 4
	sgd := adamState(sizes)
	// SGD with momentum keeps one momentum_buffer per parameter.
	for _, v := range sgd.vals[0].(*pDict).vals {
		per := v.(*pDict)
		per.keys, per.vals = per.keys[1:2], per.vals[1:2]
		per.keys[0] = "momentum_buffer"
	}
	steplr := &pDict{keys: []any{"step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "verbose", "_get_lr_called_within_step", "_last_lr"},
		vals: []any{30, 0.1, pList{0.1}, 1, 2, false, false, pList{0.1}}}
	callbacks := &pDict{keys: []any{"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}"}, vals: []any{&pDict{
		keys: []any{"monitor", "best_model_score", "best_k_models"},
		vals: []any{"val_loss", tensor("FloatStorage", "30"), &pDict{keys: []any{"/ckpt/epoch=0.ckpt"}, vals: []any{tensor("FloatStorage", "31")}}},
	}}}
	ckpt := &pDict{
		keys: []any{"epoch", "global_step", "pytorch-lightning_version", "state_dict", "loops", "callbacks", "optimizer_states", "lr_schedulers", "hparams_name", "hyper_parameters"},
		vals: []any{1, 40, "2.1.0", sd, &pDict{}, callbacks, pList{sgd}, pList{steplr}, "kwargs", &pDict{keys: []any{"lr"}, vals: []any{0.1}}},
	}
	_, c := contents(t, ckpt, sizes, false)
	if got := modelElements(c); got != 58 || len(c.Sources) != 1 || c.Sources[0].Path != "state_dict" {
		t.Errorf("model elements %d from %+v", got, c.Sources)
	}
	if len(c.Optimizers) != 1 || c.Optimizers[0].Path != "optimizer_states.0" || c.Optimizers[0].Kind != "SGD with momentum" || c.Optimizers[0].Elements != 58 {
		t.Errorf("optimizers %+v", c.Optimizers)
	}
	if len(c.Schedulers) != 1 || c.Schedulers[0].Path != "lr_schedulers.0" ||
		c.Schedulers[0].What != "a StepLR-like LR scheduler state (step_size 30, gamma 0.1, last_epoch 1)" {
		t.Errorf("schedulers %+v", c.Schedulers)
	}
	var cb *Part
	for i := range c.Other {
		if c.Other[i].Path == "callbacks" {
			cb = &c.Other[i]
		}
	}
	if cb == nil || cb.Tensors != 2 || cb.Elements != 2 {
		t.Errorf("callbacks %+v in %+v", cb, c.Other)
	}
}

// linearModule is an nn.Linear as torch.save(model) pickles it.
func linearModule(wkey, bkey string, in, out int64) *pObject {
	w, b := tensor("FloatStorage", wkey, out, in), tensor("FloatStorage", bkey, out)
	w.param, w.grad, b.param, b.grad = true, true, true, true
	return &pObject{class: pGlob{"torch.nn.modules.linear", "Linear"}, state: moduleDict(
		&pOrderedDict{keys: []string{"weight", "bias"}, vals: []any{w, b}}, &pOrderedDict{}, nil, &pOrderedDict{}, "in_features", in, "out_features", out)}
}

// moduleDict is an nn.Module's __dict__ (torch 1.13's attributes, extra
// ones after).
func moduleDict(params, buffers *pOrderedDict, nonPersistent pSet, modules *pOrderedDict, extra ...any) *pDict {
	d := &pDict{
		keys: []any{"training", "_parameters", "_buffers", "_non_persistent_buffers_set", "_backward_hooks", "_is_full_backward_hook",
			"_forward_hooks", "_forward_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks", "_modules"},
		vals: []any{true, params, buffers, nonPersistent, &pOrderedDict{}, nil, &pOrderedDict{}, &pOrderedDict{}, &pOrderedDict{}, &pOrderedDict{}, &pOrderedDict{}, modules},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		d.keys = append(d.keys, extra[i])
		d.vals = append(d.vals, extra[i+1])
	}
	return d
}

func TestContentsPickledModule(t *testing.T) {
	// class Net(nn.Module): fc1 = Linear(4, 8); bn = BatchNorm1d(8);
	// fc2 = Linear(8, 2); a non-persistent buffer "mask".
	g, b := tensor("FloatStorage", "2", 8), tensor("FloatStorage", "3", 8)
	g.param, g.grad, b.param, b.grad = true, true, true, true
	bn := &pObject{class: pGlob{"torch.nn.modules.batchnorm", "BatchNorm1d"}, state: moduleDict(
		&pOrderedDict{keys: []string{"weight", "bias"}, vals: []any{g, b}},
		&pOrderedDict{keys: []string{"running_mean", "running_var", "num_batches_tracked"},
			vals: []any{tensor("FloatStorage", "4", 8), tensor("FloatStorage", "5", 8), tensor("LongStorage", "6")}},
		pSet{}, &pOrderedDict{})}
	net := &pObject{class: pGlob{"__main__", "Net"}, state: moduleDict(
		&pOrderedDict{}, &pOrderedDict{keys: []string{"mask"}, vals: []any{tensor("BoolStorage", "9", 4)}}, pSet{"mask"},
		&pOrderedDict{keys: []string{"fc1", "bn", "fc2"}, vals: []any{linearModule("0", "1", 4, 8), bn, linearModule("7", "8", 8, 2)}})}
	sizes := map[string]int64{"0": 128, "1": 32, "2": 32, "3": 32, "4": 32, "5": 32, "6": 8, "7": 64, "8": 8, "9": 4}
	buf := torchZip(t, "archive", dumps(net), keysOf(sizes), sizes)
	if _, err := Decode(bytesReader(buf)); err == nil || !strings.Contains(err.Error(), "global __main__.Net is not allowed") {
		t.Errorf("strict decode: %v", err)
	}
	f, c := contents(t, net, sizes, true)
	if c.Module != "__main__.Net" || c.Unplain != "" || c.NonPersistent != 1 {
		t.Errorf("module %q unplain %q non-persistent %d", c.Module, c.Unplain, c.NonPersistent)
	}
	if got := names(c.Model); got != "fc1.weight fc1.bias bn.weight bn.bias bn.running_mean bn.running_var bn.num_batches_tracked fc2.weight fc2.bias" {
		t.Errorf("tensors %q", got)
	}
	var params, buffers int64
	for _, tn := range c.Model {
		if tn.Buffer {
			buffers += tn.Elements
		} else if tn.Parameter && tn.RequiresGrad {
			params += tn.Elements
		}
	}
	// (4+1)*8 + 2*8 + (8+1)*2 parameters; 8+8+1 buffer elements.
	if params != 40+16+18 || buffers != 17 {
		t.Errorf("params %d buffers %d", params, buffers)
	}
	if c.Model[0].Module != "Linear" || c.Model[2].Module != "BatchNorm1d" {
		t.Errorf("module classes %q %q", c.Model[0].Module, c.Model[2].Module)
	}
	if len(f.Unknown) == 0 || f.Unknown[0].String() != "__main__.Net" {
		t.Errorf("unknown %v", f.Unknown)
	}

	// A submodule with a custom __getstate__ (a tuple state) is refused.
	odd := linearModule("0", "1", 4, 8)
	odd.state = pTuple{"packed", 1}
	net.state.(*pDict).vals[11].(*pOrderedDict).vals[0] = odd
	_, c = contents(t, net, sizes, true)
	if !strings.Contains(c.Unplain, "submodule fc1 is a torch.nn.modules.linear.Linear object whose pickled state is a tuple") || len(c.Model) != 0 {
		t.Errorf("unplain %q, %d tensors", c.Unplain, len(c.Model))
	}
}

func TestContentsWithoutModel(t *testing.T) {
	steplr := &pDict{keys: []any{"step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "verbose", "_get_lr_called_within_step", "_last_lr"},
		vals: []any{30, 0.1, pList{0.1}, 3, 4, false, false, pList{0.1}}}
	_, c := contents(t, steplr, nil, false)
	if len(c.Model) != 0 || c.Summary() != "a StepLR-like LR scheduler state (step_size 30, gamma 0.1, last_epoch 3)" {
		t.Errorf("scheduler alone: %d tensors, %q", len(c.Model), c.Summary())
	}
	scaler := &pDict{keys: []any{"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}, vals: []any{65536.0, 2.0, 0.5, 2000, 0}}
	_, c = contents(t, scaler, nil, false)
	if len(c.Model) != 0 || c.Summary() != "an AMP grad scaler state (scale 65536)" {
		t.Errorf("grad scaler alone: %d tensors, %q", len(c.Model), c.Summary())
	}
	// An RNG state (transformers' rng_state.pth): a byte tensor is no model.
	rng := &pDict{keys: []any{"python", "cpu"}, vals: []any{pTuple{3, pTuple{1, 2}, nil}, tensor("ByteStorage", "0", 5056)}}
	_, c = contents(t, rng, map[string]int64{"0": 5056}, false)
	if len(c.Model) != 0 || c.Summary() != "python: tuple of 3, cpu: tensor 5056 uint8" {
		t.Errorf("rng state: %d tensors, %q", len(c.Model), c.Summary())
	}
	sizes := map[string]int64{}
	_, c = contents(t, adamState(sizes), sizes, false)
	if len(c.Model) != 0 || !strings.HasPrefix(c.Summary(), "an optimizer state (Adam-like: step, exp_avg, exp_avg_sq; state for 4 of 4 parameters in 1 param group)") {
		t.Errorf("optimizer alone: %d tensors, %q", len(c.Model), c.Summary())
	}
}

func TestContentsShapes(t *testing.T) {
	sd, sizes := mlpStateDict()
	// A nested model dict, a copy of it (EMA) and loose tensors.
	nested := &pDict{keys: []any{"encoder", "decoder"}, vals: []any{
		&pOrderedDict{keys: sd.keys[:2], vals: sd.vals[:2]}, &pOrderedDict{keys: sd.keys[2:], vals: sd.vals[2:]}}}
	_, c := contents(t, &pDict{keys: []any{"model", "epoch"}, vals: []any{nested, 9}}, sizes, false)
	if got := names(c.Model); got != "encoder.0.weight encoder.0.bias decoder.2.weight decoder.2.bias" {
		t.Errorf("nested: %q", got)
	}
	ema := &pOrderedDict{keys: sd.keys, vals: sd.vals}
	_, c = contents(t, &pDict{keys: []any{"state_dict", "state_dict_ema"}, vals: []any{sd, ema}}, sizes, false)
	if len(c.Copies) != 1 || c.Copies[0].Path != "state_dict_ema" || modelElements(c) != 58 {
		t.Errorf("copies %+v, %d elements: %s", c.Copies, modelElements(c), names(c.Model))
	}
	// Two different models (a GAN): both counted, names prefixed.
	d := &pOrderedDict{keys: []string{"fc.weight"}, vals: []any{sd.vals[0]}}
	_, c = contents(t, &pDict{keys: []any{"G", "D"}, vals: []any{sd, d}}, sizes, false)
	if got := names(c.Model); got != "G.0.weight G.0.bias G.2.weight G.2.bias D.fc.weight" {
		t.Errorf("two models: %q", got)
	}
	// No state dict: tensors saved loose are the model.
	_, c = contents(t, &pDict{keys: []any{"w", "b", "epoch"}, vals: []any{sd.vals[0], sd.vals[1], 2}}, sizes, false)
	if got := names(c.Model); got != "w b" || len(c.Other) != 1 {
		t.Errorf("loose: %q, other %+v", got, c.Other)
	}
}
