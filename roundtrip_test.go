package layerinfo_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/stats"
)

// roundTripSafetensors is a two-tensor safetensors file: an 8-byte header
// length, the JSON header, the data (2x3 and 2 float32: 32 bytes).
func roundTripSafetensors() []byte {
	h := `{"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(b, h...)
	return append(b, make([]byte, 32)...)
}

// roundTripGGUF is a GGUF v3 file with one metadata string and two F32
// tensors (4x4 and 4), aligned to 32 bytes, with their data.
func roundTripGGUF() []byte {
	le := binary.LittleEndian
	str := func(b []byte, s string) []byte { return append(le.AppendUint64(b, uint64(len(s))), s...) }
	b := []byte("GGUF")
	b = le.AppendUint32(b, 3)
	b = le.AppendUint64(b, 2) // tensors
	b = le.AppendUint64(b, 1) // metadata
	b = str(b, "general.architecture")
	b = le.AppendUint32(b, 8) // string
	b = str(b, "llama")
	for _, t := range []struct {
		name string
		dims []uint64
		off  uint64
	}{{"blk.0.attn_q.weight", []uint64{4, 4}, 0}, {"output_norm.weight", []uint64{4}, 64}} {
		b = str(b, t.name)
		b = le.AppendUint32(b, uint32(len(t.dims)))
		for _, d := range t.dims {
			b = le.AppendUint64(b, d)
		}
		b = le.AppendUint32(b, 0) // F32
		b = le.AppendUint64(b, t.off)
	}
	for len(b)%32 != 0 {
		b = append(b, 0)
	}
	return append(b, make([]byte, 64+16)...)
}

// roundTripNotebook is a Jupyter notebook whose one code cell is the given code.
func roundTripNotebook(t *testing.T, path string) []byte {
	code, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.SplitAfter(string(code), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	nb, err := json.Marshal(map[string]any{
		"cells":    []any{map[string]any{"cell_type": "code", "source": lines, "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil}},
		"metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// TestRoundTripFormats: the report of a model of every format, made by
// layerinfo.Load and Analyze, passes its own Check and reads back from
// its JSON to the same bytes (marshal → unmarshal → marshal), with the
// outputs' shapes (and, for operator formats, names) as Tensors; every
// row's input is a tensor of the report (a row's output or the model's
// input).
func TestReportJSONRoundTrip(t *testing.T) {
	for _, c := range []struct {
		format string // the reader, and what the report names unless as says otherwise
		name   string
		data   func(t *testing.T) []byte // nil: read the file name
		as     string                    // the report's model.format (the framework) when not format
	}{
		{"nolearn", "examples/mnist_nolearn.py", nil, ""},
		{"lasagne", "examples/text_lstm_lasagne.py", nil, ""},
		{"lasagne", "examples/vgg16_lasagne.py", nil, ""},
		{"notebook", "net.ipynb", func(t *testing.T) []byte { return roundTripNotebook(t, "examples/mnist_nolearn.py") }, "nolearn"},
		{"spec", "examples/mnist_seed.yaml", nil, ""},
		{"spec", "examples/residual_block.yaml", nil, ""},
		{"spec", "examples/lstm_classifier.yaml", nil, ""},
		{"spec", "examples/keras_mnist_nhwc.yaml", nil, ""},
		{"spec", "examples/tied_autoencoder.json", nil, ""},
		{"onnx", "format/onnx/testdata/torchvision__alexnet__preserve.onnx", nil, ""},
		{"onnx", "format/onnx/testdata/timm__vgg13__preserve.onnx", nil, ""},
		{"hf", "format/hf/testdata/gpt2-small/config.json", nil, "transformers"},
		{"hf", "format/hf/testdata/t5-small/config.json", nil, "transformers"},
		{"safetensors", "model.safetensors", func(*testing.T) []byte { return roundTripSafetensors() }, ""},
		{"gguf", "model.gguf", func(*testing.T) []byte { return roundTripGGUF() }, ""},
		{"torch", "format/torchpt/testdata/module.pt", nil, ""},
		{"torch", "format/torchpt/testdata/checkpoint.pt", nil, ""},
	} {
		t.Run(c.format+"/"+c.name[strings.LastIndexByte(c.name, '/')+1:], func(t *testing.T) {
			var in layerinfo.Input
			if c.data != nil {
				in = layerinfo.Bytes(c.name, c.data(t))
			} else {
				f, closeFn, err := layerinfo.File(c.name)
				if err != nil {
					t.Fatal(err)
				}
				defer closeFn()
				in = f
			}
			ctx := context.Background()
			g, err := layerinfo.Load(ctx, in, layerinfo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := c.format
			if c.as != "" {
				want = c.as
			}
			if !strings.HasPrefix(r.Model.Format, want) {
				t.Errorf("read as %s, want %s", r.Model.Format, want)
			}
			if err := r.Check(); err != nil {
				t.Errorf("the report fails its check: %v", err)
			}
			first, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var back stats.Report
			if err := json.Unmarshal(first, &back); err != nil {
				t.Fatalf("reading back: %v", err)
			}
			second, err := json.MarshalIndent(&back, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("marshal → unmarshal → marshal differs at byte %d", firstDiff(first, second))
			}
			// Every input of a row is a tensor the report has: a row's
			// output or the model's input (renderers draw edges with them).
			names := map[string]bool{}
			for _, in := range r.Model.Inputs {
				names[in.Name] = true
			}
			for _, l := range r.Layers {
				for _, tn := range l.Tensors {
					names[tn.Name] = true
				}
			}
			for _, l := range r.Layers {
				for _, in := range l.Inputs {
					if !names[in] {
						t.Errorf("%s: input %q is no tensor of the report", l.Name, in)
					}
				}
			}
			for i, l := range r.Layers {
				if len(l.Tensors) != len(l.OutputShapes) {
					t.Fatalf("%s: %d tensors for %d output shapes", l.Name, len(l.Tensors), len(l.OutputShapes))
				}
				bl := back.Layers[i]
				for j, tn := range l.Tensors {
					if tn.Name == "" {
						t.Errorf("%s: output %d has no name", l.Name, j)
					}
					if got, want := shapeString(bl.Tensors[j].Shape), shapeString(tn.Shape); got != want {
						t.Errorf("%s: output %d reads back as %s, want %s", l.Name, j, got, want)
					}
					if len(l.Outputs) > 0 && bl.Tensors[j].Name != tn.Name {
						t.Errorf("%s: output %d reads back named %q, want %q", l.Name, j, bl.Tensors[j].Name, tn.Name)
					}
				}
			}
		})
	}
}

func shapeString(s *stats.Shape) string {
	if s == nil {
		return "nil"
	}
	return fmt.Sprintf("%#v", []any{*s})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
