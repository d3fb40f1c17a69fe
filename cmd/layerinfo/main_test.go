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

// TestBrokenBuild: a script that fails while it builds its layers exits 1
// with the error, never 0 with the layers made so far; a failure after
// the model is a note; a notebook and modules beside the script are read.
func TestBrokenBuild(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken_build.py")
	os.WriteFile(broken, []byte("import lasagne\nfrom lasagne.layers import InputLayer, DenseLayer\n\nl = InputLayer((None, 1, 28, 28))\nl = lasagne.layers.Conv2DLayr(l, 16, 3)\nl = DenseLayer(l, 10)\n"), 0o644)
	code, out, errs := runCLI([]string{broken}, "")
	if code != exitModel || out != "" || !strings.Contains(errs, `broken_build.py:5:19: lasagne.layers has no Conv2DLayr (did you mean "Conv2DLayer"?)`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCLI([]string{"--json", broken}, "")
	if code != exitModel || out != "" {
		t.Errorf("--json: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	after := filepath.Join(dir, "after.py")
	os.WriteFile(after, []byte("from lasagne.layers import *\nl = InputLayer((None, 10))\nl = DenseLayer(l, 5)\nlosses = []\nprint(losses[-1])\n"), 0o644)
	code, out, errs = runCLI([]string{after}, "")
	// (10+1)*5 = 55
	if code != exitOK || !strings.Contains(out, "Total params:") || !strings.Contains(out, " 55\n") || !strings.Contains(out, "note: the script stopped after building its model") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}

	os.WriteFile(filepath.Join(dir, "blocks.py"), []byte("from lasagne.layers import DenseLayer\ndef block(l):\n    return DenseLayer(l, 4)\n"), 0o644)
	nb := filepath.Join(dir, "model.ipynb")
	os.WriteFile(nb, []byte(`{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# model"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1, "source": ["%matplotlib inline\n", "from lasagne.layers import *\n", "from blocks import block"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2, "source": ["l = InputLayer((None, 6))\n", "l = block(l)\n", "l = DenseLayr(l, 2)"]}]}`), 0o644)
	code, out, errs = runCLI([]string{nb}, "")
	if code != exitModel || !strings.Contains(errs, `model.ipynb: cell 2 line 3: unknown layer DenseLayr`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	os.WriteFile(nb, bytes.Replace(mustRead(os.ReadFile(nb)), []byte("DenseLayr"), []byte("DenseLayer"), 1), 0o644)
	code, out, errs = runCLI([]string{nb}, "")
	// block: (6+1)*4 = 28; DenseLayer: (4+1)*2 = 10; 38 in all.
	if code != exitOK || !strings.Contains(out, " 38\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func mustRead(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
