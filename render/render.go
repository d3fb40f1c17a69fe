package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/layerinfo/layerinfo/stats"
)

// Thousands formats n with commas: 217706 → "217,706".
func Thousands(n int64) string { return stats.Thousands(n) }

// shapeText is a shape for the table: dims joined by "x", "?" when even
// the rank is unknown. An anonymous unknown leading axis (Lasagne's and
// Keras's None batch) is written N; named dims keep their names; the
// table's header note says what they stand for.
func shapeText(s *stats.Shape) string {
	if s == nil {
		return "?"
	}
	return dimsText(*s)
}

func dimsText(s stats.Shape) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		switch {
		case d.Known() || d.Name != "":
			parts[i] = d.String()
		case i == 0:
			parts[i] = "N"
		default:
			parts[i] = "?"
		}
	}
	return strings.Join(parts, "x")
}

// pyShape is a shape as Python prints it: (None, 32, 24, 24).
func pyShape(s *stats.Shape) string {
	if s == nil {
		return "(unknown)"
	}
	return pyDims(*s)
}

func pyDims(s stats.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func flopsText(f *int64) string {
	if f == nil {
		return "?"
	}
	return Thousands(*f)
}

// Options tune the text renderers. The zero value prints every cell whole.
type Options struct {
	// Width, when positive, is the width the table must fit (a
	// terminal's): the widest text columns are cut with "…" until it
	// does. Numbers are never cut.
	Width int
	// Option words an option by its name ("input-shape") where the
	// report asks for a value or says one was given; nil is "the NAME
	// option". The command line gives its flag: "--input-shape".
	Option func(name string) string
}

// option words the option name as opt says.
func (opt Options) option(name string) string {
	if opt.Option != nil {
		return opt.Option(name)
	}
	return "the " + name + " option"
}

// askLines are the report's asks, one line each after the notes:
// "--input-shape x=… gives the shape of input x".
func askLines(r *stats.Report, opt Options) []string {
	var lines []string
	for _, a := range r.Asks {
		s := opt.option(a.Option)
		if a.Value != "" {
			s += " " + a.Value
		}
		lines = append(lines, s+" gives "+a.What)
	}
	return lines
}

// Table writes the per-layer table and the totals.
func Table(w io.Writer, r *stats.Report) error { return TableWith(w, r, Options{}) }

// TableWith is Table with options.
func TableWith(w io.Writer, r *stats.Report, opt Options) error {
	rows := LayerRows(r, tableKeys(weightsOnly(r))...)
	head := make(Row, len(rows.Columns))
	right := make([]bool, len(rows.Columns))
	for i, c := range rows.Columns {
		head[i], right[i] = same(c.Title), c.Right
	}
	width := columnWidths(head, rows.Rows, right, opt.Width)
	ew := &errWriter{w: w}
	var b strings.Builder
	line := func(cells Row) {
		b.Reset()
		for i, cell := range cells {
			c := cut(cell.Text, width[i])
			pad := width[i] - runeLen(c)
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case right[i]:
				spaces(&b, pad)
				b.WriteString(c)
			case i == len(cells)-1:
				b.WriteString(c)
			default:
				b.WriteString(c)
				spaces(&b, pad)
			}
		}
		ew.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
	ew.printf("%s (%s)\n", r.Model.Path, r.Model.Format)
	if note := axesNote(r); note != "" {
		ew.printf("%s\n", note)
	}
	ew.printf("\n")
	line(head)
	rule := make(Row, len(head))
	for i := range head {
		rule[i] = same(strings.Repeat("-", width[i]))
	}
	line(rule)
	for _, row := range rows.Rows {
		line(row)
	}
	ew.printf("\n")
	totals(ew, r, opt)
	transformerSection(ew, r, false, opt)
	return ew.err
}

// columnWidths sizes each column to its widest cell, then, while the
// table is wider than limit (when positive), narrows the widest text
// column (never a right-aligned number) down to a floor of 8.
func columnWidths(head Row, rows []Row, right []bool, limit int) []int {
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = runeLen(h.Text)
	}
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], runeLen(c.Text))
		}
	}
	if limit <= 0 {
		return width
	}
	const floor = 8
	for {
		total := 2 * (len(width) - 1)
		widest := -1
		for i, w := range width {
			total += w
			if !right[i] && w > floor && (widest < 0 || w > width[widest]) {
				widest = i
			}
		}
		if total <= limit || widest < 0 {
			return width
		}
		// Narrow the widest text column to the next widest's width
		// or just enough to fit, whichever is less narrowing.
		next := floor
		for i, w := range width {
			if i != widest && !right[i] && w > next && w < width[widest] {
				next = w
			}
		}
		width[widest] = max(next, width[widest]-(total-limit), floor)
	}
}

// cut shortens s to n runes, ending it with "…" when it was longer.
func cut(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// spaces writes n spaces.
func spaces(b *strings.Builder, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// axesNote says, under the table's title, what the sizes the model leaves
// open stand for: N for an anonymous batch axis, and named dims.
func axesNote(r *stats.Report) string {
	anon := false
	var named []string
	seen := map[string]bool{}
	for _, l := range r.Layers {
		for _, s := range l.OutputShapes {
			if s == nil {
				continue
			}
			for i, d := range *s {
				switch {
				case d.Known():
				case d.Name != "":
					if !seen[d.Name] {
						seen[d.Name] = true
						named = append(named, d.Name)
					}
				case i == 0:
					anon = true
				}
			}
		}
	}
	var parts []string
	if anon {
		parts = append(parts, "N is the batch size (None: the model leaves it open)")
	}
	switch len(named) {
	case 0:
	case 1:
		parts = append(parts, named[0]+" is a size the model names but does not fix")
	default:
		parts = append(parts, strings.Join(named[:len(named)-1], ", ")+" and "+named[len(named)-1]+" are sizes the model names but does not fix")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}

// weightsOnly reports whether the report is of stored tensors only (a
// checkpoint): no layer has outputs.
func weightsOnly(r *stats.Report) bool {
	for _, l := range r.Layers {
		if len(l.OutputShapes) > 0 {
			return false
		}
	}
	return len(r.Layers) > 0
}

func sharedOnly(l stats.Layer) bool {
	if len(l.Weights) == 0 {
		return false
	}
	for _, w := range l.Weights {
		if w.SharedWith == "" {
			return false
		}
	}
	return true
}

func totals(ew *errWriter, r *stats.Report, opt Options) {
	labels, values := totalLines(r)
	lw, vw := 0, 0
	for i := range labels {
		lw = max(lw, len(labels[i]))
		vw = max(vw, len(values[i]))
	}
	for i := range labels {
		ew.printf("%-*s %*s\n", lw, labels[i], vw, values[i])
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
}

// totalLines are the totals under a table: labels ("Total params:",
// "  trainable:") and values as people read them.
func totalLines(r *stats.Report) (labels, values []string) {
	t := r.Totals
	labels = []string{"Total params:", "  trainable:", "  non-trainable:"}
	values = []string{Thousands(t.Params), Thousands(t.TrainableParams), Thousands(t.NonTrainableParams)}
	if t.Buffers > 0 {
		labels = append(labels, "Buffers:")
		values = append(values, Thousands(t.Buffers))
	}
	switch {
	case t.ParamBytes == nil:
		labels = append(labels, "Param memory:")
		values = append(values, "?")
	case *t.ParamBytes > 0:
		labels = append(labels, "Param memory:")
		values = append(values, bytesText(*t.ParamBytes))
	}
	if !weightsOnly(r) {
		labels = append(labels, "FLOPs"+perExample(r)+":")
		values = append(values, flopsText(t.FLOPs))
	}
	if t.OtherOps != nil {
		labels = append(labels, "Other ops:")
		values = append(values, Thousands(*t.OtherOps))
	}
	return labels, values
}

// perExample says when FLOPs are per example: when the first layer with
// outputs (the model's input, as a rule) has an open leading axis.
func perExample(r *stats.Report) string {
	for _, l := range r.Layers {
		if len(l.OutputShapes) == 0 {
			continue
		}
		if s := l.OutputShapes[0]; s != nil && len(*s) > 0 && !(*s)[0].Known() {
			return " (per example)"
		}
		return ""
	}
	return ""
}

func bytesText(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.2f %ciB (%s bytes)", float64(b)/float64(div), "KMGTP"[exp], Thousands(b))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// printsLine names the figure the framework itself would print.
func printsLine(r *stats.Report) string {
	p := r.Model.Prints
	if p == nil {
		return ""
	}
	if p.Which == "trainable_params" {
		return fmt.Sprintf("%s prints %s %s (the trainable count)", r.Model.Format, Thousands(p.Value), p.Label)
	}
	return fmt.Sprintf("%s reports %s %s (trainable and non-trainable)", r.Model.Format, Thousands(p.Value), p.Label)
}
