// Command graphgen writes a large synthetic model for timing (package
// internal/gen): an ONNX residual DAG or chain, a spec, a Lasagne loop or a
// safetensors header, of about N nodes.
//
//	graphgen -kind onnx-dag -n 100000 -o dag.onnx
//	graphgen -kind spec-named -n 93277 -o s4.yaml   # issue 8's 4 MB spec
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/layerinfo/layerinfo/internal/gen"
)

func main() {
	kind := flag.String("kind", "onnx-dag", "onnx-dag, onnx-chain, spec, spec-named, lasagne or safetensors")
	n := flag.Int("n", 100000, "number of nodes (layers, tensors)")
	out := flag.String("o", "", "output file (required)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	var data []byte
	switch *kind {
	case "onnx-dag":
		data = gen.ONNX(*n, true)
	case "onnx-chain":
		data = gen.ONNX(*n, false)
	case "spec":
		data = gen.Spec(*n)
	case "spec-named":
		data = gen.SpecNamed(*n)
	case "lasagne":
		data = gen.Lasagne(*n)
	case "safetensors":
		data = gen.Safetensors(*n)
	default:
		fmt.Fprintf(os.Stderr, "graphgen: unknown -kind %q\n", *kind)
		os.Exit(2)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "graphgen:", err)
		os.Exit(1)
	}
}
