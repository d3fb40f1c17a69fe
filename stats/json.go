package stats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/layerinfo/layerinfo/graph"
)

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

// UnmarshalJSON reads what MarshalJSON writes: an integer dim exactly (to
// the int64 range, not through a float), null as an unknown dim, a string
// as a named one; [] is a scalar (an empty, non-nil Shape). A size that
// is negative or not an integer is an error. Where the rank itself may be
// unknown the report holds a *Shape, which null leaves nil.
func (s *Shape) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil // encoding/json's convention: null leaves the value as it is
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var parts []any
	if err := dec.Decode(&parts); err != nil {
		return fmt.Errorf("shape: %w", err)
	}
	out := make(Shape, len(parts))
	for i, p := range parts {
		switch v := p.(type) {
		case json.Number:
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("shape %s: dim %d is %s, not a size (an integer from 0 to %d)", b, i, v, int64(1<<63-1))
			}
			out[i] = graph.D(n)
		case string:
			if v == "" {
				return fmt.Errorf("shape %s: dim %d is an empty name (an unknown dim is null)", b, i)
			}
			out[i] = graph.Symbol(v)
		case nil:
			out[i] = graph.Unknown()
		default:
			return fmt.Errorf("shape %s: dim %d is neither a size, null nor a name", b, i)
		}
	}
	*s = out
	return nil
}

// UnmarshalJSON reads a row and gives it its Tensors from the JSON's
// output_shapes and, where the format writes them, outputs (the names);
// element types are not in the JSON and stay "".
func (l *Layer) UnmarshalJSON(b []byte) error {
	type plain Layer // without the methods, so that this is not called again
	var p struct {
		plain
		Params             *int64 `json:"params"`
		TrainableParams    *int64 `json:"trainable_params"`
		NonTrainableParams *int64 `json:"non_trainable_params"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*l = Layer(p.plain)
	var err error
	l.Params, l.TrainableParams, l.NonTrainableParams, l.ParamsUnknown, err = readParams("layer "+l.Name, p.Params, p.TrainableParams, p.NonTrainableParams)
	if err != nil {
		return err
	}
	l.Tensors = nil
	if len(l.OutputShapes) > 0 {
		l.Tensors = make([]Tensor, len(l.OutputShapes))
		for i, s := range l.OutputShapes {
			l.Tensors[i].Shape = s
			if len(l.Outputs) == len(l.OutputShapes) {
				l.Tensors[i].Name = l.Outputs[i]
			}
		}
	}
	return nil
}

// readParams reads the three parameter counts of a row or the totals
// (the fields of the JSON, which shadow the struct's own), null together
// when unknown.
func readParams(where string, params, trainable, nonTrainable *int64) (p, t, nt int64, unknown bool, err error) {
	switch {
	case params == nil && trainable == nil && nonTrainable == nil:
		return 0, 0, 0, true, nil
	case params == nil || trainable == nil || nonTrainable == nil:
		return 0, 0, 0, false, fmt.Errorf("report: %s: params, trainable_params and non_trainable_params are null (unknown) together or not at all", where)
	}
	return *params, *trainable, *nonTrainable, false, nil
}

// UnmarshalJSON reads the totals; null parameter counts are unknown
// (ParamsUnknown).
func (t *Totals) UnmarshalJSON(b []byte) error {
	type plain Totals
	var p struct {
		plain
		Params             *int64 `json:"params"`
		TrainableParams    *int64 `json:"trainable_params"`
		NonTrainableParams *int64 `json:"non_trainable_params"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Totals(p.plain)
	var err error
	t.Params, t.TrainableParams, t.NonTrainableParams, t.ParamsUnknown, err = readParams("totals", p.Params, p.TrainableParams, p.NonTrainableParams)
	return err
}

// UnmarshalJSON reads a report and checks it (Check): a report whose
// schema this package does not read, or whose totals do not add up, is
// an error rather than numbers a comparison would trust. Unknowns stay
// unknown: null FLOPs, byte counts and shapes are nil, not zero.
func (r *Report) UnmarshalJSON(b []byte) error {
	type plain Report
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if err := (*Report)(&p).Check(); err != nil {
		return err
	}
	*r = Report(p)
	return nil
}

// Check verifies what Build guarantees, for a report that comes from
// elsewhere (a JSON file): the schema version; counts that are not
// negative; each row's and the totals' trainable plus non-trainable
// parameters making its parameters; the totals equal to the sums of the
// rows (FLOPs: known exactly when every row's is, otherwise the lower
// bound, when given, is the sum of the known ones; other operations;
// parameter bytes by element type); every ask saying what it gives and
// which option; and the framework's printed figure equal to the total
// it names. Sums are checked for overflow.
func (r *Report) Check() error {
	if r.SchemaVersion != SchemaVersion {
		return fmt.Errorf("report: schema_version %d, this reader knows %d", r.SchemaVersion, SchemaVersion)
	}
	var sum checked
	var params, trainable, nonTrainable, buffers, flops, other int64
	flopsKnown, hasOther, paramsKnown := true, false, true
	for i, l := range r.Layers {
		paramsKnown = paramsKnown && !l.ParamsUnknown
		where := fmt.Sprintf("report: layers[%d] (%s)", i, l.Name)
		if err := checkCounts(where, l.Params, l.TrainableParams, l.NonTrainableParams, l.FLOPs, l.OtherOps); err != nil {
			return err
		}
		sum.add(&params, l.Params, "the layers' parameters")
		sum.add(&trainable, l.TrainableParams, "the layers' trainable parameters")
		sum.add(&nonTrainable, l.NonTrainableParams, "the layers' non-trainable parameters")
		if l.Buffers < 0 {
			return fmt.Errorf("%s: buffers %d is negative", where, l.Buffers)
		}
		sum.add(&buffers, l.Buffers, "the layers' buffers")
		if l.FLOPs != nil {
			sum.add(&flops, *l.FLOPs, "the layers' FLOPs")
		} else {
			flopsKnown = false
		}
		if l.OtherOps != nil {
			hasOther = true
			sum.add(&other, *l.OtherOps, "the layers' other operations")
		}
		if sum.err != nil {
			return fmt.Errorf("report: %w", sum.err)
		}
	}
	t := r.Totals
	if err := checkCounts("report: totals", t.Params, t.TrainableParams, t.NonTrainableParams, t.FLOPs, t.OtherOps); err != nil {
		return err
	}
	switch {
	case paramsKnown && t.ParamsUnknown:
		return fmt.Errorf("report: totals.params is null, but every layer's is known (they add up to %d)", params)
	case !paramsKnown && !t.ParamsUnknown:
		return fmt.Errorf("report: totals.params is %d, but some layer's is null (unknown)", t.Params)
	case !paramsKnown && t.ParamsLowerBound != nil && *t.ParamsLowerBound != params:
		return fmt.Errorf("report: totals.params_lower_bound is %d, the known layers add up to %d", *t.ParamsLowerBound, params)
	}
	for _, c := range []struct {
		what      string
		total, of int64
	}{
		{"params", t.Params, params},
		{"trainable_params", t.TrainableParams, trainable},
		{"non_trainable_params", t.NonTrainableParams, nonTrainable},
		{"buffers", t.Buffers, buffers},
	} {
		if t.ParamsUnknown && c.what != "buffers" {
			continue
		}
		if c.total != c.of {
			return fmt.Errorf("report: totals.%s is %d, the layers add up to %d", c.what, c.total, c.of)
		}
	}
	switch {
	case flopsKnown && t.FLOPs == nil:
		return fmt.Errorf("report: totals.flops is null, but every layer's is known (they add up to %d)", flops)
	case flopsKnown && *t.FLOPs != flops:
		return fmt.Errorf("report: totals.flops is %d, the layers add up to %d", *t.FLOPs, flops)
	case !flopsKnown && t.FLOPs != nil:
		return fmt.Errorf("report: totals.flops is %d, but some layer's is null (unknown)", *t.FLOPs)
	case !flopsKnown && t.FLOPsLowerBound != nil && *t.FLOPsLowerBound != flops:
		return fmt.Errorf("report: totals.flops_lower_bound is %d, the known layers add up to %d", *t.FLOPsLowerBound, flops)
	}
	switch {
	case hasOther && (t.OtherOps == nil || *t.OtherOps != other):
		return fmt.Errorf("report: totals.other_ops is %s, the layers add up to %d", orNull(t.OtherOps), other)
	case !hasOther && t.OtherOps != nil:
		return fmt.Errorf("report: totals.other_ops is %d, but no layer counts other operations", *t.OtherOps)
	}
	if t.ParamBytes != nil {
		var b int64
		for dt, n := range t.ParamBytesByDType {
			if n < 0 {
				return fmt.Errorf("report: totals.param_bytes_by_dtype[%q] is %d, a negative size", dt, n)
			}
			sum.add(&b, n, "the parameter bytes by element type")
		}
		if sum.err != nil {
			return fmt.Errorf("report: %w", sum.err)
		}
		if *t.ParamBytes != b {
			return fmt.Errorf("report: totals.param_bytes is %d, param_bytes_by_dtype adds up to %d", *t.ParamBytes, b)
		}
	}
	for i, a := range r.Asks {
		if a.What == "" || a.Option == "" {
			return fmt.Errorf("report: asks[%d] has no what or no option", i)
		}
	}
	if p := r.Model.Prints; p != nil && t.ParamsUnknown {
		return fmt.Errorf("report: model.framework_prints is given, but totals.params is null (unknown)")
	} else if p != nil {
		want, ok := map[string]int64{"params": t.Params, "trainable_params": t.TrainableParams}[p.Which]
		switch {
		case !ok:
			return fmt.Errorf("report: model.framework_prints.which is %q, not params or trainable_params", p.Which)
		case p.Value != want:
			return fmt.Errorf("report: model.framework_prints.value is %d, totals.%s is %d", p.Value, p.Which, want)
		}
	}
	return nil
}

// checkCounts refuses negative counts and parameters whose trainable and
// non-trainable parts do not make the whole.
func checkCounts(where string, params, trainable, nonTrainable int64, flops, other *int64) error {
	for _, c := range []struct {
		what string
		n    *int64
	}{{"params", &params}, {"trainable_params", &trainable}, {"non_trainable_params", &nonTrainable}, {"flops", flops}, {"other_ops", other}} {
		if c.n != nil && *c.n < 0 {
			return fmt.Errorf("%s: %s is %d, a negative count", where, c.what, *c.n)
		}
	}
	var s checked
	s.add(&trainable, nonTrainable, "trainable_params + non_trainable_params")
	if s.err != nil {
		return fmt.Errorf("%s: %w", where, s.err)
	}
	if trainable != params {
		return fmt.Errorf("%s: trainable_params + non_trainable_params is %d, params is %d", where, trainable, params)
	}
	return nil
}

func orNull(p *int64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatInt(*p, 10)
}
