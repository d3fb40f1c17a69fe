package render

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
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
func shapeText(s *stats.Shape) string { return string(appendShape(nil, s, false)) }

// pyShape is a shape as Python prints it: (None, 32, 24, 24).
func pyShape(s *stats.Shape) string {
	if s == nil {
		return "(unknown)"
	}
	return string(appendPyDims(nil, *s))
}

func appendPyDims(dst []byte, s stats.Shape) []byte {
	dst = append(dst, '(')
	for i, d := range s {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		switch {
		case d.Known():
			dst = strconv.AppendInt(dst, d.Size, 10)
		case d.Name != "":
			dst = append(dst, d.Name...)
		default:
			dst = append(dst, "None"...)
		}
	}
	if len(s) == 1 {
		dst = append(dst, ',')
	}
	return append(dst, ')')
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
//
// It makes no string per cell: a first pass sizes the columns from each
// cell formatted into a reused buffer, a second formats them again into
// the line it writes; the whole output goes through one buffer.
func TableWith(w io.Writer, r *stats.Report, opt Options) error {
	modules := weightsOnly(r)
	cs := pick(columns(r, modules), tableKeys(modules)...)
	t := table{width: make([]int, len(cs)), right: make([]bool, len(cs))}
	for k, c := range cs {
		t.width[k], t.right[k] = runeLen(c.Title), c.Right
	}
	var cell []byte
	var ax axes // the header's note, in the same pass
	for i, l := range r.AllLayers() {
		for k, c := range cs {
			n, made := cellWidth(cell[:0], c.id, i, l)
			if made != nil {
				cell = made
			}
			t.width[k] = max(t.width[k], n)
		}
		ax.add(l)
	}
	narrow(t.width, t.right, opt.Width)
	ew := newWriter(w)
	ew.printf("%s (%s)\n", r.Model.Path, r.Model.Format)
	if note := ax.note(); note != "" {
		ew.printf("%s\n", note)
	}
	ew.printf("\n")
	for k, c := range cs {
		t.cell(k, []byte(c.Title))
	}
	t.endLine(ew)
	for k := range cs {
		t.cell(k, bytes.Repeat([]byte("-"), t.width[k]))
	}
	t.endLine(ew)
	for i, l := range r.AllLayers() {
		for k, c := range cs {
			t.layerCell(k, c.id, i, l)
		}
		t.endLine(ew)
	}
	ew.printf("\n")
	totals(ew, r, opt)
	transformerSection(ew, r, false, opt)
	return ew.flush()
}

// table lays out lines of cells: columns of the given widths, two
// spaces apart, numbers (right) aligned right, text left and cut with
// "…" to its column's width; no trailing spaces.
type table struct {
	width     []int
	right     []bool
	line, cut []byte
}

func (t *table) cell(k int, c []byte) {
	n := cellLen(c)
	if n > t.width[k] {
		t.cut = cutCell(append(t.cut[:0], c...), t.width[k])
		c, n = t.cut, t.width[k]
	}
	pad := t.width[k] - n
	if k > 0 {
		t.line = append(t.line, ' ', ' ')
	}
	switch {
	case t.right[k]:
		t.line = appendSpaces(t.line, pad)
		t.line = append(t.line, c...)
	case k == len(t.width)-1:
		t.line = append(t.line, c...)
	default:
		t.line = append(t.line, c...)
		t.line = appendSpaces(t.line, pad)
	}
}

// layerCell is cell with layer i's cell in column k, written straight
// into the line unless it must be cut.
func (t *table) layerCell(k int, id colID, i int, l *stats.Layer) {
	n, text := cellWidth(t.cut[:0], id, i, l)
	if n > t.width[k] {
		if text == nil {
			text = appendCell(t.cut[:0], id, i, l, false)
		}
		t.cut = text
		t.cell(k, text)
		return
	}
	pad := t.width[k] - n
	if k > 0 {
		t.line = append(t.line, ' ', ' ')
	}
	if t.right[k] {
		t.line = appendSpaces(t.line, pad)
	}
	if text != nil {
		t.line = append(t.line, text...)
		t.cut = text
	} else {
		t.line = appendCell(t.line, id, i, l, false)
	}
	if !t.right[k] && k < len(t.width)-1 {
		t.line = appendSpaces(t.line, pad)
	}
}

func (t *table) endLine(ew *errWriter) {
	t.line = append(bytes.TrimRight(t.line, " "), '\n')
	ew.write(t.line)
	t.line = t.line[:0]
}

// narrow, while the table is wider than limit (when positive), narrows
// the widest text column (never a right-aligned number) down to a floor
// of 8.
func narrow(width []int, right []bool, limit int) {
	if limit <= 0 {
		return
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
			return
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

// cutCell shortens c, in place, to n characters, the last of them "…"
// (c is longer).
func cutCell(c []byte, n int) []byte {
	k := 0
	for i := 0; i < n-1; i++ {
		_, size := utf8.DecodeRune(c[k:])
		k += size
	}
	return append(c[:k], "…"...)
}

// cellWidth is the width of appendCell's text of a cell, worked out
// without writing it where that is simple (names, counts); otherwise the
// text is appended to buf and returned too (nil when not made).
func cellWidth(buf []byte, id colID, i int, l *stats.Layer) (int, []byte) {
	switch id {
	case cIndex:
		return countLen(int64(i)), nil
	case cName:
		return strLen(l.Name), nil
	case cType:
		return strLen(l.Type), nil
	case cParams, cTrainable, cNonTrainable:
		if l.ParamsUnknown {
			return 1, nil
		}
	}
	switch id {
	case cParams:
		if l.Params == 0 && sharedOnly(l) {
			return len("0 (shared)"), nil
		}
		return thousandsLen(l.Params), nil
	case cTrainable:
		return thousandsLen(l.TrainableParams), nil
	case cNonTrainable:
		return thousandsLen(l.NonTrainableParams), nil
	case cFLOPs, cOtherOps:
		v := l.FLOPs
		if id == cOtherOps {
			v = l.OtherOps
		}
		if v == nil {
			return 1, nil
		}
		return thousandsLen(*v), nil
	case cBytes:
		return thousandsLen(ownBytes(l)), nil
	}
	buf = appendCell(buf, id, i, l, false)
	return cellLen(buf), buf
}

// countLen is the number of characters of n in digits (and sign).
func countLen(n int64) int {
	k := 1
	if n < 0 {
		k++
		if n == math.MinInt64 {
			return 20
		}
		n = -n
	}
	for ; n >= 10; n /= 10 {
		k++
	}
	return k
}

// thousandsLen is the number of characters of Thousands(n).
func thousandsLen(n int64) int {
	k := countLen(n)
	digits := k
	if n < 0 {
		digits--
	}
	return k + (digits-1)/3
}

// strLen is the width of a string: its characters.
func strLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}

// cellLen is the width of a cell: its characters.
func cellLen(c []byte) int {
	for _, b := range c {
		if b >= utf8.RuneSelf {
			return utf8.RuneCount(c)
		}
	}
	return len(c)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func appendSpaces(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

// axesNote says, under the table's title, what the sizes the model leaves
// open stand for: N for an anonymous batch axis, and named dims.
func axesNote(r *stats.Report) string {
	var a axes
	for _, l := range r.AllLayers() {
		a.add(l)
	}
	return a.note()
}

// axes collects, row by row, what axesNote says.
type axes struct {
	anon  bool
	named []string
	seen  map[string]bool
}

func (a *axes) add(l *stats.Layer) {
	for _, s := range l.OutputShapes {
		if s == nil {
			continue
		}
		for i, d := range *s {
			switch {
			case d.Known():
			case d.Name != "":
				if !a.seen[d.Name] {
					if a.seen == nil {
						a.seen = map[string]bool{}
					}
					a.seen[d.Name] = true
					a.named = append(a.named, d.Name)
				}
			case i == 0:
				a.anon = true
			}
		}
	}
}

func (a *axes) note() string {
	var parts []string
	if a.anon {
		parts = append(parts, "N is the batch size (None: the model leaves it open)")
	}
	named := a.named
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
	for _, l := range r.AllLayers() {
		if len(l.OutputShapes) > 0 {
			return false
		}
	}
	return r.NumLayers() > 0
}

func sharedOnly(l *stats.Layer) bool {
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
	if t.ParamsUnknown {
		values = []string{"?", "?", "?"}
	}
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
	for _, l := range r.AllLayers() {
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

// errWriter is the text renderers' output: what they print collects in
// a buffer written out by chunks (not a write per line to an unbuffered
// writer); the first write error stops the rest and is returned by
// flush.
type errWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// writerChunk is how much text is written out at a time.
const writerChunk = 32 << 10

func newWriter(w io.Writer) *errWriter {
	return &errWriter{w: w, buf: make([]byte, 0, writerChunk+writerChunk/4)}
}

func (e *errWriter) printf(format string, args ...any) {
	e.buf = fmt.Appendf(e.buf, format, args...)
	e.spill()
}

func (e *errWriter) write(p []byte) {
	e.buf = append(e.buf, p...)
	e.spill()
}

// str writes strings; one longer than a chunk (a total's arithmetic
// over every row) goes to w as it is, not through the buffer.
func (e *errWriter) str(ss ...string) {
	for _, s := range ss {
		if len(s) < writerChunk {
			e.buf = append(e.buf, s...)
			continue
		}
		if e.flush() == nil {
			_, e.err = io.WriteString(e.w, s)
		}
	}
	e.spill()
}

func (e *errWriter) spill() {
	if len(e.buf) >= writerChunk {
		e.flush()
	}
}

// flush writes out what is buffered; the first error.
func (e *errWriter) flush() error {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
	return e.err
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
