package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// smallNet is a report made by hand, its numbers worked out in the
// comments: a 4x4 one-channel input, a 3x3 convolution with 2 filters, a
// dense layer to 3 units, a decoder using the dense layer's W transposed
// (no bias), and a custom layer of unknown output.
func smallNet() *stats.Report {
	n, u := graph.Unknown(), graph.D
	w := func(name string, trainable bool, sharedWith string, dims ...int64) stats.Weight {
		s := make(stats.Shape, len(dims))
		c := int64(1)
		for i, d := range dims {
			s[i], c = u(d), c*d
		}
		return stats.Weight{Name: name, Shape: s, DType: "float32", Params: c, Trainable: trainable, Bytes: 4 * c, SharedWith: sharedWith}
	}
	return &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: "net.py", Format: "lasagne", Prints: &stats.Prints{Label: "parameters", Which: "params", Value: 47}},
		Layers: []stats.Layer{
			{Name: "input", Type: "InputLayer", Inputs: []string{}, OutputShapes: []*stats.Shape{shape(n, u(1), u(4), u(4))}, FLOPs: flops(0),
				Explain: stats.Explain{OutputShape: "given: (None, 1, 4, 4)", Params: "0", FLOPs: "0"}, Position: "net.py:3:9"},
			// 4-(3-1) = 2; params (3*3*1+1)*2 = 20; FLOPs 2*3*3*1 per output element, 2*2*2 of them: 144.
			{Name: "conv", Type: "Conv2DLayer", Inputs: []string{"input"}, OutputShapes: []*stats.Shape{shape(n, u(2), u(2), u(2))},
				Params: 20, TrainableParams: 20, FLOPs: flops(144),
				Explain: stats.Explain{OutputShape: "channels: num_filters = 2; height: 4-(3-1) = 2; width: 4-(3-1) = 2",
					Params: "(3*3*1+1)*2 = 20", FLOPs: "2*3*3*1*2*2*2 = 144"},
				Weights: []stats.Weight{w("conv.W", true, "", 2, 1, 3, 3), w("conv.b", true, "", 2)}, Position: "net.py:4:8"},
			// 2*2*2 = 8 inputs: 8*3+3 = 27 params, 2*8*3 = 48 FLOPs.
			{Name: "dense", Type: "DenseLayer", Inputs: []string{"conv"}, OutputShapes: []*stats.Shape{shape(n, u(3))},
				Params: 27, TrainableParams: 27, FLOPs: flops(48),
				Explain: stats.Explain{OutputShape: "units: num_units = 3", Params: "8*3+3 = 27", FLOPs: "2*8*3 = 48"},
				Weights: []stats.Weight{w("dense.W", true, "", 8, 3), w("dense.b", true, "", 3)}},
			{Name: "dec", Type: "DenseLayer", Inputs: []string{"dense"}, OutputShapes: []*stats.Shape{shape(n, u(8))}, FLOPs: flops(48),
				Explain: stats.Explain{OutputShape: "units: num_units = 8", Params: "0", FLOPs: "2*3*8 = 48"},
				Weights: []stats.Weight{w("dense.W", true, "dense", 8, 3)}},
			{Name: "custom", Type: "MyLayer", Inputs: []string{"dec"}, OutputShapes: []*stats.Shape{nil},
				Notes: []string{"MyLayer has no shape rule"}},
		},
		// 20+27 = 47 parameters, all float32: 188 bytes. FLOPs unknown
		// (custom); the others add up to 0+144+48+48 = 240.
		Totals: stats.Totals{Params: 47, TrainableParams: 47, ParamBytes: flops(188), ParamBytesByDType: map[string]int64{"float32": 188},
			FLOPsLowerBound: flops(240), Explain: stats.TotalsExplain{Params: "0+20+27+0+0 = 47"}},
		Notes: []string{"FLOPs are unknown for 1 layer(s) (custom); the other layers add up to 240"},
	}
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

// TestTableLayout: the columns are as wide as their widest cell, numbers
// right-aligned with thousands separators, a layer whose weights are all
// counted elsewhere shows "0 (shared)", the open batch axis is N (with
// the note under the title), unknowns are "?"; the totals' labels and
// values are aligned; FLOPs are per example because the batch is open.
func TestTableLayout(t *testing.T) {
	want := lines(
		"net.py (lasagne)",
		"N is the batch size (None: the model leaves it open).",
		"",
		"#  name    type         output       params  FLOPs",
		"-  ------  -----------  -------  ----------  -----",
		"0  input   InputLayer   Nx1x4x4           0      0",
		"1  conv    Conv2DLayer  Nx2x2x2          20    144",
		"2  dense   DenseLayer   Nx3              27     48",
		"3  dec     DenseLayer   Nx8      0 (shared)     48",
		"4  custom  MyLayer      ?                 0      ?",
		"",
		"Total params:           47",
		"  trainable:            47",
		"  non-trainable:         0",
		"Param memory:        188 B",
		"FLOPs (per example):     ?",
		"lasagne reports 47 parameters (trainable and non-trainable)",
		"note: FLOPs are unknown for 1 layer(s) (custom); the other layers add up to 240",
	)
	var b bytes.Buffer
	if err := Table(&b, smallNet()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}

	// At 40 columns the table (1+6+11+7+10+5 = 40 plus 5 gaps of 2: 50)
	// narrows its widest text column, type, from 11 to the floor of 8
	// and stops there (47 wide): the narrower text columns are under the
	// floor, and numbers are never cut.
	b.Reset()
	if err := TableWith(&b, smallNet(), Options{Width: 40}); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(b.String(), "\n")[3:10]
	narrow := []string{
		"#  name    type      output       params  FLOPs",
		"-  ------  --------  -------  ----------  -----",
		"0  input   InputLa…  Nx1x4x4           0      0",
		"1  conv    Conv2DL…  Nx2x2x2          20    144",
		"2  dense   DenseLa…  Nx3              27     48",
		"3  dec     DenseLa…  Nx8      0 (shared)     48",
		"4  custom  MyLayer   ?                 0      ?",
	}
	if strings.Join(got, "\n") != strings.Join(narrow, "\n") {
		t.Errorf("narrow table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(narrow, "\n"))
	}
}

// ckpt is a checkpoint's report: modules with their stored tensors, no
// outputs. encoder: weight 4x3 (12) and bias 4: 16 params, 64 bytes of
// float32; decoder ties its weight to the encoder's.
func ckpt() *stats.Report {
	sh := func(d ...int64) stats.Shape {
		s := make(stats.Shape, len(d))
		for i, x := range d {
			s[i] = graph.D(x)
		}
		return s
	}
	return &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: "ckpt.safetensors", Format: "safetensors"},
		Layers: []stats.Layer{
			{Name: "encoder", Type: "module", Inputs: []string{}, Params: 16, TrainableParams: 16, FLOPs: flops(0), Weights: []stats.Weight{
				{Name: "encoder.weight", Shape: sh(4, 3), DType: "float32", Params: 12, Trainable: true, Bytes: 48},
				{Name: "encoder.bias", Shape: sh(4), DType: "float32", Params: 4, Trainable: true, Bytes: 16}}},
			{Name: "decoder", Type: "module", Inputs: []string{}, FLOPs: flops(0), Weights: []stats.Weight{
				{Name: "decoder.weight", Shape: sh(4, 3), DType: "float32", Params: 12, Trainable: true, Bytes: 48, SharedWith: "encoder"}}},
		},
		Totals: stats.Totals{Params: 16, TrainableParams: 16, FLOPs: flops(0), ParamBytes: flops(64), ParamBytesByDType: map[string]int64{"float32": 64}},
	}
}

// TestTableModules: a checkpoint's table lists each module's tensors and
// bytes instead of type, output and FLOPs; shared bytes count once.
func TestTableModules(t *testing.T) {
	want := lines(
		"ckpt.safetensors (safetensors)",
		"",
		"#  module   tensors                                       params  bytes",
		"-  -------  ----------------------------------------  ----------  -----",
		"0  encoder  weight 4x3 float32, bias 4 float32                16     64",
		"1  decoder  weight 4x3 float32 (shared with encoder)  0 (shared)      0",
		"",
		"Total params:      16",
		"  trainable:       16",
		"  non-trainable:    0",
		"Param memory:    64 B",
	)
	var b bytes.Buffer
	if err := Table(&b, ckpt()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestExplainText: every layer's arithmetic, weights with their shapes
// and sharing, notes, unknown FLOPs, then how the totals add up.
func TestExplainText(t *testing.T) {
	want := lines(
		"net.py (lasagne)",
		"",
		"[0] input  InputLayer  (net.py:3:9)",
		"  output  (None, 1, 4, 4)",
		"          given: (None, 1, 4, 4)",
		"  params  0",
		"",
		"[1] conv  Conv2DLayer  ← input  (net.py:4:8)",
		"  output  (None, 2, 2, 2)",
		"          channels: num_filters = 2",
		"          height: 4-(3-1) = 2",
		"          width: 4-(3-1) = 2",
		"  params  (3*3*1+1)*2 = 20",
		"          conv.W (2, 1, 3, 3), conv.b (2,)",
		"  FLOPs   2*3*3*1*2*2*2 = 144",
		"",
		"[2] dense  DenseLayer  ← conv",
		"  output  (None, 3)",
		"          units: num_units = 3",
		"  params  8*3+3 = 27",
		"          dense.W (8, 3), dense.b (3,)",
		"  FLOPs   2*8*3 = 48",
		"",
		"[3] dec  DenseLayer  ← dense",
		"  output  (None, 8)",
		"          units: num_units = 8",
		"  params  0",
		"          dense.W (8, 3) shared, counted at dense",
		"  FLOPs   2*3*8 = 48",
		"",
		"[4] custom  MyLayer  ← dec",
		"  output  (unknown)",
		"  params  0",
		"  note    MyLayer has no shape rule",
		"  FLOPs   unknown",
		"",
		"Total params = 0+20+27+0+0 = 47",
		"  trainable 47 + non-trainable 0 = 47",
		"FLOPs: unknown for some layers",
		"lasagne reports 47 parameters (trainable and non-trainable)",
		"note: FLOPs are unknown for 1 layer(s) (custom); the other layers add up to 240",
	)
	var b bytes.Buffer
	if err := Explain(&b, smallNet()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("explain:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestJSONFields: the schema's field names and its unknowns as null;
// Tensors stay out of the JSON.
func TestJSONFields(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, smallNet()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion *int `json:"schema_version"`
		Model         map[string]any
		Layers        []map[string]any
		Totals        map[string]any
		Notes         []string
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion == nil || *doc.SchemaVersion != 1 {
		t.Errorf("schema_version %v", doc.SchemaVersion)
	}
	for _, k := range []string{"path", "format", "framework_prints"} {
		if _, ok := doc.Model[k]; !ok {
			t.Errorf("model has no %q", k)
		}
	}
	for _, l := range doc.Layers {
		for _, k := range []string{"name", "type", "inputs", "output_shapes", "params", "trainable_params", "non_trainable_params", "flops", "explain"} {
			if _, ok := l[k]; !ok {
				t.Errorf("layer %v has no %q", l["name"], k)
			}
		}
		for k := range l {
			if strings.EqualFold(k, "tensors") {
				t.Errorf("layer %v has %q in the JSON", l["name"], k)
			}
		}
	}
	custom := doc.Layers[4]
	if custom["flops"] != nil || len(custom["output_shapes"].([]any)) != 1 || custom["output_shapes"].([]any)[0] != nil {
		t.Errorf("custom: flops %v, output_shapes %v; want null and [null]", custom["flops"], custom["output_shapes"])
	}
	if s := doc.Layers[0]["output_shapes"].([]any)[0].([]any); s[0] != nil || s[1] != 1.0 {
		t.Errorf("input's shape %v, want [null, 1, 4, 4]", s)
	}
	tt := doc.Totals
	if v, ok := tt["flops"]; !ok || v != nil {
		t.Errorf("totals.flops %v (present %v), want null", v, ok)
	}
	if tt["flops_lower_bound"] != 240.0 || tt["param_bytes"] != 188.0 || tt["params"] != 47.0 {
		t.Errorf("totals %v", tt)
	}
	if _, ok := tt["other_ops"]; ok {
		t.Errorf("totals has other_ops for a Lasagne model: %v", tt)
	}
}

// TestMarkdown: the table's columns and cells in a GitHub table (numbers
// right-aligned), the totals as a list, the notes.
func TestMarkdown(t *testing.T) {
	want := lines(
		"**net.py** (lasagne)",
		"",
		"N is the batch size (None: the model leaves it open).",
		"",
		"| # | name | type | output | params | FLOPs |",
		"|--:|---|---|---|--:|--:|",
		"| 0 | input | InputLayer | Nx1x4x4 | 0 | 0 |",
		"| 1 | conv | Conv2DLayer | Nx2x2x2 | 20 | 144 |",
		"| 2 | dense | DenseLayer | Nx3 | 27 | 48 |",
		"| 3 | dec | DenseLayer | Nx8 | 0 (shared) | 48 |",
		"| 4 | custom | MyLayer | ? | 0 | ? |",
		"",
		"- Total params: 47",
		"  - trainable: 47",
		"  - non-trainable: 0",
		"- Param memory: 188 B",
		"- FLOPs (per example): ?",
		"",
		"lasagne reports 47 parameters (trainable and non-trainable)",
		"",
		"Note: FLOPs are unknown for 1 layer(s) (custom); the other layers add up to 240",
	)
	var b bytes.Buffer
	if err := Markdown(&b, smallNet()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
	// A cell's | and emphasis characters are escaped, not table syntax.
	r := smallNet()
	r.Layers[4].Name = "a|b*c_d"
	b.Reset()
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `| 4 | a\|b\*c\_d | MyLayer |`) {
		t.Errorf("name not escaped:\n%s", b.String())
	}
}

// TestCSV: a header of keys, plain numbers, "?" for unknowns (the open
// batch axis too), no totals; a checkpoint has its module columns.
func TestCSV(t *testing.T) {
	want := lines(
		"index,name,type,output_shapes,params,trainable_params,non_trainable_params,flops",
		"0,input,InputLayer,?x1x4x4,0,0,0,0",
		"1,conv,Conv2DLayer,?x2x2x2,20,20,0,144",
		"2,dense,DenseLayer,?x3,27,27,0,48",
		"3,dec,DenseLayer,?x8,0,0,0,48",
		"4,custom,MyLayer,?,0,0,0,?",
	)
	var b bytes.Buffer
	if err := CSV(&b, smallNet()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
	want = lines(
		"index,name,tensors,params,trainable_params,non_trainable_params,bytes",
		`0,encoder,"weight 4x3 float32, bias 4 float32",16,16,0,64`,
		"1,decoder,weight 4x3 float32 (shared with encoder),0,0,0,0",
	)
	b.Reset()
	if err := CSV(&b, ckpt()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestRowsOtherOps: an ONNX report's rows have an other_ops column,
// "?" where a row's count is unknown; Select, and LayerRows given keys,
// keep the asked columns in the asked order and drop unknown keys.
func TestRowsOtherOps(t *testing.T) {
	r := smallNet()
	r.Layers[1].OtherOps, r.Layers[2].OtherOps = flops(1000), flops(3)
	r.Totals.OtherOps = flops(1003)
	rows := LayerRows(r)
	last := rows.Columns[len(rows.Columns)-1]
	if last.Key != "other_ops" || !last.Right {
		t.Fatalf("last column %+v, want other_ops", last)
	}
	var got []string
	for _, row := range rows.Rows {
		got = append(got, row[len(row)-1].Text+"/"+row[len(row)-1].Plain)
	}
	if want := "?/? 1,000/1000 3/3 ?/? ?/?"; strings.Join(got, " ") != want {
		t.Errorf("other ops %q, want %q", strings.Join(got, " "), want)
	}
	for _, sel := range []Rows{rows.Select("flops", "nothing", "name"), LayerRows(r, "flops", "nothing", "name")} {
		if len(sel.Columns) != 2 || sel.Columns[0].Key != "flops" || sel.Columns[1].Key != "name" || len(sel.Rows) != 5 ||
			len(sel.Rows[1]) != 2 || sel.Rows[1][0].Plain != "144" || sel.Rows[1][1].Text != "conv" {
			t.Errorf("flops and name: %+v", sel)
		}
	}
}

// TestPerExample: FLOPs are per example when the first layer with
// outputs has an open leading axis, whole when the batch is fixed.
func TestPerExample(t *testing.T) {
	r := smallNet()
	if got := perExample(r); got != " (per example)" {
		t.Errorf("open batch: %q", got)
	}
	fixed := shape(graph.D(8), graph.D(1), graph.D(4), graph.D(4))
	r.Layers[0].OutputShapes = []*stats.Shape{fixed}
	if got := perExample(r); got != "" {
		t.Errorf("batch 8: %q", got)
	}
	// A first row without outputs is passed over; an unknown rank is not
	// an open batch.
	r.Layers = append([]stats.Layer{{Name: "const"}}, r.Layers...)
	r.Layers[1].OutputShapes = []*stats.Shape{nil}
	if got := perExample(r); got != "" {
		t.Errorf("unknown rank: %q", got)
	}
	r.Layers[1].OutputShapes = []*stats.Shape{shape(graph.Symbol("batch"), graph.D(3))}
	if got := perExample(r); got != " (per example)" {
		t.Errorf("named batch after a row without outputs: %q", got)
	}
}

// TestOtherOps: an ONNX report's other operations show in the explain
// text per row and in total, and as a total under the table. By hand: a
// Relu over 1x4x2x2 = 16 elements is 16 operations, a MaxPool with a 2x2
// window over 1x4x1x1 outputs 4*4 = 16; 32 in all.
func TestOtherOps(t *testing.T) {
	d := graph.D
	r := &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: "m.onnx", Format: "onnx", Inputs: []stats.Tensor{{Name: "x", Shape: shape(d(1), d(4), d(2), d(2)), DType: "float32"}}},
		Layers: []stats.Layer{
			{Name: "relu", Type: "Relu", Inputs: []string{"x"}, OutputShapes: []*stats.Shape{shape(d(1), d(4), d(2), d(2))}, FLOPs: flops(0), OtherOps: flops(16),
				Explain: stats.Explain{OutputShape: "as input", Params: "0", FLOPs: "0", OtherOps: "1*4*2*2 = 16"}, Op: "Relu", Outputs: []string{"r"}},
			{Name: "pool", Type: "MaxPool", Inputs: []string{"r"}, OutputShapes: []*stats.Shape{shape(d(1), d(4), d(1), d(1))}, FLOPs: flops(0), OtherOps: flops(16),
				Explain: stats.Explain{OutputShape: "height: floor((2-2)/2)+1 = 1", Params: "0", FLOPs: "0", OtherOps: "1*4*1*1*2*2 = 16"}, Op: "MaxPool", Outputs: []string{"y"}},
		},
		Totals: stats.Totals{FLOPs: flops(0), ParamBytes: flops(0), OtherOps: flops(32),
			Explain: stats.TotalsExplain{Params: "0+0 = 0", FLOPs: "0+0 = 0", OtherOps: "16+16 = 32"}},
	}
	var b bytes.Buffer
	if err := Explain(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n[0] relu  Relu  ← x\n  output  (1, 4, 2, 2)\n          as input\n  params  0\n  other   1*4*2*2 = 16\n",
		"  other   1*4*1*1*2*2 = 16\n",
		"FLOPs = 0+0 = 0\n",
		"Other operations = 16+16 = 32\n  (elementwise, normalization, softmax and pooling work, one per operation, not in FLOPs)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := Table(&b, r); err != nil {
		t.Fatal(err)
	}
	// No open axis: no N note, FLOPs not per example; memory 0 is not shown.
	// Labels padded to the widest, "  non-trainable:" (16), values to "32".
	tail := lines("", "Total params:     0", "  trainable:      0", "  non-trainable:  0", "FLOPs:            0", "Other ops:       32")
	if !strings.HasSuffix(b.String(), tail) || strings.Contains(b.String(), "N is") {
		t.Errorf("table:\n%s\nwant it to end with:\n%s", b.String(), tail)
	}
	b.Reset()
	if err := CSV(&b, r); err != nil {
		t.Fatal(err)
	}
	want := lines("index,name,type,output_shapes,params,trainable_params,non_trainable_params,flops,other_ops",
		"0,relu,Relu,1x4x2x2,0,0,0,0,16", "1,pool,MaxPool,1x4x1x1,0,0,0,0,16")
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestSizes: byte sizes in binary units with the exact count, large
// counts with an engineering unit; below the unit, the number alone.
func TestSizes(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{bytesText(1023), "1023 B"},
		{bytesText(1024), "1.00 KiB (1,024 bytes)"},
		{bytesText(870824), "850.41 KiB (870,824 bytes)"}, // 870824/1024 = 850.414…
		{bytesText(3 << 20), "3.00 MiB (3,145,728 bytes)"},
		{bytesText(5 << 40), "5.00 TiB (5,497,558,138,880 bytes)"},
		{gib(1000), "1,000 bytes"},
		{gib(2048), "2.00 KiB (2,048 bytes)"},
		{gib(2 << 20), "2.00 MiB (2,097,152 bytes)"},
		{gib(1 << 30), "1.00 GiB (1,073,741,824 bytes)"},
		{gib(1<<30/10 + 1), "0.10 GiB (107,374,183 bytes)"}, // from a tenth of a GiB on, GiB
		{sci(999999), "999,999"},
		{sci(1000000), "1,000,000 (1.00 M)"},
		{sci(1500000000), "1,500,000,000 (1.50 G)"},
		{sci(2500000000000), "2,500,000,000,000 (2.50 T)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestMarkdownModules: a checkpoint's Markdown has the module columns and
// no FLOPs total.
func TestMarkdownModules(t *testing.T) {
	want := lines(
		"**ckpt.safetensors** (safetensors)",
		"",
		"| # | module | tensors | params | bytes |",
		"|--:|---|---|--:|--:|",
		"| 0 | encoder | weight 4x3 float32, bias 4 float32 | 16 | 64 |",
		"| 1 | decoder | weight 4x3 float32 (shared with encoder) | 0 (shared) | 0 |",
		"",
		"- Total params: 16",
		"  - trainable: 16",
		"  - non-trainable: 0",
		"- Param memory: 64 B",
	)
	var b bytes.Buffer
	if err := Markdown(&b, ckpt()); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), want)
	}
}
