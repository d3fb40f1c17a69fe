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
	modules := weightsOnly(r)
	cs := pick(columns(r, modules), tableKeys(modules)...)
	ew := newWriter(w)
	ew.printf("**%s** (%s)\n\n", mdEscape(r.Model.Path), mdEscape(r.Model.Format))
	if note := axesNote(r); note != "" {
		ew.printf("%s\n\n", mdEscape(note))
	}
	head := make([]string, len(cs))
	rule := make([]string, len(cs))
	for i, c := range cs {
		head[i] = mdEscape(c.Title)
		rule[i] = "---"
		if c.Right {
			rule[i] = "--:"
		}
	}
	ew.printf("| %s |\n", strings.Join(head, " | "))
	ew.printf("|%s|\n", strings.Join(rule, "|"))
	var cell []byte
	for i := range r.Layers {
		l := &r.Layers[i]
		ew.buf = append(ew.buf, "| "...)
		for k, c := range cs {
			if k > 0 {
				ew.buf = append(ew.buf, " | "...)
			}
			cell = appendCell(cell[:0], c.id, i, l, false)
			ew.buf = appendMDEscaped(ew.buf, cell)
		}
		ew.buf = append(ew.buf, " |\n"...)
		ew.spill()
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
	return ew.flush()
}

// mdEscape keeps text literal in Markdown: the characters that would end
// a table cell or start emphasis, code or HTML are escaped, and a line
// break becomes a space.
var mdEscape = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", "[", `\[`, "]", `\]`, "\n", " ", "\r", " ",
).Replace

// appendMDEscaped is mdEscape appended, for a cell.
func appendMDEscaped(dst, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '\\', '|', '*', '_', '`', '[', ']':
			dst = append(dst, '\\', c)
		case '<':
			dst = append(dst, "&lt;"...)
		case '\n', '\r':
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
