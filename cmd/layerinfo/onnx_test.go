package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// An ONNX model from the repository's own test data (AlexNet, weights
// absent).
const alexnet = "../../format/onnx/testdata/torchvision__alexnet__preserve.onnx"

func TestONNX(t *testing.T) {
	code, out, errs := runCLI([]string{alexnet}, "")
	if code != exitOK || !strings.Contains(out, "61,100,840") || !strings.Contains(out, "1x64x55x55") {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out, errs)
	}
	code, out, errs = runCLI([]string{"--json", alexnet}, "")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Layers []struct {
			Op      string   `json:"op"`
			Outputs []string `json:"outputs"`
		} `json:"layers"`
		Totals struct {
			ByDType map[string]int64 `json:"param_bytes_by_dtype"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Layers[0].Op != "Conv" || len(r.Layers[0].Outputs) != 1 || r.Totals.ByDType["float32"] != 4*61100840 {
		t.Errorf("layer 0 %+v, bytes %v", r.Layers[0], r.Totals.ByDType)
	}
}
