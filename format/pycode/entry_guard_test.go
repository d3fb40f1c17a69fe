package pycode

import "testing"

// TestEntrySkipsMainGuard: with --entry the script is imported, not run,
// so its if __name__ == '__main__': block (which would load data and
// build the model from it) does not run; the entry builds it. Lasagne's
// own 2015 examples have this shape.
func TestEntrySkipsMainGuard(t *testing.T) {
	src := header + `
import numpy as np

def load_dataset():
    data = np.load('mnist.npz')
    return data['X'], data['y']

def build_model(input_width, input_height, output_dim):
    l = InputLayer((None, 1, input_width, input_height))
    l = DenseLayer(l, num_units=output_dim)
    return l

def main():
    X, y = load_dataset()
    net = build_model(X.shape[2], X.shape[3], 10)

if __name__ == '__main__':
    main()
`
	r, err := decodeAsFound(t, "mnist_dense.py", src, Options{Entry: "build_model(28, 28, 10)"})
	if err != nil {
		t.Fatal(err)
	}
	// Dense on 1*28*28 inputs: (784+1)*10.
	if want := int64((1*28*28 + 1) * 10); r.Totals.Params != want {
		t.Errorf("total %d, want %d", r.Totals.Params, want)
	}
}
