package pycode

import (
	"fmt"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pyhost"
	"github.com/layerinfo/layerinfo/internal/spell"
)

// netSyntax is where the parts of a NeuralNet(...) call are in the file,
// so that layers it creates and its keyword mistakes point at the line the
// user wrote.
type netSyntax struct {
	elems  []graph.Pos          // each element of the layers=[...] list
	kw     map[string]graph.Pos // each keyword argument
	kwExpr map[string]syntax.Expr
}

// findNets records the positions inside every NeuralNet(...) call.
func (b *builder) findNets(f *syntax.File) {
	if b.netInfo == nil { // modules beside the script add theirs
		b.netInfo = map[syntax.Position]*netSyntax{}
		b.calls = map[syntax.Position]syntax.Position{}
	}
	pos := func(p syntax.Position) graph.Pos {
		return graph.Pos{File: p.Filename(), Line: int(p.Line), Col: int(p.Col)}
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		start, _ := call.Fn.Span()
		b.calls[call.Lparen] = start
		name := ""
		switch fn := call.Fn.(type) {
		case *syntax.Ident:
			name = fn.Name
		case *syntax.DotExpr:
			name = fn.Name.Name
		}
		if name != "NeuralNet" {
			return true
		}
		info := &netSyntax{kw: map[string]graph.Pos{}, kwExpr: map[string]syntax.Expr{}}
		for i, a := range call.Args {
			var list syntax.Expr
			if bin, ok := a.(*syntax.BinaryExpr); ok && bin.Op == syntax.EQ {
				if id, ok := bin.X.(*syntax.Ident); ok {
					start, _ := bin.X.Span()
					info.kw[id.Name] = pos(start)
					info.kwExpr[id.Name] = bin.Y
					if id.Name == "layers" {
						list = bin.Y
					}
				}
			} else if i == 0 {
				list = a
			}
			if l, ok := list.(*syntax.ListExpr); ok {
				for _, e := range l.List {
					start, _ := e.Span()
					info.elems = append(info.elems, pos(start))
				}
			}
		}
		b.netInfo[call.Lparen] = info
		return true
	})
}

// neuralNet is nolearn.lasagne.NeuralNet(layers, **kwargs): it builds the
// layers as nolearn's initialize_layers does, in phases: the keywords
// (netCall), each entry of the layers list (layerDef), the keywords that
// name other layers (netRefs), the layer itself, and the keywords no
// layer used (unused).
func (b *builder) neuralNet(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if b.otherNet(th) {
		return &pyhost.Opaque{Desc: "NeuralNet(…) (not built: the entry point is another)"}, nil
	}
	nc := b.newNetCall(th, a, kw)
	if nc.layersArg == nil {
		return nil, &graph.Error{Pos: nc.pos, Layer: "NeuralNet", Err: fmt.Errorf("the layers argument is missing")}
	}
	nn := &net{byName: starlark.StringDict{}}

	// A Lasagne layer, or a list of them: the network is everything below.
	if outs, err := layerList(nc.layersArg); err == nil {
		nn.layers = b.ancestors(outs)
		for _, l := range nn.layers {
			nn.byName[l.node.Name] = l
		}
		b.nets = append(b.nets, nn)
		return nn, nil
	}
	seq, ok := nc.layersArg.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(nc.layersArg) {
		return nil, &graph.Error{Pos: nc.kwPos("layers"), Layer: "NeuralNet", Err: fmt.Errorf("layers must be a list of (name, LayerClass) or (LayerClass, {kwargs}) tuples, or a layer; got %s", pyhost.Describe(nc.layersArg))}
	}
	var prev *layer
	for i := 0; i < seq.Len(); i++ {
		d, err := nc.layerDef(nn, i, seq.Index(i))
		if err != nil {
			return nil, err
		}
		if err := nc.resolveRefs(nn, d, prev); err != nil {
			return nil, err
		}
		if prev, err = nc.makeLayer(nn, d); err != nil {
			return nil, err
		}
	}
	if err := nc.unused(nn); err != nil {
		return nil, err
	}
	b.nets = append(b.nets, nn)
	return nn, nil
}

// netCall is one NeuralNet(...) call being evaluated: where its parts
// are, its layers argument and its keywords (more_params merged).
type netCall struct {
	b         *builder
	th        *starlark.Thread
	pos       graph.Pos // the call
	info      *netSyntax
	layersArg starlark.Value
	params    map[string]starlark.Value
	keys      []string        // the keywords in order
	more      map[string]bool // keywords from more_params
	used      map[string]bool // keywords a layer took (<layer>_<arg>)
}

func (b *builder) newNetCall(th *starlark.Thread, a starlark.Tuple, kw []starlark.Tuple) *netCall {
	nc := &netCall{b: b, th: th, pos: b.callerPos(th), info: b.netInfo[th.CallFrame(1).Pos],
		params: map[string]starlark.Value{}, more: map[string]bool{}, used: map[string]bool{}}
	if nc.info == nil {
		nc.info = &netSyntax{kw: map[string]graph.Pos{}}
	}
	if len(a) > 0 {
		nc.layersArg = a[0]
	}
	// more_params: layer parameters as a dict. nolearn reads them after
	// the keywords (they win) and, unlike **kwargs, never checks them
	// for keys that name no layer (_check_for_unused_kwargs reads only
	// the keywords).
	var moreItems []starlark.Tuple
	for _, kv := range kw {
		k := string(kv[0].(starlark.String))
		if k == "layers" {
			nc.layersArg = kv[1]
			continue
		}
		if k == "more_params" {
			if d, ok := kv[1].(*starlark.Dict); ok {
				moreItems = append(moreItems, d.Items()...)
			}
			continue
		}
		nc.params[k] = kv[1]
		nc.keys = append(nc.keys, k)
	}
	for _, item := range moreItems {
		if s, ok := item[0].(starlark.String); ok {
			if _, dup := nc.params[string(s)]; !dup {
				nc.keys = append(nc.keys, string(s))
			}
			nc.params[string(s)] = item[1]
			nc.more[string(s)] = true
		}
	}
	nc.keys = b.setNetKeywords(nc.params, nc.keys)
	return nc
}

// kwPos is where keyword k of the call is written (the call if nowhere).
func (nc *netCall) kwPos(k string) graph.Pos {
	if p, ok := nc.info.kw[k]; ok {
		return p
	}
	return nc.pos
}

// netLayer is one entry of the layers list, with its keywords.
type netLayer struct {
	at        graph.Pos
	name      string
	className string
	factory   starlark.Value
	kw        map[string]starlark.Value
	order     []string // kw's keys as they are passed
}

// layerDef reads entry i of the layers list: (name, LayerClass) or
// (LayerClass, {kwargs}), the class possibly a dotted name; the
// NeuralNet keywords <name>_<arg> are its arguments.
func (nc *netCall) layerDef(nn *net, i int, v starlark.Value) (*netLayer, error) {
	d := &netLayer{at: nc.pos, kw: map[string]starlark.Value{}}
	if i < len(nc.info.elems) {
		d.at = nc.info.elems[i]
	}
	fail := func(err error) error {
		return &graph.Error{Pos: d.at, Layer: fmt.Sprintf("NeuralNet layers[%d]", i), Err: err}
	}
	def, ok := v.(starlark.Tuple)
	if !ok || len(def) != 2 {
		return nil, fail(fmt.Errorf("expected a (name, LayerClass) or (LayerClass, {kwargs}) tuple, got %s", pyhost.Describe(v)))
	}
	if dict, ok := def[1].(*starlark.Dict); ok {
		d.factory = def[0]
		for _, item := range dict.Items() {
			k, ok := item[0].(starlark.String)
			if !ok {
				return nil, fail(fmt.Errorf("keyword names must be strings, got %s", item[0]))
			}
			d.kw[string(k)] = item[1]
			d.order = append(d.order, string(k))
		}
		if s, ok := d.kw["name"].(starlark.String); ok {
			d.name = string(s)
		}
	} else {
		s, ok := def[0].(starlark.String)
		if !ok {
			return nil, fail(fmt.Errorf("the layer name must be a string, got %s", pyhost.Describe(def[0])))
		}
		d.name, d.factory = string(s), def[1]
	}
	if s, ok := d.factory.(starlark.String); ok {
		v, err := lookup(nc.b.roots, string(s))
		if err != nil {
			return nil, fail(err)
		}
		d.factory = v
	}
	d.className = classNameOf(d.factory)
	if o, ok := d.factory.(*pyhost.Opaque); ok && o.Missing != nil {
		return nil, o.Missing.Err
	}
	if d.className == "" {
		return nil, fail(fmt.Errorf("%s is not a layer class", pyhost.Describe(d.factory)))
	}
	if d.name == "" {
		d.name = autoName(d.className, i)
	}
	if _, dup := nn.byName[d.name]; dup {
		return nil, &graph.Error{Pos: d.at, Layer: "NeuralNet", Err: fmt.Errorf("two layers with name %s", d.name)}
	}
	d.kw["name"] = starlark.String(d.name)
	if !contains(d.order, "name") {
		d.order = append(d.order, "name")
	}
	prefix := d.name + "_"
	for _, k := range nc.keys {
		if strings.HasPrefix(k, prefix) {
			p := strings.TrimPrefix(k, prefix)
			d.kw[p] = nc.params[k]
			if !contains(d.order, p) {
				d.order = append(d.order, p)
			}
			nc.used[k] = true
		}
	}
	if _, given := d.kw["shape"]; d.className == "InputLayer" && !given {
		if _, ok, _ := nc.b.inputShape(d.name, nil, d.at, false); ok {
			d.kw["shape"] = starlark.None // --input-shape gives it
			d.order = append(d.order, "shape")
		}
	}
	if lc, ok := d.factory.(*layerClass); ok {
		if err := nc.b.checkNolearnKw(lc, d.name, d.order, nc.kwPos); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// netRefs are the layer keywords whose values name other layers of the
// net ("conv1"), in the order nolearn resolves them, and what each
// becomes. A layer that names no incoming layer takes the previous one.
var netRefs = []struct {
	key     string
	strOnly bool // only a string is a reference (else the value is passed as it is)
	resolve func(nn *net, v starlark.Value, key string) (starlark.Value, error)
}{
	{"incoming", false, func(nn *net, v starlark.Value, key string) (starlark.Value, error) { return nn.named(v, key) }},
	{"incomings", false, func(nn *net, v starlark.Value, key string) (starlark.Value, error) {
		ls, ok := v.(starlark.Indexable)
		if !ok {
			return nil, fmt.Errorf("incomings must be a list of layer names")
		}
		var xs []starlark.Value
		for j := 0; j < ls.Len(); j++ {
			l, err := nn.named(ls.Index(j), key)
			if err != nil {
				return nil, err
			}
			xs = append(xs, l)
		}
		return starlark.NewList(xs), nil
	}},
	{"mask_input", true, func(nn *net, v starlark.Value, key string) (starlark.Value, error) { return nn.named(v, key) }},
	// W='conv1': the parameter of that layer, shared.
	{"W", true, sharedParam},
	{"b", true, sharedParam},
}

func sharedParam(nn *net, v starlark.Value, key string) (starlark.Value, error) {
	src, err := nn.named(v, key)
	if err != nil {
		return nil, err
	}
	return src.Attr(key)
}

// resolveRefs replaces the names of netRefs keywords by what they name;
// a layer other than an InputLayer that names no incoming layer gets
// prev.
func (nc *netCall) resolveRefs(nn *net, d *netLayer, prev *layer) error {
	prefix := d.name + "_"
	if d.className != "InputLayer" && d.kw["incoming"] == nil && d.kw["incomings"] == nil {
		if prev == nil {
			return &graph.Error{Pos: d.at, Layer: fmt.Sprintf("layer %s (%s)", d.name, d.className), Err: fmt.Errorf("the first layer must be an InputLayer (or name its incoming layer)")}
		}
		d.kw["incoming"] = prev
		d.order = append([]string{"incoming"}, d.order...)
	}
	for _, r := range netRefs {
		v := d.kw[r.key]
		if v == nil || d.className == "InputLayer" && (r.key == "incoming" || r.key == "incomings") {
			continue
		}
		if _, ok := v.(starlark.String); r.strOnly && !ok {
			continue
		}
		if r.key == "incoming" && v == starlark.Value(prev) || r.key == "incomings" && d.kw["incoming"] != nil {
			continue // the previous layer, given above; incomings beside an incoming is passed as it is
		}
		x, err := r.resolve(nn, v, r.key)
		if err != nil {
			return &graph.Error{Pos: nc.kwPos(prefix + r.key), Layer: "layer " + d.name, Err: err}
		}
		d.kw[r.key] = x
	}
	return nil
}

// makeLayer calls the layer's class with its keywords, at the position
// of its entry in the list, then its layer_wrapper; the layers made join
// the net. It returns the layer the next one follows.
func (nc *netCall) makeLayer(nn *net, d *netLayer) (*layer, error) {
	b, th, at := nc.b, nc.th, d.at
	wrapper := d.kw["layer_wrapper"]
	delete(d.kw, "layer_wrapper")
	var kws []starlark.Tuple
	for _, k := range d.order {
		if v, ok := d.kw[k]; ok && k != "layer_wrapper" {
			kws = append(kws, starlark.Tuple{starlark.String(k), v})
		}
	}
	b.at = &at
	b.netArgs = netArgs{layer: d.name, info: nc.info}
	v, err := starlark.Call(th, d.factory, nil, kws)
	b.at, b.netArgs = nil, netArgs{}
	if err != nil {
		return nil, unwrapEval(err)
	}
	l, ok := v.(*layer)
	if !ok {
		return nil, &graph.Error{Pos: at, Layer: "layer " + d.name, Err: fmt.Errorf("%s did not make a layer", pyhost.Describe(d.factory))}
	}
	nn.byName[d.name] = l
	nn.layers = append(nn.layers, l)
	if wrapper == nil || wrapper == starlark.None {
		return l, nil
	}
	b.at = &at
	w, err := starlark.Call(th, wrapper, starlark.Tuple{l}, nil)
	b.at = nil
	if err != nil {
		return nil, unwrapEval(err)
	}
	wl, ok := w.(*layer)
	if !ok {
		return l, nil
	}
	for _, x := range b.ancestors([]*layer{wl}) {
		if _, seen := nn.byName[x.node.Name]; !seen {
			nn.byName[x.node.Name] = x
			nn.layers = append(nn.layers, x)
		}
	}
	return wl, nil
}

// nolearnOwn are NeuralNet.__init__'s own parameters, and eval_size and
// custom_score, which nolearn 0.6 still takes (deprecated: they set
// train_split's eval_size and custom_scores).
const nolearnOwn = "update loss objective objective_loss_function batch_iterator_train batch_iterator_test regression max_epochs train_split custom_scores scores_train scores_valid X_tensor_type y_tensor_type use_label_encoder on_batch_finished on_epoch_finished on_training_started on_training_finished more_params check_input verbose eval_size custom_score"

// unused refuses, as nolearn does, a keyword that belongs to no layer
// and is not NeuralNet's own.
func (nc *netCall) unused(nn *net) error {
	own := map[string]bool{}
	for _, p := range strings.Fields(nolearnOwn) {
		own[p] = true
	}
	for _, k := range nc.keys {
		if nc.used[k] || own[k] || nc.more[k] || strings.HasPrefix(k, "update_") || strings.HasPrefix(k, "objective_") {
			continue
		}
		var names []string
		for n := range nn.byName {
			names = append(names, n)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("unused keyword %s: it names no layer (the layers are %s)", k, strings.Join(names, ", "))
		if i := strings.Index(k, "_"); i > 0 {
			if s := spell.Nearest(k[:i], names); s != "" {
				msg = fmt.Sprintf("unused keyword %s: no layer is named %s (did you mean %s_%s?)", k, k[:i], s, k[i+1:])
			}
		}
		return &graph.Error{Pos: nc.kwPos(k), Layer: "NeuralNet", Err: fmt.Errorf("%s", msg)}
	}
	return nil
}

// checkNolearnKw reports a layer keyword the class does not take at the
// position of the NeuralNet keyword that supplied it.
func (b *builder) checkNolearnKw(lc *layerClass, name string, keys []string, kwPos func(string) graph.Pos) error {
	ps := sig(lc.cls.sig)
	valid := append(append([]string{}, layerKw...), lc.cls.extra...)
	valid = append(valid, "layer_wrapper")
	var old []string // keywords of Lasagne before 0.1
	for o := range lc.cls.old {
		old = append(old, o)
	}
	sort.Strings(old)
	valid = append(valid, old...)
	for _, p := range ps {
		valid = append(valid, p.name)
	}
	for _, k := range keys {
		if contains(valid, k) {
			continue
		}
		msg := fmt.Sprintf("%s takes no argument %s", lc.name, k)
		if s := spell.Nearest(k, valid); s != "" {
			msg += fmt.Sprintf(" (did you mean %s_%s?)", name, s)
		}
		return &graph.Error{Pos: kwPos(name + "_" + k), Layer: fmt.Sprintf("layer %s (%s)", name, lc.name), Err: fmt.Errorf("%s", msg)}
	}
	for _, p := range ps {
		if p.required && p.name != "incoming" && p.name != "incomings" && !contains(keys, p.name) && !givenAsOld(lc.cls, p.name, keys) {
			return &graph.Error{Pos: kwPos(name + "_" + p.name), Layer: fmt.Sprintf("layer %s (%s)", name, lc.name),
				Err: fmt.Errorf("missing the required argument %s (give it as %s_%s=…)", p.name, name, p.name)}
		}
	}
	return nil
}

// givenAsOld reports whether a parameter was given by its name in Lasagne
// before 0.1 (pool1_ds for pool_size).
func givenAsOld(k class, param string, keys []string) bool {
	for o, now := range k.old {
		if now == param && contains(keys, o) {
			return true
		}
	}
	return false
}

// named finds a layer of the net by name.
func (n *net) named(v starlark.Value, what string) (*layer, error) {
	if l, ok := v.(*layer); ok {
		return l, nil
	}
	s, ok := v.(starlark.String)
	if !ok {
		return nil, fmt.Errorf("%s must name an earlier layer, got %s", what, pyhost.Describe(v))
	}
	l, ok := n.byName[string(s)].(*layer)
	if !ok {
		var names []string
		for k := range n.byName {
			names = append(names, k)
		}
		msg := fmt.Sprintf("%s names %s, which is not an earlier layer", what, s)
		if near := spell.Nearest(string(s), names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return l, nil
}

// classNameOf is the class name of a layer factory, "" if it is not one.
func classNameOf(v starlark.Value) string {
	switch x := v.(type) {
	case *layerClass:
		return x.name
	case *userClass:
		return x.name
	case *starlark.Function:
		return x.Name()
	}
	return ""
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
