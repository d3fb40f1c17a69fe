package caffe

import (
	"testing"

	"github.com/layerinfo/layerinfo/format"
)

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       format.Sure
	}{
		{"deploy.prototxt", "name: \"x\"\nlayer {\n  name: \"data\"", format.Certain},
		{"net.txt", "name: \"x\"\nlayers {\n  name: \"data\"", format.Likely},
		{"deploy.prototxt", "name: \"x\"\ninput: \"data\"\ninput_dim: 1\n", format.Certain},
		{"<stdin>", "input: \"data\"\ninput_shape { dim: 1 }\n", format.Likely},
		{"solver.prototxt", "net: \"train_val.prototxt\"\nbase_lr: 0.01\n", format.Likely},
		// A YAML spec and a TensorFlow text graph are not Caffe's.
		{"tiny.yaml", "name: tiny\ninput: [1, 6, 6]\nlayers:\n  - conv: {filters: 4}\n", format.No},
		{"graph.pbtxt", "node {\n  name: \"a\"\n  input: \"b\"\n}\n", format.No},
		{"model.caffemodel", "\x0a\x05LeNet", format.Certain},
		{"model.onnx", "\x08\x07\x12\x07pytorch", format.No},
	} {
		if got := (Format{}).Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("%s %q: %v, want %v", c.name, c.head, got, c.want)
		}
	}
}
