package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// The seed network: 217,706 parameters as nolearn prints them. By hand:
// conv 5x5 on 1 channel to 32, (5*5*1+1)*32; conv 3x3 32 to 32,
// (3*3*32+1)*32; 28→24→12→10→5, so 32*5*5 features into 256 units and
// 256 into 10.
const seedTotal = (5*5*1+1)*32 + (3*3*32+1)*32 + (32*5*5+1)*256 + (256+1)*10

func TestSeedTotal(t *testing.T) {
	if seedTotal != 217706 {
		t.Fatalf("the hand derivation gives %d", seedTotal)
	}
}

func TestExampleMNISTSeed(t *testing.T) {
	path, data := readExample(t, "mnist_seed.yaml")
	g := analyze(t, path, string(data))
	if tr, fx := totals(g); tr != seedTotal || fx != 0 {
		t.Errorf("totals %d + %d, want %d + 0", tr, fx, seedTotal)
	}
	want := map[string]graph.Shape{
		"input": shape(N, 1, 28, 28), "conv2d1": shape(N, 32, 24, 24), "maxpool1": shape(N, 32, 12, 12),
		"conv2d2": shape(N, 32, 10, 10), "maxpool2": shape(N, 32, 5, 5), "flatten": shape(N, 800),
		"dense": shape(N, 256), "output": shape(N, 10),
	}
	for name, s := range want {
		if got := node(t, g, name).Outputs[0].Shape; !got.Equal(s) {
			t.Errorf("%s: shape %s, want %s", name, got, s)
		}
	}
	// The seed's own expectations (batch axis omitted, channels first).
	var seed struct {
		Layers []struct {
			Name   string  `json:"name"`
			Shape  []int64 `json:"shape"`
			Params int64   `json:"params"`
		} `json:"layers"`
	}
	readJSON(t, reference(t, "seed/expected.json"), &seed)
	if len(seed.Layers) == 0 {
		t.Skip("seed/expected.json has no layers in the expected form")
	}
	var got []string
	for _, n := range g.Nodes {
		if n.Type == "flatten" {
			continue // Lasagne's DenseLayer flattens inside
		}
		tr, _ := own(n)
		got = append(got, fmt.Sprintf("%s %s %d", n.Name, n.Outputs[0].Shape[1:], tr))
	}
	var exp []string
	for _, l := range seed.Layers {
		exp = append(exp, fmt.Sprintf("%s %s %d", l.Name, graph.S(l.Shape...), l.Params))
	}
	if !slices.Equal(got, exp) {
		t.Errorf("layers\n%v\nwant (seed/expected.json)\n%v", got, exp)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Skipf("%s is not in the expected form: %v", path, err)
	}
}

// kerasExpected is the part of a ../shared/reference/keras/*.expected.json
// the comparison reads.
type kerasExpected struct {
	Total        int64 `json:"total_params"`
	Trainable    int64 `json:"trainable_params"`
	NonTrainable int64 `json:"non_trainable_params"`
	Layers       []struct {
		Name         string `json:"name"`
		Class        string `json:"class_name"`
		Shape        []any  `json:"output_shape"`
		Params       int64  `json:"params"`
		Trainable    int64  `json:"trainable_params"`
		NonTrainable int64  `json:"non_trainable_params"`
		Weights      []struct {
			Shape     []int64 `json:"shape"`
			Trainable bool    `json:"trainable"`
		} `json:"weights"`
	} `json:"layers"`
}

// compareKeras checks a spec's graph against what Keras computed for the
// same architecture: totals, and per layer (by name) the output shape,
// the parameter split and the shapes of the weights.
func compareKeras(t *testing.T, g *graph.Graph, expectedPath string) {
	t.Helper()
	var want kerasExpected
	readJSON(t, expectedPath, &want)
	r, err := stats.Build(g)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Params != want.Total || r.Totals.TrainableParams != want.Trainable || r.Totals.NonTrainableParams != want.NonTrainable {
		t.Errorf("totals %d (%d trainable, %d not), Keras %d (%d, %d)", r.Totals.Params, r.Totals.TrainableParams, r.Totals.NonTrainableParams,
			want.Total, want.Trainable, want.NonTrainable)
	}
	rows := map[string]stats.Layer{}
	for _, l := range r.Layers {
		rows[l.Name] = l
	}
	for _, w := range want.Layers {
		l, ok := rows[w.Name]
		if !ok {
			t.Errorf("Keras layer %s (%s) is missing", w.Name, w.Class)
			continue
		}
		ws := graph.Shape{}
		for _, d := range w.Shape {
			if f, ok := d.(float64); ok {
				ws = append(ws, graph.D(int64(f)))
			} else {
				ws = append(ws, graph.Unknown())
			}
		}
		if len(l.OutputShapes) != 1 || !l.OutputShapes[0].Dims().Equal(ws) {
			t.Errorf("%s (%s): shape %v, Keras %s", w.Name, w.Class, l.OutputShapes, ws)
		}
		if l.Params != w.Params || l.TrainableParams != w.Trainable || l.NonTrainableParams != w.NonTrainable {
			t.Errorf("%s (%s): params %d (%d trainable, %d not), Keras %d (%d, %d) [%s]", w.Name, w.Class,
				l.Params, l.TrainableParams, l.NonTrainableParams, w.Params, w.Trainable, w.NonTrainable, l.Explain.Params)
		}
		var got, exp []string
		for _, x := range l.Weights {
			got = append(got, fmt.Sprintf("%s/%v", graph.Shape(x.Shape), x.Trainable))
		}
		for _, x := range w.Weights {
			exp = append(exp, fmt.Sprintf("%s/%v", graph.S(x.Shape...), x.Trainable))
		}
		slices.Sort(got)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("%s (%s): weights %v, Keras %v", w.Name, w.Class, got, exp)
		}
	}
}

func TestExampleKerasMNIST(t *testing.T) {
	path, data := readExample(t, "keras_mnist_nhwc.yaml")
	g := analyze(t, path, string(data))
	if tr, fx := totals(g); tr != seedTotal || fx != 0 {
		t.Errorf("totals %d + %d, want %d + 0", tr, fx, seedTotal)
	}
	compareKeras(t, g, reference(t, "keras/mnist_lasagne_cnn.expected.json"))
}

// TestKerasReferences writes the other Keras reference models as specs
// (testdata/keras) and compares them layer by layer with what Keras
// computed: the conventions of batchnorm (4C, half trainable), LSTM and
// GRU biases, channels-last convolutions and pooling.
func TestKerasReferences(t *testing.T) {
	files, _ := filepath.Glob("testdata/keras/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/keras/*.yaml")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g := analyze(t, f, string(data))
			compareKeras(t, g, reference(t, "keras/"+name+".expected.json"))
		})
	}
}

// The DAG example by hand: convolutions without bias k*k*C_in*C_out;
// batch normalization 2C trainable and 2C not; the 1x1 branch
// (16+1)*8; the classifier (16+8+1)*10.
func TestExampleResidualBlock(t *testing.T) {
	path, data := readExample(t, "residual_block.yaml")
	g := analyze(t, path, string(data))
	const (
		convs  = 3*3*3*16 + 3*3*16*16 + 3*3*16*16
		bnTr   = 3 * 2 * 16
		bnFix  = 3 * 2 * 16
		branch = (1*1*16 + 1) * 8
		fc     = (16 + 8 + 1) * 10
	)
	tr, fx := totals(g)
	if tr != convs+bnTr+branch+fc || fx != bnFix {
		t.Errorf("totals %d + %d, want %d + %d", tr, fx, convs+bnTr+branch+fc, bnFix)
	}
	for name, s := range map[string]graph.Shape{
		"stem": shape(N, 16, 32, 32), "block_add": shape(N, 16, 32, 32), "branch_pool": shape(N, 16, 32, 32),
		"merged": shape(N, 16+8, 32, 32), "gap": shape(N, 24), "fc": shape(N, 10),
	} {
		if got := node(t, g, name).Outputs[0].Shape; !got.Equal(s) {
			t.Errorf("%s: shape %s, want %s", name, got, s)
		}
	}
	if n := node(t, g, "block_add"); len(n.Inputs) != 2 || n.Inputs[0].Producer.Name != "stem_relu" || n.Inputs[1].Producer.Name != "block_bn2" {
		t.Errorf("block_add reads %v", n.Inputs)
	}
	if len(g.Outputs) != 1 || g.Outputs[0].Producer.Name != "fc" {
		t.Errorf("outputs %v, want fc", g.Outputs)
	}
}

// The recurrent example by hand: an embedding V*D, a Keras LSTM
// 4H(I+H)+4H reading I = D, and a dense (H+1)*1.
func TestExampleLSTMClassifier(t *testing.T) {
	path, data := readExample(t, "lstm_classifier.yaml")
	g := analyze(t, path, string(data))
	const V, D, H = 20000, 128, 64
	const want = V*D + (4*H*(D+H) + 4*H) + (H+1)*1
	if tr, fx := totals(g); tr != want || fx != 0 {
		t.Errorf("totals %d + %d, want %d + 0", tr, fx, want)
	}
	if got := node(t, g, "lstm").Outputs[0].Shape; !got.Equal(shape(N, H)) {
		t.Errorf("lstm shape %s", got)
	}
	if got := node(t, g, "tokens").Outputs[0].DType; got != graph.Int64 {
		t.Errorf("tokens dtype %s", got)
	}
}

// specExamples are the spec files of the examples directory (which holds
// other formats' examples too).
var specExamples = []string{"mnist_seed.yaml", "keras_mnist_nhwc.yaml", "residual_block.yaml", "lstm_classifier.yaml", "tied_autoencoder.json"}

// Every example spec decodes, and its JSON twin (the same spec written as
// JSON) gives the same graph.
func TestExamplesAsJSON(t *testing.T) {
	for _, name := range specExamples {
		f := filepath.Join("..", "..", "examples", name)
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g := analyze(t, f, string(data))
			root, err := parse(f, data)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(toAny(root), "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			h := analyze(t, "twin.json", string(js))
			if a, b := summary(g), summary(h); a != b {
				t.Errorf("YAML and JSON differ:\n%s\n%s", a, b)
			}
			if !Sniff("model.json", js) {
				t.Errorf("Sniff does not recognize the JSON form")
			}
		})
	}
}

// toAny turns a value tree back into plain Go values.
func toAny(v *value) any {
	switch v.kind {
	case kBool:
		return v.b
	case kInt:
		return v.i
	case kFloat:
		return v.float()
	case kString:
		return v.s
	case kList:
		out := []any{}
		for _, x := range v.list {
			out = append(out, toAny(x))
		}
		return out
	case kMap:
		out := map[string]any{}
		for k, kv := range v.pairs() {
			out[k.s] = toAny(kv)
		}
		return out
	}
	return nil
}

func summary(g *graph.Graph) string {
	var b strings.Builder
	for _, n := range g.Nodes {
		tr, fx := own(n)
		fmt.Fprintf(&b, "%s %s %s %d %d\n", n.Name, n.Type, n.Outputs[0].Shape, tr, fx)
	}
	return b.String()
}

// The tied autoencoder by hand: the encoder's two dense layers
// (784+1)*256 and (256+1)*32; the decoder reuses their kernels and adds
// its biases, 256 and 784.
func TestExampleTiedAutoencoder(t *testing.T) {
	path, data := readExample(t, "tied_autoencoder.json")
	if !Sniff(filepath.Base(path), data) {
		t.Error("Sniff does not recognize the example")
	}
	g := analyze(t, path, string(data))
	const want = (784+1)*256 + (256+1)*32 + 256 + 784
	if tr, fx := totals(g); tr != want || fx != 0 {
		t.Errorf("totals %d + %d, want %d + 0", tr, fx, want)
	}
	if got := node(t, g, "dec2").Outputs[0].Shape; !got.Equal(shape(N, 784)) {
		t.Errorf("dec2 shape %s", got)
	}
	if n := node(t, g, "dec1"); n.Pos.Line != 8 || n.Pos.Col != 5 {
		t.Errorf("dec1 at %s, want line 8 column 5", n.Pos)
	}
}
