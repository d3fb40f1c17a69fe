package render

import (
	"io"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Markdown writes the per-layer table as a GitHub-flavoured Markdown
// table, with the same columns and cells as Table (never cut), then the
// totals as a list and the notes: a summary to paste into a pull request
// or a README.
func Markdown(w io.Writer, r *stats.Report) error { return MarkdownWith(w, r, Options{}) }

// MarkdownWith is Markdown with options (Width does not apply: nothing
// is cut).
func MarkdownWith(w io.Writer, r *stats.Report, opt Options) error {
	rows := LayerRows(r, tableKeys(weightsOnly(r))...)
	ew := &errWriter{w: w}
	ew.printf("**%s** (%s)\n\n", mdEscape(r.Model.Path), mdEscape(r.Model.Format))
	if note := axesNote(r); note != "" {
		ew.printf("%s\n\n", mdEscape(note))
	}
	head := make([]string, len(rows.Columns))
	rule := make([]string, len(rows.Columns))
	for i, c := range rows.Columns {
		head[i] = mdEscape(c.Title)
		rule[i] = "---"
		if c.Right {
			rule[i] = "--:"
		}
	}
	ew.printf("| %s |\n", strings.Join(head, " | "))
	ew.printf("|%s|\n", strings.Join(rule, "|"))
	for _, row := range rows.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c.Text)
		}
		ew.printf("| %s |\n", strings.Join(cells, " | "))
	}
	ew.printf("\n")
	labels, values := totalLines(r)
	for i, l := range labels {
		indent := ""
		if strings.HasPrefix(l, " ") {
			indent = "  "
		}
		ew.printf("%s- %s %s\n", indent, mdEscape(strings.TrimSpace(l)), values[i])
	}
	if line := printsLine(r); line != "" {
		ew.printf("\n%s\n", mdEscape(line))
	}
	for _, n := range r.Notes {
		ew.printf("\nNote: %s\n", mdEscape(n))
	}
	for _, a := range askLines(r, opt) {
		ew.printf("\nNote: %s\n", mdEscape(a))
	}
	return ew.err
}

// mdEscape keeps text literal in Markdown: the characters that would end
// a table cell or start emphasis, code or HTML are escaped, and a line
// break becomes a space.
var mdEscape = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", "[", `\[`, "]", `\]`, "\n", " ", "\r", " ",
).Replace
