package main

import (
	"bytes"
	"strings"
	"testing"
)

// Hostile Caffe files: the prototxt parser and the caffemodel walker cap
// what a file declares before they allocate or recurse.
func init() {
	hostileCases = append(hostileCases,
		// 200,000 nested messages: refused at depth 64, not a stack overflow.
		hostileCase{name: "caffe prototxt nesting", code: 1, want: `deep\.prototxt:1:\d+: messages are nested more than 64 deep`,
			make: func(t *testing.T, dir string) []string {
				src := "layer { name: \"x\" type: \"Input\" " + strings.Repeat("a { ", 200000)
				return []string{writeFile(t, dir, "deep.prototxt", []byte(src))}
			}},
		// A convolution of 2^40 filters of 2^12 x 2^12: its weights
		// overflow int64, an error at the layer, not a wrapped number.
		hostileCase{name: "caffe conv overflow", code: 1, want: `huge\.prototxt:3:1: layer c \(Convolution\): .*overflow`,
			make: func(t *testing.T, dir string) []string {
				src := "input: \"d\"\ninput_dim: 1 input_dim: 4096 input_dim: 8192 input_dim: 8192\n" +
					"layer { name: \"c\" type: \"Convolution\" bottom: \"d\" top: \"c\" convolution_param { num_output: 1099511627776 kernel_size: 4096 } }\n"
				return []string{writeFile(t, dir, "huge.prototxt", []byte(src))}
			}},
		// A caffemodel whose first layer declares 2^62 bytes: refused at
		// its offset before anything is read or allocated.
		hostileCase{name: "caffe caffemodel length", code: 1, want: `big\.caffemodel: offset 0: .*(length|exceeds|beyond|truncated)`,
			make: func(t *testing.T, dir string) []string {
				data := []byte{0xa2, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}
				return []string{writeFile(t, dir, "big.caffemodel", data)}
			}},
		// Two million empty layers in 6 MB: every field the walker keeps
		// is charged to the budget, which a 16 MiB limit refuses.
		hostileCase{name: "caffe caffemodel many layers", code: 1, want: `many\.caffemodel.*(memory|budget|more than)`,
			make: func(t *testing.T, dir string) []string {
				data := bytes.Repeat([]byte{0xa2, 0x06, 0x00}, 2_000_000)
				return []string{"--max-memory", "16MiB", writeFile(t, dir, "many.caffemodel", data)}
			}},
	)
}
