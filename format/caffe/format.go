package caffe

import (
	"bytes"
	"context"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Format is Caffe's model files as a format.Format: .prototxt net
// definitions (NetParameter in protobuf text format, V1 layers too) and
// .caffemodel binaries.
type Format struct {
	Options Options
}

var _ format.Format = Format{}

func (Format) Name() string { return "caffe" }
func (Format) Doc() string {
	return "Caffe .prototxt nets (layer { } and V1 layers { }) and .caffemodel files: every layer's top shapes and blobs as Caffe builds them"
}

// Sniff: a .caffemodel name with a binary head, or text whose fields are a
// NetParameter's (layer { … type: …}, layers { … }, input_dim) is Caffe's;
// the .prototxt extension alone is likely.
func (Format) Sniff(name string, head []byte) format.Sure {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".caffemodel") || strings.HasSuffix(lower, ".caffemodel.h5") {
		if strings.HasSuffix(lower, ".h5") {
			return format.No
		}
		if looksBinaryNet(head) {
			return format.Certain
		}
		return format.Likely
	}
	text := isText(head)
	if text && looksTextNet(head) {
		if strings.HasSuffix(lower, ".prototxt") {
			return format.Certain
		}
		return format.Likely
	}
	if strings.HasSuffix(lower, ".prototxt") && text {
		return format.Likely
	}
	if !text && looksBinaryNet(head) {
		return format.Maybe
	}
	return format.No
}

func isText(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	for _, c := range head {
		if c == 0 || c < 0x09 {
			return false
		}
	}
	return true
}

// looksTextNet finds a NetParameter's fields at the start of lines:
// a layer { or layers { message (YAML writes "layers:"), input_dim:, or
// input: "name" with an input_shape { (a YAML spec's input: is a list or
// a mapping; a TensorFlow pbtxt's node inputs are indented).
func looksTextNet(head []byte) bool {
	input, shape := false, false
	for _, line := range bytes.Split(head, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t")
		for _, p := range []string{"layer {", "layer{", "layers {", "layers{", "layer <", "layers <"} {
			if bytes.HasPrefix(t, []byte(p)) {
				return true
			}
		}
		if bytes.HasPrefix(line, []byte("input_dim:")) {
			return true
		}
		if bytes.HasPrefix(line, []byte("input: \"")) || bytes.HasPrefix(line, []byte("input: '")) {
			input = true
		}
		if bytes.HasPrefix(line, []byte("input_shape {")) || bytes.HasPrefix(line, []byte("input_shape{")) {
			shape = true
		}
	}
	return input && shape
}

// looksBinaryNet: a NetParameter's first field is usually name (1,
// string), layers (2) or layer (100), or input (3).
func looksBinaryNet(head []byte) bool {
	if len(head) < 2 {
		return false
	}
	switch head[0] {
	case 0x0a, 0x12, 0x1a: // name, layers, input: length-delimited
		return true
	case 0xa2: // layer = 100: tag 0x322 → a2 06
		return head[1] == 0x06
	}
	return false
}

// Decode reads a prototxt or a caffemodel, by its content.
func (f Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	head := in.Head(format.HeadSize)
	if !isText(head) || strings.HasSuffix(strings.ToLower(in.Name), ".caffemodel") {
		return DecodeModel(ctx, in, f.Options)
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	return DecodeText(in.Name, src, f.Options, in)
}

// DecodeText reads a prototxt.
func DecodeText(name string, src []byte, opt Options, in format.Input) (*graph.Graph, error) {
	root, err := parseText(name, src, in.Budget)
	if err != nil {
		return nil, err
	}
	if !root.has("layer") && !root.has("layers") && (root.has("base_lr") || root.has("train_net") || root.has("net") || root.has("net_param")) {
		msg := "a Caffe solver definition, not a net"
		for _, f := range []string{"net", "train_net"} {
			if v := root.last(f); v != nil && v.str {
				msg += "; its net is " + v.text
				break
			}
		}
		return nil, &graph.Error{Pos: graph.Pos{File: name}, Msg: msg}
	}
	var notes []string
	if err := check(root, &notes); err != nil {
		return nil, posErr(name, "", err)
	}
	n, err := readNet(root)
	if err != nil {
		return nil, posErr(name, "", err)
	}
	n.notes = append(n.notes, notes...)
	return build(name, n, opt, false)
}
