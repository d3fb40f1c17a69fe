package render

import (
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Column is one column of a report's per-layer rows.
type Column struct {
	Key   string // what it holds, as the JSON report names it ("output_shapes", "flops"); the CSV header
	Title string // the heading of the text and Markdown tables ("output", "FLOPs")
	Right bool   // a number: right-aligned, never cut
}

// Cell is one value in its two spellings: Text as people read it
// (217,706; "0 (shared)"; Nx32x24x24 for an open batch axis, which the
// table's header note explains) and Plain as programs read it (217706;
// 0; ?x32x24x24). Both are "?" where the report does not know the value.
type Cell struct {
	Text, Plain string
}

// Row is one layer: a cell per column.
type Row []Cell

// Rows is the per-layer part of a report as the table, Markdown and CSV
// renderers write it: every column the report has and one row per layer.
// A renderer picks its columns with Select.
type Rows struct {
	// Modules is true for a checkpoint's report: stored tensors grouped
	// by module, nothing computed (no layer has outputs). Its columns are
	// then the module's tensors and their bytes instead of the type,
	// output shape and FLOPs.
	Modules bool
	Columns []Column
	Rows    []Row
}

// The columns, by key.
var (
	colIndex        = Column{"index", "#", true}
	colName         = Column{"name", "name", false}
	colModule       = Column{"name", "module", false}
	colType         = Column{"type", "type", false}
	colOutput       = Column{"output_shapes", "output", false}
	colTensors      = Column{"tensors", "tensors", false}
	colParams       = Column{"params", "params", true}
	colTrainable    = Column{"trainable_params", "trainable", true}
	colNonTrainable = Column{"non_trainable_params", "non-trainable", true}
	colFLOPs        = Column{"flops", "FLOPs", true}
	colOtherOps     = Column{"other_ops", "other ops", true}
	colBytes        = Column{"bytes", "bytes", true}
)

// tableKeys are the columns of the text and Markdown tables.
func tableKeys(modules bool) []string {
	if modules {
		return []string{"index", "name", "tensors", "params", "bytes"}
	}
	return []string{"index", "name", "type", "output_shapes", "params", "flops"}
}

// LayerRows is the report's layers as rows: index, name, type, output
// shapes, params (trainable and not), FLOPs and, for an ONNX report,
// other ops; for a checkpoint, index, module, tensors, params and bytes.
func LayerRows(r *stats.Report) Rows {
	t := Rows{Modules: weightsOnly(r)}
	if t.Modules {
		t.Columns = []Column{colIndex, colModule, colTensors, colParams, colTrainable, colNonTrainable, colBytes}
		for i, l := range r.Layers {
			var ts []string
			var b int64
			for _, w := range l.Weights {
				s := w.Name[strings.LastIndexByte(w.Name, '.')+1:] + " " + dimsText(w.Shape) + " " + w.DType
				if w.SharedWith != "" {
					s += " (shared with " + w.SharedWith + ")"
				}
				ts = append(ts, s)
				if w.SharedWith == "" {
					b += w.Bytes
				}
			}
			tensors := strings.Join(ts, ", ")
			t.Rows = append(t.Rows, Row{index(i), same(l.Name), same(tensors),
				params(l), count(l.TrainableParams), count(l.NonTrainableParams), count(b)})
		}
		return t
	}
	other := r.Totals.OtherOps != nil
	t.Columns = []Column{colIndex, colName, colType, colOutput, colParams, colTrainable, colNonTrainable, colFLOPs}
	if other {
		t.Columns = append(t.Columns, colOtherOps)
	}
	for i, l := range r.Layers {
		text := make([]string, len(l.OutputShapes))
		plain := make([]string, len(l.OutputShapes))
		for j, s := range l.OutputShapes {
			text[j], plain[j] = shapeText(s), plainShape(s)
		}
		row := Row{index(i), same(l.Name), same(l.Type), {strings.Join(text, ", "), strings.Join(plain, ", ")},
			params(l), count(l.TrainableParams), count(l.NonTrainableParams), maybe(l.FLOPs)}
		if other {
			row = append(row, maybe(l.OtherOps))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Select is the rows with the columns of the given keys, in that order;
// keys the rows do not have are left out.
func (t Rows) Select(keys ...string) Rows {
	var idx []int
	out := Rows{Modules: t.Modules}
	for _, k := range keys {
		for i, c := range t.Columns {
			if c.Key == k {
				idx = append(idx, i)
				out.Columns = append(out.Columns, c)
				break
			}
		}
	}
	for _, row := range t.Rows {
		r := make(Row, len(idx))
		for j, i := range idx {
			r[j] = row[i]
		}
		out.Rows = append(out.Rows, r)
	}
	return out
}

func same(s string) Cell { return Cell{s, s} }

func index(i int) Cell { return same(strconv.Itoa(i)) }

func count(n int64) Cell { return Cell{Thousands(n), strconv.FormatInt(n, 10)} }

// maybe is a count that may be unknown.
func maybe(n *int64) Cell {
	if n == nil {
		return same("?")
	}
	return count(*n)
}

// params is a layer's parameter count; "0 (shared)" in the text when
// every weight it uses is counted at another layer.
func params(l stats.Layer) Cell {
	c := count(l.Params)
	if l.Params == 0 && sharedOnly(l) {
		c.Text = "0 (shared)"
	}
	return c
}

// plainShape is a shape for programs: dims joined by "x", "?" for each
// unknown dim and for an unknown rank, names for named dims, "scalar"
// for a scalar.
func plainShape(s *stats.Shape) string {
	if s == nil {
		return "?"
	}
	if len(*s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(*s))
	for i, d := range *s {
		parts[i] = d.String()
		if !d.Known() && d.Name == "" {
			parts[i] = "?"
		}
	}
	return strings.Join(parts, "x")
}
