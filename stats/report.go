// Package stats turns an inferred graph into the report: per-layer rows and
// totals, in the versioned JSON schema scripts depend on.
//
// Schema version 1 is stable: fields are only ever added.
//
// The package uses the standard library only.
package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
)

// SchemaVersion is the version of the JSON report.
const SchemaVersion = 1

// Report is the whole analysis of one model.
type Report struct {
	SchemaVersion int      `json:"schema_version"`
	Model         Model    `json:"model"`
	Layers        []Layer  `json:"layers"`
	Totals        Totals   `json:"totals"`
	Notes         []string `json:"notes,omitempty"`
	// Transformer is the memory and per-token FLOPs section of a
	// transformer read from its configuration (nil otherwise).
	Transformer *Transformer `json:"transformer,omitempty"`
}

// Model says what was read.
type Model struct {
	Path   string  `json:"path"`
	Format string  `json:"format"`
	Name   string  `json:"name,omitempty"`
	Prints *Prints `json:"framework_prints,omitempty"`
}

// Prints is the figure the framework itself would print as its summary.
type Prints struct {
	Label string `json:"label"` // how the framework words it
	Which string `json:"which"` // "trainable_params" or "params"
	Value int64  `json:"value"`
}

// Layer is one row: a layer or operator.
type Layer struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Inputs []string `json:"inputs"`
	// OutputShapes has one entry per output: nil when even the rank of
	// that output is unknown (JSON null), an empty Shape for a scalar
	// (JSON []). The slice itself is nil for a row that computes nothing
	// (a checkpoint's module, JSON null).
	OutputShapes       []*Shape `json:"output_shapes"`
	Params             int64    `json:"params"`
	TrainableParams    int64    `json:"trainable_params"`
	NonTrainableParams int64    `json:"non_trainable_params"`
	FLOPs              *int64   `json:"flops"`
	Explain            Explain  `json:"explain"`
	Weights            []Weight `json:"weights,omitempty"`
	Notes              []string `json:"notes,omitempty"`
	Position           string   `json:"position,omitempty"`
	// Op is the operator (ONNX op_type, domain-qualified when not the
	// default domain) and Outputs the names of the tensors it produces,
	// for formats whose nodes are operators on named tensors.
	Op      string   `json:"op,omitempty"`
	Outputs []string `json:"outputs,omitempty"`
	// OtherOps counts the arithmetic FLOPs leave out (elementwise ops,
	// normalization, softmax, pooling), where the op defines it.
	OtherOps *int64 `json:"other_ops,omitempty"`
}

// Explain is the arithmetic behind a row's numbers, values substituted.
type Explain struct {
	OutputShape string `json:"output_shape"`
	Params      string `json:"params"`
	FLOPs       string `json:"flops,omitempty"`
	OtherOps    string `json:"other_ops,omitempty"`
}

// Weight is one parameter tensor a layer uses.
type Weight struct {
	Name       string `json:"name"`
	Shape      Shape  `json:"shape"`
	DType      string `json:"dtype,omitempty"`
	Params     int64  `json:"params"`
	Trainable  bool   `json:"trainable"`
	Bytes      int64  `json:"bytes,omitempty"`       // stored size
	SharedWith string `json:"shared_with,omitempty"` // the layer where it is counted, when not this one
}

// Totals sums the rows. Shared parameters count once.
type Totals struct {
	Params             int64  `json:"params"`
	TrainableParams    int64  `json:"trainable_params"`
	NonTrainableParams int64  `json:"non_trainable_params"`
	FLOPs              *int64 `json:"flops"`
	// ParamBytes is the stored size of the parameters; nil when some
	// tensor's element type has no fixed size (strings).
	ParamBytes        *int64           `json:"param_bytes"`
	ParamBytesByDType map[string]int64 `json:"param_bytes_by_dtype,omitempty"`
	Explain           TotalsExplain    `json:"explain"`
	// FLOPsLowerBound is the sum over the layers whose FLOPs are known,
	// given when some are not (and flops is null).
	FLOPsLowerBound *int64 `json:"flops_lower_bound,omitempty"`
	// OtherOps sums the layers' other_ops, when some layer counts them.
	OtherOps *int64 `json:"other_ops,omitempty"`
}

// TotalsExplain shows how the totals add up.
type TotalsExplain struct {
	Params   string `json:"params"`
	FLOPs    string `json:"flops,omitempty"`
	OtherOps string `json:"other_ops,omitempty"`
}

// Shape is a shape of known rank in the report: each dim an integer, null
// when unknown, or a string for a named symbolic dim. An empty Shape is a
// scalar; where even the rank may be unknown the report holds a *Shape,
// nil when unknown.
type Shape []graph.Dim

// ShapeOf is the report's form of a graph shape: nil when the rank is
// unknown (a nil graph.Shape), otherwise the dims (empty for a scalar).
func ShapeOf(s graph.Shape) *Shape {
	if s == nil {
		return nil
	}
	r := make(Shape, len(s))
	copy(r, s)
	return &r
}

// Dims is the shape as a graph.Shape: nil when s is nil (rank unknown).
func (s *Shape) Dims() graph.Shape {
	if s == nil {
		return nil
	}
	return graph.Shape(*s)
}

// MarshalJSON writes dims as integers, null or strings; a scalar is [].
func (s Shape) MarshalJSON() ([]byte, error) {
	parts := make([]any, len(s))
	for i, d := range s {
		switch {
		case d.Known():
			parts[i] = d.Size
		case d.Name != "":
			parts[i] = d.Name
		default:
			parts[i] = nil
		}
	}
	return json.Marshal(parts)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Shape) UnmarshalJSON(b []byte) error {
	var parts []any
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	*s = make(Shape, len(parts))
	for i, p := range parts {
		switch v := p.(type) {
		case float64:
			(*s)[i] = graph.D(int64(v))
		case string:
			(*s)[i] = graph.Symbol(v)
		default:
			(*s)[i] = graph.Unknown()
		}
	}
	return nil
}

// Build makes the report of an inferred graph. Nodes whose inference
// failed appear with what is known. Every sum is checked: a total past the
// int64 range is an error (wrapping calc.ErrOverflow), never a wrong
// number.
func Build(g *graph.Graph) (*Report, error) {
	if g == nil {
		return nil, fmt.Errorf("no graph")
	}
	var sum checked
	r := &Report{
		SchemaVersion: SchemaVersion,
		Model:         Model{Path: g.Path, Format: g.Format, Name: g.Name},
		Notes:         g.Notes,
		Layers:        []Layer{},
	}
	var paramTerms, flopTerms, otherTerms []calc.Expr
	var unknownFLOPs, unsized []string
	flopsKnown := true
	bytes := map[string]int64{}
	for _, n := range g.Nodes {
		l := Layer{Name: n.Name, Type: n.Type, Inputs: []string{}, Notes: n.Notes}
		if n.Pos.Line > 0 {
			l.Position = n.Pos.String()
		}
		if o, ok := n.Op.(interface{ OpType() string }); ok {
			l.Op = o.OpType()
			for _, v := range n.Outputs {
				l.Outputs = append(l.Outputs, v.Name)
			}
		}
		if v, ok := n.OtherOps.Value(); ok && n.Done {
			l.OtherOps = &v
			l.Explain.OtherOps = n.OtherOps.Equation()
			otherTerms = append(otherTerms, calc.N(v))
		}
		for _, v := range n.Inputs {
			if v != nil && v.Param == nil {
				l.Inputs = append(l.Inputs, v.Name)
			}
		}
		if len(n.Outputs) > 0 {
			l.OutputShapes = make([]*Shape, len(n.Outputs))
			for i, v := range n.Outputs {
				l.OutputShapes[i] = ShapeOf(v.Shape)
			}
		}
		for _, p := range n.Params {
			c, _ := p.Numel().Value() // known: inference refuses a parameter of unknown size
			w := Weight{Name: p.Name, Shape: Shape(p.Shape), DType: string(p.DType), Params: c, Trainable: p.Trainable, Bytes: p.Bytes}
			sized := w.Bytes > 0 || p.DType.Bits() > 0 || c == 0
			if w.Bytes == 0 {
				w.Bytes = sum.mul(c, int64(p.DType.Bits()), p.Name+" bits") / 8
			}
			if p.Owner != n && p.Owner != nil {
				w.SharedWith = p.Owner.Name
			} else {
				sum.add(&l.Params, c, "the parameters of layer "+n.Name)
				if p.Trainable {
					sum.add(&l.TrainableParams, c, "the trainable parameters of layer "+n.Name)
				} else {
					sum.add(&l.NonTrainableParams, c, "the non-trainable parameters of layer "+n.Name)
				}
				if sized {
					b := bytes[string(p.DType)]
					sum.add(&b, w.Bytes, "the "+string(p.DType)+" parameter bytes")
					bytes[string(p.DType)] = b
				} else {
					unsized = append(unsized, p.Name)
				}
			}
			l.Weights = append(l.Weights, w)
		}
		l.Explain.OutputShape = strings.Join(n.ShapeWhy, "; ")
		if n.Done {
			l.Explain.Params = n.Count.Equation()
			if l.Explain.Params == "" {
				l.Explain.Params = "0"
			}
		}
		if v, ok := n.FLOPs.Value(); ok && n.Done {
			l.FLOPs = &v
			l.Explain.FLOPs = n.FLOPs.Equation()
		} else {
			flopsKnown = false
			unknownFLOPs = append(unknownFLOPs, n.Name)
		}
		r.Layers = append(r.Layers, l)
		sum.add(&r.Totals.Params, l.Params, "total parameters")
		sum.add(&r.Totals.TrainableParams, l.TrainableParams, "total trainable parameters")
		sum.add(&r.Totals.NonTrainableParams, l.NonTrainableParams, "total non-trainable parameters")
		if sum.err != nil {
			return nil, sum.err
		}
		paramTerms = append(paramTerms, calc.N(l.Params))
		if l.FLOPs != nil {
			flopTerms = append(flopTerms, calc.N(*l.FLOPs))
		}
	}
	r.Totals.Explain.Params = sumText(paramTerms)
	if flopsKnown {
		f := calc.Add(flopTerms...)
		if err := f.Err(); err != nil {
			return nil, fmt.Errorf("total FLOPs: %w", err)
		}
		if v, ok := f.Value(); ok {
			r.Totals.FLOPs = &v
			r.Totals.Explain.FLOPs = sumText(flopTerms)
		}
	} else if len(flopTerms) > 0 {
		// Never a silent zero: say which layers are unknown, and give
		// what the others add up to.
		if v, ok := calc.Add(flopTerms...).Value(); ok {
			r.Totals.FLOPsLowerBound = &v
		}
		names := unknownFLOPs
		more := ""
		if len(names) > 5 {
			names, more = names[:5], fmt.Sprintf(" and %d more", len(unknownFLOPs)-5)
		}
		msg := fmt.Sprintf("FLOPs are unknown for %d layer(s) (%s%s)", len(unknownFLOPs), strings.Join(names, ", "), more)
		if g.Arch != nil && g.Arch.ContextFrom != "--context" {
			msg += ": they depend on the sequence length, which --context gives (the memory and FLOPs section below is per token)"
		} else if r.Totals.FLOPsLowerBound != nil {
			msg += "; the other layers add up to " + Thousands(*r.Totals.FLOPsLowerBound)
		}
		r.Notes = append(append([]string(nil), r.Notes...), msg)
	}
	if len(otherTerms) > 0 {
		o := calc.Add(otherTerms...)
		if err := o.Err(); err != nil {
			return nil, fmt.Errorf("total other operations: %w", err)
		}
		if v, ok := o.Value(); ok {
			r.Totals.OtherOps = &v
			r.Totals.Explain.OtherOps = sumText(otherTerms)
		}
	}
	if len(bytes) > 0 {
		r.Totals.ParamBytesByDType = bytes
	}
	if len(unsized) == 0 {
		var total int64
		for _, b := range bytes {
			sum.add(&total, b, "parameter bytes")
		}
		if sum.err != nil {
			return nil, sum.err
		}
		r.Totals.ParamBytes = &total
	} else {
		names, more := unsized, ""
		if len(names) > 5 {
			names, more = names[:5], fmt.Sprintf(" and %d more", len(unsized)-5)
		}
		r.Notes = append(append([]string(nil), r.Notes...), fmt.Sprintf("parameter memory is unknown: %d tensor(s) have an element type of unknown size (%s%s)", len(unsized), strings.Join(names, ", "), more))
	}
	if g.Prints.Which != "" {
		p := &Prints{Label: g.Prints.Label, Which: "params", Value: r.Totals.Params}
		if g.Prints.Which == "trainable" {
			p.Which, p.Value = "trainable_params", r.Totals.TrainableParams
		}
		r.Model.Prints = p
	}
	t, err := transformer(g.Arch, r.Totals)
	if err != nil {
		return nil, err
	}
	r.Transformer = t
	return r, sum.err
}

// sumText is "a+b+c = total", or the total alone for one term.
func sumText(terms []calc.Expr) string {
	if len(terms) == 0 {
		return "0"
	}
	return calc.Add(terms...).Equation()
}

// Thousands formats n with commas, for numbers in notes: 217706 →
// "217,706".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// checked adds and multiplies int64s, keeping the first overflow.
type checked struct{ err error }

func (c *checked) add(x *int64, y int64, what string) {
	if c.err != nil {
		return
	}
	if (y > 0 && *x > math.MaxInt64-y) || (y < 0 && *x < math.MinInt64-y) {
		c.err = fmt.Errorf("%s: %d+%d: %w", what, *x, y, calc.ErrOverflow)
		return
	}
	*x += y
}

func (c *checked) mul(x, y int64, what string) int64 {
	if c.err != nil {
		return 0
	}
	if x != 0 && y != 0 && (x*y/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) {
		c.err = fmt.Errorf("%s: %d*%d: %w", what, x, y, calc.ErrOverflow)
		return 0
	}
	return x * y
}
