package caffe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// encode writes a tree in the protobuf wire format by the schema (the
// reverse of walk), for tests: a caffemodel made from a prototxt.
func encode(t testing.TB, m *message) []byte {
	t.Helper()
	var b []byte
	def := schemaDefs()[m.typ]
	for _, v := range m.fields {
		fd := def.byName[v.name]
		if fd == nil || fd.num == 0 {
			continue
		}
		num := protowire.Number(fd.num)
		switch fd.kind {
		case 'm':
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, encode(t, v.msg))
		case 's':
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, v.text)
		case 'f', 'x':
			x, err := v.float()
			if err != nil {
				t.Fatal(err)
			}
			b = protowire.AppendTag(b, num, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, uint32(int32(x)))
		case 'b':
			x, _ := v.bool()
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, protowire.EncodeBool(x))
		case 'e':
			n := int64(-1)
			for _, e := range enumDefs()[fd.typ] {
				if e.name == v.text {
					n = int64(e.num)
				}
			}
			if n < 0 {
				t.Fatalf("enum %s: %s", fd.typ, v.text)
			}
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(n))
		default:
			x, err := v.int()
			if err != nil {
				t.Fatal(err)
			}
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(x))
		}
	}
	return b
}

// blobProtoData is a BlobProto of shape, with its data (packed zeros) or without (a file of shapes
// only, to keep tests of large nets small).
func blobProtoData(shape []int64, data bool) []byte {
	var s []byte
	for _, d := range shape {
		s = protowire.AppendVarint(s, uint64(d))
	}
	var shp []byte
	shp = protowire.AppendTag(shp, 1, protowire.BytesType)
	shp = protowire.AppendBytes(shp, s)
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	var b []byte
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, shp)
	if data {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(4*n))
		b = append(b, make([]byte, 4*n)...)
	}
	return b
}

// modelOf makes a caffemodel of a prototxt: its net, each layer with
// blobs of the shapes blobs gives by layer name, data included.
func modelOf(t testing.TB, src string, blobs map[string][][]int64, phase string) []byte {
	return modelOfWith(t, src, blobs, phase, len(src) < 2000)
}

// modelOfData is modelOf with every blob's data.
func modelOfData(t testing.TB, src string, blobs map[string][][]int64) []byte {
	return modelOfWith(t, src, blobs, "", true)
}

func modelOfWith(t testing.TB, src string, blobs map[string][][]int64, phase string, withData bool) []byte {
	t.Helper()
	root, err := parseText("x.prototxt", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range root.fields {
		v := &root.fields[i]
		if v.name != "layer" && v.name != "layers" {
			continue
		}
		if v.name == "layer" && phase != "" {
			v.msg.fields = append(v.msg.fields, value{name: "phase", text: phase})
		}
		name, _ := v.msg.str("name")
		_ = name
	}
	var out []byte
	for _, v := range root.fields {
		if v.name != "layer" && v.name != "layers" {
			one := &message{typ: "NetParameter", fields: []value{v}}
			out = append(out, encode(t, one)...)
			continue
		}
		typ := "LayerParameter"
		num := protowire.Number(100)
		blobField := protowire.Number(7)
		if v.name == "layers" {
			typ, num, blobField = "V1LayerParameter", 2, 6
		}
		v.msg.typ = typ
		body := encode(t, v.msg)
		name, _ := v.msg.str("name")
		for _, s := range blobs[name] {
			body = protowire.AppendTag(body, blobField, protowire.BytesType)
			body = protowire.AppendBytes(body, blobProtoData(s, withData))
		}
		out = protowire.AppendTag(out, num, protowire.BytesType)
		out = protowire.AppendBytes(out, body)
	}
	return out
}

// blobsOf lists each layer's blob shapes as the prototxt analysis made them.
func blobsOf(g *graph.Graph) map[string][][]int64 {
	m := map[string][][]int64{}
	for _, n := range g.Nodes {
		for _, p := range n.Params {
			var s []int64
			for _, d := range p.Shape {
				s = append(s, d.Size)
			}
			m[n.Name] = append(m[n.Name], s)
		}
	}
	return m
}

func decodeModel(t testing.TB, name string, data []byte, opt Options) (*graph.Graph, error) {
	return Format{Options: opt}.Decode(context.Background(), format.Input{Name: name, R: bytes.NewReader(data), Size: int64(len(data))})
}

// TestCaffemodelReference: each reference prototxt written as a
// caffemodel with its blobs (data included) reads back with the same
// layers, top shapes and blobs as Caffe's (the reference's figures).
func TestCaffemodelReference(t *testing.T) {
	for _, path := range refFiles(t) {
		base := strings.TrimSuffix(filepath.Base(path), ".prototxt")
		t.Run(base, func(t *testing.T) {
			g, _ := analyse(t, path, Options{})
			src, _ := os.ReadFile(path)
			data := modelOf(t, string(src), blobsOf(g), "TEST")
			mg, err := decodeModel(t, base+".caffemodel", data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := infer.Run(mg, infer.Options{}); err != nil {
				t.Fatal(err)
			}
			if len(mg.Nodes) != len(g.Nodes) {
				t.Fatalf("%d layers, prototxt %d", len(mg.Nodes), len(g.Nodes))
			}
			for i, n := range mg.Nodes {
				w := g.Nodes[i]
				if n.Name != w.Name || n.Type != w.Type || dims(n.Outputs[0].Shape) != dims(w.Outputs[0].Shape) {
					t.Errorf("layer %d: %s %s %s, prototxt %s %s %s", i, n.Name, n.Type, dims(n.Outputs[0].Shape), w.Name, w.Type, dims(w.Outputs[0].Shape))
				}
				for _, note := range n.Notes() {
					if strings.Contains(note, "caffemodel stores") {
						t.Errorf("layer %s: %s", n.Name, note)
					}
				}
			}
		})
	}
}

// TestCaffemodelV1: a V1 net (layers { type: CONVOLUTION }) as a
// binary, with blobs in the legacy num/channels/height/width form and a
// wrong one, which the layer's note names.
func TestCaffemodelV1(t *testing.T) {
	src := `name: "v1"
input: "data"
input_dim: 2 input_dim: 3 input_dim: 8 input_dim: 8
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv" blobs_lr: 1 blobs_lr: 0
  convolution_param { num_output: 4 kernel_size: 3 } }
layers { name: "ip" type: INNER_PRODUCT bottom: "conv" top: "ip" inner_product_param { num_output: 5 } }
`
	// conv: 2x3x8x8 -> 2x4x6x6 (8-3+1); weight 4x3x3x3 = 108, bias 4.
	// ip: K = 4*6*6 = 144; weight 5x144 = 720, bias 5. The caffemodel
	// stores ip's weight as 1x1x5x144 (legacy 4-D) and a wrong bias (6).
	blobs := map[string][][]int64{"conv": {{4, 3, 3, 3}, {4}}}
	data := modelOf(t, src, blobs, "")
	var ip []byte
	for _, s := range [][]int64{{1, 1, 5, 144}, {1, 1, 1, 6}} {
		var bp []byte
		for i, d := range s {
			bp = protowire.AppendTag(bp, protowire.Number(i+1), protowire.VarintType)
			bp = protowire.AppendVarint(bp, uint64(d))
		}
		ip = protowire.AppendTag(ip, 6, protowire.BytesType)
		ip = protowire.AppendBytes(ip, bp)
	}
	// Append the blobs to the last layer: rewrite it with them.
	g, err := decodeModel(t, "v1.caffemodel", append(data, protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), append(encodeLayerName("ip2"), ip...))...), Options{})
	if err == nil {
		t.Fatalf("a layer without a type read: %d nodes", len(g.Nodes))
	}
	g, err = decodeModel(t, "v1.caffemodel", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	conv := g.Nodes[1]
	if got := dims(conv.Outputs[0].Shape); got != "[2 4 6 6]" {
		t.Errorf("conv top %s, want [2 4 6 6]", got)
	}
	w, b := conv.ParamByRole("weight"), conv.ParamByRole("bias")
	if w == nil || b == nil || !w.Trainable || b.Trainable {
		t.Errorf("conv blobs %v %v: want the weight trainable and the bias not (blobs_lr 0)", w, b)
	}
	if v, _ := g.Nodes[2].Count.Value(); v != 725 {
		t.Errorf("ip count %d, want 720+5", v)
	}
}

func encodeLayerName(name string) []byte {
	b := protowire.AppendTag(nil, 4, protowire.BytesType)
	return protowire.AppendString(b, name)
}

var _ = strconv.Itoa

// TestCaffemodelTrainOnly: a V1 caffemodel saved from a training net
// records no phase; its TEST net has no input, so it is built in TRAIN.
func TestCaffemodelTrainOnly(t *testing.T) {
	src := `layers { name: "mem" type: MEMORY_DATA top: "data" top: "label" include { phase: TRAIN }
  memory_data_param { batch_size: 4 channels: 2 height: 3 width: 3 } }
layers { name: "ip" type: INNER_PRODUCT bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
layers { name: "loss" type: SOFTMAX_LOSS bottom: "ip" bottom: "label" top: "loss" }`
	// ip: K = 2*3*3 = 18, (18+1)*2 = 38.
	g, err := decodeModel(t, "t.caffemodel", modelOf(t, src, map[string][][]int64{"ip": {{2, 18}, {2}}}, ""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := infer.Run(g, infer.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 3 || dims(g.Nodes[0].Outputs[0].Shape) != "[4 2 3 3]" || dims(g.Nodes[2].Outputs[0].Shape) != "[]" {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	if v, _ := g.Nodes[1].Count.Value(); v != 38 {
		t.Errorf("ip %d params, want 38", v)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "built in TRAIN") {
		t.Errorf("notes %q", g.Notes)
	}
}
