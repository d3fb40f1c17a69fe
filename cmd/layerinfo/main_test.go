package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/layerinfo -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func runCLI(args []string, stdin string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestGolden(t *testing.T) {
	example := "../../examples/mnist_nolearn.py"
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"mnist.table", []string{example}},
		{"mnist.explain", []string{"--explain", example}},
		{"mnist.json", []string{"--json", example}},
		{"lstm.explain", []string{"--explain", "../../examples/text_lstm_lasagne.py"}},
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
