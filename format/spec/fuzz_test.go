package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
)

// FuzzDecode feeds Decode arbitrary bytes: it must return a graph or an
// error, never panic; a graph must pass Validate, and inference must not
// panic on it (errors are fine).
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/keras/*.yaml")
	for _, name := range specExamples {
		files = append(files, filepath.Join("..", "..", "examples", name))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"layers:",
		"layers: [{type: dense}]",
		"input: [null, 8]\nlayers:\n  - {type: dense, units: 3, inputs: [input, input]}\n",
		"input: [null, 8]\nlayers:\n  - {name: a, type: dense, units: 3, inputs: b}\n  - {name: b, type: dense, units: 3, inputs: a}\n",
		"input: [null, 3, 8, 8]\nlayers:\n  - {type: conv2d, filters: 9223372036854775807, kernel: 9223372036854775807}\n",
		"input: [null, 3, 8, 8]\nlayers:\n  - {type: conv_transpose2d, filters: 4, kernel: 3, stride: 4611686018427387904, output_padding: 1}\n",
		"input: [null, 3, 8, 8]\nlayers:\n  - {type: depthwise_conv2d, kernel: 3, multiplier: 4611686018427387904}\n",
		"input: [null, 3]\nlayers:\n  - {type: lstm, units: 4, num_layers: 3, bidirectional: true}\n",
		"input: [null, 4, 5]\nlayers:\n  - {type: slice, axis: 1, start: -9223372036854775808, step: -9223372036854775808}\n",
		"input: [null, 4, 5]\nlayers:\n  - {type: reshape, shape: [0, 0, 0, -1]}\n  - {type: permute, perm: [3, 2, 1, 0]}\n",
		"input: [null, 4]\nlayers:\n  - &a {type: dense, units: 3}\n  - *a\n  - {<<: *a, shares: dense_1}\n",
		"{\"input\": [null, 4], \"layers\": [{\"type\": \"custom\", \"shape\": [null, \"n\"], \"params\": 3}]}",
		"input: [null, 8]\nlayers:\n  - {name: e, type: embedding, vocab: 10, dim: 8}\n  - {type: dense, units: 10, share: {kernel: e.embeddings.T}}\n",
		"[[[[[[[[[[",
		"- - - - - - - x",
		"a: 'unterminated\nlayers: [",
		// Hostile shapes, small (hostile_test.go has them at size).
		"k0: 1\nk1: 1\nk2: 1\nk3: 1\nk4: 1\nk5: 1\nk6: 1\nlayers: [{type: dense, units: 1}]\n",
		"input: [null, 4]\nx-0: &a [1, 1, 1]\nx-1: &b [*a, *a, *a]\nx-2: &c [*b, *b, *b]\nlayers: [{type: dense, units: 1, x-l: *c}]\n",
		"input: [null, 4]\nx-b: &b {type: dense, units: 1, x-1: 1, x-2: 2}\nlayers:\n  - {<<: *b}\n  - {<<: *b, units: 2}\n  - *b\n",
		"x-a:\n a:\n  a:\n   a:\n    a:\n     a:\n      - - - [[[{a: [1]}]]]\nlayers: [{type: dense}]\n",
		"{\"layers\": [{\"type\": \"dense\", \"units\": 1}], \"x\": {\"a\": {\"a\": {\"a\": [[[[1]]]]}}}}",
		"x-a: \"multi\n  line: [ {\"\nx-b: |\n  k: [\n  j: {\nlayers: [{type: dense, units: 1}]\n",
		"x-" + strings.Repeat("k", 300) + ":\n  - " + strings.Repeat("k", 300) + ": [1, 1, 1, 1]\nlayers: [{type: dense, units: 1}]\n",
		"---\n---\n---\nlayers: [{type: dense, units: 1}]\n",
		"x-a: " + strings.Repeat("x", 300) + "\nlayers: [{type: dense, units: 1}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode("fuzz.yaml", data)
		if err != nil {
			if g != nil {
				t.Fatal("a graph and an error")
			}
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Decode: %v", err)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		// Errors are fine; an op's panic, which infer recovers and
		// reports as an internal error, is not.
		if err := infer.Run(g, infer.Options{KeepGoing: true}); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("infer: %v", err)
		}
	})
}
