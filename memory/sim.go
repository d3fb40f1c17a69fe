package memory

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
)

type sim struct {
	g     *graph.Graph
	order []*graph.Node
	e     *Estimate
	pos   map[*graph.Node]int // node → index in g.Nodes
	rule  []rule              // by order index
	// inPlace is the forward's decision per order index: the output takes
	// the first input's storage.
	inPlace []bool
	// consumers counts each value's uses as a node input.
	consumers map[*graph.Value]int
	isOutput  map[*graph.Value]bool
	isInput   map[*graph.Value]bool
	// primary, by order index, is the input a fused function's rule
	// applies to (fuse.go); fusedVal the values that are no tensor.
	primary  []*graph.Value
	fusedVal map[*graph.Value]bool
	// held, by order index, are the values whose caller's hold ends
	// after that node (scope.go).
	held         [][]*graph.Value
	inputUnknown bool    // some input's size is unknown: InputBytes is -1 at the end
	folded       []int64 // by order index: channels of a BatchNorm folded in (fold.go)
	unknownOK    bool    // every output size is known
}

func newSim(g *graph.Graph, order []*graph.Node, e *Estimate) *sim {
	s := &sim{g: g, order: order, e: e, pos: make(map[*graph.Node]int, len(g.Nodes)),
		consumers: map[*graph.Value]int{}, isOutput: map[*graph.Value]bool{}, isInput: map[*graph.Value]bool{}}
	for i, n := range g.Nodes {
		s.pos[n] = i
	}
	s.rule = make([]rule, len(order))
	s.inPlace = make([]bool, len(order))
	for i, n := range order {
		s.rule[i] = ruleFor(n.Type)
		for _, v := range n.Inputs {
			if v != nil {
				s.consumers[v]++
			}
		}
	}
	for _, v := range g.Outputs {
		s.isOutput[v] = true
	}
	for _, v := range g.Inputs {
		s.isInput[v] = true
	}
	s.fuse()
	s.held = s.holds()
	s.folded = s.foldedBN()
	return s
}

// activation reports whether v is a tensor the forward computes or is
// fed (not a weight, not a folded constant).
func activation(v *graph.Value) bool {
	return v != nil && v.Param == nil && v.Const == nil
}

// params sums the weights, their gradients and one optimizer slot.
func (s *sim) params() {
	seen := map[*graph.Param]bool{}
	e := s.e
	for _, n := range s.g.Nodes {
		for _, p := range n.Params {
			if p == nil || seen[p] {
				continue
			}
			seen[p] = true
			num, ok := p.Shape.Numel().Value()
			if !ok {
				e.Unknown = append(e.Unknown, "the size of parameter "+p.Name)
				continue
			}
			e.Params += num
			e.ParamAllocs++
			bits := int64(p.DType.Bits())
			if p.DType == "" {
				bits = 32
			}
			master := (num*bits + 7) / 8
			if p.DType.IsFloat() {
				master = num * 4 // a PyTorch model's parameters are fp32
			}
			run := master
			if p.DType.IsFloat() && e.Mixed() {
				run = num * 2
			}
			// Inference runs the weights at the precision; training keeps
			// fp32 weights (and, mixed, half copies for the forward).
			e.WeightsBytes += run
			e.WeightsAlloc += Round(master)
			if e.Mixed() && p.DType.IsFloat() && ruleFor(n.Type).saveInputs {
				// autocast runs convolutions and matmuls on half copies
				e.CastBytes += Round(num * 2)
			}
			if p.Trainable {
				e.Trainable += num
				e.GradBytes += Round(num * 4)
				e.StateSlotBytes += Round(num * 4)
			}
		}
	}
}

func (s *sim) inputs() {
	vals := s.g.Inputs
	for _, n := range s.g.Nodes {
		if ruleFor(n.Type).source && len(n.Outputs) == 1 && !hasActivation(n.Inputs) {
			vals = append(vals[:len(vals):len(vals)], n.Outputs[0])
		}
	}
	for _, v := range vals {
		if !activation(v) {
			continue
		}
		b := s.bytesOf(v)
		if b < 0 {
			s.e.Unknown = append(s.e.Unknown, "the shape of input "+v.Name)
			s.inputUnknown = true
			continue
		}
		s.e.InputBytes += Round(b)
		if s.e.Batch == 0 && len(v.Shape) > 0 {
			s.e.Batch = v.Shape[0].Size
		}
	}
}

// plan decides, as the training forward runs, which layers work in place,
// and fills each layer's activation and saved bytes.
func (s *sim) plan() {
	s.unknownOK = true
	for i, n := range s.order {
		L := &s.e.Layers[s.pos[n]]
		L.Rule = s.rule[i].name
		var act int64
		for _, v := range n.Outputs {
			b := s.bytesOf(v)
			if b < 0 {
				act = -1
				break
			}
			act += b
		}
		L.Activation = act
		if act < 0 {
			s.unknownOK = false
		}
	}
	if !s.unknownOK {
		s.e.Unknown = append(s.e.Unknown, "output sizes that are not known")
	}
	// layer types without a rule, each with its first layer and count
	var types []string
	first, count := map[string]string{}, map[string]int{}
	for i, n := range s.order {
		if !s.rule[i].known && !allConst(n) {
			if count[n.Type] == 0 {
				types, first[n.Type] = append(types, n.Type), n.Name
			}
			count[n.Type]++
		}
	}
	for _, t := range types {
		what := "what a " + t + " layer keeps for backward (" + first[t]
		if c := count[t]; c > 1 {
			what += fmt.Sprintf(" and %d more", c-1)
		}
		s.e.Unknown = append(s.e.Unknown, what+")")
	}
	s.e.Unknown = dedupe(s.e.Unknown)
}

func hasActivation(vs []*graph.Value) bool {
	for _, v := range vs {
		if activation(v) {
			return true
		}
	}
	return false
}

func allConst(n *graph.Node) bool {
	for _, v := range n.Outputs {
		if v != nil && v.Const == nil {
			return false
		}
	}
	return len(n.Outputs) > 0
}

func dedupe(l []string) []string {
	seen := map[string]bool{}
	out := l[:0]
	for _, x := range l {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// forward is one walk of the forward pass: values are given storages,
// freed after their last use unless a backward keeps them (train).
type forward struct {
	s        *sim
	train    bool
	store    map[*graph.Value]*storage
	live     int64 // allocator bytes of the activations alive
	peak     int64
	peakAt   string
	savers   map[*storage]int   // how many backward users keep it
	lastSave map[*storage]int   // order index of the last layer (in forward order) that keeps it; the backward frees it after that one's backward (its first in backward order is the last)
	extras   map[int]int64      // order index → allocator bytes of its saved extras (statistics, masks, indices)
	firstBy  map[*storage]int   // order index of the first layer that keeps it
	keptBy   map[int][]*storage // order index → storages it keeps
}

func (s *sim) newForward(train bool) *forward {
	return &forward{s: s, train: train, store: map[*graph.Value]*storage{}, savers: map[*storage]int{},
		lastSave: map[*storage]int{}, extras: map[int]int64{}, firstBy: map[*storage]int{}, keptBy: map[int][]*storage{}}
}

func (f *forward) alloc(st *storage) {
	if st.input || st.live {
		return
	}
	st.live = true
	f.live += Round(st.bytes)
}

func (f *forward) free(st *storage) {
	if !st.live || st.input {
		return
	}
	st.live = false
	f.live -= Round(st.bytes)
}

// storageOf is the storage of an input value: a model input's, a
// producer's, or a fresh one for a value nobody produced (not counted).
func (f *forward) storageOf(v *graph.Value) *storage {
	if st, ok := f.store[v]; ok {
		return st
	}
	st := &storage{bytes: max(f.s.bytesOf(v), 0), input: true, uses: f.s.consumers[v], keep: f.s.isOutput[v]}
	f.store[v] = st
	return st
}

func (f *forward) run() {
	s := f.s
	for i, n := range s.order {
		r := s.rule[i]
		var first *storage
		var ins []*storage
		for _, v := range n.Inputs {
			if !activation(v) {
				continue
			}
			st := f.storageOf(v)
			ins = append(ins, st)
			if first == nil {
				first = st
			}
		}
		if p := s.primary[i]; p != nil {
			first = f.storageOf(p)
		}
		// outputs
		view := r.view || (r.dropout && !f.train)
		if view && (first == nil || n.Inputs[0] == nil || n.Inputs[0].Param != nil) {
			view = false // an embedding's Gather makes a tensor
		}
		if f.train && r.inPlace && !view && first != nil && !first.input && !first.keep && first.uses == 1 &&
			f.savers[first] == 0 && len(n.Outputs) == 1 && s.bytesOf(n.Outputs[0]) == first.bytes {
			s.inPlace[i] = true
		}
		for k, v := range n.Outputs {
			if v == nil {
				continue
			}
			if v.Const != nil {
				continue
			}
			var st *storage
			switch {
			case k == 0 && view:
				st = first
			case k == 0 && s.inPlace[i] && first != nil && !first.input:
				st = first
			case s.fusedVal[v]:
				st = &storage{owner: i} // no tensor: part of a fused function
			case r.source && first == nil:
				st = &storage{bytes: max(s.bytesOf(v), 0), owner: i, input: true}
			default:
				st = &storage{bytes: max(s.bytesOf(v), 0), owner: i}
			}
			st.uses += s.consumers[v]
			if s.isOutput[v] {
				st.keep = true
			}
			f.store[v] = st
			f.alloc(st)
		}
		// what the backward keeps
		var extra int64
		if f.train && r.known {
			keep := func(st *storage) {
				if st == nil || st.input && st.bytes == 0 {
					return
				}
				if f.savers[st] == 0 {
					f.firstBy[st] = i
				}
				f.savers[st]++
				f.lastSave[st] = i
				f.keptBy[i] = append(f.keptBy[i], st)
			}
			switch {
			case r.saveInputs:
				for _, st := range ins {
					keep(st)
				}
			case r.saveFirst && r.clone && s.inPlace[i] && first != nil:
				extra += Round(first.bytes) // the copy of the original self
			case r.saveFirst:
				keep(first)
			}
			if r.saveOutput && len(n.Outputs) > 0 && n.Outputs[0] != nil {
				keep(f.store[n.Outputs[0]])
			}
			elems := numel(n.Outputs)
			switch r.stats {
			case perChannel:
				if c := channels(n); c > 0 {
					extra += 2 * Round(c*4)
				}
			case perRow:
				if in := n.In(0); in.Known() && len(in) > 0 {
					extra += 2 * Round(numelShape(in)/max(in[len(in)-1].Size, 1)*4)
				}
			}
			if r.mask && elems > 0 {
				extra += Round(elems)
			}
			if r.indices && elems > 0 {
				extra += Round(elems * 8)
			}
		}
		var hidden int64 // a folded BatchNorm's input: the convolution's own output
		if c := s.foldedAt(i); c > 0 {
			hidden = Round(max(s.bytesOf(n.Outputs[0]), 0))
			if f.train {
				extra += hidden + 2*Round(c*4)
				hidden = 0
			}
		}
		if extra > 0 {
			f.extras[i] = extra
			f.live += extra
		}
		// (with a folded BatchNorm, the output stands for the
		// convolution's own output here)
		if ws := s.workspace(i); f.live+ws > f.peak {
			f.peak, f.peakAt = f.live+ws, n.Name
		}
		// inputs used up
		for _, st := range ins {
			st.uses--
			if st.uses <= 0 && f.savers[st] == 0 && !st.keep {
				f.free(st)
			}
		}
		// a folded BatchNorm runs: its input and output
		if hidden > 0 && f.live+hidden > f.peak {
			f.peak, f.peakAt = f.live+hidden, n.Name
		}
		// values the caller held until now
		if s.held != nil {
			for _, v := range s.held[i] {
				if st := f.store[v]; st != nil {
					st.uses--
					if st.uses <= 0 && f.savers[st] == 0 && !st.keep {
						f.free(st)
					}
				}
			}
		}
		// outputs nobody reads
		for _, v := range n.Outputs {
			if st := f.store[v]; st != nil && st.uses <= 0 && f.savers[st] == 0 && !st.keep {
				f.free(st)
			}
		}
	}
}

// workspace is the cuDNN workspace a dense convolution with a kernel
// larger than 1 is given while it runs (forward or backward): its input
// plus its output, in allocator blocks; 0 for other layers, 1x1 and
// grouped (depthwise) convolutions.
func (s *sim) workspace(i int) int64 {
	n := s.order[i]
	if !s.rule[i].workspace || len(n.Inputs) == 0 || len(n.Outputs) == 0 {
		return 0
	}
	in, out := n.In(0), n.Outputs[0].Shape
	if !in.Known() || !out.Known() || len(in) < 3 || len(in) != len(out) {
		return 0
	}
	var w graph.Shape
	for _, p := range n.Params {
		if p != nil && len(p.Shape) == len(in) && p.Shape.Known() {
			w = p.Shape
			break
		}
	}
	if w == nil {
		return 0
	}
	elems := numelShape(w)
	dense := func(axis int) bool {
		cin, cout := in[axis].Size, out[axis].Size
		return cin > 0 && cout > 0 && elems%(cin*cout) == 0 && elems/(cin*cout) > 1
	}
	if !dense(1) && !dense(len(in)-1) {
		return 0
	}
	return Round(max(s.bytesOf(n.Inputs[0]), 0)) + Round(max(s.bytesOf(n.Outputs[0]), 0))
}

func numelShape(s graph.Shape) int64 {
	n := int64(1)
	for _, d := range s {
		n *= d.Size
	}
	return n
}

func numel(vs []*graph.Value) int64 {
	if len(vs) == 0 || vs[0] == nil || !vs[0].Shape.Known() {
		return 0
	}
	return numelShape(vs[0].Shape)
}

// channels is a normalization's channel count: the size of its scale
// parameter, else the input's axis 1.
func channels(n *graph.Node) int64 {
	for _, p := range n.Params {
		if v, ok := p.Shape.Numel().Value(); ok && v > 0 {
			return v
		}
	}
	if in := n.In(0); len(in) > 1 && in[1].Known() {
		return in[1].Size
	}
	return 0
}

func (s *sim) inference() {
	if !s.unknownOK {
		s.e.InferencePeak = -1
		return
	}
	// The training walk decides what runs in place; inference follows it.
	f := s.newForward(false)
	f.run()
	s.e.InferencePeak, s.e.InferenceAt = f.peak, f.peakAt
}

// gradBuf is a gradient tensor in the backward, shared by the values a
// layer hands it on to unchanged.
type gradBuf struct {
	bytes int64 // allocator bytes
	refs  int
}

func (s *sim) training() {
	e := s.e
	e.SavedBytes, e.ForwardPeak, e.BackwardPeak = -1, -1, -1
	for i := range e.Layers {
		e.Layers[i].Saved = -1
	}
	if !s.unknownOK {
		s.optimizers(false)
		return
	}
	// The training forward also decides what runs in place (inference
	// follows it).
	f := s.newForward(true)
	f.run()
	if len(e.Unknown) > 0 {
		s.optimizers(false)
		return
	}
	e.ForwardPeak = f.peak
	// what each layer keeps first
	for i, n := range s.order {
		var b int64
		for _, st := range f.keptBy[i] {
			if f.firstBy[st] == i && !st.input {
				b += st.bytes
			}
		}
		b += f.extras[i]
		e.Layers[s.pos[n]].Saved = b
	}
	var saved int64
	for st := range f.savers {
		if !st.input {
			saved += Round(st.bytes)
		}
	}
	for _, b := range f.extras {
		saved += b
	}
	e.SavedBytes = saved

	// Which values need a gradient: computed from a trainable weight or
	// from a value that needs one.
	need := map[*graph.Value]bool{}
	for _, n := range s.order {
		req := false
		for _, p := range n.Params {
			if p != nil && p.Trainable {
				req = true
			}
		}
		for _, v := range n.Inputs {
			if v != nil && need[v] {
				req = true
			}
		}
		if req {
			for _, v := range n.Outputs {
				if v != nil && v.Const == nil {
					need[v] = true
				}
			}
		}
	}
	// The backward, in reverse order. live starts with what the forward
	// left: the kept tensors, the extras and the outputs.
	live := f.live
	peak, at := live, ""
	grads := map[*graph.Value]*gradBuf{}
	seenParam := map[*graph.Param]bool{}
	release := func(g *gradBuf) {
		g.refs--
		if g.refs == 0 {
			live -= g.bytes
		}
	}
	// The loss's gradient reaches each model output.
	for _, v := range s.g.Outputs {
		if need[v] {
			b := Round(max(s.bytesOf(v), 0))
			grads[v] = &gradBuf{bytes: b, refs: 1}
			live += b
		}
	}
	if live > peak {
		peak = live
	}
	for i := len(s.order) - 1; i >= 0; i-- {
		n := s.order[i]
		r := s.rule[i]
		var gout *gradBuf
		var gouts []*gradBuf
		for _, v := range n.Outputs {
			if g := grads[v]; g != nil {
				gouts = append(gouts, g)
				if gout == nil {
					gout = g
				}
			}
		}
		if gout != nil {
			// weights' gradients, kept to the optimizer step
			for _, p := range n.Params {
				if p == nil || !p.Trainable || seenParam[p] {
					continue
				}
				seenParam[p] = true
				if num, ok := p.Shape.Numel().Value(); ok {
					live += Round(num * 4)
				}
			}
			// inputs' gradients
			var tmp int64
			for _, v := range n.Inputs {
				if v == nil || !need[v] || !activation(v) {
					continue
				}
				if r.passGrad || r.view || s.fusedVal[v] {
					if old := grads[v]; old != nil {
						continue // added into the gradient already there
					}
					gout.refs++
					grads[v] = gout
					continue
				}
				b := Round(max(s.bytesOf(v), 0))
				if old := grads[v]; old != nil {
					tmp += b // made, then added into the existing one
					continue
				}
				grads[v] = &gradBuf{bytes: b, refs: 1}
				live += b
			}
			tmp += s.workspace(i)
			if c := s.foldedAt(i); c > 0 {
				// the folded BatchNorm's backward: its input's gradient
				// for a while, its weight's and bias's gradients kept
				tmp += Round(max(s.bytesOf(n.Outputs[0]), 0))
				live += 2 * Round(c*4)
			}
			if live+tmp > peak {
				peak, at = live+tmp, n.Name
			}
			for _, g := range gouts {
				release(g)
			}
			for _, v := range n.Outputs {
				delete(grads, v)
			}
		}
		// the layer's kept tensors go when no earlier layer keeps them
		for _, st := range f.keptBy[i] {
			f.savers[st]--
			if f.savers[st] == 0 && st.live && !st.keep && !st.input {
				st.live = false
				live -= Round(st.bytes)
			}
		}
		live -= f.extras[i]
	}
	e.BackwardPeak, e.BackwardAt = peak, at
	s.optimizers(true)
}

// optimizers fills the three optimizers' step peaks.
func (s *sim) optimizers(known bool) {
	e := s.e
	e.Optimizers = []Optimizer{
		{Name: "sgd"},
		{Name: "sgd_momentum", StateSlots: 1},
		{Name: "adam", StateSlots: 2, TempSlots: 1},
	}
	for i := range e.Optimizers {
		o := &e.Optimizers[i]
		if !known || s.inputUnknown {
			o.Peak = -1
			continue
		}
		base := e.WeightsAlloc + e.InputBytes + int64(o.StateSlots)*e.StateSlotBytes
		fwd := base + e.CastBytes + e.ForwardPeak
		bwd := base + e.CastBytes + e.BackwardPeak
		step := base + e.GradBytes + int64(o.TempSlots)*e.StateSlotBytes + s.outputsBytes()
		o.Peak, o.Phase = fwd, "forward"
		if bwd > o.Peak {
			o.Peak, o.Phase = bwd, "backward"
		}
		if step > o.Peak {
			o.Peak, o.Phase = step, "step"
		}
	}
}

// outputsBytes is the model's outputs (alive through the step).
func (s *sim) outputsBytes() int64 {
	var b int64
	for _, v := range s.g.Outputs {
		if activation(v) && !s.isInput[v] {
			b += Round(max(s.bytesOf(v), 0))
		}
	}
	return b
}
