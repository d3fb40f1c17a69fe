package memory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/memory"
)

const referenceDir = "../../shared/reference"

// gpuRow is one row of gpu_memory.json: peaks PyTorch measured on a GPU.
type gpuRow struct {
	Name      string  `json:"name"`
	Batch     int64   `json:"batch"`
	DType     string  `json:"dtype"`
	Input     []int64 `json:"input"`
	Params    int64   `json:"param_bytes"`
	Inference int64   `json:"inference_peak_minus_weights_and_input"`
	SGDM      int64   `json:"train_peak_sgd_momentum"`
	Adam      int64   `json:"train_peak_adam"`
}

func readGPURows(t *testing.T) []gpuRow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(referenceDir, "gpu_memory.json"))
	if err != nil {
		t.Skip("../shared/reference not present: ", err)
	}
	var ref struct {
		Rows []gpuRow `json:"rows"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Rows) == 0 {
		t.Fatal("gpu_memory.json has no rows")
	}
	return ref.Rows
}

// estimateONNX loads the torchvision export of name at the row's input
// shape: mode preserve (BatchNorm kept as nodes) or eval (folded into
// the convolutions).
func estimateONNX(t *testing.T, name, mode string, shape []int64, dt graph.DType) *memory.Estimate {
	t.Helper()
	path := filepath.Join(referenceDir, "onnx", "torchvision__"+name+"__"+mode+".onnx")
	in, closeIn, err := layerinfo.File(path)
	if err != nil {
		t.Skip("no ONNX export for ", name, ": ", err)
	}
	defer closeIn()
	opt := layerinfo.Options{ONNX: layerinfo.ONNXOptions{InputShapes: map[string][]int64{"": shape}}}
	g, err := layerinfo.Load(context.Background(), in, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := layerinfo.Analyze(context.Background(), g, opt); err != nil {
		t.Fatal(err)
	}
	e, err := memory.Compute(g, memory.Options{DType: dt})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestGPUReference: each estimate within 15% of the peak PyTorch measured.
func TestGPUReference(t *testing.T) {
	for _, row := range readGPURows(t) {
		for _, mode := range []string{"preserve", "eval"} {
			if _, err := os.Stat(filepath.Join(referenceDir, "onnx", "torchvision__"+row.Name+"__eval.onnx")); mode == "eval" && err != nil {
				continue // no inference-mode export of this model
			}
			t.Run(fmt.Sprintf("%s_b%d_%s", row.Name, row.Batch, mode), func(t *testing.T) {
				if row.DType != "float32" {
					t.Skipf("row in %s: the test reads float32 rows", row.DType)
				}
				e := estimateONNX(t, row.Name, mode, row.Input, graph.Float32)
				if e.Batch != row.Batch {
					t.Errorf("batch %d, want %d", e.Batch, row.Batch)
				}
				check := func(what string, got, want int64) {
					d := float64(got-want) / float64(want) * 100
					t.Logf("%-14s estimate %14d  measured %14d  %+6.1f%%", what, got, want, d)
					if d > 15 || d < -15 {
						t.Errorf("%s: estimate %d is %+.1f%% off the measured %d", what, got, d, want)
					}
				}
				check("inference", e.InferencePeak, row.Inference)
				check("sgd_momentum", peak(e, "sgd_momentum"), row.SGDM)
				check("adam", peak(e, "adam"), row.Adam)
				t.Logf("saved %d, forward %d, backward %d at %s, grads %d, weights %d", e.SavedBytes, e.ForwardPeak, e.BackwardPeak, e.BackwardAt, e.GradBytes, e.WeightsAlloc)
			})
		}
	}
}

func peak(e *memory.Estimate, name string) int64 {
	for _, o := range e.Optimizers {
		if o.Name == name {
			return o.Peak
		}
	}
	return -1
}
