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

// colID says which value a column holds (appendCell).
type colID uint8

const (
	cIndex colID = iota
	cName
	cType
	cOutput
	cTensors
	cParams
	cTrainable
	cNonTrainable
	cFLOPs
	cOtherOps
	cBytes
)

// column is a column and which value its cells hold.
type column struct {
	Column
	id colID
}

// columns are every column of the report's rows.
func columns(r *stats.Report, modules bool) []column {
	idx, name := column{colIndex, cIndex}, column{colName, cName}
	par, tr, ntr := column{colParams, cParams}, column{colTrainable, cTrainable}, column{colNonTrainable, cNonTrainable}
	if modules {
		name.Column = colModule
		return []column{idx, name, {colTensors, cTensors}, par, tr, ntr, {colBytes, cBytes}}
	}
	cs := []column{idx, name, {colType, cType}, {colOutput, cOutput}, par, tr, ntr, {colFLOPs, cFLOPs}}
	if r.Totals.OtherOps != nil {
		cs = append(cs, column{colOtherOps, cOtherOps})
	}
	return cs
}

// pick is the columns of the given keys, in that order (keys with no
// column are left out); every column without keys.
func pick(all []column, keys ...string) []column {
	if len(keys) == 0 {
		return all
	}
	var cs []column
	for _, k := range keys {
		for _, c := range all {
			if c.Key == k {
				cs = append(cs, c)
				break
			}
		}
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
	cs := pick(columns(r, t.Modules), keys...)
	for _, c := range cs {
		t.Columns = append(t.Columns, c.Column)
	}
	t.Rows = make([]Row, r.NumLayers())
	cells := make([]Cell, len(t.Rows)*len(cs)) // one allocation for every row
	var buf []byte
	for i, l := range r.AllLayers() {
		row := cells[i*len(cs) : (i+1)*len(cs) : (i+1)*len(cs)]
		for j, c := range cs {
			buf = appendCell(buf[:0], c.id, i, l, false)
			text := string(buf)
			n := len(buf)
			if buf = appendCell(buf, c.id, i, l, true); string(buf[n:]) == text {
				row[j] = same(text)
			} else {
				row[j] = Cell{text, string(buf[n:])}
			}
		}
		t.Rows[i] = row
	}
	return t
}

// appendCell appends the cell of layer i in a column: as people read it
// (217,706; "0 (shared)"; N for an open leading axis), or, plain, as
// programs read it (217706; 0; ?). Both are "?" where the report does
// not know the value.
func appendCell(dst []byte, id colID, i int, l *stats.Layer, plain bool) []byte {
	switch id {
	case cIndex:
		return strconv.AppendInt(dst, int64(i), 10)
	case cName:
		return append(dst, l.Name...)
	case cType:
		return append(dst, l.Type...)
	case cOutput:
		// The output shapes joined by ", ": in the text an open
		// leading axis is N (the table's note says so), plain "?".
		for j, s := range l.OutputShapes {
			if j > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendShape(dst, s, plain)
		}
		return dst
	case cTensors:
		return appendTensors(dst, l)
	case cParams, cTrainable, cNonTrainable, cBytes:
		if l.ParamsUnknown {
			return appendMaybe(dst, nil, plain)
		}
	}
	switch id {
	case cParams:
		if !plain && l.Params == 0 && sharedOnly(l) {
			return append(dst, "0 (shared)"...) // every weight it uses is counted at another layer
		}
		return appendCount(dst, l.Params, plain)
	case cTrainable:
		return appendCount(dst, l.TrainableParams, plain)
	case cNonTrainable:
		return appendCount(dst, l.NonTrainableParams, plain)
	case cFLOPs:
		return appendMaybe(dst, l.FLOPs, plain)
	case cOtherOps:
		return appendMaybe(dst, l.OtherOps, plain)
	case cBytes:
		return appendCount(dst, ownBytes(l), plain)
	}
	return dst
}

// appendTensors lists a checkpoint module's tensors: the last part of
// the name, shape, element type, and where a shared one is counted.
func appendTensors(dst []byte, l *stats.Layer) []byte {
	for i := range l.Weights {
		w := &l.Weights[i]
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, w.Name[strings.LastIndexByte(w.Name, '.')+1:]...)
		dst = append(dst, ' ')
		dst = appendDims(dst, w.Shape, false)
		dst = append(dst, ' ')
		dst = append(dst, w.DType...)
		if w.SharedWith != "" {
			dst = append(dst, " (shared with "...)
			dst = append(dst, w.SharedWith...)
			dst = append(dst, ')')
		}
	}
	return dst
}

// appendCount is a count: with thousands separators, or plain digits.
func appendCount(dst []byte, n int64, plain bool) []byte {
	if plain {
		return strconv.AppendInt(dst, n, 10)
	}
	return appendThousands(dst, n)
}

// appendMaybe is a count that may be unknown ("?").
func appendMaybe(dst []byte, n *int64, plain bool) []byte {
	if n == nil {
		return append(dst, '?')
	}
	return appendCount(dst, *n, plain)
}

// appendThousands is Thousands appended: 217706 → 217,706.
func appendThousands(dst []byte, n int64) []byte {
	a := len(dst)
	dst = strconv.AppendInt(dst, n, 10)
	digits := len(dst) - a
	if n < 0 {
		digits--
	}
	commas := (digits - 1) / 3
	if commas == 0 {
		return dst
	}
	// Spread the digits out from the right, a comma every three.
	for range commas {
		dst = append(dst, 0)
	}
	src, out := len(dst)-commas-1, len(dst)-1
	for k := 0; k < digits; k++ {
		if k > 0 && k%3 == 0 {
			dst[out] = ','
			out--
		}
		dst[out] = dst[src]
		src--
		out--
	}
	return dst
}

// appendShape is a shape for a cell: dims joined by "x", "scalar" for a
// scalar, "?" when even the rank is unknown; named dims by their names;
// an unknown anonymous dim "?", except a leading one in the text, N (the
// batch size, which the table's header note explains).
func appendShape(dst []byte, s *stats.Shape, plain bool) []byte {
	if s == nil {
		return append(dst, '?')
	}
	return appendDims(dst, *s, plain)
}

func appendDims(dst []byte, s stats.Shape, plain bool) []byte {
	if len(s) == 0 {
		return append(dst, "scalar"...)
	}
	for i, d := range s {
		if i > 0 {
			dst = append(dst, 'x')
		}
		switch {
		case d.Known():
			dst = strconv.AppendInt(dst, d.Size, 10)
		case d.Name != "":
			dst = append(dst, d.Name...)
		case i == 0 && !plain:
			dst = append(dst, 'N')
		default:
			dst = append(dst, '?')
		}
	}
	return dst
}

// ownBytes are the stored bytes of the tensors a module counts (not the
// shared ones).
func ownBytes(l *stats.Layer) int64 {
	var b int64
	for _, w := range l.Weights {
		if w.SharedWith == "" {
			b += w.Bytes
		}
	}
	return b
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
