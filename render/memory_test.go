package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/stats"
)

// TestJSONMemory: with a memory section, each row gets activation_bytes
// and saved_bytes (null when unknown), the top level a "memory" object
// as encoding/json writes stats.Memory, and the report reads back.
func TestJSONMemory(t *testing.T) {
	a, s := int64(2048), int64(512)
	r := &stats.Report{SchemaVersion: 1, Layers: []stats.Layer{{Name: "conv"}, {Name: "fc"}}}
	r.Memory = &stats.Memory{DType: "float32", WeightsBytes: 476,
		Layers: []stats.LayerMemory{{ActivationBytes: &a, SavedBytes: &s}, {}}}
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"\"activation_bytes\": 2048,\n      \"saved_bytes\": 512\n    },",
		"\"activation_bytes\": null,\n      \"saved_bytes\": null\n    }\n  ],",
		"\"memory\": {\n    \"batch\": null,\n    \"dtype\": \"float32\",\n    \"weights_bytes\": 476,",
		"\"inference_peak_bytes\": null,",
		"\"training_peak_bytes\": {\n      \"sgd\": null,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON has no %q:\n%s", want, out)
		}
	}
	var back stats.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Memory == nil || back.Memory.WeightsBytes != 476 {
		t.Errorf("memory read back: %+v", back.Memory)
	}
}

// TestMemorySection: the text, unknown figures as "?".
func TestMemorySection(t *testing.T) {
	v := int64(3 << 30)
	m := &stats.Memory{DType: "float32", WeightsBytes: 476, TrainingPeakBytes: stats.TrainingPeaks{Adam: &v}, Optimizer: "adam",
		MaxBatch: &stats.MaxBatch{GPU: "T4", GPUBytes: 16 << 30, Training: map[string]*int64{"adam": nil}}}
	var b bytes.Buffer
	if err := MemorySection(&b, m); err != nil {
		t.Fatal(err)
	}
	want := `
Memory (batch ?, float32; PyTorch on CUDA):
  weights:                           476 bytes
  input:                             ?
  inference peak (activations):      ?
  kept for backward:                 ?
  training step, Adam/AdamW:         3.00 GiB (3,221,225,472 bytes)
  largest batch that fits T4 (17,179,869,184 bytes):
    inference:                       ?
    training, Adam/AdamW:            ?
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
