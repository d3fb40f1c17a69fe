package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// Checkpoints as people have them: the fixtures of ../torchpt/testdata
// were written by torch.save (gen_checkpoints.py); every expected count
// is derived from the module definitions there.

func torchFile(t *testing.T, name string) (*graph.Graph, error) {
	t.Helper()
	path := filepath.Join("../torchpt/testdata", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	return Torch(path, f, st.Size(), Options{})
}

func notes(r *stats.Report) string { return strings.Join(r.Notes, "\n") }

func wantNotes(t *testing.T, r *stats.Report, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(notes(r), w) {
			t.Errorf("notes lack %q:\n%s", w, notes(r))
		}
	}
}

func layerNames(r *stats.Report) string {
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name)
	}
	return strings.Join(names, " ")
}

func TestTorchTrainingCheckpoint(t *testing.T) {
	g, err := torchFile(t, "train_adam.pt")
	r := report(t, g, err)
	// Linear(4,8) + Linear(8,2): (4+1)*8 + (8+1)*2; Adam's state is not.
	if r.Totals.Params != 58 || r.Totals.TrainableParams != 58 {
		t.Errorf("params %d (trainable %d), want 58", r.Totals.Params, r.Totals.TrainableParams)
	}
	if got := layerNames(r); got != "0 2" {
		t.Errorf("rows %q", got)
	}
	// Adam keeps step (a scalar), exp_avg and exp_avg_sq per parameter
	// tensor: 4 + 2*58 elements.
	wantNotes(t, r, `the model is the state dict "model" (4 tensors)`,
		`optimizer state "optimizer" (Adam-like: step, exp_avg, exp_avg_sq; state for 4 of 4 parameters in 1 param group): 12 tensors, 120 elements, not counted`,
		"best_acc numpy float64 0.9375", "mean numpy array 3 float32", "epoch 3")
}

func TestTorchLightning(t *testing.T) {
	g, err := torchFile(t, "lightning.ckpt")
	r := report(t, g, err)
	// Linear(4,8) 40, BatchNorm1d(8) 16 + buffers 8+8+1, Linear(8,2) 18.
	if r.Totals.Params != 40+16+17+18 || r.Totals.NonTrainableParams != 17 {
		t.Errorf("params %d (non-trainable %d), want 91 (17)", r.Totals.Params, r.Totals.NonTrainableParams)
	}
	if got := layerNames(r); got != "net.0 net.1 net.3" {
		t.Errorf("rows %q", got)
	}
	// SGD with momentum: one buffer per parameter tensor, 74 elements.
	wantNotes(t, r, `optimizer state "optimizer_states.0" (SGD with momentum: momentum_buffer; state for 6 of 6 parameters in 1 param group): 6 tensors, 74 elements`,
		`"lr_schedulers.0": a StepLR-like LR scheduler state (step_size 30, gamma 0.1, last_epoch 1), not counted`,
		"callbacks dict of 1 entry (4 tensors, 4 elements)", `pytorch-lightning_version "2.1.0"`, "global_step 40")
}

func TestTorchPickledModule(t *testing.T) {
	g, err := torchFile(t, "module.pt")
	r := report(t, g, err)
	// Conv2d(1,4,3) 4*9+4, BatchNorm2d(4) 8 (+ 4+4+1 buffers), Linear(16,3)
	// 16*3+3, a frozen 1-element parameter; the non-persistent buffer is
	// not in the state_dict.
	if r.Totals.Params != 40+8+9+51+1 || r.Totals.TrainableParams != 40+8+51 {
		t.Errorf("params %d (trainable %d), want 109 (99)", r.Totals.Params, r.Totals.TrainableParams)
	}
	if got := layerNames(r); got != "temperature conv bn fc" {
		t.Errorf("rows %q", got)
	}
	var types []string
	for _, l := range r.Layers {
		types = append(types, l.Type)
	}
	if got := strings.Join(types, " "); got != "Net Conv2d BatchNorm2d Linear" {
		t.Errorf("types %q", got)
	}
	wantNotes(t, r, "a pickled module (torch.save(model)) of class __main__.Net", "1 non-persistent buffer left out")
}

// TestTorchPickledModuleLegacy: the same module saved in the pre-1.6
// format, whose module classes are persistent ids.
func TestTorchPickledModuleLegacy(t *testing.T) {
	g, err := torchFile(t, "module_legacy.pt")
	r := report(t, g, err)
	if r.Totals.Params != 40+8+9+51+1 || r.Totals.TrainableParams != 40+8+51 || layerNames(r) != "temperature conv bn fc" {
		t.Errorf("params %d (trainable %d), rows %q; want 109 (99)", r.Totals.Params, r.Totals.TrainableParams, layerNames(r))
	}
}

// TestTorchModuleNotPlain: a submodule with a custom __getstate__ is
// refused with the way out.
func TestTorchModuleNotPlain(t *testing.T) {
	_, err := torchFile(t, "module_custom.pt")
	want := "module_custom.pt holds a pickled module (torch.save(model) of __main__.Custom) whose state is not plain data: " +
		"submodule fc is a __main__.Packed object whose pickled state is a tuple (a custom __getstate__ or __reduce__?); " +
		"save its state_dict instead: torch.save(model.state_dict()"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v", err)
	}
}

// TestTorchScript: a torch.jit.save archive's module tensors.
func TestTorchScript(t *testing.T) {
	g, err := torchFile(t, "scripted.pt")
	r := report(t, g, err)
	// Linear(4,8) 40, BatchNorm1d(8) 16 + buffers 8+8+1, Linear(8,2) 18.
	if r.Totals.Params != 40+16+17+18 || r.Totals.NonTrainableParams != 17 || layerNames(r) != "0 1 2" {
		t.Errorf("params %d (non-trainable %d), rows %q; want 91 (17)", r.Totals.Params, r.Totals.NonTrainableParams, layerNames(r))
	}
	wantNotes(t, r, "a TorchScript archive (torch.jit.save)")
}

func TestTorchEMA(t *testing.T) {
	g, err := torchFile(t, "ema.pt")
	r := report(t, g, err)
	if r.Totals.Params != 58 {
		t.Errorf("params %d, want 58", r.Totals.Params)
	}
	wantNotes(t, r, `"state_dict_ema": state dict repeating "state_dict", an EMA or averaged copy (4 tensors, 58 elements), not counted`)
}

func TestTorchNoModel(t *testing.T) {
	_, err := torchFile(t, "scheduler.pt")
	if err == nil || !strings.Contains(err.Error(), "no tensors in ../torchpt/testdata/scheduler.pt: it holds a StepLR-like LR scheduler state (step_size 30, gamma 0.1, last_epoch 1)") {
		t.Errorf("scheduler alone: %v", err)
	}
	_, err = torchFile(t, "optimizer.pt")
	if err == nil || !strings.Contains(err.Error(), "no model tensors in ../torchpt/testdata/optimizer.pt: it holds an optimizer state (Adam-like") {
		t.Errorf("optimizer alone: %v", err)
	}
}

// TestSafetensorsOrder: rows follow the header's key order, not the data
// offsets' and not the names'.
func TestSafetensorsOrder(t *testing.T) {
	hdr := `{"z.weight":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"m.bias":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}`
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	buf = append(append(buf, hdr...), make([]byte, 20)...)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	os.WriteFile(path, buf, 0o644)
	f, _ := os.Open(path)
	defer f.Close()
	g, err := Safetensors(path, f, int64(len(buf)), Options{})
	r := report(t, g, err)
	if got := layerNames(r); got != "z a m" || r.Totals.Params != 5 {
		t.Errorf("rows %q, params %d", got, r.Totals.Params)
	}
	empty := binary.LittleEndian.AppendUint64(nil, 34)
	empty = append(empty, `{"__metadata__":{"format":"pt"}}  `...)
	if _, err := Safetensors("e.safetensors", bytesReader(empty), int64(len(empty)), Options{}); err == nil ||
		err.Error() != `no tensors in e.safetensors: it holds only __metadata__: format "pt"` {
		t.Errorf("no tensors: %v", err)
	}
}

// ggufWriter writes GGUF v3 headers.
type ggufWriter struct{ b []byte }

func (w *ggufWriter) str(s string) {
	w.b = binary.LittleEndian.AppendUint64(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *ggufWriter) kvStr(k, v string) {
	w.str(k)
	w.b = binary.LittleEndian.AppendUint32(w.b, 8)
	w.str(v)
}
func (w *ggufWriter) kvU32(k string, v uint32) {
	w.str(k)
	w.b = binary.LittleEndian.AppendUint32(w.b, 4)
	w.b = binary.LittleEndian.AppendUint32(w.b, v)
}

func newGGUF(tensors, kvs uint64) *ggufWriter {
	w := &ggufWriter{b: []byte("GGUF")}
	w.b = binary.LittleEndian.AppendUint32(w.b, 3)
	w.b = binary.LittleEndian.AppendUint64(w.b, tensors)
	w.b = binary.LittleEndian.AppendUint64(w.b, kvs)
	return w
}

func TestGGUFMetadata(t *testing.T) {
	w := newGGUF(2, 7)
	w.kvStr("general.architecture", "llama")
	w.kvStr("general.name", "Tiny")
	w.kvU32("llama.block_count", 22)
	w.kvU32("llama.context_length", 2048)
	w.kvU32("llama.attention.head_count", 32)
	w.kvU32("llama.attention.head_count_kv", 4)
	w.kvU32("general.file_type", 15)
	// blk.0.attn_norm.weight F32 [8], then token_embd.weight F32 [8 4]:
	// file order, which is not the names' order.
	w.str("blk.0.attn_norm.weight")
	w.b = binary.LittleEndian.AppendUint32(w.b, 1)
	w.b = binary.LittleEndian.AppendUint64(w.b, 8)
	w.b = binary.LittleEndian.AppendUint32(w.b, 0)
	w.b = binary.LittleEndian.AppendUint64(w.b, 0)
	w.str("token_embd.weight")
	w.b = binary.LittleEndian.AppendUint32(w.b, 2)
	w.b = binary.LittleEndian.AppendUint64(w.b, 4)
	w.b = binary.LittleEndian.AppendUint64(w.b, 8)
	w.b = binary.LittleEndian.AppendUint32(w.b, 0)
	w.b = binary.LittleEndian.AppendUint64(w.b, 32)
	for len(w.b)%32 != 0 {
		w.b = append(w.b, 0)
	}
	w.b = append(w.b, make([]byte, 32+128)...)
	g, err := GGUF("m.gguf", bytesReader(w.b), int64(len(w.b)), Options{})
	r := report(t, g, err)
	if got := layerNames(r); got != "blk.0.attn_norm token_embd" || r.Totals.Params != 8+32 {
		t.Errorf("rows %q, params %d", got, r.Totals.Params)
	}
	wantNotes(t, r, `GGUF metadata: architecture llama, name "Tiny", block_count 22, context_length 2,048, head_count 32, head_count_kv 4, quantization Q4_K - Medium (general.file_type 15)`)
}

func TestGGUFVocabOnly(t *testing.T) {
	w := newGGUF(0, 3)
	w.kvStr("general.architecture", "llama")
	w.kvStr("tokenizer.ggml.model", "llama")
	w.str("tokenizer.ggml.tokens")
	w.b = binary.LittleEndian.AppendUint32(w.b, 9) // array
	w.b = binary.LittleEndian.AppendUint32(w.b, 8) // of strings
	w.b = binary.LittleEndian.AppendUint64(w.b, 3)
	for _, tok := range []string{"<unk>", "<s>", "</s>"} {
		w.str(tok)
	}
	_, err := GGUF("vocab.gguf", bytesReader(w.b), int64(len(w.b)), Options{})
	want := "no tensors in vocab.gguf: it holds only metadata: architecture llama, vocabulary 3 tokens (llama tokenizer) (a vocab-only GGUF"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("vocab-only: %v", err)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// TestTorchIndex: a pytorch_model.bin.index.json and its torch.save shards.
func TestTorchIndex(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(filepath.Join("../torchpt/testdata", from))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, to), b, 0o644)
	}
	copyFile("seq_state_dict.pt", "pytorch_model-00001-of-00002.bin")
	copyFile("module.pt", "pytorch_model-00002-of-00002.bin")
	wm := map[string]string{}
	for _, n := range []string{"0.weight", "0.bias", "2.weight"} {
		wm[n] = "pytorch_model-00001-of-00002.bin"
	}
	for _, n := range []string{"temperature", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"} {
		wm[n] = "pytorch_model-00002-of-00002.bin"
	}
	js, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": wm})
	idx := filepath.Join(dir, "pytorch_model.bin.index.json")
	os.WriteFile(idx, js, 0o644)
	g, err := indexFile(t, idx)
	r := report(t, g, err)
	// Linear(4,3) + Linear(3,2, bias=False): 12+3+6; module.pt: 109.
	if r.Totals.Params != 12+3+6+109 || g.Format != "torch" {
		t.Errorf("params %d format %s, want 130 torch", r.Totals.Params, g.Format)
	}
	delete(wm, "fc.bias")
	js, _ = json.Marshal(map[string]any{"weight_map": wm})
	os.WriteFile(idx, js, 0o644)
	if _, err := indexFile(t, idx); err == nil || !strings.Contains(err.Error(), `shard pytorch_model-00002-of-00002.bin holds tensor "fc.bias", which is not in the weight_map`) {
		t.Errorf("stray tensor: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "pytorch_model-00002-of-00002.bin"), []byte("version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 2000000000\n"), 0o644)
	if _, err := indexFile(t, idx); err == nil || !strings.Contains(err.Error(), "pytorch_model-00002-of-00002.bin is a Git LFS pointer for a 2.0 GB file") {
		t.Errorf("pointer shard: %v", err)
	}
}
