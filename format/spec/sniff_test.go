package spec

import (
	"os"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	spec := `{"name": "x", "input": [null, 4], "layers": [{"name": "a", "type": "dense", "units": 3}]}`
	cases := []struct {
		name, head string
		want       bool
	}{
		{"model.yaml", "layers: []\n", true},
		{"model.YML", "anything", true},
		{"keras.yaml", "class_name: Sequential\nconfig:\n  layers: []\n", false},
		{"model.json", spec, true},
		{"model.json", "\ufeff  \n" + spec, true},
		{"<stdin>", spec, true},
		{"<stdin>", "# my net\ninput: [null, 4]\nlayers:\n  - {type: dense, units: 3}\n", true},
		{"<stdin>", "input: [null, 4]\nlayers:\n  - name: a\n    type: dense\n", true},
		{"spec", spec[:strings.Index(spec, "dense")], true}, // cut short after the first layer's type
		{"model.json", `{"class_name": "Sequential", "config": {"layers": [{"type": "x"}]}}`, false},
		{"config.json", `{"model_type": "bert", "layers": [{"type": "x"}]}`, false},
		{"config.json", `{"architectures": ["X"], "num_hidden_layers": 12}`, false},
		{"model.json", `{"layers": [{"class_name": "Dense"}]}`, false},
		{"model.json", `{"layers": 12}`, false},
		{"model.json", `[1, 2]`, false},
		{"model.json", ``, false},
		{"<stdin>", "import lasagne\nlayers = []\n", false},
		{"model.py", "layers:\n  - type: dense\n", false},
		{"model.onnx", "\x08\x07\x12", false},
	}
	for _, c := range cases {
		if got := Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("Sniff(%q, %.40q) = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// The Keras reference JSON is not a spec.
func TestSniffKerasReference(t *testing.T) {
	data, err := os.ReadFile(reference(t, "keras/mnist_lasagne_cnn.json"))
	if err != nil {
		t.Fatal(err)
	}
	if Sniff("mnist_lasagne_cnn.json", data[:min(len(data), 4096)]) {
		t.Error("Sniff takes a Keras model for a spec")
	}
}
