package render

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// Edge is one tensor flowing into a layer: from the layer that produces
// it, or from one of the model's inputs (Report.Model.Inputs), which no
// row produces. The graph renderers (Dot, Mermaid, and the web page)
// draw the report's layers as nodes and these as the edges between them.
type Edge struct {
	// From is the index of the producing layer, or, for the model's
	// input k, -1-k (InputIndex gives k back).
	From int
	// To is the index of the layer that reads the tensor.
	To int
	// Tensor is the tensor's name as the reading layer's Inputs spell it.
	Tensor string
	// Shape is the tensor's shape, nil when unknown.
	Shape *stats.Shape
}

// FromInput says whether the edge comes from a model input, and which.
func (e Edge) FromInput() (k int, ok bool) {
	if e.From >= 0 {
		return 0, false
	}
	return -1 - e.From, true
}

// Edges are the report's edges, in the order of the layers that read
// them and, within a layer, of its Inputs. A layer input names a tensor
// (Layer.Tensors, Model.Inputs) or, in a report that has no tensor names
// (read from the JSON of a format whose inputs name layers), a layer,
// whose first output it then is. An input produced by nothing the report
// has (an ONNX initializer, a constant) makes no edge.
func Edges(r *stats.Report) []Edge {
	type src struct {
		from  int
		shape *stats.Shape
	}
	by := make(map[string]src, len(r.Layers)+len(r.Model.Inputs))
	for k, in := range r.Model.Inputs {
		by[in.Name] = src{-1 - k, in.Shape}
	}
	for i := range r.Layers {
		l := &r.Layers[i]
		for j, t := range l.Tensors {
			by[t.Name] = src{i, t.Shape}
			if j < len(l.Outputs) && l.Outputs[j] != t.Name {
				by[l.Outputs[j]] = src{i, t.Shape}
			}
		}
		for j, o := range l.Outputs {
			if _, ok := by[o]; !ok && j < len(l.OutputShapes) {
				by[o] = src{i, l.OutputShapes[j]}
			}
		}
	}
	// Layer names, for inputs that name layers: only where no tensor
	// has the name.
	for i := range r.Layers {
		l := &r.Layers[i]
		if _, ok := by[l.Name]; ok {
			continue
		}
		var shape *stats.Shape
		if len(l.OutputShapes) > 0 {
			shape = l.OutputShapes[0]
		}
		by[l.Name] = src{i, shape}
	}
	var edges []Edge
	for i := range r.Layers {
		for _, in := range r.Layers[i].Inputs {
			s, ok := by[in]
			if !ok || s.from == i {
				continue
			}
			edges = append(edges, Edge{From: s.from, To: i, Tensor: in, Shape: s.shape})
		}
	}
	return edges
}

// ShapeLabel is a shape as the table writes it (Nx32x12x12; "?" when even
// the rank is unknown): an edge's label.
func ShapeLabel(s *stats.Shape) string { return shapeText(s) }

// ParamsLabel is a layer's parameter count as the table writes it:
// 217,706, "?" when unknown.
func ParamsLabel(l *stats.Layer) string {
	return string(appendCell(nil, cParams, 0, l, false))
}

// OutputLabel is a layer's output shapes as the table writes them.
func OutputLabel(l *stats.Layer) string {
	return string(appendCell(nil, cOutput, 0, l, false))
}

// LayerExplanation is layer i's part of Explain's text: its heading
// (index, name, type, inputs, source position), the output shapes and
// how each size was derived, the parameters' arithmetic and tensors, the
// notes and the FLOPs' arithmetic. It is empty for a report built
// without its arithmetic.
func LayerExplanation(r *stats.Report, i int) string {
	if r.NoArithmetic || i < 0 || i >= len(r.Layers) {
		return ""
	}
	b := appendExplained(nil, i, &r.Layers[i])
	if len(b) > 0 && b[0] == '\n' {
		b = b[1:]
	}
	return string(b)
}

// Summary is the text a table has around its rows, for a renderer that
// draws the rows itself (the web page): the header note on symbolic axes
// ("N is the batch size …", empty when none) and the footer — the
// totals, the framework's own figure, the notes, and a transformer's
// memory and per-token FLOPs section — exactly as TableWith writes them
// with opt.
func Summary(r *stats.Report, opt Options) (note, footer string) {
	var b strings.Builder
	ew := newWriter(&b)
	totals(ew, r, opt)
	transformerSection(ew, r, false, opt)
	ew.flush()
	return axesNote(r), b.String()
}

// HoldsRows is nil for a report that holds its rows, an error for one
// built with stats.Options.LazyRows, which the graph renderers (Dot,
// Mermaid, the web page) cannot draw: they read every row's inputs before
// they write the first edge.
func HoldsRows(what string, r *stats.Report) error {
	if r.LazyRows() {
		return fmt.Errorf("%s: the report was built with LazyRows and holds no rows: build it without to draw its graph", what)
	}
	return nil
}
