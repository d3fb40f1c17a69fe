package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Explain writes, for every layer, the arithmetic of its output size, its
// parameters and its FLOPs with the values substituted, then how the
// totals add up.
func Explain(w io.Writer, r *stats.Report) error { return ExplainWith(w, r, Options{}) }

// ExplainWith is Explain with options (Width does not apply: nothing is
// cut). A report built without its arithmetic (stats.Options.NoArithmetic)
// is refused (ErrNoArithmetic).
func ExplainWith(w io.Writer, r *stats.Report, opt Options) error {
	if r.NoArithmetic {
		return fmt.Errorf("explain: %w", ErrNoArithmetic)
	}
	ew := newWriter(w)
	ew.printf("%s (%s)\n", r.Model.Path, r.Model.Format)
	for i, l := range r.AllLayers() {
		ew.buf = appendExplained(ew.buf, i, l)
		ew.spill()
	}
	t := r.Totals
	ew.str("\nTotal params = ", t.Explain.Params, "\n")
	if t.ParamsUnknown {
		ew.printf("  unknown: some layers' parameters cannot be counted (see the notes)\n")
	} else {
		ew.printf("  trainable %s + non-trainable %s = %s\n", Thousands(t.TrainableParams), Thousands(t.NonTrainableParams), Thousands(t.Params))
	}
	if t.FLOPs != nil {
		ew.str("FLOPs", perExample(r), " = ", t.Explain.FLOPs, "\n")
		ew.printf("  (2 per multiply-add of conv, linear and matmul work, bias excluded: PyTorch FlopCounterMode's convention)\n")
	} else {
		ew.printf("FLOPs: unknown for some layers\n")
	}
	if t.OtherOps != nil {
		ew.str("Other operations = ", t.Explain.OtherOps, "\n")
		ew.printf("  (elementwise, normalization, softmax and pooling work, one per operation, not in FLOPs)\n")
	}
	if line := printsLine(r); line != "" {
		ew.printf("%s\n", line)
	}
	for _, n := range r.Notes {
		ew.printf("note: %s\n", n)
	}
	for _, a := range askLines(r, opt) {
		ew.printf("note: %s\n", a)
	}
	transformerSection(ew, r, true, opt)
	return ew.flush()
}

// appendExplained appends a layer's part of the explanation: a heading
// line (index, name, type, inputs, position), the output shapes as
// Python prints them and how each size was derived, the parameters'
// arithmetic and tensors, the notes, the FLOPs' and other operations'
// arithmetic.
func appendExplained(b []byte, i int, l *stats.Layer) []byte {
	const (
		indent = "          "
		sep    = "; "
	)
	b = append(b, "\n["...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "] "...)
	b = append(b, l.Name...)
	b = append(b, "  "...)
	b = append(b, l.Type...)
	for k, in := range l.Inputs {
		if k == 0 {
			b = append(b, "  ← "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, in...)
	}
	if l.Position != "" {
		b = append(b, "  ("...)
		b = append(b, l.Position...)
		b = append(b, ')')
	}
	b = append(b, "\n  output  "...)
	for k, s := range l.OutputShapes {
		if k > 0 {
			b = append(b, ", "...)
		}
		if s == nil {
			b = append(b, "(unknown)"...)
		} else {
			b = appendPyDims(b, *s)
		}
	}
	b = append(b, '\n')
	for why := l.Explain.OutputShape; why != ""; {
		line, rest, more := strings.Cut(why, sep)
		b = append(b, indent...)
		b = append(b, line...)
		b = append(b, '\n')
		if !more {
			break
		}
		why = rest
		if why == "" { // a trailing "; " ends with an empty line, as strings.Split has it
			b = append(b, indent...)
			b = append(b, '\n')
		}
	}
	b = append(b, "  params  "...)
	if len(l.Weights) > 0 {
		b = append(b, l.Explain.Params...)
		b = append(b, '\n')
		for k := range l.Weights {
			switch {
			case len(l.Weights) > 3:
				b = append(b, indent...)
			case k == 0:
				b = append(b, indent...)
			default:
				b = append(b, ", "...)
			}
			wt := &l.Weights[k]
			b = append(b, wt.Name...)
			b = append(b, ' ')
			b = appendPyDims(b, wt.Shape)
			switch {
			case wt.SharedWith != "":
				b = append(b, " shared, counted at "...)
				b = append(b, wt.SharedWith...)
			case !wt.Trainable:
				b = append(b, " non-trainable"...)
			}
			if len(l.Weights) > 3 || k == len(l.Weights)-1 {
				b = append(b, '\n')
			}
		}
	} else {
		b = append(b, orZero(l.Explain.Params)...)
		b = append(b, '\n')
	}
	for _, n := range l.Notes {
		b = append(b, "  note    "...)
		b = append(b, n...)
		b = append(b, '\n')
	}
	switch {
	case l.FLOPs == nil:
		b = append(b, "  FLOPs   unknown\n"...)
	case *l.FLOPs != 0:
		b = append(b, "  FLOPs   "...)
		b = append(b, l.Explain.FLOPs...)
		b = append(b, '\n')
	}
	if l.OtherOps != nil && *l.OtherOps != 0 {
		b = append(b, "  other   "...)
		b = append(b, l.Explain.OtherOps...)
		b = append(b, '\n')
	}
	return b
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
