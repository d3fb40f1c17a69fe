package layerinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// ExampleAnalyze is the README's library example: the bundled seed network
// gives nolearn's 217,706.
func ExampleAnalyze() {
	in, closeFn, err := layerinfo.File("examples/mnist_nolearn.py")
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()
	// Load and Analyze stop when ctx is done: give it a deadline with context.WithTimeout.
	ctx := context.Background()
	g, err := layerinfo.Load(ctx, in, layerinfo.Options{}) // a graph.Graph; the format is detected
	if err != nil {
		log.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{}) // a stats.Report: the rows and the totals
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Totals.TrainableParams, "trainable parameters")
	render.Explain(io.Discard, r) // or render.Table, render.JSON to a writer
	// Output: 217706 trainable parameters
}

// tinySpec is a small network in layerinfo's own spec format. By hand: the
// 3x3 convolution makes 4 maps of 6-(3-1) = 4x4 with (3*3*1+1)*4 = 40
// parameters and 2*3*3*1 FLOPs for each of its 4*4*4 outputs: 1,152; the
// dense layer reads the 64 flattened values: 64*10+10 = 650 parameters,
// 2*64*10 = 1,280 FLOPs. In all 690 float32 parameters (2,760 bytes) and
// 2,432 FLOPs per example.
const tinySpec = `name: tiny
layout: NCHW
input: [null, 1, 6, 6]
layers:
  - {name: conv, type: conv2d, filters: 4, kernel: 3}
  - {name: flatten, type: flatten}
  - {name: out, type: dense, units: 10}
`

// Load detects the format from the name and the content; Bytes reads a
// model held in memory (File opens one on disk).
func ExampleLoad() {
	g, err := layerinfo.Load(context.Background(), layerinfo.Bytes("tiny.yaml", []byte(tinySpec)), layerinfo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Format, len(g.Nodes), "nodes")
	// Output: spec 4 nodes
}

// The report as the CLI prints it.
func ExampleAnalyze_table() {
	ctx := context.Background()
	g, err := layerinfo.Load(ctx, layerinfo.Bytes("tiny.yaml", []byte(tinySpec)), layerinfo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := render.Table(os.Stdout, r); err != nil {
		log.Fatal(err)
	}
	// Output:
	// tiny.yaml (spec)
	// N is the batch size (None: the model leaves it open).
	//
	// #  name     type     output   params  FLOPs
	// -  -------  -------  -------  ------  -----
	// 0  input    input    Nx1x6x6       0      0
	// 1  conv     conv2d   Nx4x4x4      40  1,152
	// 2  flatten  flatten  Nx64          0      0
	// 3  out      dense    Nx10        650  1,280
	//
	// Total params:                           690
	//   trainable:                            690
	//   non-trainable:                          0
	// Param memory:        2.70 KiB (2,760 bytes)
	// FLOPs (per example):                  2,432
}

// Without the arithmetic (what the command line asks for when it prints
// the plain table): the same numbers as the complete report — the conv's
// 40 parameters and 1,152 FLOPs worked out above tinySpec — no
// explanation text, and a report the explanation refuses.
func ExampleAnalyze_noArithmetic() {
	ctx := context.Background()
	opt := layerinfo.Options{NoArithmetic: true}
	g, err := layerinfo.Load(ctx, layerinfo.Bytes("tiny.yaml", []byte(tinySpec)), opt)
	if err != nil {
		log.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, opt)
	if err != nil {
		log.Fatal(err)
	}
	conv := r.Layers[1]
	fmt.Println(conv.Name, conv.Params, *conv.FLOPs, conv.Explain == stats.Explain{})
	err = render.Explain(io.Discard, r)
	fmt.Println(errors.Is(err, render.ErrNoArithmetic))
	// Output:
	// conv 40 1152 true
	// true
}

// The JSON report reads back into a stats.Report, its totals checked
// against its rows; every layer's outputs are there as Tensors.
func ExampleAnalyze_json() {
	ctx := context.Background()
	g, err := layerinfo.Load(ctx, layerinfo.Bytes("tiny.yaml", []byte(tinySpec)), layerinfo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := render.JSON(&buf, r); err != nil {
		log.Fatal(err)
	}
	var back stats.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		log.Fatal(err)
	}
	fmt.Println("schema", back.SchemaVersion, "params", back.Totals.Params, "FLOPs", *back.Totals.FLOPs)
	for _, l := range back.Layers {
		fmt.Printf("%s (%s)\n", l.Name, l.Tensors[0].Shape.Dims().Join(", "))
	}
	// Output:
	// schema 1 params 690 FLOPs 2432
	// input (None, 1, 6, 6)
	// conv (None, 4, 4, 4)
	// flatten (None, 64)
	// out (None, 10)
}

// TestReadmeExample keeps the README's library example and ExampleAnalyze
// the same code, so the README's compiles and runs.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## As a library\n\n```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no Go block under \"## As a library\"")
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile("(?s)func ExampleAnalyze\\(\\) \\{\n(.*?)\t// Output:").FindSubmatch(src)
	if body == nil {
		t.Fatal("no ExampleAnalyze body")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(body[1]), "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if got, want := strings.TrimSpace(string(m[1])), strings.TrimSpace(strings.Join(lines, "\n")); got != want {
		t.Errorf("README's library example differs from ExampleAnalyze:\n--- README ---\n%s\n--- example_test.go ---\n%s", got, want)
	}
}
