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

func TestStdin(t *testing.T) {
	src, err := os.ReadFile("../../examples/mnist_nolearn.py")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI([]string{"-"}, string(src))
	if code != exitOK || !strings.Contains(out, "217,706") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.py")
	os.WriteFile(bad, []byte("from lasagne.layers import *\nl = InputLayer((None, 1, 4, 4))\nl = Conv2DLayer(l, 2, 7, name='c')\n"), 0o644)
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"--help"}, exitOK, "usage: layerinfo"},
		{"no file", nil, exitUsage, "usage: layerinfo"},
		{"bad flag", []string{"--nope", "x"}, exitUsage, "flag provided but not defined"},
		{"unknown format", []string{"--format", "nope", bad}, exitUsage, `unknown format "nope"`},
		{"both outputs", []string{"--json", "--explain", bad}, exitUsage, "cannot be combined"},
		{"missing file", []string{"does-not-exist.py"}, exitModel, "no such file"},
		{"model error", []string{bad}, exitModel, "bad.py:3:5: layer c (Conv2DLayer): height: 4-(7-1) = -2"},
		{"flags after the file", []string{bad, "--json"}, exitModel, "bad.py:3:5"},
		{"two files", []string{bad, bad}, exitUsage, "usage: layerinfo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := runCLI(c.args, "")
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, c.code, c.stderr)
			}
		})
	}
}
