package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// wire connects each layer to its inputs: those named, else the layer
// before it (the single top-level input for the first layer).
func (d *decoder) wire() {
	var prev *entry
	var inputs []*entry
	var block []*graph.Value
	for _, e := range d.entries {
		if e.typ == nil {
			inputs = append(inputs, e)
		}
	}
	d.srcList = make([]*entry, 0, len(d.entries))
	for _, e := range d.entries {
		if e.typ == nil {
			continue
		}
		if d.errs.full() {
			return
		}
		// The sources are appended to srcList, and dropped again
		// when the layer's inputs are in error.
		at := len(d.srcList)
		switch {
		case e.typ.inputs == noInputs:
		case e.given:
			for _, r := range e.inputs {
				src, err := d.resolve(e, r, "input")
				if err != nil {
					d.errs.add(err)
					continue
				}
				d.srcList = append(d.srcList, src)
			}
		case prev != nil:
			d.srcList = append(d.srcList, prev)
		case len(inputs) == 1:
			d.srcList = append(d.srcList, inputs[0])
		case len(inputs) == 0:
			d.errs.add(d.layerErr(e, nil, "the first layer has no input: add a top-level `input: [null, …]` (the batch axis first) or an input layer before it"))
		default:
			var names []string
			for _, in := range inputs {
				names = append(names, in.name)
			}
			d.errs.add(d.layerErr(e, nil, "say which input this layer reads (inputs: …): the spec has %d inputs, %s", len(inputs), strings.Join(names, ", ")))
		}
		prev = e
		srcs := d.srcList[at:]
		if len(srcs) < len(e.inputs) || (!e.given && len(srcs) == 0) {
			d.srcList = d.srcList[:at]
			continue // reported above
		}
		if msg := arityProblem(e.typ, len(srcs)); msg != "" {
			_, v := e.at.lookup("inputs")
			if !e.given {
				v = nil
			}
			d.errs.add(d.layerErr(e, v, "%s", msg))
			d.srcList = d.srcList[:at]
			continue
		}
		if len(srcs) == 0 {
			continue
		}
		e.srcAt, e.nsrc = int32(at), int32(len(srcs))
		// The input lists are cut from one block (cap limited, so that
		// an append makes a list its own).
		n := len(srcs)
		if len(block) < n {
			block = make([]*graph.Value, max(n, 1024))
		}
		e.node.Inputs, block = block[:n:n], block[n:]
		for i, s := range srcs {
			e.node.Inputs[i] = s.node.Outputs[0]
		}
	}
}

// resolve finds the entry a reference names; what says what names it
// ("input", "shares", "share").
func (d *decoder) resolve(e *entry, r ref, what string) (*entry, error) {
	src, ok := d.byName[r.name]
	if !ok {
		return nil, d.layerErr(e, r.at, "%s %q names no layer or input%s", what, clip(r.name, 60), d.suggestName(r.name))
	}
	if src == e {
		if what == "input" {
			return nil, d.layerErr(e, r.at, "the layer takes itself as input")
		}
		return nil, d.layerErr(e, r.at, "the layer shares parameters with itself")
	}
	return src, nil
}

// suggestName is a did-you-mean among the entries' names, unless enough
// errors are known already (it costs a pass over every name).
func (d *decoder) suggestName(s string) string {
	if d.errs.full() {
		return ""
	}
	return didYouMean(s, d.names())
}

// names lists the names of every entry, sorted.
func (d *decoder) names() []string {
	var names []string
	for n := range d.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// arityProblem says what is wrong with giving a layer type n inputs.
func arityProblem(t *layerType, n int) string {
	switch t.inputs {
	case oneInput:
		if n != 1 {
			return fmt.Sprintf("%s takes one input, got %d", t.name, n)
		}
	case twoInputs:
		if n != 2 {
			return fmt.Sprintf("%s takes exactly two inputs (inputs: [a, b]), got %d", t.name, n)
		}
	case manyInputs:
		if n < 2 {
			return fmt.Sprintf("%s joins two or more inputs (inputs: [a, b, …]), got %d", t.name, n)
		}
	case anyInputs:
		if n < 1 {
			return fmt.Sprintf("%s needs at least one input", t.name)
		}
	}
	return ""
}

// share reads `shares: other` (every parameter of this layer is the
// same-named one of other) and `share: {role: other, role: other.role,
// role: other.role.T}`.
func (d *decoder) share() {
	for _, e := range d.entries {
		if e.typ == nil {
			continue
		}
		sk, all := e.at.lookup("shares")
		_, some := e.at.lookup("share")
		if all != nil && all.kind == kNull {
			all = nil
		}
		if some != nil && some.kind == kNull {
			some = nil
		}
		if all == nil && some == nil {
			continue
		}
		if len(e.roles) == 0 {
			at := all
			if at == nil {
				at = some
			}
			d.errs.add(d.layerErr(e, at, "%s has no parameters to share", e.typeName()))
			continue
		}
		if all != nil && some != nil {
			d.errs.add(d.layerErr(e, sk, "give either shares (all parameters) or share (some), not both"))
			continue
		}
		if all != nil {
			name, err := all.asString()
			if err != nil {
				d.errs.add(d.layerErr(e, all, "shares: expected a layer name, got %s", all.describe()))
				continue
			}
			src, err := d.resolve(e, ref{name: name, at: all}, "shares")
			if err != nil {
				d.errs.add(err)
				continue
			}
			for _, role := range e.roles {
				if !slices.Contains(src.roles, role) {
					d.errs.add(d.layerErr(e, all, "shares: layer %s (%s) has no parameter %q to share (it has %s)", src.name, src.typeName(), role, roleList(src)))
					continue
				}
				e.node.Share(role, graph.Ref{Node: src.node, Role: role})
			}
			continue
		}
		if some.kind != kMap {
			d.errs.add(d.layerErr(e, some, "share: expected a mapping such as {kernel: other_layer}, got %s", some.describe()))
			continue
		}
		for k, v := range some.pairs() {
			if !slices.Contains(e.roles, k.s) {
				d.errs.add(d.layerErr(e, k, "share: %s has no parameter %q (it has %s)%s", e.typeName(), clip(k.s, 60), roleList(e), didYouMean(k.s, e.roles)))
				continue
			}
			target, err := v.asString()
			if err != nil {
				d.errs.add(d.layerErr(e, v, "share: expected a layer name, got %s", v.describe()))
				continue
			}
			r, err := d.shareRef(e, k.s, target, v)
			if err != nil {
				d.errs.add(err)
				continue
			}
			e.node.Share(k.s, r)
		}
	}
}

// shareRef reads "layer", "layer.role" or "layer.role.T".
func (d *decoder) shareRef(e *entry, role, target string, at *value) (graph.Ref, error) {
	r := graph.Ref{Role: role}
	name := target
	if _, ok := d.byName[name]; !ok {
		if strings.HasSuffix(name, ".T") {
			name, r.Transposed = strings.TrimSuffix(name, ".T"), true
		}
		if _, ok := d.byName[name]; !ok {
			if i := strings.LastIndexByte(name, '.'); i > 0 {
				name, r.Role = name[:i], name[i+1:]
			}
		}
	}
	src, err := d.resolve(e, ref{name: name, at: at}, "share")
	if err != nil {
		return r, err
	}
	if !slices.Contains(src.roles, r.Role) {
		return r, d.layerErr(e, at, "share: layer %s (%s) has no parameter %q (it has %s)%s", src.name, src.typeName(), clip(r.Role, 60), roleList(src), didYouMean(r.Role, src.roles))
	}
	r.Node = src.node
	return r, nil
}

func roleList(e *entry) string {
	if len(e.roles) == 0 {
		return "none"
	}
	return strings.Join(e.roles, ", ")
}

// cycles reports a cycle through inputs and weight sharing, which would
// leave the layers in it without an order to compute them in.
func (d *decoder) cycles() error {
	var sharer map[*graph.Node]*entry // made only when a layer shares
	deps := func(e *entry) []*entry {
		if len(e.node.Shares()) == 0 {
			return d.srcs(e)
		}
		if sharer == nil {
			sharer = d.byNode()
		}
		out := slices.Clone(d.srcs(e))
		for _, role := range sortedRoles(e.node.Shares()) {
			if p := sharer[e.node.Shares()[role].Node]; p != nil {
				out = append(out, p)
			}
		}
		return out
	}
	const (
		unseen = iota
		active
		done
	)
	state := make([]uint8, len(d.entries))
	type frame struct {
		e    *entry
		next []*entry
	}
	var stack []frame
	for _, start := range d.entries {
		if state[start.ord] != unseen {
			continue
		}
		stack = append(stack[:0], frame{start, deps(start)})
		state[start.ord] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if len(top.next) == 0 {
				state[top.e.ord] = done
				stack = stack[:len(stack)-1]
				continue
			}
			nx := top.next[0]
			top.next = top.next[1:]
			switch state[nx.ord] {
			case active:
				// The cycle is nx … top.e → nx; report it from the
				// layer written first.
				var cyc []*entry
				for i := len(stack) - 1; i >= 0; i-- {
					cyc = append(cyc, stack[i].e)
					if stack[i].e == nx {
						break
					}
				}
				slices.Reverse(cyc)
				first := 0
				for i, c := range cyc {
					if c.index < cyc[first].index {
						first = i
					}
				}
				cyc = append(cyc[first:], cyc[:first]...)
				var names []string
				for _, c := range append(cyc, cyc[0]) {
					names = append(names, c.name)
				}
				return d.layerErr(cyc[0], nil, "the layers form a cycle (each takes the next as input or shares its weights): %s", strings.Join(names, " ← "))
			case unseen:
				state[nx.ord] = active
				stack = append(stack, frame{nx, deps(nx)})
			}
		}
	}
	return nil
}

// byNode maps the entries' nodes to the entries.
func (d *decoder) byNode() map[*graph.Node]*entry {
	m := make(map[*graph.Node]*entry, len(d.entries))
	for _, e := range d.entries {
		m[e.node] = e
	}
	return m
}

func sortedRoles(m map[string]graph.Ref) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// outputs sets the graph's outputs: those listed, else every entry no
// layer takes as input.
func (d *decoder) outputs(root *value, g *graph.Graph) {
	_, v := root.lookup("outputs")
	var outs []*entry
	if v != nil && v.kind != kNull {
		items := []*value{v}
		if v.kind == kList {
			items = v.list
		}
		if len(items) == 0 {
			d.errs.add(d.errAt(v, "outputs: the list is empty (leave it out to use the layers nobody consumes)"))
		}
		for _, it := range items {
			s, err := it.asString()
			if err != nil {
				d.errs.add(d.errAt(it, "outputs: expected a layer name, got %s", it.describe()))
				continue
			}
			e, ok := d.byName[s]
			if !ok {
				d.errs.add(d.errAt(it, "outputs: %q names no layer%s", clip(s, 60), d.suggestName(s)))
				continue
			}
			outs = append(outs, e)
		}
	} else {
		used := make([]bool, len(d.entries))
		for _, e := range d.entries {
			for _, src := range d.srcs(e) {
				used[src.ord] = true
			}
		}
		for _, e := range d.entries {
			if !used[e.ord] {
				outs = append(outs, e)
			}
		}
	}
	for _, e := range outs {
		g.Outputs = append(g.Outputs, e.node.Outputs[0])
	}
	// Layers that lead to no output still count, as a framework counts
	// modules it never calls; say so.
	var sharer map[*graph.Node]*entry // made only when a layer shares
	reach := make([]bool, len(d.entries))
	todo := slices.Clone(outs)
	for len(todo) > 0 {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if reach[e.ord] {
			continue
		}
		reach[e.ord] = true
		todo = append(todo, d.srcs(e)...)
		for _, r := range e.node.Shares() {
			if sharer == nil {
				sharer = d.byNode()
			}
			todo = append(todo, sharer[r.Node])
		}
	}
	var dead []string
	for _, e := range d.entries {
		if !reach[e.ord] {
			dead = append(dead, e.name)
		}
	}
	if len(dead) > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("%d layers lead to no output but are counted: %s", len(dead), strings.Join(dead, ", ")))
	}
}
