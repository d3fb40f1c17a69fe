package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Dot writes the report as a Graphviz graph (dot -Tsvg draws it): a box
// per layer labelled with its name, type, output shape and parameters,
// an ellipse per model input, and an edge per tensor labelled with its
// shape. Nodes are named L0, L1, … in the rows' order (I0, … for the
// model's inputs), so the text is stable whatever the layer names hold.
func Dot(w io.Writer, r *stats.Report) error {
	if err := HoldsRows("dot", r); err != nil {
		return err
	}
	ew := newWriter(w)
	name := r.Model.Name
	if name == "" {
		name = r.Model.Path
	}
	ew.str("digraph ", dotQuote(name), " {\n")
	ew.str("  graph [rankdir=TB, fontname=\"Helvetica\", label=", dotQuote(dotTitle(r)), ", labelloc=t];\n")
	ew.str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6fa\", fontname=\"Helvetica\", fontsize=11];\n")
	ew.str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#667085\"];\n")
	for k, in := range r.Model.Inputs {
		ew.str("  I", strconv.Itoa(k), " [shape=ellipse, fillcolor=\"#e8f3e8\", label=",
			dotQuote(in.Name+"\ninput\n"+ShapeLabel(in.Shape)), "];\n")
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		ew.str("  L", strconv.Itoa(i), " [label=", dotQuote(nodeLabel(l)), "];\n")
		ew.spill()
	}
	for _, e := range Edges(r) {
		from := "L" + strconv.Itoa(e.From)
		if k, ok := e.FromInput(); ok {
			from = "I" + strconv.Itoa(k)
		}
		ew.str("  ", from, " -> L", strconv.Itoa(e.To), " [label=", dotQuote(ShapeLabel(e.Shape)), "];\n")
		ew.spill()
	}
	ew.str("}\n")
	return ew.flush()
}

// nodeLabel is a layer's label in the drawn graphs, one line each: name,
// type, output shape, parameters.
func nodeLabel(l *stats.Layer) string {
	return l.Name + "\n" + l.Type + "\n" + OutputLabel(l) + "\nparams " + ParamsLabel(l)
}

// dotTitle is the graph's caption: the file, its format and the totals.
func dotTitle(r *stats.Report) string {
	s := r.Model.Path + " (" + r.Model.Format + "): params "
	if r.Totals.ParamsUnknown {
		s += "?"
	} else {
		s += Thousands(r.Totals.Params)
	}
	return s + ", FLOPs " + flopsText(r.Totals.FLOPs)
}

// dotQuote is s as a DOT quoted string: quotes and backslashes escaped
// (a backslash would otherwise start an escape such as \N or \l), a line
// break as \n (centred lines), other control characters dropped.
func dotQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < ' ' || c == 0x7f:
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
