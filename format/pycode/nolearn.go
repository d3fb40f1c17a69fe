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
// layers as nolearn's initialize_layers does.
func (b *builder) neuralNet(th *starlark.Thread, fn *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if b.otherNet(th) {
		return &pyhost.Opaque{Desc: "NeuralNet(…) (not built: --entry names another)"}, nil
	}
	callPos := b.callerPos(th)
	info := b.netInfo[th.CallFrame(1).Pos]
	if info == nil {
		info = &netSyntax{kw: map[string]graph.Pos{}}
	}
	kwPos := func(k string) graph.Pos {
		if p, ok := info.kw[k]; ok {
			return p
		}
		return callPos
	}
	var layersArg starlark.Value
	if len(a) > 0 {
		layersArg = a[0]
	}
	params := map[string]starlark.Value{}
	var keys []string
	// more_params: layer parameters as a dict. nolearn reads them after
	// the keywords (they win) and, unlike **kwargs, never checks them
	// for keys that name no layer (_check_for_unused_kwargs reads only
	// the keywords).
	more := map[string]bool{}
	var moreItems []starlark.Tuple
	for _, kv := range kw {
		k := string(kv[0].(starlark.String))
		if k == "layers" {
			layersArg = kv[1]
			continue
		}
		if k == "more_params" {
			if d, ok := kv[1].(*starlark.Dict); ok {
				moreItems = append(moreItems, d.Items()...)
			}
			continue
		}
		params[k] = kv[1]
		keys = append(keys, k)
	}
	for _, item := range moreItems {
		if s, ok := item[0].(starlark.String); ok {
			if _, dup := params[string(s)]; !dup {
				keys = append(keys, string(s))
			}
			params[string(s)] = item[1]
			more[string(s)] = true
		}
	}
	keys = b.setNetKeywords(params, keys)
	if layersArg == nil {
		return nil, &posError{pos: callPos, what: "NeuralNet", err: fmt.Errorf("the layers argument is missing")}
	}
	nn := &net{byName: starlark.StringDict{}}

	// A Lasagne layer, or a list of them: the network is everything below.
	if outs, err := layerList(layersArg); err == nil {
		nn.layers = b.ancestors(outs)
		for _, l := range nn.layers {
			nn.byName[l.node.Name] = l
		}
		b.nets = append(b.nets, nn)
		return nn, nil
	}
	seq, ok := layersArg.(starlark.Indexable)
	if !ok || !pyhost.IsSequence(layersArg) {
		return nil, &posError{pos: kwPos("layers"), what: "NeuralNet", err: fmt.Errorf("layers must be a list of (name, LayerClass) or (LayerClass, {kwargs}) tuples, or a layer; got %s", pyhost.Describe(layersArg))}
	}
	var prev *layer
	used := map[string]bool{}
	for i := 0; i < seq.Len(); i++ {
		at := callPos
		if i < len(info.elems) {
			at = info.elems[i]
		}
		def, ok := seq.Index(i).(starlark.Tuple)
		if !ok || len(def) != 2 {
			return nil, &posError{pos: at, what: fmt.Sprintf("NeuralNet layers[%d]", i), err: fmt.Errorf("expected a (name, LayerClass) or (LayerClass, {kwargs}) tuple, got %s", pyhost.Describe(seq.Index(i)))}
		}
		var factory starlark.Value
		layerKw := map[string]starlark.Value{}
		var order []string
		name := ""
		if d, ok := def[1].(*starlark.Dict); ok {
			factory = def[0]
			for _, item := range d.Items() {
				k, ok := item[0].(starlark.String)
				if !ok {
					return nil, &posError{pos: at, what: fmt.Sprintf("NeuralNet layers[%d]", i), err: fmt.Errorf("keyword names must be strings, got %s", item[0])}
				}
				layerKw[string(k)] = item[1]
				order = append(order, string(k))
			}
			if s, ok := layerKw["name"].(starlark.String); ok {
				name = string(s)
			}
		} else {
			s, ok := def[0].(starlark.String)
			if !ok {
				return nil, &posError{pos: at, what: fmt.Sprintf("NeuralNet layers[%d]", i), err: fmt.Errorf("the layer name must be a string, got %s", pyhost.Describe(def[0]))}
			}
			name, factory = string(s), def[1]
		}
		if s, ok := factory.(starlark.String); ok {
			v, err := lookup(b.roots, string(s))
			if err != nil {
				return nil, &posError{pos: at, what: fmt.Sprintf("NeuralNet layers[%d]", i), err: err}
			}
			factory = v
		}
		className := classNameOf(factory)
		if o, ok := factory.(*pyhost.Opaque); ok && o.Missing != nil {
			return nil, o.Missing.Err
		}
		if className == "" {
			return nil, &posError{pos: at, what: fmt.Sprintf("NeuralNet layers[%d]", i), err: fmt.Errorf("%s is not a layer class", pyhost.Describe(factory))}
		}
		if name == "" {
			name = autoName(className, i)
		}
		if _, dup := nn.byName[name]; dup {
			return nil, &posError{pos: at, what: "NeuralNet", err: fmt.Errorf("two layers with name %s", name)}
		}
		layerKw["name"] = starlark.String(name)
		if !contains(order, "name") {
			order = append(order, "name")
		}
		prefix := name + "_"
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				p := strings.TrimPrefix(k, prefix)
				layerKw[p] = params[k]
				if !contains(order, p) {
					order = append(order, p)
				}
				used[k] = true
			}
		}
		if _, given := layerKw["shape"]; className == "InputLayer" && !given {
			if _, ok, _ := b.inputShape(name, nil, at, false); ok {
				layerKw["shape"] = starlark.None // --input-shape gives it
				order = append(order, "shape")
			}
		}
		if lc, ok := factory.(*layerClass); ok {
			if err := b.checkNolearnKw(lc, name, order, kwPos); err != nil {
				return nil, err
			}
		}
		// Incoming layers, by name or the previous one.
		if className != "InputLayer" {
			switch {
			case layerKw["incoming"] != nil:
				l, err := nn.named(layerKw["incoming"], "incoming")
				if err != nil {
					return nil, &posError{pos: kwPos(prefix + "incoming"), what: "layer " + name, err: err}
				}
				layerKw["incoming"] = l
			case layerKw["incomings"] != nil:
				ls, ok := layerKw["incomings"].(starlark.Indexable)
				if !ok {
					return nil, &posError{pos: kwPos(prefix + "incomings"), what: "layer " + name, err: fmt.Errorf("incomings must be a list of layer names")}
				}
				var xs []starlark.Value
				for j := 0; j < ls.Len(); j++ {
					l, err := nn.named(ls.Index(j), "incomings")
					if err != nil {
						return nil, &posError{pos: kwPos(prefix + "incomings"), what: "layer " + name, err: err}
					}
					xs = append(xs, l)
				}
				layerKw["incomings"] = starlark.NewList(xs)
			default:
				if prev == nil {
					return nil, &posError{pos: at, what: fmt.Sprintf("layer %s (%s)", name, className), err: fmt.Errorf("the first layer must be an InputLayer (or name its incoming layer)")}
				}
				layerKw["incoming"] = prev
				order = append([]string{"incoming"}, order...)
			}
		}
		if s, ok := layerKw["mask_input"].(starlark.String); ok {
			l, err := nn.named(s, "mask_input")
			if err != nil {
				return nil, &posError{pos: kwPos(prefix + "mask_input"), what: "layer " + name, err: err}
			}
			layerKw["mask_input"] = l
		}
		for _, attr := range []string{"W", "b"} {
			if s, ok := layerKw[attr].(starlark.String); ok {
				src, err := nn.named(s, attr)
				if err != nil {
					return nil, &posError{pos: kwPos(prefix + attr), what: "layer " + name, err: err}
				}
				v, err := src.Attr(attr)
				if err != nil {
					return nil, &posError{pos: kwPos(prefix + attr), what: "layer " + name, err: err}
				}
				layerKw[attr] = v
			}
		}
		wrapper := layerKw["layer_wrapper"]
		delete(layerKw, "layer_wrapper")
		var kws []starlark.Tuple
		for _, k := range order {
			if v, ok := layerKw[k]; ok && k != "layer_wrapper" {
				kws = append(kws, starlark.Tuple{starlark.String(k), v})
			}
		}
		b.at = &at
		b.netArgs = netArgs{layer: name, info: info}
		v, err := starlark.Call(th, factory, nil, kws)
		b.at, b.netArgs = nil, netArgs{}
		if err != nil {
			return nil, unwrapEval(err)
		}
		l, ok := v.(*layer)
		if !ok {
			return nil, &posError{pos: at, what: "layer " + name, err: fmt.Errorf("%s did not make a layer", pyhost.Describe(factory))}
		}
		nn.byName[name] = l
		nn.layers = append(nn.layers, l)
		prev = l
		if wrapper != nil && wrapper != starlark.None {
			b.at = &at
			w, err := starlark.Call(th, wrapper, starlark.Tuple{l}, nil)
			b.at = nil
			if err != nil {
				return nil, unwrapEval(err)
			}
			if wl, ok := w.(*layer); ok {
				for _, x := range b.ancestors([]*layer{wl}) {
					if _, seen := nn.byName[x.node.Name]; !seen {
						nn.byName[x.node.Name] = x
						nn.layers = append(nn.layers, x)
					}
				}
				prev = wl
			}
		}
	}
	// nolearn refuses keywords that belong to no layer and are not its
	// own: NeuralNet.__init__'s parameters, and eval_size and
	// custom_score, which nolearn 0.6 still takes (deprecated: they set
	// train_split's eval_size and custom_scores).
	own := map[string]bool{}
	for _, p := range strings.Split("update loss objective objective_loss_function batch_iterator_train batch_iterator_test regression max_epochs train_split custom_scores scores_train scores_valid X_tensor_type y_tensor_type use_label_encoder on_batch_finished on_epoch_finished on_training_started on_training_finished more_params check_input verbose eval_size custom_score", " ") {
		own[p] = true
	}
	for _, k := range keys {
		if used[k] || own[k] || more[k] || strings.HasPrefix(k, "update_") || strings.HasPrefix(k, "objective_") {
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
		return nil, &posError{pos: kwPos(k), what: "NeuralNet", err: fmt.Errorf("%s", msg)}
	}
	b.nets = append(b.nets, nn)
	return nn, nil
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
		return &posError{pos: kwPos(name + "_" + k), what: fmt.Sprintf("layer %s (%s)", name, lc.name), err: fmt.Errorf("%s", msg)}
	}
	for _, p := range ps {
		if p.required && p.name != "incoming" && p.name != "incomings" && !contains(keys, p.name) && !givenAsOld(lc.cls, p.name, keys) {
			return &posError{pos: kwPos(name + "_" + p.name), what: fmt.Sprintf("layer %s (%s)", name, lc.name),
				err: fmt.Errorf("missing the required argument %s (give it as %s_%s=…)", p.name, name, p.name)}
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
