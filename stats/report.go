package stats

import (
	"iter"

	"github.com/layerinfo/layerinfo/graph"
)

// SchemaVersion is the version of the JSON report.
const SchemaVersion = 1

// Report is the whole analysis of one model.
type Report struct {
	SchemaVersion int      `json:"schema_version"`
	Model         Model    `json:"model"`
	Layers        []Layer  `json:"layers"`
	Totals        Totals   `json:"totals"`
	Notes         []string `json:"notes,omitempty"`
	// Asks are the values only the caller can give that would complete
	// the report (graph.Ask), after the notes.
	Asks []Ask `json:"asks,omitempty"`
	// Transformer is the memory and per-token FLOPs section of a
	// transformer read from its configuration (nil otherwise).
	Transformer *Transformer `json:"transformer,omitempty"`
	// Memory is the memory estimate (package memory) when asked for: a
	// top-level "memory" object and each row's activation_bytes and
	// saved_bytes.
	Memory *Memory `json:"memory,omitempty"`
	// NoArithmetic is true for a report built without its arithmetic
	// (Options.NoArithmetic): every Explain text is empty, not missing
	// arithmetic to print, and the renderers that print arithmetic
	// (render.Explain, render.JSON) refuse the report. It is not part
	// of the JSON.
	NoArithmetic bool `json:"-"`

	// lazy, for a report built with Options.LazyRows, is what AllLayers
	// makes the rows from (Layers is nil).
	lazy *lazyRows
}

// LazyRows reports whether the report was built with Options.LazyRows:
// Layers is nil and AllLayers makes the rows as it reaches them.
func (r *Report) LazyRows() bool { return r.lazy != nil }

// NumLayers is the number of rows: len(Layers), or the rows a lazy
// report makes.
func (r *Report) NumLayers() int {
	if r.lazy != nil {
		return len(r.lazy.g.Nodes)
	}
	return len(r.Layers)
}

// AllLayers yields each row with its index, in order: &Layers[i], or,
// for a report built with Options.LazyRows, the row made from its node
// as it is reached, in one Layer that the next row reuses (with its
// slices): a caller keeps what it needs of a row, not the row.
func (r *Report) AllLayers() iter.Seq2[int, *Layer] { return r.rows(false) }

// rows is AllLayers; with numbers, a lazy report's rows are made
// without their text (position, arithmetic), for a total.
func (r *Report) rows(numbers bool) iter.Seq2[int, *Layer] {
	if r.lazy != nil {
		return func(yield func(int, *Layer) bool) {
			b := &builder{g: r.lazy.g, opt: r.lazy.opt, bytes: map[string]int64{}, noText: numbers}
			b.rowByRow(yield)
		}
	}
	return func(yield func(int, *Layer) bool) {
		for i := range r.Layers {
			if !yield(i, &r.Layers[i]) {
				return
			}
		}
	}
}

// Model says what was read.
type Model struct {
	Path   string  `json:"path"`
	Format string  `json:"format"`
	Name   string  `json:"name,omitempty"`
	Prints *Prints `json:"framework_prints,omitempty"`
	// Inputs are the tensors fed from outside that no row produces: an
	// ONNX graph's inputs, a transformer's token ids. Formats whose input
	// is a layer of its own (Lasagne's InputLayer, a spec's input) have
	// none here: the input is the first row.
	Inputs []Tensor `json:"inputs,omitempty"`
}

// Ask is a value only the caller can give that would complete the
// report: what it gives in words, the option that takes it (as the
// command line spells its flag: "input-shape") and the value to write
// ("x=…"; "" when the option alone says it).
type Ask struct {
	What   string `json:"what"`
	Option string `json:"option"`
	Value  string `json:"value,omitempty"`
}

// Prints is the figure the framework itself would print as its summary.
type Prints struct {
	Label string `json:"label"` // how the framework words it
	Which string `json:"which"` // "trainable_params" or "params"
	Value int64  `json:"value"`
}

// Layer is one row: a layer or operator.
type Layer struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Inputs []string `json:"inputs"`
	// OutputShapes has one entry per output: nil when even the rank of
	// that output is unknown (JSON null), an empty Shape for a scalar
	// (JSON []). The slice itself is nil for a row that computes nothing
	// (a checkpoint's module, JSON null).
	OutputShapes       []*Shape `json:"output_shapes"`
	Params             int64    `json:"params"`
	TrainableParams    int64    `json:"trainable_params"`
	NonTrainableParams int64    `json:"non_trainable_params"`
	// Buffers is the elements of the layer's buffers (PyTorch's
	// register_buffer), which params does not count; 0 in formats without.
	Buffers int64 `json:"buffers,omitempty"`
	// ParamsUnknown says that the layer's parameters cannot be known
	// (graph.Node.Uncounted: a layer of a class layerinfo does not know,
	// or one whose weights depend on a shape that is unknown): Params,
	// TrainableParams and NonTrainableParams are 0 and mean nothing; the
	// JSON writes them null and the text "?".
	ParamsUnknown bool     `json:"-"`
	FLOPs         *int64   `json:"flops"`
	Explain       Explain  `json:"explain"`
	Weights       []Weight `json:"weights,omitempty"`
	Notes         []string `json:"notes,omitempty"`
	Position      string   `json:"position,omitempty"`
	// Op is the operator (ONNX op_type, domain-qualified when not the
	// default domain) and Outputs the names of the tensors it produces,
	// for formats whose nodes are operators on named tensors.
	Op      string   `json:"op,omitempty"`
	Outputs []string `json:"outputs,omitempty"`
	// OtherOps is ONNX's count of the arithmetic FLOPs leave out: one
	// per output element of an elementwise op, a few per element of a
	// normalization or softmax, one per window element of pooling (the
	// README's "ONNX models" section has the table). Only the ONNX
	// operators define it; for every other format, and for an ONNX
	// operator that defines no such count, it is nil and absent from the
	// JSON — nil means "not counted", not zero.
	OtherOps *int64 `json:"other_ops,omitempty"`

	// Tensors are the layer's outputs, one per entry of OutputShapes and
	// in the same order, for every format: the tensor's name in the
	// graph (what other layers' Inputs name), its shape and its element
	// type ("" when unknown). Renderers draw edges with them and a diff
	// matches layers by them. They are not written to the JSON, whose
	// schema already has the shapes (output_shapes) and, for operator
	// formats, the names (outputs); a report read from JSON has them
	// from those two fields, without element types.
	Tensors []Tensor `json:"-"`
}

// Tensor is a tensor flowing between layers: a layer's output or a
// model's input.
type Tensor struct {
	Name  string `json:"name"`
	Shape *Shape `json:"shape"`           // nil (JSON null) when the rank is unknown
	DType string `json:"dtype,omitempty"` // numpy's name ("float32"), "" when unknown
}

// Explain is the arithmetic behind a row's numbers, values substituted.
type Explain struct {
	OutputShape string `json:"output_shape"`
	Params      string `json:"params"`
	FLOPs       string `json:"flops,omitempty"`
	// OtherOps is the arithmetic of Layer.OtherOps (ONNX only).
	OtherOps string `json:"other_ops,omitempty"`
}

// Weight is one parameter tensor a layer uses.
type Weight struct {
	Name       string `json:"name"`
	Shape      Shape  `json:"shape"`
	DType      string `json:"dtype,omitempty"`
	Params     int64  `json:"params"`
	Trainable  bool   `json:"trainable"`
	Buffer     bool   `json:"buffer,omitempty"`      // a buffer, counted in buffers
	Bytes      int64  `json:"bytes,omitempty"`       // stored size
	SharedWith string `json:"shared_with,omitempty"` // the layer where it is counted, when not this one
}

// Totals sums the rows. Shared parameters count once.
type Totals struct {
	Params             int64 `json:"params"`
	TrainableParams    int64 `json:"trainable_params"`
	NonTrainableParams int64 `json:"non_trainable_params"`
	// Buffers sums the rows' buffers (PyTorch), apart from params.
	Buffers int64  `json:"buffers,omitempty"`
	FLOPs   *int64 `json:"flops"`
	// ParamBytes is the stored size of the parameters; nil when some
	// tensor's element type has no fixed size (strings).
	ParamBytes        *int64           `json:"param_bytes"`
	ParamBytesByDType map[string]int64 `json:"param_bytes_by_dtype,omitempty"`
	Explain           TotalsExplain    `json:"explain"`
	// FLOPsLowerBound is the sum over the layers whose FLOPs are known,
	// given when some are not (and flops is null).
	FLOPsLowerBound *int64 `json:"flops_lower_bound,omitempty"`
	// ParamsUnknown says that some layer's parameters are unknown
	// (Layer.ParamsUnknown), so the totals of parameters are too: the
	// JSON writes params, trainable_params and non_trainable_params null
	// and ParamsLowerBound has what the other layers add up to; the text
	// writes "?".
	ParamsUnknown    bool   `json:"-"`
	ParamsLowerBound *int64 `json:"params_lower_bound,omitempty"`
	// OtherOps sums the layers' OtherOps (ONNX's count, see
	// Layer.OtherOps), when some layer has one.
	OtherOps *int64 `json:"other_ops,omitempty"`
}

// TotalsExplain shows how the totals add up.
type TotalsExplain struct {
	Params   string `json:"params"`
	FLOPs    string `json:"flops,omitempty"`
	OtherOps string `json:"other_ops,omitempty"`
}

// Shape is a shape of known rank in the report: each dim an integer, null
// when unknown, or a string for a named symbolic dim. An empty Shape is a
// scalar; where even the rank may be unknown the report holds a *Shape,
// nil when unknown.
type Shape []graph.Dim

// ShapeOf is the report's form of a graph shape: nil when the rank is
// unknown (a nil graph.Shape), otherwise the dims (empty for a scalar).
func ShapeOf(s graph.Shape) *Shape {
	if s == nil {
		return nil
	}
	r := make(Shape, len(s))
	copy(r, s)
	return &r
}

// Dims is the shape as a graph.Shape: nil when s is nil (rank unknown).
func (s *Shape) Dims() graph.Shape {
	if s == nil {
		return nil
	}
	return graph.Shape(*s)
}
