package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// ErrNoArithmetic is returned (wrapped) by the renderers that print
// arithmetic (JSON, Explain) given a report built without it
// (stats.Options.NoArithmetic): they would print blanks where the
// arithmetic goes.
var ErrNoArithmetic = errors.New("the report was built without its arithmetic (NoArithmetic); analyse the model again with it")

// JSON writes the report as indented JSON (schema_version 1): exactly
// the bytes of encoding/json's Encoder with two-space indentation — the
// same field order, escaping (HTML characters, invalid UTF-8, U+2028 and
// U+2029), null for nil and [] for empty — but streamed row by row
// without reflection, so that its cost follows the report's size. Only
// the transformer section (a few lines, with floats) goes through
// encoding/json.
func JSON(w io.Writer, r *stats.Report) error {
	if r.NoArithmetic {
		return fmt.Errorf("JSON: %w", ErrNoArithmetic)
	}
	// encoding/json writes nothing when a value fails (a NaN float, in
	// the transformer section): marshal that part before writing.
	var transformer []byte
	if r.Transformer != nil {
		var err error
		if transformer, err = json.MarshalIndent(r.Transformer, "  ", "  "); err != nil {
			return err
		}
	}
	var memory []byte
	if r.Memory != nil {
		var err error
		if memory, err = json.MarshalIndent(r.Memory, "  ", "  "); err != nil {
			return err
		}
	}
	j := &jsonWriter{w: w, buf: make([]byte, 0, jsonChunk+jsonChunk/2)}
	if r.Memory != nil && len(r.Memory.Layers) > 0 {
		j.mem = r.Memory
	}
	j.begin('{')
	j.key("schema_version")
	j.int(int64(r.SchemaVersion))
	j.key("model")
	j.model(&r.Model)
	j.key("layers")
	if r.Layers == nil && !r.LazyRows() {
		j.null()
	} else {
		j.begin('[')
		for i, l := range r.AllLayers() {
			j.elem()
			j.row = i
			j.layer(l)
			if j.flush(); j.err != nil {
				return j.err
			}
		}
		j.end(']')
	}
	j.key("totals")
	j.totals(&r.Totals)
	if len(r.Notes) > 0 {
		j.key("notes")
		j.strs(r.Notes)
	}
	if len(r.Asks) > 0 {
		j.key("asks")
		j.begin('[')
		for _, a := range r.Asks {
			j.elem()
			j.begin('{')
			j.field("what", a.What)
			j.field("option", a.Option)
			j.fieldOmit("value", a.Value)
			j.end('}')
		}
		j.end(']')
	}
	if transformer != nil {
		j.key("transformer")
		j.buf = append(j.buf, transformer...)
	}
	if memory != nil {
		j.key("memory")
		j.buf = append(j.buf, memory...)
	}
	j.end('}')
	j.buf = append(j.buf, '\n')
	j.flushAll()
	return j.err
}

// jsonChunk is how much JSON is written to w at a time.
const jsonChunk = 32 << 10

// jsonWriter appends indented JSON to buf, writing it out by chunks.
// Within an object or array, first says that no member has been written
// yet: a member starts with a comma unless it is the first, then a new
// line indented to depth; a container closed with no member is {} or [].
type jsonWriter struct {
	w     io.Writer
	buf   []byte
	err   error
	depth int
	first bool
	// mem, when set, adds each row's activation_bytes and saved_bytes
	// (row is the row's index).
	mem *stats.Memory
	row int
}

// indent is a new line and enough two-space levels for any report.
var indent = "\n" + string(slices.Repeat([]byte(" "), 2*32))

func (j *jsonWriter) flush() {
	if len(j.buf) >= jsonChunk {
		j.flushAll()
	}
}

func (j *jsonWriter) flushAll() {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
	}
	j.buf = j.buf[:0]
}

func (j *jsonWriter) newline() {
	if n := 1 + 2*j.depth; n <= len(indent) {
		j.buf = append(j.buf, indent[:n]...)
		return
	}
	j.buf = append(j.buf, '\n')
	for range j.depth {
		j.buf = append(j.buf, ' ', ' ')
	}
}

func (j *jsonWriter) begin(c byte) {
	j.buf = append(j.buf, c)
	j.depth++
	j.first = true
}

func (j *jsonWriter) end(c byte) {
	j.depth--
	if !j.first {
		j.newline()
	}
	j.buf = append(j.buf, c)
	j.first = false
}

// elem starts an array element.
func (j *jsonWriter) elem() {
	if !j.first {
		j.buf = append(j.buf, ',')
	}
	j.first = false
	j.newline()
}

// key starts an object member: "name": (names need no escaping).
func (j *jsonWriter) key(name string) {
	j.elem()
	j.buf = append(j.buf, '"')
	j.buf = append(j.buf, name...)
	j.buf = append(j.buf, '"', ':', ' ')
}

func (j *jsonWriter) null() { j.buf = append(j.buf, "null"...) }

// params writes the three parameter counts of a row or the totals, null
// when unknown (stats.Layer.ParamsUnknown, Totals.ParamsUnknown).
func (j *jsonWriter) params(unknown bool, params, trainable, nonTrainable int64) {
	for i, k := range [...]string{"params", "trainable_params", "non_trainable_params"} {
		j.key(k)
		switch {
		case unknown:
			j.null()
		default:
			j.int([...]int64{params, trainable, nonTrainable}[i])
		}
	}
}

func (j *jsonWriter) int(v int64) { j.buf = strconv.AppendInt(j.buf, v, 10) }

func (j *jsonWriter) intPtr(v *int64) {
	if v == nil {
		j.null()
		return
	}
	j.int(*v)
}

// str is a JSON string. A long one (a total's arithmetic over every
// row) is escaped and written a piece at a time, each ending before a
// byte that starts a character, so that it needs no buffer its size.
func (j *jsonWriter) str(s string) {
	if len(s) <= jsonChunk/4 {
		j.buf = appendJSONString(j.buf, s)
		return
	}
	j.buf = append(j.buf, '"')
	for len(s) > 0 {
		k := min(len(s), jsonChunk/2)
		for k < len(s) && k > 0 && s[k]&0xc0 == 0x80 {
			k--
		}
		if k == 0 {
			k = min(len(s), jsonChunk/2)
		}
		j.buf = appendJSONChars(j.buf, s[:k])
		s = s[k:]
		j.flush()
	}
	j.buf = append(j.buf, '"')
}

func (j *jsonWriter) field(name, s string) {
	j.key(name)
	j.str(s)
}

// fieldOmit is a string member with omitempty.
func (j *jsonWriter) fieldOmit(name, s string) {
	if s != "" {
		j.field(name, s)
	}
}

// strs is a []string: null when nil.
func (j *jsonWriter) strs(ss []string) {
	if ss == nil {
		j.null()
		return
	}
	j.begin('[')
	for _, s := range ss {
		j.elem()
		j.str(s)
	}
	j.end(']')
}

// dims is a Shape as its MarshalJSON writes it: a size, a name or null
// per dim; [] for a scalar and for nil.
func (j *jsonWriter) dims(s stats.Shape) {
	j.begin('[')
	for _, d := range s {
		j.elem()
		j.dim(d)
	}
	j.end(']')
}

func (j *jsonWriter) dim(d graph.Dim) {
	switch {
	case d.Known():
		j.int(d.Size)
	case d.Name != "":
		j.str(d.Name)
	default:
		j.null()
	}
}

// shape is a *Shape: null when the rank is unknown.
func (j *jsonWriter) shape(s *stats.Shape) {
	if s == nil {
		j.null()
		return
	}
	j.dims(*s)
}

func (j *jsonWriter) tensor(t *stats.Tensor) {
	j.begin('{')
	j.field("name", t.Name)
	j.key("shape")
	j.shape(t.Shape)
	j.fieldOmit("dtype", t.DType)
	j.end('}')
}

func (j *jsonWriter) model(m *stats.Model) {
	j.begin('{')
	j.field("path", m.Path)
	j.field("format", m.Format)
	j.fieldOmit("name", m.Name)
	if p := m.Prints; p != nil {
		j.key("framework_prints")
		j.begin('{')
		j.field("label", p.Label)
		j.field("which", p.Which)
		j.key("value")
		j.int(p.Value)
		j.end('}')
	}
	if len(m.Inputs) > 0 {
		j.key("inputs")
		j.begin('[')
		for i := range m.Inputs {
			j.elem()
			j.tensor(&m.Inputs[i])
		}
		j.end(']')
	}
	j.end('}')
}

func (j *jsonWriter) layer(l *stats.Layer) {
	j.begin('{')
	j.field("name", l.Name)
	j.field("type", l.Type)
	j.key("inputs")
	j.strs(l.Inputs)
	j.key("output_shapes")
	if l.OutputShapes == nil {
		j.null()
	} else {
		j.begin('[')
		for _, s := range l.OutputShapes {
			j.elem()
			j.shape(s)
		}
		j.end(']')
	}
	j.params(l.ParamsUnknown, l.Params, l.TrainableParams, l.NonTrainableParams)
	if l.Buffers != 0 {
		j.key("buffers")
		j.int(l.Buffers)
	}
	j.key("flops")
	j.intPtr(l.FLOPs)
	j.key("explain")
	j.begin('{')
	j.field("output_shape", l.Explain.OutputShape)
	j.field("params", l.Explain.Params)
	j.fieldOmit("flops", l.Explain.FLOPs)
	j.fieldOmit("other_ops", l.Explain.OtherOps)
	j.end('}')
	if len(l.Weights) > 0 {
		j.key("weights")
		j.begin('[')
		for i := range l.Weights {
			j.elem()
			j.weight(&l.Weights[i])
		}
		j.end(']')
	}
	if len(l.Notes) > 0 {
		j.key("notes")
		j.strs(l.Notes)
	}
	j.fieldOmit("position", l.Position)
	j.fieldOmit("op", l.Op)
	if len(l.Outputs) > 0 {
		j.key("outputs")
		j.strs(l.Outputs)
	}
	if l.OtherOps != nil {
		j.key("other_ops")
		j.int(*l.OtherOps)
	}
	if j.mem != nil {
		j.layerMemory(j.mem, j.row)
	}
	j.end('}')
}

func (j *jsonWriter) weight(w *stats.Weight) {
	j.begin('{')
	j.field("name", w.Name)
	j.key("shape")
	j.dims(w.Shape)
	j.fieldOmit("dtype", w.DType)
	j.key("params")
	j.int(w.Params)
	j.key("trainable")
	j.buf = strconv.AppendBool(j.buf, w.Trainable)
	if w.Buffer {
		j.key("buffer")
		j.buf = append(j.buf, "true"...)
	}
	if w.Bytes != 0 {
		j.key("bytes")
		j.int(w.Bytes)
	}
	j.fieldOmit("shared_with", w.SharedWith)
	j.end('}')
}

func (j *jsonWriter) totals(t *stats.Totals) {
	j.begin('{')
	j.params(t.ParamsUnknown, t.Params, t.TrainableParams, t.NonTrainableParams)
	if t.Buffers != 0 {
		j.key("buffers")
		j.int(t.Buffers)
	}
	j.key("flops")
	j.intPtr(t.FLOPs)
	j.key("param_bytes")
	j.intPtr(t.ParamBytes)
	if len(t.ParamBytesByDType) > 0 {
		j.key("param_bytes_by_dtype")
		j.begin('{')
		keys := make([]string, 0, len(t.ParamBytesByDType))
		for k := range t.ParamBytesByDType {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json's order of a map's keys
		for _, k := range keys {
			j.elem()
			j.str(k)
			j.buf = append(j.buf, ':', ' ')
			j.int(t.ParamBytesByDType[k])
		}
		j.end('}')
	}
	j.key("explain")
	j.begin('{')
	j.field("params", t.Explain.Params)
	j.fieldOmit("flops", t.Explain.FLOPs)
	j.fieldOmit("other_ops", t.Explain.OtherOps)
	j.end('}')
	if t.FLOPsLowerBound != nil {
		j.key("flops_lower_bound")
		j.int(*t.FLOPsLowerBound)
	}
	if t.ParamsLowerBound != nil {
		j.key("params_lower_bound")
		j.int(*t.ParamsLowerBound)
	}
	if t.OtherOps != nil {
		j.key("other_ops")
		j.int(*t.OtherOps)
	}
	j.end('}')
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are:
// encoding/json escapes control characters, the quote and backslash,
// and (as HTML-safe output) <, > and &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendJSONString appends s quoted as encoding/json quotes it: short
// escapes for \b \f \n \r \t, the quote and backslash; \u00XX for other
// control characters and <, >, &; \ufffd for each byte of invalid UTF-8;
// \u2028 and \u2029 (line and paragraph separators) escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s)
	return append(dst, '"')
}

// appendJSONChars is appendJSONString without the quotes.
func appendJSONChars(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
