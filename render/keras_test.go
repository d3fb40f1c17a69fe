package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

func kshape(dims ...int64) *stats.Shape {
	s := stats.Shape{}
	for _, d := range dims {
		if d < 0 {
			s = append(s, graph.Unknown())
		} else {
			s = append(s, graph.D(d))
		}
	}
	return &s
}

// TestKerasSummaryLayout: the layout written out by hand from Keras's
// print_summary (tf.keras 2.x layer_utils.py): a Sequential model in
// columns ending at 29, 55 and 65 (its positions .45, .85, 1 of 65
// characters), each field cut to its column with the column's last
// character a space; a functional model in 32, 53, 65, 98 with
// Connected to, one line per input.
func TestKerasSummaryLayout(t *testing.T) {
	seq := &stats.Report{Model: stats.Model{Format: "keras", Name: "seq"},
		Layers: []stats.Layer{
			{Name: "a_very_long_layer_name_indeed", Type: "Conv2D", OutputShapes: []*stats.Shape{kshape(-1, 26, 26, 32)}, Params: 320,
				Tensors: []stats.Tensor{{Name: "a_very_long_layer_name_indeed"}}, Inputs: []string{"seq_input"}},
			{Name: "dense", Type: "Dense", OutputShapes: []*stats.Shape{kshape(-1, 10)}, Params: 1234567,
				Tensors: []stats.Tensor{{Name: "dense"}}, Inputs: []string{"a_very_long_layer_name_indeed"}},
		},
		Totals: stats.Totals{Params: 1234887, TrainableParams: 1234887},
	}
	want := `Model: "seq"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
a_very_long_layer_name_indee (None, 26, 26, 32)        320       
_________________________________________________________________
dense (Dense)                (None, 10)                1234567   
=================================================================
Total params: 1,234,887
Trainable params: 1,234,887
Non-trainable params: 0
_________________________________________________________________
`
	var buf bytes.Buffer
	if err := KerasSummary(&buf, seq, Options{}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	fn := &stats.Report{Model: stats.Model{Format: "keras", Name: "f"},
		Layers: []stats.Layer{
			{Name: "x", Type: "InputLayer", OutputShapes: []*stats.Shape{kshape(-1, 4)}, Tensors: []stats.Tensor{{Name: "x"}}},
			{Name: "d", Type: "Dense", OutputShapes: []*stats.Shape{kshape(-1, 2), kshape(-1, 2)}, Params: 10,
				Tensors: []stats.Tensor{{Name: "d"}, {Name: "d[1]"}}, Inputs: []string{"x", "x"}},
			{Name: "s", Type: "Add", OutputShapes: []*stats.Shape{kshape(-1, 2)}, ParamsUnknown: true,
				Tensors: []stats.Tensor{{Name: "s"}}, Inputs: []string{"d", "d[1]"}},
		},
		Totals: stats.Totals{ParamsUnknown: true},
		Notes:  []string{"n"},
	}
	want = `Model: "f"
` + strings.Repeat("_", 98) + `
Layer (type)                    Output Shape         Param #     Connected to                     
` + strings.Repeat("=", 98) + `
x (InputLayer)                  [(None, 4)]          0                                            
` + strings.Repeat("_", 98) + `
d (Dense)                       multiple             10          x[0][0]                          
                                                                 x[0][0]                          
` + strings.Repeat("_", 98) + `
s (Add)                         (None, 2)            ?           d[0][0]                          
                                                                 d[1][0]                          
` + strings.Repeat("=", 98) + `
Total params: ?
Trainable params: ?
Non-trainable params: ?
` + strings.Repeat("_", 98) + `
note: n
`
	buf.Reset()
	if err := KerasSummary(&buf, fn, Options{}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
