package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// WriteJSON writes the comparison as JSON (schema_version 1):
// {"schema_version", "a": {"path", "format", "totals"}, "b": {…},
// "totals_delta": {"params", "trainable_params", "non_trainable_params",
// "flops"}, "layers": [{"status", "a", "b", "matched_by", "changes"}]},
// "a" and "b" of a layer its name on that side or null.
func (r *Result) WriteJSON(w io.Writer) error {
	type side struct {
		Path   string         `json:"path"`
		Format string         `json:"format"`
		Totals map[string]any `json:"totals"`
	}
	type layer struct {
		Status  Status  `json:"status"`
		A       *string `json:"a"`
		B       *string `json:"b"`
		By      string  `json:"matched_by,omitempty"`
		Changes Changes `json:"changes"`
	}
	totals := func(t *stats.Totals) map[string]any {
		m := map[string]any{
			"params": totalParams(t, t.Params), "trainable_params": totalParams(t, t.TrainableParams),
			"non_trainable_params": totalParams(t, t.NonTrainableParams), "flops": t.FLOPs,
		}
		if t.ParamBytes != nil {
			m["param_bytes"] = t.ParamBytes
		}
		return m
	}
	name := func(l *stats.Layer) *string {
		if l == nil {
			return nil
		}
		return &l.Name
	}
	out := struct {
		SchemaVersion int         `json:"schema_version"`
		A             side        `json:"a"`
		B             side        `json:"b"`
		TotalsDelta   TotalsDelta `json:"totals_delta"`
		Layers        []layer     `json:"layers"`
	}{
		SchemaVersion: SchemaVersion,
		A:             side{r.A.Path, r.A.Format, totals(&r.A.Totals)},
		B:             side{r.B.Path, r.B.Format, totals(&r.B.Totals)},
		TotalsDelta:   r.TotalsDelta,
		Layers:        make([]layer, 0, len(r.Layers)),
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		out.Layers = append(out.Layers, layer{l.Status, name(l.A), name(l.B), l.By, l.Changes})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// MarshalJSON writes a percentage rounded to 0.01.
func (d Delta) MarshalJSON() ([]byte, error) {
	type plain Delta
	p := plain(d)
	if p.Percent != nil {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(*p.Percent, 'f', 2, 64), 64)
		p.Percent = &v
	}
	return json.Marshal(p)
}

// WriteText writes the comparison as text: the two models, the layers
// that differ (unchanged runs folded into one line) with their figures
// A → B and deltas, the totals with deltas and percentages, and a count.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A: %s (%s)\nB: %s (%s)\n\n", r.A.Path, r.A.Format, r.B.Path, r.B.Format)
	rows := [][]string{{"", "layer", "type", "output", "params", "FLOPs"}}
	for _, run := range r.runs() {
		if run.same > 0 {
			rows = append(rows, []string{"", fmt.Sprintf("… %d unchanged %s", run.same, plural(run.same, "layer", "layers")), "", "", "", ""})
			continue
		}
		l := &r.Layers[run.i]
		rows = append(rows, []string{mark(l.Status), layerName(l), typeText(l), shapesCell(l), countCell(l, l.Changes.Params, func(x *stats.Layer) *int64 { p, _, _, _ := counts(x); return p }), countCell(l, l.Changes.FLOPs, func(x *stats.Layer) *int64 { _, _, _, f := counts(x); return f })})
	}
	table(&b, rows, "  ")
	b.WriteString("\n")
	t := r.TotalsDelta
	trows := [][]string{
		{"totals", "A", "B", "delta"},
		totalRow("params", t.Params),
		totalRow("trainable", t.TrainableParams),
		totalRow("non-trainable", t.NonTrainableParams),
		totalRow("FLOPs", t.FLOPs),
	}
	table(&b, trows, "  ")
	fmt.Fprintf(&b, "\n%s\n", r.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the comparison for a pull-request comment: the
// totals table, then the layers that differ.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### layerinfo diff\n\n**A:** `%s` (%s)  \n**B:** `%s` (%s)\n\n", r.A.Path, r.A.Format, r.B.Path, r.B.Format)
	t := r.TotalsDelta
	b.WriteString("| | A | B | delta |\n|---|---:|---:|---:|\n")
	for _, row := range [][]string{totalRow("params", t.Params), totalRow("trainable", t.TrainableParams), totalRow("non-trainable", t.NonTrainableParams), totalRow("FLOPs", t.FLOPs)} {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3])
	}
	if r.Count(Same) == len(r.Layers) {
		fmt.Fprintf(&b, "\n%s\n", r.summary())
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n| | layer | type | output | params | FLOPs |\n|---|---|---|---|---:|---:|\n")
	for _, run := range r.runs() {
		if run.same > 0 {
			fmt.Fprintf(&b, "| | *%d unchanged %s* | | | | |\n", run.same, plural(run.same, "layer", "layers"))
			continue
		}
		l := &r.Layers[run.i]
		cells := []string{mdMark(l.Status), "`" + layerName(l) + "`", typeText(l), shapesCell(l),
			countCell(l, l.Changes.Params, func(x *stats.Layer) *int64 { p, _, _, _ := counts(x); return p }),
			countCell(l, l.Changes.FLOPs, func(x *stats.Layer) *int64 { _, _, _, f := counts(x); return f })}
		for i := range cells {
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(&b, "\n%s\n", r.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// run is one layer that is not the same (i), or a run of same layers.
type run struct{ i, same int }

func (r *Result) runs() []run {
	var out []run
	for i := range r.Layers {
		if r.Layers[i].Status != Same {
			out = append(out, run{i: i})
			continue
		}
		if n := len(out); n > 0 && out[n-1].same > 0 {
			out[n-1].same++
			continue
		}
		out = append(out, run{i: i, same: 1})
	}
	return out
}

func (r *Result) summary() string {
	c, a, rm, s := r.Count(Changed), r.Count(Added), r.Count(Removed), r.Count(Same)
	return fmt.Sprintf("%d changed, %d added, %d removed, %d unchanged %s", c, a, rm, s, plural(s, "layer", "layers"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func mark(s Status) string {
	switch s {
	case Added:
		return "+"
	case Removed:
		return "-"
	case Changed:
		return "~"
	}
	return ""
}

func mdMark(s Status) string {
	switch s {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Changed:
		return "changed"
	}
	return ""
}

func layerName(l *Layer) string {
	switch {
	case l.A == nil:
		return l.B.Name
	case l.B == nil:
		return l.A.Name
	case l.A.Name == l.B.Name:
		return l.A.Name
	}
	return l.A.Name + " → " + l.B.Name
}

func typeText(l *Layer) string {
	switch {
	case l.A == nil:
		return l.B.Type
	case l.B == nil || l.A.Type == l.B.Type:
		return l.A.Type
	}
	return l.A.Type + " → " + l.B.Type
}

func shapesCell(l *Layer) string {
	switch {
	case l.A == nil:
		return ShapesText(l.B.OutputShapes)
	case l.B == nil:
		return ShapesText(l.A.OutputShapes)
	}
	sa, sb := ShapesText(l.A.OutputShapes), ShapesText(l.B.OutputShapes)
	if sa == sb {
		return sa
	}
	return sa + " → " + sb
}

// countCell is a figure of a line: the figure when it did not change (or
// the one side's), else A → B (delta).
func countCell(l *Layer, d *Delta, get func(*stats.Layer) *int64) string {
	switch {
	case l.A == nil:
		return num(get(l.B))
	case l.B == nil:
		return num(get(l.A))
	case d == nil:
		return num(get(l.A))
	}
	return num(d.A) + " → " + num(d.B) + " (" + signed(d.D) + ")"
}

func totalRow(label string, d *Delta) []string {
	delta := signed(d.D)
	if d.Percent != nil {
		delta += fmt.Sprintf(" (%+.2f%%)", *d.Percent)
	}
	return []string{label, num(d.A), num(d.B), delta}
}

// num is n with thousands separators, "?" when unknown.
func num(n *int64) string {
	if n == nil {
		return "?"
	}
	return thousands(*n)
}

func signed(n *int64) string {
	switch {
	case n == nil:
		return "?"
	case *n > 0:
		return "+" + thousands(*n)
	}
	return thousands(*n)
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// table writes rows with columns padded to their widths (in runes), the
// first row a header underlined with dashes; numeric columns (the last
// ones of rows made by totalRow and countCell) are left aligned, as
// their arrows read left to right.
func table(b *strings.Builder, rows [][]string, sep string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(row []string) {
		var l strings.Builder
		for i, c := range row {
			if i > 0 {
				l.WriteString(sep)
			}
			l.WriteString(c)
			l.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(rows[0])
	dashes := make([]string, len(width))
	for i, n := range width {
		c := "-"
		if rows[0][i] == "" {
			c = " " // the mark column
		}
		dashes[i] = strings.Repeat(c, n)
	}
	line(dashes)
	for _, row := range rows[1:] {
		line(row)
	}
}
