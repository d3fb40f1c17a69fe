package torchpt

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Contents is what a checkpoint holds, sorted by role: the model's tensors
// apart from an optimizer's state, LR schedulers and everything else a
// training script saves beside them (epoch, metrics, arguments).
//
// The model is found by structure, not by key name: a state dict is a dict
// of string keys whose values are all tensors (or None, or nested dicts of
// the same kind); a pickled nn.Module (torch.save(model)) is an object
// whose state holds _parameters, _buffers and _modules. An optimizer state
// is torch's Optimizer.state_dict(): {"state": {param index: {name:
// value}}, "param_groups": [{"params": [index, ...], ...}]}. An LR
// scheduler's state_dict has last_epoch and base_lrs (or _last_lr,
// _step_count; ReduceLROnPlateau: patience and best).
type Contents struct {
	// Model holds the model's tensors in file order, named as the model's
	// state_dict names them; when the file holds several models (a GAN's
	// generator and discriminator) each name starts with its path.
	Model []Tensor
	// Sources are the state dicts and pickled modules Model comes from.
	Sources []Part
	// Copies are state dicts or modules that repeat an earlier source
	// tensor for tensor (an EMA or averaged copy): not in Model.
	Copies     []Part
	Optimizers []Optimizer
	Schedulers []Part
	// Other lists every other top-level entry (and loose tensors outside
	// a state dict when a state dict was found).
	Other []Part
	// Module is the class of a pickled module holding the model, or "".
	Module string
	// Unplain, when not "", says why a pickled module could not be read
	// for its tensors (its state is not the plain nn.Module __dict__).
	Unplain string
	// NonPersistent counts the buffers of pickled modules left out because
	// they are not part of the state_dict (persistent=False).
	NonPersistent int
}

// Part is one entry of a checkpoint.
type Part struct {
	Path     string // dotted path from the root, "" for the root itself
	What     string // a short description: "3", "'2.1.0'", "numpy float64 0.93", "dict of 5 entries"
	Tensors  int
	Elements int64
	Bytes    int64
}

// Optimizer is an optimizer's state_dict.
type Optimizer struct {
	Part
	Kind   string   // "Adam-like", "SGD with momentum", ...; "" when not recognized
	Keys   []string // per-parameter state keys, in first-seen order
	Params int      // parameters with state
	Groups int      // param groups
	Listed int      // parameters the param groups list
}

// Contents sorts the checkpoint's entries; see Contents.
func (f *File) Contents() *Contents {
	w := &sorter{c: &Contents{}, seen: map[any]bool{}, maps: map[any]int8{}}
	w.root(f.Root)
	return w.finish()
}

type candidate struct {
	part    Part
	tensors []Tensor // names relative to the candidate
	module  string   // class of a pickled module
}

type sorter struct {
	c     *Contents
	cands []candidate
	loose []looseTensor // tensors outside any state dict, module or optimizer
	seen  map[any]bool
	maps  map[any]int8 // tensorMap results: 1 yes, -1 no, 0 in progress
	nodes int          // budget of nodes visited, over all walks
	struc int          // structures found: candidates, optimizers, schedulers
}

// spend counts a node visited; false once the budget is spent (a hostile
// object graph: a DAG that doubles at each level, a cycle).
func (w *sorter) spend() bool {
	w.nodes++
	return w.nodes <= maxWalkNodes
}

// looseTensor is a tensor outside any structure, and the Other part that
// lists it (-1 for none).
type looseTensor struct {
	t    Tensor
	part int
}

func (w *sorter) root(v any) {
	switch x := v.(type) {
	case *Dict:
		// A root of state dicts only ({"state_dict": ..., "state_dict_ema":
		// ...}) is taken entry by entry, so that copies are told apart;
		// a root holding tensors itself is a state dict.
		if (directTensors(x) || isOptimizer(x)) && w.structure(x, nil) {
			return
		}
		if _, ok := schedulerKind(x); ok && w.structure(x, nil) {
			return
		}
		if _, ok := x.Get("growth_factor"); ok && !directTensors(x) {
			w.entry(x, nil) // an AMP GradScaler's state_dict, saved alone
			return
		}
		for i, k := range x.Keys {
			w.entry(x.Values[i], []string{keyString(k)})
		}
	case *List:
		if w.structure(x, nil) {
			return
		}
		for i, it := range x.Items {
			w.entry(it, []string{strconv.Itoa(i)})
		}
	case Tuple:
		if w.structure(x, nil) {
			return
		}
		for i, it := range x {
			w.entry(it, []string{strconv.Itoa(i)})
		}
	case *Tensor:
		c := *x
		c.Name = "tensor"
		w.cands = append(w.cands, candidate{part: Part{What: "a single tensor"}, tensors: []Tensor{c}})
	default:
		if !w.structure(v, nil) {
			w.entry(v, nil)
		}
	}
}

// entry classifies one top-level entry; one holding no model, optimizer or
// scheduler is listed in Other.
func (w *sorter) entry(v any, path []string) {
	before, loose := w.struc, len(w.loose)
	w.classify(v, path, 1)
	if w.struc == before {
		p := w.part(v, path)
		p.What = describe(v)
		w.c.Other = append(w.c.Other, p)
		for i := loose; i < len(w.loose); i++ {
			w.loose[i].part = len(w.c.Other) - 1
		}
	}
}

// structure records v when it is a model, optimizer or scheduler state.
func (w *sorter) structure(v any, path []string) bool {
	name := strings.Join(path, ".")
	if d, ok := v.(*Dict); ok {
		if isOptimizer(d) {
			w.c.Optimizers = append(w.c.Optimizers, w.optimizer(d, path))
			w.struc++
			return true
		}
		if kind, ok := schedulerKind(d); ok {
			p := w.part(d, path)
			p.What = kind
			w.c.Schedulers = append(w.c.Schedulers, p)
			w.struc++
			return true
		}
	}
	if o, st, ok := moduleObject(v); ok {
		cls := objectClass(o)
		cand := candidate{part: Part{Path: name, What: "pickled module " + cls.String()}, module: cls.String()}
		if why := w.module(st, "", cls.Name, &cand, 0); why != "" {
			if w.c.Unplain == "" {
				w.c.Unplain = why
			}
		} else {
			w.addCandidate(cand)
		}
		w.struc++
		return true
	}
	if w.tensorMap(v, 0) {
		cand := candidate{part: Part{Path: name, What: "state dict"}}
		w.mapTensors(v, nil, &cand)
		allScalar := true
		for _, t := range cand.tensors {
			if len(t.Shape) > 0 {
				allScalar = false
			}
		}
		if allScalar && path != nil {
			return false // metrics such as Lightning's best_k_models: not a model
		}
		w.addCandidate(cand)
		w.struc++
		return true
	}
	return false
}

func (w *sorter) addCandidate(c candidate) {
	c.part.Tensors = len(c.tensors)
	for _, t := range c.tensors {
		c.part.Elements += t.Elements
		c.part.Bytes += t.Bytes
	}
	w.cands = append(w.cands, c)
}

// classify looks for structures inside v, collecting loose tensors.
func (w *sorter) classify(v any, path []string, depth int) {
	if !w.spend() || depth > maxWalkDepth {
		return
	}
	if t, ok := v.(*Tensor); ok {
		c := *t
		c.Name = strings.Join(path, ".")
		w.loose = append(w.loose, looseTensor{t: c, part: -1})
		return
	}
	if w.structure(v, path) {
		return
	}
	id := identity(v)
	if id == nil || w.seen[id] {
		return
	}
	w.seen[id] = true
	switch x := v.(type) {
	case *Dict:
		for i, k := range x.Keys {
			w.classify(x.Values[i], append(path[:len(path):len(path)], keyString(k)), depth+1)
		}
	case *Object:
		for _, c := range children(x) {
			w.classify(c, path, depth+1)
		}
	default:
		for i, c := range children(v) {
			w.classify(c, append(path[:len(path):len(path)], strconv.Itoa(i)), depth+1)
		}
	}
}

// tensorMap reports whether v is a state dict: string keys, values tensors,
// None or state dicts themselves (lists of tensors count too), at least
// one tensor.
func (w *sorter) tensorMap(v any, depth int) bool {
	if depth > maxWalkDepth || !w.spend() {
		return false
	}
	id := identity(v)
	if id != nil {
		if r, seen := w.maps[id]; seen {
			return r > 0 // in progress (a cycle): no
		}
		w.maps[id] = 0
	}
	r := w.isTensorMap(v, depth)
	if id != nil {
		w.maps[id] = -1
		if r {
			w.maps[id] = 1
		}
	}
	return r
}

func (w *sorter) isTensorMap(v any, depth int) bool {
	has := false
	ok := func(k string, val any) bool {
		switch x := val.(type) {
		case *Tensor:
			has = true
			return true
		case nil:
			return true
		case *Dict:
			if isOptimizer(x) {
				return false
			}
			if w.tensorMap(x, depth+1) {
				has = true
				return true
			}
			return len(x.Keys) == 0
		case *List, Tuple:
			if w.tensorMap(x, depth+1) {
				has = true
				return true
			}
		}
		// Modules with extra state (TransformerEngine, …) save any value
		// under "<module>._extra_state".
		return strings.HasSuffix(k, "_extra_state")
	}
	switch x := v.(type) {
	case *Dict:
		if len(x.Keys) == 0 {
			return false
		}
		for i, k := range x.Keys {
			ks, isStr := k.(string)
			if !isStr || !ok(ks, x.Values[i]) {
				return false
			}
		}
	case *List:
		return tensorList(x.Items)
	case Tuple:
		return tensorList(x)
	default:
		return false
	}
	return has
}

// directTensors reports whether a dict has tensor values itself.
func directTensors(d *Dict) bool {
	for _, v := range d.Values {
		if _, ok := v.(*Tensor); ok {
			return true
		}
	}
	return false
}

func tensorList(items []any) bool {
	if len(items) == 0 {
		return false
	}
	for _, it := range items {
		if _, ok := it.(*Tensor); !ok {
			return false
		}
	}
	return true
}

// mapTensors lists a state dict's tensors under their dotted names.
func (w *sorter) mapTensors(v any, path []string, c *candidate) {
	if len(path) > maxWalkDepth || !w.spend() {
		return
	}
	name := func(k string) []string { return append(path[:len(path):len(path)], k) }
	switch x := v.(type) {
	case *Tensor:
		t := *x
		t.Name = strings.Join(path, ".")
		c.tensors = append(c.tensors, t)
	case *Dict:
		for i, k := range x.Keys {
			w.mapTensors(x.Values[i], name(keyString(k)), c)
		}
	case *List:
		for i, it := range x.Items {
			w.mapTensors(it, name(strconv.Itoa(i)), c)
		}
	case Tuple:
		for i, it := range x {
			w.mapTensors(it, name(strconv.Itoa(i)), c)
		}
	}
}

// objectClass is the class an object instantiates: NEWOBJ's class, or the
// class argument of copyreg._reconstructor (protocols 0 and 1).
func objectClass(o *Object) Global {
	if (o.Class == Global{Module: "copyreg", Name: "_reconstructor"} || o.Class == Global{Module: "copy_reg", Name: "_reconstructor"}) && len(o.Args) > 0 {
		if g, ok := o.Args[0].(Global); ok {
			return g
		}
	}
	return o.Class
}

// moduleObject recognizes a pickled nn.Module: an object whose state is a
// dict holding _modules and _parameters.
func moduleObject(v any) (*Object, *Dict, bool) {
	o, ok := v.(*Object)
	if !ok {
		return nil, nil, false
	}
	st, ok := o.State.(*Dict)
	if !ok {
		return nil, nil, false
	}
	_, hasMods := st.Get("_modules")
	_, hasParams := st.Get("_parameters")
	return o, st, hasMods && hasParams
}

// module lists a pickled module's parameters and persistent buffers, in
// the order Module.state_dict does (its own parameters, its buffers, then
// each submodule). It returns why the state is not plain, or "".
func (w *sorter) module(st *Dict, prefix, class string, c *candidate, depth int) string {
	if depth > maxWalkDepth {
		return fmt.Sprintf("modules nested deeper than %d levels", maxWalkDepth)
	}
	if !w.spend() {
		return fmt.Sprintf("more than %d objects in the module tree", maxWalkNodes)
	}
	at := strings.TrimSuffix(prefix, ".")
	if at == "" {
		at = "the top module"
	}
	dictOf := func(key string) (*Dict, string) {
		v, ok := st.Get(key)
		if !ok {
			return nil, fmt.Sprintf("%s has no %s", at, key)
		}
		d, ok := v.(*Dict)
		if !ok {
			return nil, fmt.Sprintf("%s: %s is a %s, not a dict", at, key, typeName(v))
		}
		return d, ""
	}
	params, why := dictOf("_parameters")
	if why != "" {
		return why
	}
	buffers, why := dictOf("_buffers")
	if why != "" {
		return why
	}
	mods, why := dictOf("_modules")
	if why != "" {
		return why
	}
	skip := map[string]bool{}
	if s, ok := st.Get("_non_persistent_buffers_set"); ok {
		if set, ok := s.(*Set); ok {
			for _, it := range set.Items {
				if name, ok := it.(string); ok {
					skip[name] = true
				}
			}
		}
	}
	for i, k := range params.Keys {
		switch x := params.Values[i].(type) {
		case nil:
		case *Tensor:
			t := *x
			t.Name = prefix + keyString(k)
			t.Module = class
			c.tensors = append(c.tensors, t)
		default:
			return fmt.Sprintf("%s: parameter %s is a %s, not a tensor", at, keyString(k), typeName(x))
		}
	}
	for i, k := range buffers.Keys {
		switch x := buffers.Values[i].(type) {
		case nil:
		case *Tensor:
			if skip[keyString(k)] {
				w.c.NonPersistent++
				continue
			}
			t := *x
			t.Name = prefix + keyString(k)
			t.Buffer = true
			t.Module = class
			c.tensors = append(c.tensors, t)
		default:
			return fmt.Sprintf("%s: buffer %s is a %s, not a tensor", at, keyString(k), typeName(x))
		}
	}
	for i, k := range mods.Keys {
		name := prefix + keyString(k)
		switch x := mods.Values[i].(type) {
		case nil:
		default:
			o, sub, ok := moduleObject(x)
			if !ok {
				what := typeName(x)
				if o, isObj := x.(*Object); isObj {
					what = objectClass(o).String() + " object whose pickled state is a " + typeName(o.State) +
						" (a custom __getstate__ or __reduce__?)"
				}
				return fmt.Sprintf("submodule %s is a %s", name, what)
			}
			if why := w.module(sub, name+".", objectClass(o).Name, c, depth+1); why != "" {
				return why
			}
		}
	}
	return ""
}

// finish picks the model among the candidates: the first of each set of
// identical ones (an EMA copy repeats the model tensor for tensor), with
// names prefixed by their path when several remain. Without any state
// dict, the loose tensors are the model.
func (w *sorter) finish() *Contents {
	c := w.c
	var kept []candidate
	sigs := map[string]string{}
	for _, cand := range w.cands {
		sig := signature(cand.tensors)
		if first, dup := sigs[sig]; dup && len(cand.tensors) > 0 {
			p := cand.part
			p.What = fmt.Sprintf("%s repeating %s", p.What, quoteOrRoot(first))
			c.Copies = append(c.Copies, p)
			continue
		}
		sigs[sig] = cand.part.Path
		kept = append(kept, cand)
	}
	for _, cand := range kept {
		c.Sources = append(c.Sources, cand.part)
		if cand.module != "" && c.Module == "" {
			c.Module = cand.module
		}
		for _, t := range cand.tensors {
			if len(kept) > 1 && cand.part.Path != "" {
				if t.Name == "" {
					t.Name = cand.part.Path
				} else {
					t.Name = cand.part.Path + "." + t.Name
				}
			}
			c.Model = append(c.Model, t)
		}
	}
	if len(kept) == 0 && c.Unplain == "" && anyFloat(w.loose) {
		// No state dict: the tensors saved loose ({"w": tensor, "epoch": 3})
		// are the model, if there is a weight among them (an RNG state's
		// byte tensor is not).
		src := Part{What: "tensors outside a state dict"}
		drop := map[int]bool{}
		for _, l := range w.loose {
			c.Model = append(c.Model, l.t)
			src.Tensors++
			src.Elements += l.t.Elements
			src.Bytes += l.t.Bytes
			if l.part >= 0 {
				drop[l.part] = true
			}
		}
		c.Sources = append(c.Sources, src)
		var other []Part
		for i, p := range c.Other {
			if !drop[i] {
				other = append(other, p)
			}
		}
		c.Other = other
		return c
	}
	// Loose tensors inside entries that also hold a structure are listed
	// one by one.
	for _, l := range w.loose {
		if l.part < 0 {
			c.Other = append(c.Other, Part{Path: l.t.Name, What: describe(&l.t), Tensors: 1, Elements: l.t.Elements, Bytes: l.t.Bytes})
		}
	}
	return c
}

// anyFloat reports whether a tensor holds floating-point values.
func anyFloat(ls []looseTensor) bool {
	for _, l := range ls {
		if dt := l.t.DType; strings.HasPrefix(dt, "F") || strings.HasPrefix(dt, "BF") || strings.HasPrefix(dt, "C") {
			return true
		}
	}
	return false
}

func quoteOrRoot(path string) string {
	if path == "" {
		return "the root"
	}
	return strconv.Quote(path)
}

// signature identifies a set of tensors by name, shape and dtype; a
// "module." prefix (DataParallel) is ignored.
func signature(ts []Tensor) string {
	var sb strings.Builder
	for _, t := range ts {
		sb.WriteString(strings.TrimPrefix(t.Name, "module."))
		sb.WriteByte('|')
		sb.WriteString(t.DType)
		for _, d := range t.Shape {
			sb.WriteByte(',')
			sb.WriteString(strconv.FormatInt(d, 10))
		}
		sb.WriteByte(';')
	}
	return sb.String()
}

// part sums the tensors reachable from v.
func (w *sorter) part(v any, path []string) Part {
	p := Part{Path: strings.Join(path, ".")}
	seen := map[any]bool{}
	nodes := 0
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		nodes++
		if nodes > maxWalkNodes || depth > maxWalkDepth {
			return
		}
		if t, ok := v.(*Tensor); ok {
			p.Tensors++
			p.Elements += t.Elements
			p.Bytes += t.Bytes
			return
		}
		id := identity(v)
		if id == nil || seen[id] {
			return
		}
		seen[id] = true
		for _, c := range children(v) {
			walk(c, depth+1)
		}
	}
	walk(v, 0)
	return p
}

// isOptimizer recognizes torch's Optimizer.state_dict(): a "state" dict
// and a "param_groups" list of dicts each with a "params" list.
func isOptimizer(d *Dict) bool {
	st, ok1 := d.Get("state")
	pg, ok2 := d.Get("param_groups")
	if !ok1 || !ok2 {
		return false
	}
	if _, ok := st.(*Dict); !ok {
		return false
	}
	groups, ok := pg.(*List)
	if !ok {
		return false
	}
	for _, g := range groups.Items {
		gd, ok := g.(*Dict)
		if !ok {
			return false
		}
		if _, ok := gd.Get("params"); !ok {
			return false
		}
	}
	return true
}

func (w *sorter) optimizer(d *Dict, path []string) Optimizer {
	o := Optimizer{Part: w.part(d, path)}
	st, _ := d.Get("state")
	seen := map[string]bool{}
	for _, v := range st.(*Dict).Values {
		per, ok := v.(*Dict)
		if !ok {
			continue
		}
		o.Params++
		for _, k := range per.Keys {
			ks := keyString(k)
			if !seen[ks] && len(o.Keys) < 16 {
				seen[ks] = true
				o.Keys = append(o.Keys, ks)
			}
		}
	}
	pg, _ := d.Get("param_groups")
	for _, g := range pg.(*List).Items {
		o.Groups++
		ps, _ := g.(*Dict).Get("params")
		if l, ok := ps.(*List); ok {
			o.Listed += len(l.Items)
		}
	}
	o.Kind = optimizerKind(seen)
	return o
}

// optimizerKind names the torch.optim family whose per-parameter state
// has these keys.
func optimizerKind(k map[string]bool) string {
	switch {
	case k["exp_avg"] && k["exp_inf"]:
		return "Adamax-like"
	case k["exp_avg"] && k["exp_avg_sq"]:
		return "Adam-like"
	case k["square_avg"] && k["acc_delta"]:
		return "Adadelta-like"
	case k["square_avg"]:
		return "RMSprop-like"
	case k["momentum_buffer"]:
		return "SGD with momentum"
	case k["sum"]:
		return "Adagrad-like"
	case k["prev"] && k["step_size"]:
		return "Rprop-like"
	case k["eta"] && k["ax"]:
		return "ASGD-like"
	case k["old_dirs"] || k["d"] && k["t"]:
		return "LBFGS-like"
	}
	return ""
}

// schedulerKind recognizes an LR scheduler's state_dict (its __dict__
// without the optimizer) and names its class from its attributes.
func schedulerKind(d *Dict) (string, bool) {
	has := func(k string) bool { _, ok := d.Get(k); return ok }
	if !has("last_epoch") {
		return "", false
	}
	if !has("base_lrs") && !has("_last_lr") && !has("_step_count") && !(has("patience") && has("best")) {
		return "", false
	}
	kind := "an LR scheduler state"
	for _, c := range []struct{ class, key string }{
		{"ReduceLROnPlateau", "patience"}, {"OneCycleLR", "total_steps"}, {"CyclicLR", "max_lrs"},
		{"CosineAnnealingWarmRestarts", "T_0"}, {"CosineAnnealingLR", "T_max"}, {"MultiStepLR", "milestones"},
		{"StepLR", "step_size"}, {"LambdaLR", "lr_lambdas"}, {"SequentialLR", "_schedulers"},
		{"PolynomialLR", "power"}, {"LinearLR", "start_factor"}, {"ConstantLR", "factor"}, {"ExponentialLR", "gamma"},
	} {
		if has(c.key) {
			kind = "a " + c.class + "-like LR scheduler state"
			break
		}
	}
	var attrs []string
	for _, k := range []string{"step_size", "gamma", "milestones", "T_max", "T_0", "factor", "patience", "last_epoch"} {
		if v, ok := d.Get(k); ok {
			attrs = append(attrs, k+" "+scalarText(v))
		}
	}
	if len(attrs) > 0 {
		kind += " (" + strings.Join(attrs, ", ") + ")"
	}
	return kind, true
}

// scalarText formats a scalar for a note; containers by their size.
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case *big.Int:
		return brief(x)
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case string:
		if len(x) > 40 {
			x = x[:37] + "..."
		}
		return strconv.Quote(x)
	case *List:
		return fmt.Sprintf("list of %d", len(x.Items))
	case Tuple:
		return fmt.Sprintf("tuple of %d", len(x))
	}
	return describe(v)
}

// describe says what a value is in a few words.
func describe(v any) string {
	switch x := v.(type) {
	case *Tensor:
		return "tensor " + shapeText(x.Shape) + " " + dtypeText(x.DType)
	case []byte:
		return fmt.Sprintf("%d bytes", len(x))
	case *Dict:
		if _, ok := x.Get("growth_factor"); ok {
			if s, ok := x.Get("scale"); ok {
				return "AMP grad scaler state (scale " + scalarText(s) + ")"
			}
		}
		return plural(len(x.Keys), "dict of %d entry", "dict of %d entries")
	case *List:
		return fmt.Sprintf("list of %d", len(x.Items))
	case Tuple:
		return fmt.Sprintf("tuple of %d", len(x))
	case *Set:
		return fmt.Sprintf("set of %d", len(x.Items))
	case *Object:
		return describeObject(x)
	case Global:
		return x.String()
	case *Storage:
		return "storage"
	}
	return scalarText(v)
}

func shapeText(shape []int64) string {
	if len(shape) == 0 {
		return "scalar"
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return strings.Join(parts, "x")
}

// dtypeText names a dtype as the reports do ("float32" for "F32").
func dtypeText(dt string) string {
	switch dt {
	case "F64", "F32", "F16":
		return "float" + dt[1:]
	case "BF16":
		return "bfloat16"
	case "I64", "I32", "I16", "I8":
		return "int" + dt[1:]
	case "U8":
		return "uint8"
	case "BOOL":
		return "bool"
	}
	return dt
}

func describeObject(o *Object) string {
	cls := objectClass(o)
	switch {
	case cls.Name == "scalar" && isNumpy(cls):
		if len(o.Args) == 2 {
			if dt, ok := numpyDType(o.Args[0]); ok {
				if b, ok := o.Args[1].([]byte); ok {
					if val, ok := numpyValue(dt, b); ok {
						return "numpy " + dt.name + " " + val
					}
				}
				return "numpy " + dt.name
			}
		}
		return "numpy scalar"
	case cls.Name == "_reconstruct" && isNumpy(cls):
		// ndarray.__reduce__: _reconstruct(ndarray, (0,), b'b'), then
		// BUILD (version, shape, dtype, is_fortran, data).
		if st, ok := o.State.(Tuple); ok && len(st) == 5 {
			shape, err := ints(st[1], "shape")
			dt, ok := numpyDType(st[2])
			if err == nil && ok {
				return "numpy array " + shapeText(shape) + " " + dt.name
			}
		}
		return "numpy array"
	case cls.Name == "dtype" && isNumpy(cls):
		if dt, ok := numpyDType(o); ok {
			return "numpy dtype " + dt.name
		}
		return "numpy dtype"
	case cls == Global{Module: "argparse", Name: "Namespace"}:
		if d, ok := o.State.(*Dict); ok {
			return fmt.Sprintf("argparse.Namespace of %d fields", len(d.Keys))
		}
	}
	return cls.String() + " object"
}

type npDType struct {
	name  string // "float64"
	kind  byte   // 'f', 'i', 'u', 'b'
	size  int
	big   bool
	known bool
}

// numpyDType reads a pickled numpy.dtype: numpy.dtype("f8", False, True),
// then BUILD (3, "<", ...).
func numpyDType(v any) (npDType, bool) {
	o, ok := v.(*Object)
	if !ok || o.Class != (Global{Module: "numpy", Name: "dtype"}) || len(o.Args) < 1 {
		return npDType{}, false
	}
	code, ok := o.Args[0].(string)
	if !ok || len(code) < 2 {
		return npDType{}, false
	}
	dt := npDType{kind: code[0]}
	n, err := strconv.Atoi(code[1:])
	if err != nil {
		return npDType{name: code}, true
	}
	dt.size = n
	switch dt.kind {
	case 'f':
		dt.name, dt.known = fmt.Sprintf("float%d", 8*n), n == 4 || n == 8
	case 'i':
		dt.name, dt.known = fmt.Sprintf("int%d", 8*n), n <= 8
	case 'u':
		dt.name, dt.known = fmt.Sprintf("uint%d", 8*n), n <= 8
	case 'b':
		dt.name, dt.known = "bool", n == 1
	case 'c':
		dt.name = fmt.Sprintf("complex%d", 8*n)
	default:
		dt.name = code
	}
	if st, ok := o.State.(Tuple); ok && len(st) > 1 && st[1] == ">" {
		dt.big = true
	}
	return dt, true
}

// numpyValue formats the bytes of a numpy scalar.
func numpyValue(dt npDType, b []byte) (string, bool) {
	if !dt.known || len(b) != dt.size {
		return "", false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if dt.big {
		order = binary.BigEndian
	}
	var u uint64
	switch dt.size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(order.Uint16(b))
	case 4:
		u = uint64(order.Uint32(b))
	case 8:
		u = order.Uint64(b)
	default:
		return "", false
	}
	switch dt.kind {
	case 'f':
		if dt.size == 4 {
			return strconv.FormatFloat(float64(math.Float32frombits(uint32(u))), 'g', 6, 32), true
		}
		return strconv.FormatFloat(math.Float64frombits(u), 'g', 6, 64), true
	case 'i':
		shift := 64 - 8*uint(dt.size)
		return strconv.FormatInt(int64(u<<shift)>>shift, 10), true
	case 'u':
		return strconv.FormatUint(u, 10), true
	case 'b':
		if u != 0 {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

// Summary says in a few words what the file holds besides model tensors,
// for a file without any: "an LR scheduler state (StepLR-like, ...)".
func (c *Contents) Summary() string {
	var parts []string
	for _, o := range c.Optimizers {
		parts = append(parts, fmt.Sprintf("an optimizer state (%s): %s, %s", o.Describe(),
			plural(o.Tensors, "%d tensor", "%d tensors"), elements(o.Elements)))
	}
	for _, s := range c.Schedulers {
		parts = append(parts, s.What)
	}
	var other []string
	for _, p := range c.Other {
		if p.Path == "" {
			other = append(other, article(p.What))
			continue
		}
		other = append(other, p.Path+": "+p.What)
	}
	if len(other) > 0 {
		if len(other) > 8 {
			other = append(other[:8], fmt.Sprintf("and %d more", len(other)-8))
		}
		parts = append(parts, strings.Join(other, ", "))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

// Describe says what kind of optimizer state this is and how big:
// "Adam-like: exp_avg, exp_avg_sq, step; 4 parameters in 1 param group".
func (o Optimizer) Describe() string {
	s := o.Kind
	if len(o.Keys) > 0 {
		if s != "" {
			s += ": "
		}
		s += strings.Join(o.Keys, ", ")
	}
	if s != "" {
		s += "; "
	}
	return s + fmt.Sprintf("state for %d of %d parameters in %s", o.Params, o.Listed, plural(o.Groups, "%d param group", "%d param groups"))
}

// elements is a count of elements with separators: "1 element",
// "14,000,000,000 elements".
func elements(n int64) string {
	if n == 1 {
		return "1 element"
	}
	return stats.Thousands(n) + " elements"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf(one, n)
	}
	return fmt.Sprintf(many, n)
}

// article puts "a" or "an" before a description of a whole file's value
// ("an AMP grad scaler state", "a dict of 3 entries"), not before a number
// or a quoted string.
func article(what string) string {
	if what == "" {
		return what
	}
	switch c := what[0]; {
	case strings.ContainsRune("AEIOUaeiou", rune(c)):
		return "an " + what
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		if what == "None" || what == "True" || what == "False" {
			return what
		}
		return "a " + what
	}
	return what
}
