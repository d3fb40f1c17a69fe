package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/layerinfo/layerinfo/format/gguf"
	"github.com/layerinfo/layerinfo/format/safetensors"
	"github.com/layerinfo/layerinfo/format/torchpt"
	"github.com/layerinfo/layerinfo/graph"
)

// SniffSafetensors: a .safetensors name, or an 8-byte length followed by '{'.
func SniffSafetensors(name string, head []byte) bool {
	if strings.HasSuffix(name, ".safetensors") {
		return true
	}
	if len(head) >= 10 && head[8] == '{' && head[9] == '"' {
		n := binary.LittleEndian.Uint64(head)
		return n > 1 && n < 1<<32
	}
	return false
}

// SniffIndex: a sharded checkpoint's model.safetensors.index.json.
func SniffIndex(name string, head []byte) bool {
	return strings.HasSuffix(name, ".index.json") || (bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")) && bytes.Contains(head, []byte(`"weight_map"`)))
}

// SniffGGUF: the GGUF magic.
func SniffGGUF(name string, head []byte) bool { return bytes.HasPrefix(head, []byte("GGUF")) }

// SniffTorch: a zip archive or a legacy torch pickle, or a PyTorch name.
func SniffTorch(name string, head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return true
	}
	for _, ext := range []string{".pt", ".pth", ".ckpt"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return strings.HasSuffix(name, ".bin") && len(head) > 2 && head[0] == 0x80
}

// dtypeName maps safetensors/torch dtype names to numpy-style ones.
func dtypeName(s string) graph.DType {
	switch s {
	case "F64":
		return graph.Float64
	case "F32":
		return graph.Float32
	case "F16":
		return graph.Float16
	case "BF16":
		return graph.BFloat16
	case "I64":
		return graph.Int64
	case "I32":
		return graph.Int32
	case "I16":
		return graph.Int16
	case "I8":
		return graph.Int8
	case "U8":
		return graph.Uint8
	case "BOOL":
		return graph.Bool
	case "F8_E4M3":
		return "float8e4m3fn"
	case "F8_E5M2":
		return "float8e5m2"
	}
	return graph.DType(strings.ToLower(s))
}

// Safetensors reads one safetensors file's header.
func Safetensors(name string, r io.ReaderAt, size int64) (*graph.Graph, error) {
	f, err := (&safetensors.Decoder{Name: name}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	var ts []Tensor
	for _, t := range f.Tensors {
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType.Name), Bytes: t.Bytes})
	}
	notes := configNote(name)
	if v, ok := f.Metadata["format"]; ok {
		notes = append(notes, "metadata format: "+v)
	}
	return Build(name, "safetensors", ts, notes)
}

// SafetensorsIndex reads every shard a model.safetensors.index.json names.
func SafetensorsIndex(name string) (*graph.Graph, error) {
	if name == "" || name == "<stdin>" {
		return nil, errNoDir
	}
	m, err := safetensors.OpenIndex(name) // its errors name the index or the shard
	if err != nil {
		return nil, err
	}
	var ts []Tensor
	for _, t := range m.Tensors {
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType.Name), Bytes: t.Bytes})
	}
	notes := append(configNote(name), fmt.Sprintf("%d shards", len(m.Files)))
	return Build(name, "safetensors", ts, notes)
}

// GGUF reads a GGUF file's header; quantized tensors keep their block
// layout's exact byte size.
func GGUF(name string, r io.ReaderAt, size int64) (*graph.Graph, error) {
	f, err := (&gguf.Decoder{Name: name}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	var ts []Tensor
	for _, t := range f.Tensors {
		dt := graph.DType(strings.ToLower(t.Type.String()))
		switch t.Type.String() {
		case "F32":
			dt = graph.Float32
		case "F16":
			dt = graph.Float16
		case "BF16":
			dt = graph.BFloat16
		}
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dt, Bytes: t.Bytes})
	}
	var notes []string
	if a := f.Architecture(); a != "" {
		n := "architecture " + a
		if m := f.ModelName(); m != "" {
			n += " (" + m + ")"
		}
		notes = append(notes, n)
	}
	if c, ok := f.ParameterCount(); ok {
		notes = append(notes, fmt.Sprintf("general.parameter_count says %d", c))
	}
	g, err := Build(name, "gguf", ts, notes)
	if err != nil {
		return nil, err
	}
	// GGUF stores quantized types: every tensor is trainable weight data
	// as far as counting goes.
	return g, nil
}

// Torch reads a torch.save checkpoint's pickle (never its tensor data).
func Torch(name string, r io.ReaderAt, size int64) (*graph.Graph, error) {
	f, err := (&torchpt.Decoder{Name: name}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	var ts []Tensor
	for _, t := range f.Tensors {
		tie := ""
		if t.Storage != nil {
			tie = fmt.Sprintf("%s@%d", t.Storage.Key, t.StorageOffset)
		}
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType), Bytes: t.Bytes, Tie: tie})
	}
	return Build(name, "torch", ts, configNote(name))
}
