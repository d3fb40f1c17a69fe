package caffe

import (
	"testing"
)

// TestSqueezeNetExample: examples/caffe_squeezenet_v1.1.prototxt, written
// for the examples from SqueezeNet v1.1's layout, against figures known
// apart from this code: torchvision's squeezenet1_1 has 1,235,496
// parameters, and the pooled sizes follow Caffe's ceil rule by hand.
func TestSqueezeNetExample(t *testing.T) {
	const path = "../../examples/caffe_squeezenet_v1.1.prototxt"
	// TEST: 224 -> conv1 (224-3)/2+1 = 111 -> pool1 ceil((111-3)/2)+1 = 55
	// -> pool3 ceil((55-3)/2)+1 = 27 -> pool5 ceil((27-3)/2)+1 = 13.
	g, r := analyse(t, path, Options{})
	if r.Totals.Params != 1235496 || r.Totals.TrainableParams != 1235496 {
		t.Errorf("params %d (trainable %d), torchvision 1,235,496", r.Totals.Params, r.Totals.TrainableParams)
	}
	for name, want := range map[string]string{"conv1": "[1 64 111 111]", "pool1": "[1 64 55 55]", "pool3": "[1 128 27 27]",
		"pool5": "[1 256 13 13]", "fire9/concat": "[1 512 13 13]", "pool10": "[1 1000 1 1]", "prob": "[1 1000 1 1]"} {
		if got := dims(node(g, name).Outputs[0].Shape); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	// TRAIN at 227 (the Data layer's crop): conv1 (227-3)/2+1 = 113 ->
	// pool1 ceil(110/2)+1 = 56 -> pool3 ceil(53/2)+1 = 28 -> pool5
	// ceil(25/2)+1 = 14; the loss is a 0-axis blob.
	g, r = analyse(t, path, Options{Phase: "TRAIN", InputShapes: map[string][]int64{"data": {32, 3, 227, 227}}})
	if r.Totals.Params != 1235496 {
		t.Errorf("TRAIN params %d", r.Totals.Params)
	}
	for name, want := range map[string]string{"conv1": "[32 64 113 113]", "pool1": "[32 64 56 56]", "pool3": "[32 128 28 28]",
		"pool5": "[32 256 14 14]", "pool10": "[32 1000 1 1]", "loss": "[]"} {
		if got := dims(node(g, name).Outputs[0].Shape); got != want {
			t.Errorf("TRAIN %s: %s, want %s", name, got, want)
		}
	}
	if got := dims(g.Nodes[0].Outputs[1].Shape); got != "[32]" {
		t.Errorf("label %s, want [32]", got)
	}
}
