package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// Hostile Keras files: a model nested in itself many times over, each
// level called twice (exponential layer calls), a JSON of millions of
// tiny values, and a .keras whose config.json inflates past the text cap.
func init() {
	hostileCases = append(hostileCases,
		// 40 levels of a functional model calling the one inside it
		// twice: 2^40 layer calls, refused by the budget or the cap on
		// layer calls, never built.
		hostileCase{name: "keras nested models called twice", code: 1, maxMiB: 128,
			want: `layer calls|needs more than 128 MiB`,
			make: func(t *testing.T, dir string) []string {
				return []string{"--max-memory", "128MiB", writeFile(t, dir, "nested.json", []byte(nestedKeras(40)))}
			}},
		// Thirty million numbers in a layer's config: every value (and
		// the text) is charged before it is made.
		hostileCase{name: "keras JSON of tiny values", code: 1, maxMiB: 256,
			want: `needs more than 256 MiB \(offset \d+: the Keras model's JSON tree`,
			make: func(t *testing.T, dir string) []string {
				var b strings.Builder
				b.WriteString(`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "x": [`)
				b.WriteString(strings.Repeat("0,", 30_000_000))
				b.WriteString(`0]}}]}}`)
				return []string{"--max-memory", "256MiB", writeFile(t, dir, "tiny.json", []byte(b.String()))}
			}},
		// A .keras archive whose config.json inflates to 100 MB.
		hostileCase{name: "keras archive config bomb", code: 1,
			want: `config\.json is 100000000 bytes, more than`,
			make: func(t *testing.T, dir string) []string {
				return []string{deflateZip(t, dir, "model.keras", record{"config.json", func(w io.Writer) {
					zeros := make([]byte, 1<<20)
					for i := 0; i < 95; i++ {
						w.Write(zeros)
					}
					w.Write(zeros[:100_000_000-95<<20])
				}})}
			}},
	)
}

// nestedKeras is a functional model whose layer "m" is the model one
// level down, called twice; the innermost is a Dense.
func nestedKeras(depth int) string {
	inner := `{"class_name": "Sequential", "config": {"name": "m", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 2, "batch_input_shape": [null, 2]}}]}, "name": "m", "inbound_nodes": [[["x", 0, 0, {}]], [["m", 0, 0, {}]]]}`
	for i := 0; i < depth; i++ {
		inner = fmt.Sprintf(`{"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 2]}, "inbound_nodes": []}, %s], "input_layers": [["x", 0, 0]], "output_layers": [["m", 1, 0]]}, "name": "m", "inbound_nodes": [[["x", 0, 0, {}]], [["m", 0, 0, {}]]]}`, inner)
	}
	return `{"class_name": "Functional", "config": {"name": "top", "layers": [{"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 2]}, "inbound_nodes": []}, ` + inner + `], "input_layers": [["x", 0, 0]], "output_layers": [["m", 1, 0]]}}`
}
