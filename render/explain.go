package render

import (
	"io"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Explain writes, for every layer, the arithmetic of its output size, its
// parameters and its FLOPs with the values substituted, then how the
// totals add up.
func Explain(w io.Writer, r *stats.Report) error { return ExplainWith(w, r, Options{}) }

// ExplainWith is Explain with options (Width does not apply: nothing is
// cut).
func ExplainWith(w io.Writer, r *stats.Report, opt Options) error {
	ew := &errWriter{w: w}
	ew.printf("%s (%s)\n", r.Model.Path, r.Model.Format)
	for i, l := range r.Layers {
		ew.printf("\n[%d] %s  %s", i, l.Name, l.Type)
		if len(l.Inputs) > 0 {
			ew.printf("  ← %s", strings.Join(l.Inputs, ", "))
		}
		if l.Position != "" {
			ew.printf("  (%s)", l.Position)
		}
		ew.printf("\n")
		shapes := make([]string, len(l.OutputShapes))
		for j, s := range l.OutputShapes {
			shapes[j] = pyShape(s)
		}
		ew.printf("  output  %s\n", strings.Join(shapes, ", "))
		for _, why := range splitWhy(l.Explain.OutputShape) {
			ew.printf("          %s\n", why)
		}
		if len(l.Weights) > 0 {
			var ws []string
			for _, wt := range l.Weights {
				s := wt.Name + " " + pyDims(wt.Shape)
				switch {
				case wt.SharedWith != "":
					s += " shared, counted at " + wt.SharedWith
				case !wt.Trainable:
					s += " non-trainable"
				}
				ws = append(ws, s)
			}
			ew.printf("  params  %s\n", l.Explain.Params)
			if len(ws) <= 3 {
				ew.printf("          %s\n", strings.Join(ws, ", "))
			} else {
				for _, w := range ws {
					ew.printf("          %s\n", w)
				}
			}
		} else {
			ew.printf("  params  %s\n", orZero(l.Explain.Params))
		}
		for _, n := range l.Notes {
			ew.printf("  note    %s\n", n)
		}
		switch {
		case l.FLOPs == nil:
			ew.printf("  FLOPs   unknown\n")
		case *l.FLOPs != 0:
			ew.printf("  FLOPs   %s\n", l.Explain.FLOPs)
		}
		if l.OtherOps != nil && *l.OtherOps != 0 {
			ew.printf("  other   %s\n", l.Explain.OtherOps)
		}
	}
	t := r.Totals
	ew.printf("\nTotal params = %s\n", t.Explain.Params)
	ew.printf("  trainable %s + non-trainable %s = %s\n", Thousands(t.TrainableParams), Thousands(t.NonTrainableParams), Thousands(t.Params))
	if t.FLOPs != nil {
		ew.printf("FLOPs%s = %s\n", perExample(r), t.Explain.FLOPs)
		ew.printf("  (2 per multiply-add of conv, linear and matmul work, bias excluded: PyTorch FlopCounterMode's convention)\n")
	} else {
		ew.printf("FLOPs: unknown for some layers\n")
	}
	if t.OtherOps != nil {
		ew.printf("Other operations = %s\n", t.Explain.OtherOps)
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
	return ew.err
}

func splitWhy(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "; ")
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
