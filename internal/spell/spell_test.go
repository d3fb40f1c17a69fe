package spell

import "testing"

func TestNearest(t *testing.T) {
	cands := []string{"Conv2DLayer", "DenseLayer", "MaxPool2DLayer", "InputLayer", "num_filters", "filter_size"}
	for _, c := range []struct{ in, want string }{
		{"Conv2dLayer", "Conv2DLayer"},
		{"Conv2DLayr", "Conv2DLayer"},
		{"DenseLyaer", "DenseLayer"},
		{"num_filter", "num_filters"},
		{"filtersize", "filter_size"},
		{"Banana", ""},
		{"x", ""},
	} {
		if got := Nearest(c.in, cands); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
