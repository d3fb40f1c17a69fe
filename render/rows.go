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
// renderers write it: columns and one row per layer. A renderer asks
// LayerRows for its columns by key (or picks them later with Select).
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

// column is a column and how a layer's cell in it is made.
type column struct {
	Column
	cell func(i int, l stats.Layer) Cell
}

// columns are every column of the report's rows.
func columns(r *stats.Report, modules bool) []column {
	idx := column{colIndex, func(i int, _ stats.Layer) Cell { return same(strconv.Itoa(i)) }}
	name := column{colName, func(_ int, l stats.Layer) Cell { return same(l.Name) }}
	par := column{colParams, func(_ int, l stats.Layer) Cell { return params(l) }}
	tr := column{colTrainable, func(_ int, l stats.Layer) Cell { return count(l.TrainableParams) }}
	ntr := column{colNonTrainable, func(_ int, l stats.Layer) Cell { return count(l.NonTrainableParams) }}
	if modules {
		name.Column = colModule
		return []column{idx, name,
			{colTensors, func(_ int, l stats.Layer) Cell { return same(tensorsText(l)) }},
			par, tr, ntr,
			{colBytes, func(_ int, l stats.Layer) Cell { return count(ownBytes(l)) }}}
	}
	cs := []column{idx, name,
		{colType, func(_ int, l stats.Layer) Cell { return same(l.Type) }},
		{colOutput, func(_ int, l stats.Layer) Cell { return shapesCell(l.OutputShapes) }},
		par, tr, ntr,
		{colFLOPs, func(_ int, l stats.Layer) Cell { return maybe(l.FLOPs) }}}
	if r.Totals.OtherOps != nil {
		cs = append(cs, column{colOtherOps, func(_ int, l stats.Layer) Cell { return maybe(l.OtherOps) }})
	}
	return cs
}

// LayerRows is the report's layers as rows with the columns of the given
// keys, in that order (keys the report has no column for are left out),
// or, without keys, every column: index, name, type, output shapes,
// params (trainable and not), FLOPs and, for an ONNX report, other ops;
// for a checkpoint, index, module, tensors, params and bytes. Only the
// cells of the asked columns are made.
func LayerRows(r *stats.Report, keys ...string) Rows {
	t := Rows{Modules: weightsOnly(r)}
	all := columns(r, t.Modules)
	cs := all
	if len(keys) > 0 {
		cs = nil
		for _, k := range keys {
			for _, c := range all {
				if c.Key == k {
					cs = append(cs, c)
					break
				}
			}
		}
	}
	for _, c := range cs {
		t.Columns = append(t.Columns, c.Column)
	}
	t.Rows = make([]Row, len(r.Layers))
	cells := make([]Cell, len(r.Layers)*len(cs)) // one allocation for every row
	for i, l := range r.Layers {
		row := cells[i*len(cs) : (i+1)*len(cs) : (i+1)*len(cs)]
		for j, c := range cs {
			row[j] = c.cell(i, l)
		}
		t.Rows[i] = row
	}
	return t
}

// tensorsText lists a checkpoint module's tensors: the last part of the
// name, shape, element type, and where a shared one is counted.
func tensorsText(l stats.Layer) string {
	ts := make([]string, len(l.Weights))
	for i, w := range l.Weights {
		ts[i] = w.Name[strings.LastIndexByte(w.Name, '.')+1:] + " " + dimsText(w.Shape) + " " + w.DType
		if w.SharedWith != "" {
			ts[i] += " (shared with " + w.SharedWith + ")"
		}
	}
	return strings.Join(ts, ", ")
}

// ownBytes are the stored bytes of the tensors a module counts (not the
// shared ones).
func ownBytes(l stats.Layer) int64 {
	var b int64
	for _, w := range l.Weights {
		if w.SharedWith == "" {
			b += w.Bytes
		}
	}
	return b
}

// shapesCell is the output shapes joined by ", ": in the text an open
// leading axis is N (the table's note says so), in the plain form "?".
func shapesCell(shapes []*stats.Shape) Cell {
	if len(shapes) == 1 {
		return shapeCell(shapes[0])
	}
	text := make([]string, len(shapes))
	plain := make([]string, len(shapes))
	for j, s := range shapes {
		c := shapeCell(s)
		text[j], plain[j] = c.Text, c.Plain
	}
	return Cell{strings.Join(text, ", "), strings.Join(plain, ", ")}
}

func shapeCell(s *stats.Shape) Cell {
	text := shapeText(s)
	if s != nil && len(*s) > 0 && !(*s)[0].Known() && (*s)[0].Name == "" {
		return Cell{text, plainShape(s)} // differ only in an open leading axis
	}
	return same(text)
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

func count(n int64) Cell {
	p := strconv.FormatInt(n, 10)
	if n > -1000 && n < 1000 {
		return same(p) // no separator to add
	}
	return Cell{Thousands(n), p}
}

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
