package diff

import (
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// SchemaVersion is the version of the diff's JSON.
const SchemaVersion = 1

// Status is what became of a layer.
type Status string

// The statuses of a layer.
const (
	Same    Status = "same"
	Changed Status = "changed"
	Added   Status = "added"   // in B only
	Removed Status = "removed" // in A only
)

// Side is one of the two models.
type Side struct {
	Path   string       `json:"path"`
	Format string       `json:"format"`
	Totals stats.Totals `json:"totals"`
}

// Delta is a figure on both sides and how it changed. A and B are nil
// when the figure is unknown on that side; D (B-A) and Percent are nil
// when either side is unknown, Percent also when A is 0.
type Delta struct {
	A       *int64   `json:"a"`
	B       *int64   `json:"b"`
	D       *int64   `json:"delta"`
	Percent *float64 `json:"percent"`
}

// Changed reports whether the figure changed, or may have (a side
// unknown while the other is not, or both unknown).
func (d *Delta) Changed() bool {
	if d.A == nil || d.B == nil {
		return !(d.A == nil && d.B == nil)
	}
	return *d.A != *d.B
}

func delta(a, b *int64) *Delta {
	d := &Delta{A: a, B: b}
	if a != nil && b != nil {
		v := *b - *a
		d.D = &v
		if *a != 0 {
			p := float64(v) * 100 / float64(*a)
			d.Percent = &p
		}
	}
	return d
}

// Changes is what differs in a pair of layers; a field is nil when that
// figure is the same. For a layer on one side only, every figure it has
// is given (the other side absent: nil shapes and type, 0 counts).
type Changes struct {
	Type               *Pair[*string]        `json:"type,omitempty"`
	OutputShapes       *Pair[[]*stats.Shape] `json:"output_shapes,omitempty"`
	Params             *Delta                `json:"params,omitempty"`
	TrainableParams    *Delta                `json:"trainable_params,omitempty"`
	NonTrainableParams *Delta                `json:"non_trainable_params,omitempty"`
	FLOPs              *Delta                `json:"flops,omitempty"`
}

// Pair is a value on both sides (nil, JSON null, on a side where the
// layer is absent).
type Pair[T any] struct {
	A T `json:"a"`
	B T `json:"b"`
}

// Layer is one line of the diff: a pair of layers, or a layer on one
// side only.
type Layer struct {
	Status Status `json:"status"`
	// A and B are the layers (nil on the side where it is absent).
	A *stats.Layer `json:"-"`
	B *stats.Layer `json:"-"`
	// By says how the pair was made: "name", "module" or "structure"
	// ("" for a layer on one side only).
	By      string  `json:"matched_by,omitempty"`
	Changes Changes `json:"changes"`
}

// Result is the comparison of two models.
type Result struct {
	A, B Side
	// TotalsDelta is the totals' deltas.
	TotalsDelta TotalsDelta
	Layers      []Layer
}

// TotalsDelta is the deltas of the totals.
type TotalsDelta struct {
	Params             *Delta `json:"params"`
	TrainableParams    *Delta `json:"trainable_params"`
	NonTrainableParams *Delta `json:"non_trainable_params"`
	FLOPs              *Delta `json:"flops"`
}

// Count is the number of layers of each status.
func (r *Result) Count(s Status) int {
	n := 0
	for i := range r.Layers {
		if r.Layers[i].Status == s {
			n++
		}
	}
	return n
}

// Differ reports whether the models differ: a layer that is not the
// same, or a total that changed.
func (r *Result) Differ() bool {
	for i := range r.Layers {
		if r.Layers[i].Status != Same {
			return true
		}
	}
	t := r.TotalsDelta
	return t.Params.Changed() || t.TrainableParams.Changed() || t.NonTrainableParams.Changed() || t.FLOPs.Changed()
}

// Compare compares model a with model b. Reports built with lazy rows
// are read through AllLayers.
func Compare(a, b *stats.Report) *Result {
	la, lb := layersOf(a), layersOf(b)
	r := &Result{
		A: Side{Path: a.Model.Path, Format: a.Model.Format, Totals: a.Totals},
		B: Side{Path: b.Model.Path, Format: b.Model.Format, Totals: b.Totals},
	}
	r.TotalsDelta = TotalsDelta{
		Params:             delta(totalParams(&a.Totals, a.Totals.Params), totalParams(&b.Totals, b.Totals.Params)),
		TrainableParams:    delta(totalParams(&a.Totals, a.Totals.TrainableParams), totalParams(&b.Totals, b.Totals.TrainableParams)),
		NonTrainableParams: delta(totalParams(&a.Totals, a.Totals.NonTrainableParams), totalParams(&b.Totals, b.Totals.NonTrainableParams)),
		FLOPs:              delta(a.Totals.FLOPs, b.Totals.FLOPs),
	}
	for _, p := range align(la, lb) {
		r.Layers = append(r.Layers, compareLayers(p))
	}
	return r
}

func layersOf(r *stats.Report) []*stats.Layer {
	if !r.LazyRows() {
		out := make([]*stats.Layer, len(r.Layers))
		for i := range r.Layers {
			out[i] = &r.Layers[i]
		}
		return out
	}
	// A lazy report reuses one row: keep a copy of each.
	var out []*stats.Layer
	for _, l := range r.AllLayers() {
		c := *l
		c.Inputs = append([]string(nil), l.Inputs...)
		c.OutputShapes = append([]*stats.Shape(nil), l.OutputShapes...)
		c.Weights = append([]stats.Weight(nil), l.Weights...)
		c.Tensors = append([]stats.Tensor(nil), l.Tensors...)
		out = append(out, &c)
	}
	return out
}

func totalParams(t *stats.Totals, n int64) *int64 {
	if t.ParamsUnknown {
		return nil
	}
	return &n
}

// counts are a layer's figures, nil when unknown.
func counts(l *stats.Layer) (params, trainable, nonTrainable, flops *int64) {
	if l == nil {
		var z0, z1, z2, z3 int64
		return &z0, &z1, &z2, &z3
	}
	if !l.ParamsUnknown {
		p, t, n := l.Params, l.TrainableParams, l.NonTrainableParams
		params, trainable, nonTrainable = &p, &t, &n
	}
	return params, trainable, nonTrainable, l.FLOPs
}

func compareLayers(p pair) Layer {
	out := Layer{A: p.a, B: p.b, By: p.by}
	pa, ta, na, fa := counts(p.a)
	pb, tb, nb, fb := counts(p.b)
	c := &out.Changes
	keep := func(d *Delta) *Delta {
		if d.Changed() {
			return d
		}
		return nil
	}
	c.Params = keep(delta(pa, pb))
	c.TrainableParams = keep(delta(ta, tb))
	c.NonTrainableParams = keep(delta(na, nb))
	c.FLOPs = keep(delta(fa, fb))
	switch {
	case p.a == nil:
		out.Status = Added
		c.Type = &Pair[*string]{B: &p.b.Type}
		c.OutputShapes = &Pair[[]*stats.Shape]{B: p.b.OutputShapes}
		return out
	case p.b == nil:
		out.Status = Removed
		c.Type = &Pair[*string]{A: &p.a.Type}
		c.OutputShapes = &Pair[[]*stats.Shape]{A: p.a.OutputShapes}
		return out
	}
	if p.a.Type != p.b.Type && kind(p.a.Type) != kind(p.b.Type) {
		c.Type = &Pair[*string]{A: &p.a.Type, B: &p.b.Type}
	}
	if ShapesText(p.a.OutputShapes) != ShapesText(p.b.OutputShapes) {
		c.OutputShapes = &Pair[[]*stats.Shape]{A: p.a.OutputShapes, B: p.b.OutputShapes}
	}
	out.Status = Same
	if *c != (Changes{}) {
		out.Status = Changed
	}
	return out
}

// ShapesText is a row's output shapes as the table writes them
// (Nx1x28x28; "?" for a shape of unknown rank, "-" for none, outputs
// joined by ", ").
func ShapesText(s []*stats.Shape) string {
	if s == nil {
		return "-"
	}
	var b strings.Builder
	for i, sh := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(shapeText(sh))
	}
	return b.String()
}

func shapeText(s *stats.Shape) string {
	if s == nil {
		return "?"
	}
	if len(*s) == 0 {
		return "scalar"
	}
	var b strings.Builder
	for i, d := range *s {
		if i > 0 {
			b.WriteByte('x')
		}
		switch {
		case d.Known() || d.Name != "":
			b.WriteString(d.String())
		case i == 0:
			b.WriteString("N")
		default:
			b.WriteString("?")
		}
	}
	return b.String()
}
