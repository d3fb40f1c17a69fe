package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Mermaid writes the report as a Mermaid flowchart (`graph TD`), which
// GitHub draws inside a ```mermaid block: a node per layer labelled with
// its name, type, output shape and parameters, a rounded node per model
// input, an edge per tensor labelled with its shape. Nodes are named L0,
// L1, … (I0, … for inputs); every label is quoted with Mermaid's entity
// codes for the characters that would end or change it, so any layer
// name is drawn as it is.
func Mermaid(w io.Writer, r *stats.Report) error {
	if err := HoldsRows("mermaid", r); err != nil {
		return err
	}
	ew := newWriter(w)
	ew.str("graph TD\n")
	for k, in := range r.Model.Inputs {
		ew.str("  I", strconv.Itoa(k), "([\"", mermaidText(in.Name), "<br/>input<br/>",
			mermaidText(ShapeLabel(in.Shape)), "\"])\n")
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		ew.str("  L", strconv.Itoa(i), "[\"", mermaidText(l.Name), "<br/>", mermaidText(l.Type), "<br/>",
			mermaidText(OutputLabel(l)), "<br/>params ", mermaidText(ParamsLabel(l)), "\"]\n")
		ew.spill()
	}
	for _, e := range Edges(r) {
		from := "L" + strconv.Itoa(e.From)
		if k, ok := e.FromInput(); ok {
			from = "I" + strconv.Itoa(k)
		}
		ew.str("  ", from, " -->|\"", mermaidText(ShapeLabel(e.Shape)), "\"| L", strconv.Itoa(e.To), "\n")
		ew.spill()
	}
	return ew.flush()
}

// mermaidText escapes text inside a quoted Mermaid label with its entity
// codes (#quot; #35; …): a quote would end the label, # starts an entity,
// < > & would be read as HTML, a backtick would start a Markdown string,
// and | would end an edge label; a line break becomes a space.
var mermaidText = strings.NewReplacer(
	`"`, "#quot;", "#", "#35;", "<", "#lt;", ">", "#gt;", "&", "#amp;",
	"`", "#96;", "|", "#124;", "\n", " ", "\r", " ",
).Replace
