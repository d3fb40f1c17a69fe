package main

import (
	"fmt"
	"testing"
)

func init() {
	hostileCases = append(hostileCases,
		// 4000 GPT-2 blocks of width 2^24: each block's 12*2^48 weights fit in
		// an int64, their float32 bytes (4 each) do not add up in one.
		hostileCase{name: "totals overflow", code: 1, want: `config.json: .*integer overflow`,
			make: func(t *testing.T, dir string) []string {
				cfg := fmt.Sprintf(`{"model_type": "gpt2", "n_embd": %d, "n_layer": 4000, "n_head": 16, "vocab_size": 50257, "n_positions": 1024}`, 1<<24)
				return []string{writeFile(t, dir, "config.json", []byte(cfg))}
			}},
		// One block of width 2^28: the MLP's 4*2^56 weights are 2^63 bytes.
		hostileCase{name: "parameter bytes overflow", code: 1, want: `config.json: .*integer overflow`,
			make: func(t *testing.T, dir string) []string {
				cfg := fmt.Sprintf(`{"model_type": "gpt2", "n_embd": %d, "n_layer": 1, "n_head": 16, "vocab_size": 50257, "n_positions": 1024}`, 1<<28)
				return []string{writeFile(t, dir, "config.json", []byte(cfg))}
			}},
		// Deep equality of lists that share their sublists: 20^7 element
		// comparisons in one Starlark operation, which no step limit or
		// memory charge sees. The run's deadline stops it.
		hostileCase{name: "python comparison bomb", code: 1, want: `analysing .*eq\.py takes more than 5s: stopped`,
			make: func(t *testing.T, dir string) []string {
				src := "a = [0]\nb = [0]\nfor i in range(8):\n    a = [a] * 20\n    b = [b] * 20\nx = a == b\n"
				return []string{"--timeout", "5s", writeFile(t, dir, "eq.py", []byte(src))}
			}},
	)
}
