package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// FrameworkSummary writes the report in its framework's own summary layout where
// layerinfo has one — a Keras model's as Keras's model.summary() prints
// it — and as the table otherwise. The numbers are the report's; only
// the layout is the framework's.
func FrameworkSummary(w io.Writer, r *stats.Report, opt Options) error {
	if HasSummary(r) {
		return KerasSummary(w, r, opt)
	}
	return TableWith(w, r, opt)
}

// HasSummary says whether the report's format has a summary layout of
// its own (FrameworkSummary): Keras models.
func HasSummary(r *stats.Report) bool { return r.Model.Format == "keras" }

// KerasSummary writes a Keras model's report as tf.keras 2's
// model.summary() prints it (keras/utils/layer_utils.py print_summary):
// "Model: name", the rows "name (Class)", Output Shape as Python prints
// the shape (None for the batch), Param #, and for a functional model
// that is not a chain the Connected to column ("layer[node][tensor]",
// one line per input); rows separated by lines of "_", fields cut to
// their column; then Total, Trainable and Non-trainable params with
// thousands separators. A count layerinfo cannot know is "?". The
// report's notes follow, as in the table.
func KerasSummary(w io.Writer, r *stats.Report, opt Options) error {
	ew := newWriter(w)
	chain := kerasChain(r)
	var lineLength int
	var positions []int
	titles := []string{"Layer (type)", "Output Shape", "Param #"}
	if chain {
		lineLength, positions = 65, []int{29, 55, 65} // [.45, .85, 1] of 65
	} else {
		lineLength, positions = 98, []int{32, 53, 65, 98} // [.33, .55, .67, 1] of 98
		titles = append(titles, "Connected to")
	}
	// Every tensor as Keras names it in a connection: layer[node][tensor].
	refs := map[string]string{}
	calls := make([]int, len(r.Layers))
	for _, l := range r.Layers {
		for _, t := range l.Tensors {
			node, tensor := kerasTensorIndex(t.Name)
			refs[t.Name] = l.Name + "[" + strconv.Itoa(node) + "][" + strconv.Itoa(tensor) + "]"
		}
	}
	for i, l := range r.Layers {
		for _, t := range l.Tensors {
			node, _ := kerasTensorIndex(t.Name)
			calls[i] = max(calls[i], node+1)
		}
	}
	name := r.Model.Name
	if name == "" {
		name = "model"
	}
	ew.str("Model: \"", name, "\"\n")
	rule := func(c string) { ew.str(strings.Repeat(c, lineLength), "\n") }
	rule("_")
	row := func(fields []string) { ew.str(kerasRow(fields, positions), "\n") }
	row(titles)
	rule("=")
	for i := range r.Layers {
		l := &r.Layers[i]
		fields := []string{l.Name + " (" + l.Type + ")", kerasShape(l, calls[i], !chain), kerasParams(l)}
		var conns []string
		if !chain {
			for _, in := range l.Inputs {
				if ref, ok := refs[in]; ok {
					conns = append(conns, ref)
				} else {
					conns = append(conns, in)
				}
			}
			first := ""
			if len(conns) > 0 {
				first = conns[0]
			}
			fields = append(fields, first)
		}
		row(fields)
		for _, c := range conns[min(1, len(conns)):] {
			row([]string{"", "", "", c})
		}
		if i == len(r.Layers)-1 {
			rule("=")
		} else {
			rule("_")
		}
	}
	if len(r.Layers) == 0 {
		rule("=")
	}
	t := r.Totals
	count := func(n int64) string {
		if t.ParamsUnknown {
			return "?"
		}
		return Thousands(n)
	}
	ew.str("Total params: ", count(t.Params), "\n")
	ew.str("Trainable params: ", count(t.TrainableParams), "\n")
	ew.str("Non-trainable params: ", count(t.NonTrainableParams), "\n")
	rule("_")
	for _, n := range r.Notes {
		ew.str("note: ", n, "\n")
	}
	for _, a := range askLines(r, opt) {
		ew.str("note: ", a, "\n")
	}
	return ew.flush()
}

// kerasRow is print_row: each field written from the previous column's
// end (whose last character gives way to a space), cut to its column,
// padded to it.
func kerasRow(fields []string, positions []int) string {
	var line []rune
	for i, f := range fields {
		if i > 0 && len(line) > 0 {
			line[len(line)-1] = ' '
		}
		line = append(line, []rune(f)...)
		if len(line) > positions[i] {
			line = line[:positions[i]]
		}
		for len(line) < positions[i] {
			line = append(line, ' ')
		}
	}
	return string(line)
}

// kerasTensorIndex reads the call (node) and output index of a Keras
// tensor's name in the graph: "conv" (0, 0), "lstm:1" (0, 1),
// "dense[1]" (1, 0), "dense[1]:2" (1, 2).
func kerasTensorIndex(name string) (node, tensor int) {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil {
			tensor, name = n, name[:i]
		}
	}
	if strings.HasSuffix(name, "]") {
		if i := strings.LastIndexByte(name, '['); i >= 0 {
			if n, err := strconv.Atoi(name[i+1 : len(name)-1]); err == nil {
				node = n
			}
		}
	}
	return node, tensor
}

// kerasShape is a row's Output Shape as Keras prints it: the tuple, a
// list of them for several outputs (and for a functional model's
// InputLayer, as tf.keras shows it), "multiple" for a layer called more
// than once.
func kerasShape(l *stats.Layer, calls int, functional bool) string {
	if calls > 1 {
		return "multiple"
	}
	if len(l.OutputShapes) == 1 && !(functional && l.Type == "InputLayer") {
		if l.OutputShapes[0] == nil {
			return "?"
		}
		return pyShape(l.OutputShapes[0])
	}
	parts := make([]string, len(l.OutputShapes))
	for i, s := range l.OutputShapes {
		if s == nil {
			parts[i] = "?"
		} else {
			parts[i] = pyShape(s)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func kerasParams(l *stats.Layer) string {
	if l.ParamsUnknown {
		return "?"
	}
	return strconv.FormatInt(l.Params, 10)
}

// kerasChain says whether model.summary() lays the model out as a
// Sequential's, without Connected to: a Sequential model (no InputLayer
// row), or a functional one that is a chain, each layer called once on
// the one output of the layer before it.
func kerasChain(r *stats.Report) bool {
	functional := false
	for _, l := range r.Layers {
		functional = functional || l.Type == "InputLayer"
	}
	if !functional {
		return true
	}
	for i, l := range r.Layers {
		if len(l.Tensors) != 1 {
			return false
		}
		if i == 0 {
			if len(l.Inputs) != 0 {
				return false
			}
			continue
		}
		if len(l.Inputs) != 1 || l.Inputs[0] != r.Layers[i-1].Tensors[0].Name {
			return false
		}
	}
	return true
}
