package keras

import (
	"bytes"
	"context"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// Format is Keras's model files as a format.Format: model JSON, .keras
// archives and HDF5 .h5 files.
type Format struct{}

var _ format.Format = Format{}

func (Format) Name() string { return "keras" }
func (Format) Doc() string {
	return "Keras model JSON (Keras 2, tf.keras, TF.js, Keras 3), .keras archives and .h5 files: model.summary()'s shapes and params"
}

var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// Sniff: an HDF5 signature (at 0 or after a user block) is certain, as
// is a zip named .keras or one whose first member is Keras's; JSON whose
// first keys are a Keras model's is likely.
func (Format) Sniff(name string, head []byte) format.Sure {
	lower := strings.ToLower(name)
	for _, off := range []int{0, 512, 1024, 2048} {
		if len(head) >= off+8 && bytes.Equal(head[off:off+8], hdf5Magic) {
			return format.Certain
		}
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		if strings.HasSuffix(lower, ".keras") {
			return format.Certain
		}
		// Keras writes metadata.json, config.json, model.weights.h5 first.
		if len(head) >= 30 {
			n := int(head[26]) | int(head[27])<<8
			if 30+n <= len(head) {
				switch string(head[30 : 30+n]) {
				case "metadata.json", "config.json":
					return format.Likely
				}
			}
		}
		return format.No
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '{' {
		return format.No
	}
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	if has(`"modelTopology"`) && has(`"class_name"`) {
		return format.Likely
	}
	if has(`"class_name"`) && has(`"config"`) {
		for _, c := range modelClasses {
			if has(`"class_name": "`+c+`"`) || has(`"class_name":"`+c+`"`) {
				return format.Likely
			}
		}
		if has(`"keras_version"`) || has(`"layers"`) {
			return format.Likely
		}
		return format.Maybe
	}
	return format.No
}

// Decode reads a Keras file, by its content: HDF5, a zip archive, or JSON.
func (Format) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loadTables()
	head := in.Head(format.HeadSize)
	for _, off := range []int{0, 512, 1024, 2048} {
		if len(head) >= off+8 && bytes.Equal(head[off:off+8], hdf5Magic) {
			return DecodeH5(in.Name, in.R, in.Size, in.Budget)
		}
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return DecodeArchive(in.Name, in.R, in.Size, in.Budget)
	}
	src, err := in.Text()
	if err != nil {
		return nil, err
	}
	return decodeJSON(in.Name, src, in.Budget, nil)
}
