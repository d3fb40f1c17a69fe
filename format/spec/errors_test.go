package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
)

// Each bad spec gives an error at a line and column, naming the layer.
func TestErrors(t *testing.T) {
	const in4 = "input: [null, 1, 28, 28]\nlayers:\n"
	cases := []struct {
		name string
		src  string
		pos  string // "line:col" of the first error
		want string // a fragment of the message
	}{
		{"unknown attribute", in4 + "  - {name: conv2, type: conv2d, filter: 32, kernel: 3}\n",
			"3:33", `layer conv2 (conv2d): unknown attribute "filter" (did you mean "filters"?)`},
		{"unknown attribute, block style", in4 + "  - name: conv2\n    type: conv2d\n    filter: 32\n    kernel: 3\n",
			"5:5", `layer conv2 (conv2d): unknown attribute "filter" (did you mean "filters"?)`},
		{"another framework's attribute", in4 + "  - {name: c, type: conv2d, filters: 8, kernel_size: 3}\n",
			"3:41", `unknown attribute "kernel_size" (did you mean "kernel"?)`},
		{"attribute of no use", in4 + "  - {name: c, type: conv2d, filters: 8, kernel: 3, in_channels: 1}\n",
			"3:52", `unknown attribute "in_channels" (use nothing: the input channels come from the input shape)`},
		{"unknown type", in4 + "  - {name: c, type: conv2, filters: 3, kernel: 3}\n",
			"3:21", `layer c: unknown layer type "conv2" (did you mean "conv2d"?)`},
		{"alias misspelt", in4 + "  - {type: MaxPooling2d, pool: 2}\n  - {type: flaten}\n",
			"4:12", `unknown layer type "flaten" (did you mean "flatten"?)`},
		{"type without dimensions", in4 + "  - {name: c, type: conv, filters: 3, kernel: 3}\n",
			"3:21", `unknown layer type "conv": say the number of spatial axes: conv1d, conv2d, conv3d`},
		{"missing type", in4 + "  - {name: c, filters: 3}\n",
			"3:5", `layers[0]: missing type`},
		{"missing required", in4 + "  - {name: c, type: conv2d, kernel: 3}\n",
			"3:5", `layer c (conv2d): missing required attribute "filters"`},
		{"string for an int", in4 + "  - {name: c, type: conv2d, filters: \"32\", kernel: 3}\n",
			"3:38", `layer c (conv2d): filters: expected an integer, got the string "32"`},
		{"float for an int", in4 + "  - {name: c, type: conv2d, filters: 2.5, kernel: 3}\n",
			"3:38", `filters: expected an integer, got 2.5`},
		{"list for an int", in4 + "  - {name: c, type: conv2d, filters: [3], kernel: 3}\n",
			"3:38", `filters: expected an integer, got a list`},
		{"negative", in4 + "  - {name: c, type: conv2d, filters: -3, kernel: 3}\n",
			"3:38", `filters: must be at least 1, got -3`},
		{"kernel length", in4 + "  - {name: c, type: conv2d, filters: 3, kernel: [3, 3, 3]}\n",
			"3:49", `kernel: expected 2 values (one per spatial axis), got 3`},
		{"padding mode", in4 + "  - {name: c, type: conv2d, filters: 3, kernel: 3, padding: samee}\n",
			"3:61", `padding: "samee" is not a padding mode here`},
		{"bool", in4 + "  - {name: c, type: conv2d, filters: 3, kernel: 3, bias: yes}\n",
			"3:58", `bias: expected true or false, got the string "yes"`},
		{"enum", in4 + "  - {name: p, type: maxpool2d, pool: 2, rounding: ceiling}\n",
			"3:51", `rounding: "ceiling" is not one of floor, ceil, caffe (did you mean "ceil"?)`},
		{"unknown input", in4 + "  - {name: c, type: conv2d, filters: 3, kernel: 3, inputs: imput}\n",
			"3:60", `layer c (conv2d): input "imput" names no layer or input (did you mean "input"?)`},
		{"unknown input in list", "inputs: {a: [null, 4], b: [null, 4]}\nlayers:\n  - {name: s, type: add, inputs: [a, bb]}\n",
			"3:38", `input "bb" names no layer or input (did you mean "b"?)`},
		{"duplicate name", in4 + "  - {name: c, type: conv2d, filters: 3, kernel: 3}\n  - {name: c, type: flatten}\n",
			"4:5", `layer c (flatten): the name "c" is already used by the layer at 3:5`},
		{"name of the input", in4 + "  - {name: input, type: flatten}\n",
			"3:5", `the name "input" is already used by the input at 1:1`},
		{"duplicate attribute", in4 + "  - {name: c, type: flatten, start: 1, start: 2}\n",
			"3:40", `key "start" is given twice (first at 3:30)`},
		{"cycle", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 3, inputs: c}\n  - {name: b, type: dense, units: 3, inputs: a}\n  - {name: c, type: dense, units: 3, inputs: b}\n",
			"3:5", `layer a (dense): the layers form a cycle (each takes the next as input or shares its weights): a ← c ← b ← a`},
		{"self input", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 3, inputs: a}\n",
			"3:46", `layer a (dense): the layer takes itself as input`},
		{"sharing cycle", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 8, shares: b}\n  - {name: b, type: dense, units: 8, shares: a}\n",
			"3:5", `the layers form a cycle`},
		{"merge of one", "input: [null, 8]\nlayers:\n  - {name: a, type: add}\n",
			"3:5", `layer a (add): add joins two or more inputs (inputs: [a, b, …]), got 1`},
		{"two inputs to dense", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4, inputs: [input, input]}\n",
			"3:46", `dense takes one input, got 2`},
		{"several inputs, none named", "inputs: {a: [null, 4], b: [null, 4]}\nlayers:\n  - {name: d, type: dense, units: 2}\n",
			"3:5", `say which input this layer reads (inputs: …): the spec has 2 inputs, a, b`},
		{"no input", "layers:\n  - {name: d, type: dense, units: 2}\n",
			"2:5", `the first layer has no input`},
		{"share of a missing role", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4}\n  - {name: b, type: dense, units: 8, share: {kernal: a}}\n",
			"4:46", `share: dense has no parameter "kernal" (it has kernel, bias) (did you mean "kernel"?)`},
		{"share from a layer without it", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4}\n  - {name: b, type: dense, units: 8, share: {kernel: a.W}}\n",
			"4:54", `share: layer a (dense) has no parameter "W" (it has kernel, bias)`},
		{"shares an unknown layer", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4}\n  - {name: b, type: dense, units: 8, shares: aa}\n",
			"4:46", `shares "aa" names no layer or input (did you mean "a"?)`},
		{"shares without parameters", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4}\n  - {name: b, type: relu, shares: a}\n",
			"4:35", `relu has no parameters to share`},
		{"unknown top-level key", "input: [null, 8]\nlayerz:\n  - {type: relu}\n",
			"2:1", `unknown top-level key "layerz"`},
		{"layers not a list", "input: [null, 8]\nlayers: {type: relu}\n",
			"2:9", `layers: expected a list of layers, got a mapping`},
		{"layer not a mapping", "input: [null, 8]\nlayers:\n  - relu\n",
			"3:5", `layers[0]: a layer is a mapping such as {type: dense, units: 10}, got the string "relu"`},
		{"bad shape", "input: [null, \"x y\", 3]\nlayers:\n  - {type: relu}\n",
			"1:8", `input input: axis 1: a symbolic size is a name`},
		{"negative shape", "input: [null, -1]\nlayers:\n  - {type: relu}\n",
			"1:8", `axis 1: a size must be at least 0, got -1 (write null for an unknown size)`},
		{"input and inputs", "input: [null, 8]\ninputs: {a: [null, 8]}\nlayers:\n  - {type: relu}\n",
			"2:1", `give either input (one input) or inputs (named inputs), not both`},
		{"layout", "layout: NWHC\ninput: [null, 8]\nlayers:\n  - {type: relu}\n",
			"1:9", `layout: "NWHC" is not a layout (did you mean "NHWC"?)`},
		{"unknown output", "input: [null, 8]\nlayers:\n  - {name: a, type: relu}\noutputs: [b]\n",
			"4:11", `outputs: "b" names no layer`},
		{"dtype", "inputs: {t: {shape: [null, 8], dtype: int46}}\nlayers:\n  - {type: relu}\n",
			"1:39", `dtype: unknown element type "int46"`},
		{"YAML syntax", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 4\n",
			"3:5", `YAML: this flow mapping has no closing '}'`},
		{"YAML alias", "input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: *n}\n",
			"3:35", `YAML: alias *n names no anchor defined before it`},
		{"tab JSON", "{\n\t\"input\": [null, 8],\n\t\"layers\": [\n\t\t{\"name\": \"a\", \"type\": \"dense\", \"unit\": 4}\n\t]\n}\n",
			"4:34", `layer a (dense): unknown attribute "unit" (did you mean "units"?)`},
		{"JSON string for an int", "{\n  \"input\": [null, 8],\n  \"layers\": [\n    {\"name\": \"a\", \"type\": \"dense\", \"units\": 4},\n    {\"name\": \"b\", \"type\": \"dense\", \"units\": \"4\"}\n  ]\n}\n",
			"5:45", `layer b (dense): units: expected an integer, got the string "4" (write it without quotes)`},
		{"Keras file", `{"class_name": "Sequential", "config": {"layers": []}}`,
			"1:2", `this is a Keras model file, not a layerinfo spec`},
		{"empty", "", "", `the spec is empty`},
		{"not a mapping", "[1, 2]\n", "1:1", `a spec is a mapping with a ` + "`layers:`" + ` list`},
		{"two documents", "input: [null, 8]\nlayers: [{type: relu}]\n---\nlayers: []\n", "4:7", `a spec is one YAML document`},
		{"deep nesting", "input: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "1:72", `collections are nested more than 64 deep`},
		{"slice index and start", "input: [null, 8]\nlayers:\n  - {type: slice, axis: 1, index: 0, start: 1}\n",
			"3:35", `give either index (which removes the axis) or start/stop/step, not both`},
		{"perm", "input: [null, 2, 3]\nlayers:\n  - {type: permute, perm: [0, 1, 1]}\n",
			"3:27", `[0 1 1] is not a permutation of the axes 0..2`},
		{"reshape two -1", "input: [null, 2, 3]\nlayers:\n  - {type: reshape, shape: [0, -1, -1]}\n",
			"3:36", `entry 2: only one size may be -1`},
		{"rnn bias", "input: [null, 2, 3]\nlayers:\n  - {type: lstm, units: 4, bias: triple}\n",
			"3:34", `bias: "triple" is not one of single, double, none`},
		{"reset_after on lstm", "input: [null, 2, 3]\nlayers:\n  - {type: lstm, units: 4, reset_after: true}\n",
			"3:28", `unknown attribute "reset_after"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode("model.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error for\n%s", c.src)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			want := "model.yaml"
			if c.pos != "" {
				want += ":" + c.pos
			}
			if !strings.HasPrefix(e.Error(), want+": ") {
				t.Errorf("first error at %q, want %s\n%v", e.Error(), want, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n%v\ndoes not say %q", err, c.want)
			}
		})
	}
}

// Problems only inference can see (shapes) still point at the layer's
// entry.
func TestInferErrorsArePositioned(t *testing.T) {
	cases := []struct {
		src, pos, want string
	}{
		{"input: [null, 3, 4, 4]\nlayers:\n  - {type: flatten}\n  - {name: c, type: conv2d, filters: 2, kernel: 3}\n",
			"4:5", "layer c (conv2d): a convolution needs (batch, channels, spatial…) input"},
		{"input: [null, 3, 4, 4]\nlayers:\n  - name: c\n    type: conv2d\n    filters: 2\n    kernel: 5\n",
			"3:5", "layer c (conv2d): height"},
		{"inputs: {a: [null, 4, 2], b: [null, 3, 2]}\nlayers:\n  - {name: s, type: add, inputs: [a, b], broadcast: false}\n",
			"3:5", "layer s (add): inputs must have the same shape"},
		{"input: [null, 3, 8, 8]\nlayers:\n  - {name: g, type: groupnorm, groups: 2}\n",
			"3:5", "the number of groups (2) must divide the number of channels (3)"},
		{"input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 3}\n  - {name: b, type: dense, units: 3, shares: a}\n",
			"4:5", "layer b (dense): kernel is shared with a.kernel, whose shape 8x3 differs from the 3x3 this layer needs"},
	}
	for _, c := range cases {
		g, err := Decode("model.yaml", []byte(c.src))
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		err = infer.Run(g, infer.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "model.yaml:"+c.pos+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want at %s: …%s…", err, c.pos, c.want)
		}
	}
}

// Several problems are reported together, in the order they occur.
func TestSeveralErrors(t *testing.T) {
	src := "input: [null, 8]\nlayers:\n  - {type: dense, unit: 3}\n  - {type: dense, units: x}\n  - {type: relu, inputs: nowhere}\n"
	_, err := Decode("m.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"m.yaml:3:19:", "m.yaml:4:26:"}
	if len(lines) < len(want) {
		t.Fatalf("errors:\n%v", err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d is %q, want it at %s", i, lines[i], w)
		}
	}
}
