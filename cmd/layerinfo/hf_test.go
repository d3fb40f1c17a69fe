package main

import "testing"

// A two-layer Llama with grouped-query attention and a tied head (its
// counts are worked out in testdata/script/hf.txtar).
const tinyLlama = "testdata/tiny_llama.config.json"

func TestHFGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"tiny_llama.table", []string{tinyLlama}},
		{"tiny_llama.explain", []string{"--explain", "--context", "128", "--batch", "4", tinyLlama}},
	} {
		t.Run(c.golden, func(t *testing.T) {
			code, out, errs := runCLI(c.args, "")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, c.golden, out)
		})
	}
}
