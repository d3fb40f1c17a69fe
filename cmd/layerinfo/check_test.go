package main

import (
	"strings"
	"testing"
)

func TestParseCheckFile(t *testing.T) {
	f, err := parseCheckFile("b.yaml", []byte(`models:
  - path: m/*.onnx
    max_params: 25M
    max_flops: 4.1G
    input_shape: [input=1x3x224x224]
    layers:
      - {match: "/layer4/*", max_params: 1.5k}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Models[0]
	if *m.limits[0] != 25_000_000 || m.limits[1] != nil || *m.limits[2] != 4_100_000_000 || *m.Layers[0].limits[0] != 1500 || m.Layers[0].limits[1] != nil {
		t.Errorf("%+v", m)
	}
	for _, c := range []struct{ in, err string }{
		{"models: []", "no models"},
		{"models:\n  - max_params: 1M", "models[0]: no path"},
		{"models:\n  - path: a\n    max_params: 1Q", `models[0]: max_params: "1Q" is not a count`},
		{"models:\n  - path: a\n    max_flop: 1", "unknown field"},
		{"models:\n  - path: a\n    layers: [{max_params: 1}]", "models[0].layers[0]: no match"},
		{"models:\n  - path: '['", "syntax error in pattern"},
		{"a: &x [1]\nb: *x", "b.yaml:1: '&': a budget file has no anchors"},
		{"models: [", "b.yaml"},
	} {
		_, err := parseCheckFile("b.yaml", []byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: %v, want %q", c.in, err, c.err)
		}
	}
	if _, err := parseCheckFile("b.yaml", make([]byte, maxCheckFile+1)); err == nil {
		t.Error("a file past the cap read")
	}
}

// FuzzCheckFile: a budget file never panics the parser, and what it
// accepts has a path and parsed limits for every budget written.
func FuzzCheckFile(f *testing.F) {
	f.Add([]byte("models:\n  - path: a.onnx\n    max_params: 25M\n    layers:\n      - {match: \"x*\", max_flops: 1G}\n"))
	f.Add([]byte(`{"models": [{"path": "m.py", "max_flops": "4.1G", "set": {"n": "3"}}]}`))
	f.Add([]byte("models:\n  - path: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := parseCheckFile("f.yaml", data)
		if err != nil {
			return
		}
		for _, m := range cf.Models {
			if m.Path == "" || (m.MaxParams != "") != (m.limits[0] != nil) || (m.MaxFLOPs != "") != (m.limits[2] != nil) {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
