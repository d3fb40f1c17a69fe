package stats_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/layerinfo/layerinfo/stats"
)

// A report read back from its JSON: unknown FLOPs stay nil (not 0), an
// unknown rank stays a nil shape, a scalar an empty one, and the
// outputs come back as Tensors.
func ExampleReport_UnmarshalJSON() {
	const doc = `{"schema_version": 1,
	  "model": {"path": "m.onnx", "format": "onnx"},
	  "layers": [
	    {"name": "mm", "type": "MatMul", "inputs": ["x", "w"], "output_shapes": [["batch", 10]],
	     "params": 0, "trainable_params": 0, "non_trainable_params": 0, "flops": 1280,
	     "explain": {"output_shape": "", "params": "0"}, "op": "MatMul", "outputs": ["y"]},
	    {"name": "f", "type": "com.example.F", "inputs": ["y"], "output_shapes": [null, []],
	     "params": 0, "trainable_params": 0, "non_trainable_params": 0, "flops": null,
	     "explain": {"output_shape": "", "params": "0"}, "op": "com.example.F", "outputs": ["z", "n"]}],
	  "totals": {"params": 0, "trainable_params": 0, "non_trainable_params": 0,
	             "flops": null, "flops_lower_bound": 1280, "param_bytes": 0, "explain": {"params": "0+0 = 0"}}}`
	var r stats.Report
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		log.Fatal(err)
	}
	fmt.Println("total FLOPs known:", r.Totals.FLOPs != nil, "at least", *r.Totals.FLOPsLowerBound)
	for _, l := range r.Layers {
		for _, t := range l.Tensors {
			shape := "unknown rank"
			if t.Shape != nil {
				shape = t.Shape.Dims().String()
			}
			fmt.Printf("%s → %s: %s\n", l.Name, t.Name, shape)
		}
	}
	// Output:
	// total FLOPs known: false at least 1280
	// mm → y: batchx10
	// f → z: unknown rank
	// f → n: scalar
}

// Totals that do not add up are refused.
func ExampleReport_Check() {
	const doc = `{"schema_version": 1, "model": {"path": "m.yaml", "format": "spec"},
	  "layers": [{"name": "d", "type": "Dense", "inputs": [], "output_shapes": [[null, 10]],
	              "params": 110, "trainable_params": 110, "non_trainable_params": 0, "flops": 200,
	              "explain": {"output_shape": "", "params": "10*10+10 = 110"}}],
	  "totals": {"params": 100, "trainable_params": 100, "non_trainable_params": 0, "flops": 200,
	             "param_bytes": 440, "explain": {"params": "110"}}}`
	var r stats.Report
	err := json.Unmarshal([]byte(doc), &r)
	fmt.Println(err)
	// Output:
	// report: totals.params is 100, the layers add up to 110
}
