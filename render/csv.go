package render

import (
	"encoding/csv"
	"io"

	"github.com/layerinfo/layerinfo/stats"
)

// CSV writes one line per layer after a header line of column keys
// (index, name, type, output_shapes, params, trainable_params,
// non_trainable_params, flops, and other_ops for an ONNX report; for a
// checkpoint module, tensors and bytes instead of type, shapes and
// FLOPs). Numbers are plain digits, an unknown one is "?"; there are no
// totals.
func CSV(w io.Writer, r *stats.Report) error {
	rows := LayerRows(r)
	cw := csv.NewWriter(w)
	head := make([]string, len(rows.Columns))
	for i, c := range rows.Columns {
		head[i] = c.Key
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range rows.Rows {
		line := make([]string, len(row))
		for i, c := range row {
			line[i] = c.Plain
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
