package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/format/gguf"
	"github.com/layerinfo/layerinfo/format/safetensors"
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

// SniffTorch: a zip archive or a legacy torch pickle (its magic number
// first, whatever the name: ImageNet-style checkpoint.pth.tar), or a
// PyTorch name.
func SniffTorch(name string, head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		// Other zips: a Keras 3 archive, NumPy's savez.
		return !strings.HasSuffix(name, ".keras") && !strings.HasSuffix(name, ".npz")
	}
	if bytes.HasPrefix(head, []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}) {
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
func Safetensors(name string, r io.ReaderAt, size int64, opt Options) (*graph.Graph, error) {
	f, err := (&safetensors.Decoder{Name: name, Budget: opt.Budget, Reserve: RowCost}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	ts := make([]Tensor, 0, len(f.Tensors))
	for _, t := range f.Tensors {
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType.Name), Bytes: t.Bytes})
	}
	if len(ts) == 0 {
		what := "an empty header"
		if len(f.Metadata) > 0 {
			var kv []string
			for k, v := range f.Metadata {
				kv = append(kv, fmt.Sprintf("%s %q", k, v))
			}
			sort.Strings(kv)
			what = "only __metadata__: " + strings.Join(kv, ", ")
		}
		return nil, fmt.Errorf("no tensors in %s: it holds %s", name, what)
	}
	notes := configNote(name, opt.Dir)
	if v, ok := f.Metadata["format"]; ok {
		notes = append(notes, "metadata format: "+v)
	}
	return build(name, "safetensors", ts, notes, opt.Budget, 0)
}

// SafetensorsIndex reads the model.safetensors.index.json r of size bytes
// and every shard it names from opt.Dir, or a pytorch_model.bin.index.json
// and its torch.save shards. Without opt.Dir no shard can be read.
func SafetensorsIndex(name string, r io.ReaderAt, size int64, opt Options) (*graph.Graph, error) {
	d := &safetensors.Decoder{Name: name, Budget: opt.Budget, Reserve: RowCost}
	ix, err := d.DecodeIndex(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, err
	}
	for _, shard := range ix.Shards() {
		if !strings.HasSuffix(shard, ".safetensors") {
			return torchIndex(name, ix, opt)
		}
	}
	m, err := d.Shards(name, ix, opt.Dir) // its errors name the index or the shard
	if err != nil {
		return nil, err
	}
	if len(m.Tensors) == 0 {
		return nil, fmt.Errorf("no tensors in %s: its weight_map is empty", name)
	}
	ts := make([]Tensor, 0, len(m.Tensors))
	for _, t := range m.Tensors {
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType.Name), Bytes: t.Bytes})
	}
	notes := append(configNote(name, opt.Dir), fmt.Sprintf("%d shards", len(m.Files)))
	return build(name, "safetensors", ts, notes, opt.Budget, 0)
}

// GGUF reads a GGUF file's header; quantized tensors keep their block
// layout's exact byte size.
func GGUF(name string, r io.ReaderAt, size int64, opt Options) (*graph.Graph, error) {
	f, err := (&gguf.Decoder{Name: name, Budget: opt.Budget, Reserve: RowCost}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	ts := make([]Tensor, 0, len(f.Tensors))
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
	meta := ggufMetadata(f)
	if len(ts) == 0 {
		what := "only metadata"
		if len(meta) > 0 {
			what += ": " + strings.Join(meta, ", ")
		}
		if _, ok := f.Metadata["tokenizer.ggml.tokens"]; ok {
			what += " (a vocab-only GGUF, as llama.cpp ships for its tokenizer tests)"
		}
		return nil, fmt.Errorf("no tensors in %s: it holds %s", name, what)
	}
	var notes []string
	if len(meta) > 0 {
		notes = append(notes, "GGUF metadata: "+strings.Join(meta, ", "))
	}
	if c, ok := f.ParameterCount(); ok {
		notes = append(notes, fmt.Sprintf("general.parameter_count says %s", thousands(c)))
	}
	g, err := build(name, "gguf", ts, notes, opt.Budget, 0)
	if err != nil {
		return nil, err
	}
	// GGUF stores quantized types: every tensor is trainable weight data
	// as far as counting goes.
	return g, nil
}

// ggufMetadata describes the model from a GGUF file's metadata: its
// architecture and name, the hyperparameters under "<arch>.", the
// tokenizer and the file type (llama.cpp's llama_ftype).
func ggufMetadata(f *gguf.File) []string {
	var out []string
	arch := f.Architecture()
	if arch != "" {
		out = append(out, "architecture "+arch)
	}
	if n := f.ModelName(); n != "" {
		out = append(out, "name "+strconv.Quote(n))
	}
	num := func(key, label string) {
		v, ok := f.Metadata[key]
		if !ok {
			return
		}
		if i, ok := v.Int(); ok {
			out = append(out, fmt.Sprintf("%s %s", label, thousands(i)))
			return
		}
		if x, ok := v.Float(); ok {
			out = append(out, fmt.Sprintf("%s %g", label, x))
			return
		}
		out = append(out, fmt.Sprintf("%s %s", label, v))
	}
	if arch != "" {
		// Labelled by their keys, as llama.cpp and gguf-py name them.
		num(arch+".block_count", "block_count")
		num(arch+".context_length", "context_length")
		num(arch+".embedding_length", "embedding_length")
		num(arch+".feed_forward_length", "feed_forward_length")
		num(arch+".attention.head_count", "head_count")
		num(arch+".attention.head_count_kv", "head_count_kv")
		num(arch+".expert_count", "expert_count")
		num(arch+".expert_used_count", "expert_used_count")
	}
	if v, ok := f.Metadata["tokenizer.ggml.tokens"]; ok {
		if a, ok := v.Array(); ok {
			s := fmt.Sprintf("vocabulary %s tokens", thousands(int64(min(a.Len, 1<<62))))
			if m, ok := f.Metadata["tokenizer.ggml.model"].Str(); ok && m != "" {
				s += " (" + m + " tokenizer)"
			}
			out = append(out, s)
		}
	}
	if v, ok := f.Metadata["general.file_type"]; ok {
		if i, ok := v.Int(); ok {
			if name := fileTypeName(i); name != "" {
				out = append(out, fmt.Sprintf("quantization %s (general.file_type %d)", name, i))
			} else {
				out = append(out, fmt.Sprintf("general.file_type %d", i))
			}
		}
	}
	num("general.quantization_version", "quantization_version")
	return out
}

// fileTypeName names llama.cpp's llama_ftype values (include/llama.h) as
// llama_model_ftype_name does; gaps are types since removed.
func fileTypeName(t int64) string {
	guessed := ""
	if t&1024 != 0 {
		t &^= 1024
		guessed = " (guessed)"
	}
	names := map[int64]string{
		0: "all F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_1, some F16", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
		10: "Q2_K - Medium", 11: "Q3_K - Small", 12: "Q3_K - Medium", 13: "Q3_K - Large",
		14: "Q4_K - Small", 15: "Q4_K - Medium", 16: "Q5_K - Small", 17: "Q5_K - Medium", 18: "Q6_K",
		19: "IQ2_XXS - 2.0625 bpw", 20: "IQ2_XS - 2.3125 bpw", 21: "Q2_K - Small", 22: "IQ3_XS - 3.3 bpw",
		23: "IQ3_XXS - 3.0625 bpw", 24: "IQ1_S - 1.5625 bpw", 25: "IQ4_NL - 4.5 bpw", 26: "IQ3_S - 3.4375 bpw",
		27: "IQ3_S mix - 3.66 bpw", 28: "IQ2_S - 2.5 bpw", 29: "IQ2_M - 2.7 bpw", 30: "IQ4_XS - 4.25 bpw",
		31: "IQ1_M - 1.75 bpw", 32: "BF16", 36: "TQ1_0 - 1.69 bpw ternary", 37: "TQ2_0 - 2.06 bpw ternary",
		38: "MXFP4 MoE",
	}
	if n, ok := names[t]; ok {
		return n + guessed
	}
	return ""
}
