package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/format"
)

// TestExitCodeFromErrorType: the exit code comes from the error's type
// and sentinels, however it is wrapped, never from its text.
func TestExitCodeFromErrorType(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		msg  string
	}{
		{fmt.Errorf("loading: %w", &layerinfo.OptionError{File: "m.onnx", Option: "class", Format: "onnx", Takes: []string{"input-shape"}, For: []string{"hf"}}),
			exitUsage, "m.onnx: --class does not apply to this onnx file (it is for hf); onnx takes --input-shape"},
		{&layerinfo.OptionError{File: "m.safetensors", Option: "set", Format: "safetensors"}, exitUsage, "m.safetensors: --set does not apply to this safetensors file; safetensors takes none of the model options"},
		{&format.UsageError{Option: "model-type", Err: errors.New(`"lama" is not a model type`)}, exitUsage, `--model-type: "lama" is not a model type`},
		{&format.UsageError{Err: errors.New("--entry: f is a NeuralNet")}, exitUsage, "--entry: f is a NeuralNet"},
		{&format.UsageError{Option: "entry", Err: &format.MissingError{What: "the value of n", Option: "set", Value: "n=VALUE", Err: errors.New("f needs its argument n")}},
			exitUsage, "--entry: f needs its argument n; --set n=VALUE gives it"},
		{fmt.Errorf("x: %w", layerinfo.ErrUsage), exitUsage, "x: usage error"},
		{errors.New("usage error: --class does not apply"), exitModel, "usage error: --class does not apply"}, // the text alone decides nothing
		{&format.MissingError{What: "the model type", Option: "model-type", Err: errors.New("c.json: give the model type")}, exitModel, "c.json: give the model type; --model-type gives it"},
		{fmt.Errorf("m.py:3:1: %w", &format.MissingError{What: "the value of n", Option: "set", Value: "n=VALUE", Err: errors.New("n = f() (line 2); give the value of n")}),
			exitModel, "m.py:3:1: n = f() (line 2); give the value of n; --set n=VALUE gives it"},
		{fmt.Errorf("m: %w", layerinfo.ErrTooLarge), exitModel, "m: memory budget exceeded"},
	} {
		code, msg := explainError(c.err)
		if code != c.code || msg != c.msg {
			t.Errorf("%v: exit %d, %q; want %d, %q", c.err, code, msg, c.code, c.msg)
		}
	}
}

// TestFlagsNamedByTheCLI: library messages say what is missing; the CLI
// names the flag that gives it.
func TestFlagsNamedByTheCLI(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "weights.dat")
	os.WriteFile(odd, []byte("\x01\x02\x03 not a model layerinfo knows"), 0o644)
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"architectures": ["SomethingNew"], "hidden_size": 64}`), 0o644)
	xlm := filepath.Join(dir, "xlm-roberta-base", "config.json")
	os.MkdirAll(filepath.Dir(xlm), 0o755)
	os.WriteFile(xlm, []byte(`{"hidden_size": 768, "num_hidden_layers": 12, "type_vocab_size": 1}`), 0o644)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{odd}, []string{odd + ": unrecognized format (known: caffe, gguf, hf, keras, keras-code, notebook, onnx, python, pytorch, safetensors, spec, torch); --format gives it"}},
		{[]string{cfg}, []string{"neither its name nor its keys say which model it is: give the model type (supported: ", "; --model-type gives it"}},
		{[]string{xlm}, []string{"give the model type bert if it is one; --model-type gives it"}},
	} {
		code, out, errs := runCLI(c.args, "")
		if code != exitModel || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one line", c.args, code, out, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q, want %q", c.args, errs, w)
			}
		}
	}
	// The library's own message names no flag.
	_, err := layerinfo.Load(t.Context(), layerinfo.Bytes(odd, []byte("\x01\x02\x03 not a model layerinfo knows")), layerinfo.Options{})
	if err == nil || strings.Contains(err.Error(), "--") || !errors.Is(err, layerinfo.ErrUnrecognized) {
		t.Errorf("library: %v", err)
	}
}

// TestTimeoutIsAContext: --timeout is the deadline of the run's context;
// a run past it stops with the timeout's message, exit 1, without the
// backstop that ends the process.
func TestTimeoutIsAContext(t *testing.T) {
	code, out, errs := runCLI([]string{"--timeout", "1ns", "../../examples/mnist_nolearn.py"}, "")
	if code != exitModel || out != "" || !strings.Contains(errs, "analysing ../../examples/mnist_nolearn.py takes more than 1ns: stopped") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
