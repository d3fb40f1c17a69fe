package layerinfo_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
)

// TestUnknownIsNeverAValue runs one small model of every format through
// the JSON renderer and checks the rule of the schema: an output whose
// rank is unknown is null, a scalar is [], a row that computes nothing (a
// checkpoint's module) has "output_shapes": null, and an unknown FLOP
// count is null, never 0.
func TestUnknownIsNeverAValue(t *testing.T) {
	type row struct {
		Name         string             `json:"name"`
		OutputShapes *[]json.RawMessage `json:"output_shapes"`
		FLOPs        *int64             `json:"flops"`
	}
	type report struct {
		Layers []row `json:"layers"`
		Totals struct {
			FLOPs      *int64 `json:"flops"`
			ParamBytes *int64 `json:"param_bytes"`
		} `json:"totals"`
	}
	examples := func(name string) []byte {
		data, err := os.ReadFile("examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	cases := []struct {
		format, name string
		data         []byte
		// want maps a layer to its output_shapes as compact JSON; layers
		// not named must have concrete-rank outputs (arrays of arrays).
		want        map[string]string
		checkpoint  bool // every row has output_shapes null
		totalsFLOPs string
	}{
		{format: "python", name: "mnist_nolearn.py", data: examples("mnist_nolearn.py"),
			want: map[string]string{"conv2d1": `[[null,32,24,24]]`}, totalsFLOPs: "3179520"},
		{format: "spec", name: "mnist_seed.yaml", data: examples("mnist_seed.yaml")},
		{format: "hf", name: "config.json", data: []byte(`{"model_type": "gpt2", "n_embd": 64, "n_layer": 1, "n_head": 4, "vocab_size": 100, "n_positions": 32}`),
			want: map[string]string{"transformer.wte": `[["batch","seq",64]]`}, totalsFLOPs: "null"},
		{format: "onnx", name: "custom.onnx", data: onnxWithUnknowns(),
			want: map[string]string{
				"custom": `[null]`,      // an operator nobody knows: rank unknown
				"relu":   `[null]`,      // fed by it
				"sum":    `[[]]`,        // ReduceSum over every axis, keepdims 0: a scalar
				"conv":   `[[1,4,6,6]]`, // the rest of the graph is still analysed
			}, totalsFLOPs: "null"},
		{format: "safetensors", name: "model.safetensors", data: safetensorsFile(), checkpoint: true, totalsFLOPs: "null"},
		{format: "gguf", name: "model.gguf", data: ggufFile(), checkpoint: true, totalsFLOPs: "null"},
	}
	if data, err := os.ReadFile("format/torchpt/testdata/seq_state_dict.pt"); err == nil {
		cases = append(cases, struct {
			format, name string
			data         []byte
			want         map[string]string
			checkpoint   bool
			totalsFLOPs  string
		}{format: "torch", name: "seq_state_dict.pt", data: data, checkpoint: true, totalsFLOPs: "null"})
	} else {
		t.Errorf("torch fixture: %v", err)
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			g, err := layerinfo.Load(t.Context(), layerinfo.Bytes(c.name, c.data), layerinfo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if g.Format == "" {
				t.Fatal("no format")
			}
			r, err := layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := render.JSON(&buf, r); err != nil {
				t.Fatal(err)
			}
			var got report
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Layers) == 0 {
				t.Fatal("no layers")
			}
			seen := map[string]bool{}
			for _, l := range got.Layers {
				if c.checkpoint {
					if l.OutputShapes != nil {
						t.Errorf("%s: output_shapes %s, want null (a checkpoint's module computes nothing)", l.Name, compact(t, l.OutputShapes))
					}
					continue
				}
				if l.OutputShapes == nil {
					t.Errorf("%s: output_shapes null, want a list", l.Name)
					continue
				}
				s := compact(t, l.OutputShapes)
				if w, ok := c.want[l.Name]; ok {
					seen[l.Name] = true
					if s != w {
						t.Errorf("%s: output_shapes %s, want %s", l.Name, s, w)
					}
				} else {
					for _, e := range *l.OutputShapes {
						if e := string(e); e == "null" || e == "[]" {
							t.Errorf("%s: output_shapes %s: a rank-unknown or scalar output where the model has none", l.Name, s)
						}
					}
				}
				if strings.HasPrefix(c.want[l.Name], "[null") && l.FLOPs != nil {
					t.Errorf("%s: FLOPs %d for a layer whose output is unknown, want null", l.Name, *l.FLOPs)
				}
			}
			for name := range c.want {
				if !seen[name] {
					t.Errorf("no layer %s", name)
				}
			}
			if c.totalsFLOPs != "" {
				f := "null"
				if got.Totals.FLOPs != nil {
					f = jsonInt(*got.Totals.FLOPs)
				}
				if f != c.totalsFLOPs {
					t.Errorf("totals.flops %s, want %s", f, c.totalsFLOPs)
				}
			}
			if got.Totals.ParamBytes == nil {
				t.Errorf("param_bytes null: every tensor here has a sized type")
			}
		})
	}
}

func compact(t *testing.T, v *[]json.RawMessage) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A ModelProto written field by field (field numbers from onnx.proto).
type pbuf = []byte

func pbStr(b pbuf, n protowire.Number, s string) pbuf {
	return protowire.AppendString(protowire.AppendTag(b, n, protowire.BytesType), s)
}

func pbMsg(b pbuf, n protowire.Number, sub pbuf) pbuf {
	return protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), sub)
}

func pbVarint(b pbuf, n protowire.Number, v uint64) pbuf {
	return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
}

// onnxValueInfo is ValueInfoProto{name, type{tensor_type{FLOAT, shape}}}.
func onnxValueInfo(name string, dims ...uint64) pbuf {
	var shape pbuf
	for _, d := range dims {
		shape = pbMsg(shape, 1, pbVarint(nil, 1, d))
	}
	tt := pbMsg(pbVarint(nil, 1, 1), 2, shape)
	return pbMsg(pbStr(nil, 1, name), 2, pbMsg(nil, 1, tt))
}

func onnxNode(name, op, domain string, in, out []string, attrs ...pbuf) pbuf {
	var b pbuf
	for _, s := range in {
		b = pbStr(b, 1, s)
	}
	for _, s := range out {
		b = pbStr(b, 2, s)
	}
	b = pbStr(pbStr(b, 3, name), 4, op)
	for _, a := range attrs {
		b = pbMsg(b, 5, a)
	}
	if domain != "" {
		b = pbStr(b, 7, domain)
	}
	return b
}

// onnxInitializer is a TensorProto with dims and a type (1 FLOAT, 7
// INT64) and, for INT64, its values.
func onnxInitializer(name string, dt uint64, dims []uint64, ints ...int64) pbuf {
	var t pbuf
	for _, d := range dims {
		t = pbVarint(t, 1, d)
	}
	t = pbVarint(t, 2, dt)
	for _, v := range ints {
		t = pbVarint(t, 7, uint64(v))
	}
	return pbStr(t, 8, name)
}

// onnxModel is a ModelProto at opset 17 (and com.example 1) whose graph
// has the given nodes and initializers, input x and the named outputs.
func onnxModel(x []uint64, nodes, inits []pbuf, outputs ...string) []byte {
	var g pbuf
	for _, n := range nodes {
		g = pbMsg(g, 1, n)
	}
	g = pbStr(g, 2, "test")
	for _, t := range inits {
		g = pbMsg(g, 5, t)
	}
	g = pbMsg(g, 11, onnxValueInfo("x", x...))
	for _, o := range outputs {
		g = pbMsg(g, 12, pbStr(nil, 1, o))
	}
	var m pbuf
	m = pbVarint(m, 1, 8)                                         // ir_version
	m = pbMsg(m, 8, pbVarint(pbStr(nil, 1, ""), 2, 17))           // opset_import ai.onnx 17
	m = pbMsg(m, 8, pbVarint(pbStr(nil, 1, "com.example"), 2, 1)) // and the custom domain
	return pbMsg(m, 7, g)
}

// onnxWithUnknowns: x (1,3,8,8) → com.example.MyOp → Relu, x → ReduceSum
// (keepdims 0) → a scalar, and x → Conv (4 filters 3x3, no bias) →
// (1,4,6,6).
func onnxWithUnknowns() []byte {
	keepdims0 := pbVarint(pbVarint(pbStr(nil, 1, "keepdims"), 3, 0), 20, 2) // AttributeProto INT
	return onnxModel([]uint64{1, 3, 8, 8}, []pbuf{
		onnxNode("custom", "MyOp", "com.example", []string{"x"}, []string{"t"}),
		onnxNode("relu", "Relu", "", []string{"t"}, []string{"y"}),
		onnxNode("sum", "ReduceSum", "", []string{"x"}, []string{"s"}, keepdims0),
		onnxNode("conv", "Conv", "", []string{"x", "w"}, []string{"c"}),
	}, []pbuf{onnxInitializer("w", 1, []uint64{4, 3, 3, 3})}, "y", "s", "c")
}

// TestModelErrorsAreErrors: a node the model gets wrong (a Reshape whose
// element counts differ) is an error naming the node, not a note under a
// report of the rest.
func TestModelErrorsAreErrors(t *testing.T) {
	data := onnxModel([]uint64{2, 5}, []pbuf{
		onnxNode("reshape", "Reshape", "", []string{"x", "shape"}, []string{"y"}),
	}, []pbuf{onnxInitializer("shape", 7, []uint64{2}, 3, 3)}, "y")
	g, err := layerinfo.Load(t.Context(), layerinfo.Bytes("bad.onnx", data), layerinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = layerinfo.Analyze(t.Context(), g, layerinfo.Options{})
	if err == nil || !strings.Contains(err.Error(), "reshape") || !strings.Contains(err.Error(), "(10 elements) into (3, 3) (9 elements)") {
		t.Errorf("err = %v, want the Reshape's element counts", err)
	}
}

// safetensorsFile is a two-tensor safetensors file: an 8-byte header
// length, the JSON header, then the data.
func safetensorsFile() []byte {
	header := `{"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}`
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, 32))
	return b.Bytes()
}

// ggufFile is a GGUF v3 file with one F32 tensor of shape (2, 3).
func ggufFile() []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	str := func(s string) { le(uint64(len(s))); b.WriteString(s) }
	b.WriteString("GGUF")
	le(uint32(3))
	le(uint64(1)) // tensors
	le(uint64(1)) // metadata
	str("general.architecture")
	le(uint32(8)) // string
	str("llama")
	str("token_embd.weight")
	le(uint32(2))
	le(uint64(3))
	le(uint64(2))
	le(uint32(0)) // F32
	le(uint64(0))
	for b.Len()%32 != 0 {
		b.WriteByte(0)
	}
	b.Write(make([]byte, 24))
	return b.Bytes()
}
