package spec

import (
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// Nodes keep the position of their entry: the first key of a block
// mapping, the '{' of a flow one, in YAML and in JSON indented by tabs or
// spaces.
func TestPositions(t *testing.T) {
	cases := []struct {
		name, src string
		want      map[string]string // node → line:col
	}{
		{"yaml", "# a comment\nname: p\ninput: [null, 4]\nlayers:\n  - name: a\n    type: dense\n    units: 3\n  -   {name: b, type: relu}\n  - type: relu\n",
			map[string]string{"input": "3:1", "a": "5:5", "b": "8:7", "relu_1": "9:5"}},
		{"json tabs", "{\n\t\"inputs\": {\"x\": [null, 4]},\n\t\"layers\": [\n\t\t{\"name\": \"a\", \"type\": \"dense\", \"units\": 3},\n\t\t{\"name\": \"b\", \"type\": \"relu\"}\n\t]\n}\n",
			map[string]string{"x": "2:13", "a": "4:3", "b": "5:3"}},
		{"json spaces", "{\n  \"input\": [null, 4],\n  \"layers\": [\n    {\n      \"name\": \"a\",\n      \"type\": \"dense\", \"units\": 3\n    }\n  ]\n}\n",
			map[string]string{"input": "2:3", "a": "4:5"}},
		{"crlf and a byte order mark", "\ufeffinput: [null, 4]\r\nlayers:\r\n  - name: a\r\n    type: dense\r\n    units: 3\r\n",
			map[string]string{"input": "1:1", "a": "3:5"}},
		{"json one line", `{"input": [null, 4], "layers": [{"name": "a", "type": "dense", "units": 3}, {"type": "relu"}]}`,
			map[string]string{"input": "1:2", "a": "1:33", "relu_1": "1:77"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := analyze(t, "m.json", c.src)
			for name, pos := range c.want {
				n := node(t, g, name)
				if got := n.Pos.String(); got != "m.json:"+pos {
					t.Errorf("%s at %s, want m.json:%s", name, got, pos)
				}
			}
			for _, n := range g.Nodes {
				if n.Pos.Path == "" {
					t.Errorf("%s has no path", n.Name)
				}
			}
		})
	}
}

// Names default to the type and a count, skipping names taken.
func TestDefaultNames(t *testing.T) {
	g := analyze(t, "n.yaml", specOf("", "[null, 4]", `
- {type: dense, units: 4}
- {type: dense, units: 4, name: dense_2}
- {type: dense, units: 4}
- {type: linear, units: 4}
- {type: ReLU}`))
	var got []string
	for _, n := range g.Nodes {
		got = append(got, n.Name+":"+n.Type)
	}
	want := "input:input dense_1:dense dense_2:dense dense_3:dense dense_4:dense relu_1:relu"
	if strings.Join(got, " ") != want {
		t.Errorf("names %v, want %s", got, want)
	}
}

// Outputs default to the layers nobody consumes; layers that lead to no
// given output are noted.
func TestOutputs(t *testing.T) {
	src := `
input: [null, 4]
layers:
  - {name: a, type: dense, units: 4}
  - {name: b, type: dense, units: 2, inputs: a}
  - {name: c, type: dense, units: 3, inputs: a}
`
	g := analyze(t, "o.yaml", src)
	if len(g.Outputs) != 2 || g.Outputs[0].Producer.Name != "b" || g.Outputs[1].Producer.Name != "c" {
		t.Errorf("outputs %v, want b, c", g.Outputs)
	}
	g = analyze(t, "o.yaml", src+"outputs: b\n")
	if len(g.Outputs) != 1 || g.Outputs[0].Producer.Name != "b" {
		t.Errorf("outputs %v, want b", g.Outputs)
	}
	if len(g.Notes) != 1 || !strings.Contains(g.Notes[0], "c") {
		t.Errorf("notes %v, want one about c", g.Notes)
	}
	if g.Format != "spec" || g.Prints.Which != "" || g.Name != "o" {
		t.Errorf("graph %q format %q prints %+v", g.Name, g.Format, g.Prints)
	}
}

// The spec's conventions land in the ops' fields.
func TestOps(t *testing.T) {
	g := analyze(t, "ops.yaml", `
layout: NHWC
input: [null, 9, 9, 4]
layers:
  - {name: s, type: conv2d, filters: 4, kernel: 3, padding: same}
  - {name: l, type: conv2d, filters: 4, kernel: 3, padding: same_lower}
  - {name: f, type: conv2d, filters: 4, kernel: 3, padding: full}
  - {name: e, type: conv2d, filters: 4, kernel: 3, padding: [[1, 0], [2, 1]]}
  - {name: p, type: maxpool2d, pool: 2, rounding: caffe}
  - {name: t, type: conv_transpose2d, filters: 4, kernel: 3}
  - {name: d, type: dense, units: 3}
  - {name: b, type: batchnorm}
`)
	conv := func(name string) *op.Conv {
		c, ok := node(t, g, name).Op.(*op.Conv)
		if !ok {
			t.Fatalf("%s: op %T", name, node(t, g, name).Op)
		}
		return c
	}
	if c := conv("s"); c.Pad.Mode != op.PadSameEnd || c.Layout != op.ChannelsLast || c.WeightOrder != op.KernelInOut {
		t.Errorf("same: %+v", c)
	}
	if c := conv("l"); c.Pad.Mode != op.PadSameBegin {
		t.Errorf("same_lower: %+v", c.Pad)
	}
	if c := conv("f"); c.Pad.Mode != op.PadFull {
		t.Errorf("full: %+v", c.Pad)
	}
	if c := conv("e"); c.Pad.Mode != op.PadExplicit || len(c.Pad.Begin) != 2 || c.Pad.Begin[0] != 1 || c.Pad.End[0] != 0 || c.Pad.Begin[1] != 2 || c.Pad.End[1] != 1 {
		t.Errorf("explicit: %+v", c.Pad)
	}
	if c := conv("t"); !c.Transposed {
		t.Errorf("transposed: %+v", c)
	}
	if p, ok := node(t, g, "p").Op.(*op.Pool); !ok || p.Rounding != op.CeilCaffe || p.Mode != "max" {
		t.Errorf("pool: %#v", node(t, g, "p").Op)
	}
	if l, ok := node(t, g, "d").Op.(*op.Linear); !ok || l.From != -1 || !l.Bias {
		t.Errorf("dense: %#v", node(t, g, "d").Op)
	}
	if b, ok := node(t, g, "b").Op.(*op.Norm); !ok || len(b.Axes) != 1 || b.Axes[0] != -1 {
		t.Errorf("batchnorm: %#v", node(t, g, "b").Op)
	}
	var roles []string
	for _, p := range node(t, g, "b").Params {
		roles = append(roles, p.Role)
	}
	if strings.Join(roles, " ") != "gamma beta moving_mean moving_variance" {
		t.Errorf("batchnorm parameters %v", roles)
	}
}

// YAML's own features: anchors, aliases, merge keys and tags reuse
// settings; x- keys (ignored) hold the templates.
func TestYAMLFeatures(t *testing.T) {
	src := `
x-conv3: &conv3 {type: conv2d, kernel: 3, padding: same, bias: false}
input: [null, 3, 16, 16]
layers:
  - {<<: *conv3, name: a, filters: 8, x-note: stem}
  - {<<: *conv3, name: b, filters: 8, bias: true}
  - <<: *conv3
    name: c
    filters: !!int 4
`
	g := analyze(t, "y.yaml", src)
	for name, want := range map[string]int64{"a": 3 * 3 * 3 * 8, "b": (3*3*8 + 1) * 8, "c": 3 * 3 * 8 * 4} {
		if tr, _ := own(node(t, g, name)); tr != want {
			t.Errorf("%s: %d parameters, want %d", name, tr, want)
		}
	}
	if s := node(t, g, "c").Outputs[0].Shape; !s.Equal(graph.S(N, 4, 16, 16)) {
		t.Errorf("c: %s", s)
	}
}
