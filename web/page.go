package web

import (
	_ "embed"
	"encoding/json"
	"io"
	"strings"

	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

var (
	//go:embed assets/page.html
	pageHTML string
	//go:embed assets/style.css
	styleCSS string
	//go:embed assets/app.js
	appJS string
	//go:embed assets/vendor/dagre.min.js
	dagreJS string
)

// PageOptions tune WritePage.
type PageOptions struct {
	// Option words an option by its name where the report asks for a
	// value ("--input-shape" on the command line); nil is "the NAME
	// option", as render.Options.Option.
	Option func(name string) string
	// served is set by the handler: the page then shows the path box
	// and takes dropped files.
	served bool
}

// pageData is what the page's script draws: the report as the table and
// --explain word it, and the graph's edges.
type pageData struct {
	Model   stats.Model `json:"model"`
	Note    string      `json:"note,omitempty"`   // what symbolic axes stand for
	Footer  string      `json:"footer"`           // totals, notes, transformer section, as the table prints them
	Columns []column    `json:"columns"`          // the table's columns
	Layers  []pageLayer `json:"layers"`           // one per row, in the report's order
	Inputs  []pageInput `json:"inputs,omitempty"` // the model's inputs no row produces
	Edges   [][3]any    `json:"edges"`            // [from, to, shape label]: from -1-k for input k
	Totals  pageTotals  `json:"totals"`
	// NoArithmetic: the report has no arithmetic text to show.
	NoArithmetic bool          `json:"noArithmetic,omitempty"`
	Served       bool          `json:"served,omitempty"`
	MaxUpload    int64         `json:"maxUpload,omitempty"`
	Error        *errorPayload `json:"error,omitempty"`
}

// pageTotals are the table's total row: the report's totals as the
// table writes them ("?" when unknown).
type pageTotals struct {
	Params   string `json:"params"`
	FLOPs    string `json:"flops"`
	OtherOps string `json:"other_ops,omitempty"`
}

type column struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Right bool   `json:"right,omitempty"`
}

type pageLayer struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Out     string   `json:"out"`    // output shapes as the table writes them
	Params  string   `json:"params"` // 217,706; ? when unknown
	Cells   []string `json:"cells"`  // the table's cells
	Plain   []string `json:"plain"`  // the same, plain (217706, ?): what sorting compares
	Explain string   `json:"explain,omitempty"`
}

type pageInput struct {
	Name  string `json:"name"`
	Shape string `json:"shape"`
}

// errorPayload is an error the page shows in place of a model: the
// message as the command line prints it (position first), and, for a
// text file, the line it points at.
type errorPayload struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Source  string `json:"source,omitempty"` // the line at Line
}

// tableKeys are the page table's columns.
var tableKeys = []string{"index", "name", "type", "output_shapes", "tensors", "params", "flops", "other_ops", "bytes"}

func newPageData(r *stats.Report, opt PageOptions) *pageData {
	d := &pageData{Model: r.Model, Served: opt.served, NoArithmetic: r.NoArithmetic}
	d.Totals.Params = "?"
	if !r.Totals.ParamsUnknown {
		d.Totals.Params = render.Thousands(r.Totals.Params)
	}
	d.Totals.FLOPs = countText(r.Totals.FLOPs)
	if r.Totals.OtherOps != nil {
		d.Totals.OtherOps = countText(r.Totals.OtherOps)
	}
	d.Model.Prints = nil
	d.Model.Inputs = nil
	d.Note, d.Footer = render.Summary(r, render.Options{Option: opt.Option})
	rows := render.LayerRows(r, tableKeys...)
	for _, c := range rows.Columns {
		d.Columns = append(d.Columns, column{c.Key, c.Title, c.Right})
	}
	d.Layers = make([]pageLayer, len(r.Layers))
	for i := range r.Layers {
		l := &r.Layers[i]
		pl := pageLayer{
			Name:    l.Name,
			Type:    l.Type,
			Out:     render.OutputLabel(l),
			Params:  render.ParamsLabel(l),
			Cells:   make([]string, len(rows.Columns)),
			Plain:   make([]string, len(rows.Columns)),
			Explain: render.LayerExplanation(r, i),
		}
		for j, c := range rows.Rows[i] {
			pl.Cells[j], pl.Plain[j] = c.Text, c.Plain
		}
		if rows.Modules { // a checkpoint's module: its tensors in place of an output
			pl.Type = "module"
			for j, c := range rows.Columns {
				if c.Key == "tensors" {
					pl.Out = pl.Cells[j]
				}
			}
		}
		d.Layers[i] = pl
	}
	for _, in := range r.Model.Inputs {
		d.Inputs = append(d.Inputs, pageInput{in.Name, render.ShapeLabel(in.Shape)})
	}
	d.Edges = [][3]any{}
	for _, e := range render.Edges(r) {
		d.Edges = append(d.Edges, [3]any{e.From, e.To, render.ShapeLabel(e.Shape)})
	}
	return d
}

// WritePage writes the report as one self-contained HTML page (see the
// package comment). The report should carry its arithmetic (built
// without stats.Options.NoArithmetic): a layer's explanation is what a
// click shows; and it must hold its rows (not built with LazyRows).
func WritePage(w io.Writer, r *stats.Report, opt PageOptions) error {
	if err := render.HoldsRows("html", r); err != nil {
		return err
	}
	return writePage(w, newPageData(r, opt))
}

// writePage fills the page's template: the title, the style, the
// scripts and the data. The data is JSON inside a script element of its
// own type, with <, > and & escaped (encoding/json's default), so no
// text of the report can end the element.
func writePage(w io.Writer, d *pageData) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	title := "layerinfo"
	if d.Model.Path != "" {
		title = d.Model.Path + " — layerinfo"
	}
	page := strings.NewReplacer(
		"{{title}}", htmlEscape(title),
		"{{style}}", styleCSS,
		"{{dagre}}", dagreJS,
		"{{app}}", appJS,
		"{{data}}", string(data),
	).Replace(pageHTML)
	_, err = io.WriteString(w, page)
	return err
}

func countText(n *int64) string {
	if n == nil {
		return "?"
	}
	return render.Thousands(*n)
}

var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace
