package render

import (
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/layerinfo/layerinfo/stats"
)

// CSV writes one line per layer after a header line of column keys
// (index, name, type, output_shapes, params, trainable_params,
// non_trainable_params, flops, and other_ops for an ONNX report; for a
// checkpoint module, tensors and bytes instead of type, shapes and
// FLOPs). Numbers are plain digits, an unknown one is "?"; there are no
// totals. Fields are quoted as encoding/csv quotes them.
func CSV(w io.Writer, r *stats.Report) error {
	cs := columns(r, weightsOnly(r))
	ew := newWriter(w)
	for k, c := range cs {
		if k > 0 {
			ew.buf = append(ew.buf, ',')
		}
		ew.buf = appendCSVField(ew.buf, []byte(c.Key))
	}
	ew.buf = append(ew.buf, '\n')
	var cell []byte
	for i := range r.Layers {
		l := &r.Layers[i]
		for k, c := range cs {
			if k > 0 {
				ew.buf = append(ew.buf, ',')
			}
			cell = appendCell(cell[:0], c.id, i, l, true)
			ew.buf = appendCSVField(ew.buf, cell)
		}
		ew.buf = append(ew.buf, '\n')
		ew.spill()
	}
	return ew.flush()
}

// appendCSVField appends a field as encoding/csv's Writer writes it with
// its defaults (comma, LF): in double quotes, quotes doubled, when it
// holds a comma, a quote, CR or LF, begins with a space character or is
// `\.`; as it is otherwise.
func appendCSVField(dst, f []byte) []byte {
	quote := string(f) == `\.`
	for _, c := range f {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			quote = true
			break
		}
	}
	if !quote && len(f) > 0 {
		r, _ := utf8.DecodeRune(f)
		quote = unicode.IsSpace(r)
	}
	if !quote {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for _, c := range f {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
