package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSafetensors writes a one-tensor safetensors file: an 8-byte header
// length, the JSON header, 2*3 float32 zeros.
func writeSafetensors(t *testing.T) string {
	t.Helper()
	header := `{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	buf = append(buf, header...)
	buf = append(buf, make([]byte, 24)...)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFlagsThatDoNotApply: a model option for another format is a usage
// error naming the flag and the file's format, never silently ignored.
func TestFlagsThatDoNotApply(t *testing.T) {
	st := writeSafetensors(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--class", "BertModel", alexnet}, "--class does not apply to this onnx file (it is for hf); onnx takes --input-shape"},
		{[]string{"--context", "128", "testdata/charrnn.py"}, "--context does not apply to this python file (it is for hf); python takes --entry, --set, --input-shape"},
		{[]string{"--batch", "2", "testdata/recipes.py"}, "--batch does not apply to this python file"},
		{[]string{"--entry", "build", tinyLlama}, "--entry does not apply to this hf file (it is for "},
		{[]string{"--input-shape", "1x4", tinyLlama}, "--input-shape does not apply to this hf file"},
		{[]string{"--set", "n=1", st}, "; safetensors takes none of the model options"},
		{[]string{"--set", "n=1", "../../examples/mnist_seed.yaml"}, "--set does not apply to this spec file"},
		{[]string{"--format", "onnx", "--entry", "f", "testdata/recipes.py"}, "--entry does not apply to this onnx file"},
	} {
		code, out, errs := runCLI(c.args, "")
		if code != exitUsage || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and %q", c.args, code, errs, out, c.want)
		}
	}
}

func TestPythonOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		want string // in stdout (exit 0) or stderr
	}{
		// LSTM I=59 H=512: 4*(59*512 + 512*512 + 512) + 3*512 peepholes
		// + 2*512 initial states = 1,174,016; dense 512*59 + 59 = 30,267.
		{"set a size from data", []string{"--set", "vocab_size=59", "testdata/charrnn.py"}, exitOK, "Total params:                         1,204,283"},
		{"size from data unset", []string{"testdata/charrnn.py"}, exitModel, "vocab_size = len(chars) (line 8); give it with --set vocab_size=VALUE"},
		// (5*5*1+1)*6 = 156; 6*28*28*10 + 10 = 47,050.
		{"entry with arguments", []string{"--entry", "build_lenet5(None, 10)", "testdata/recipes.py"}, exitOK, "47,206"},
		{"entry by name, rest from --set", []string{"testdata/recipes.py", "--entry", "build_lenet5", "--set", "num_classes=10"}, exitOK, "47,206"},
		// build_mlp(input_var, target_var) is called with None: 784*10+10.
		{"input variables get Theano variables", []string{"testdata/recipes.py"}, exitOK, "built by calling build_mlp(input_var=<a Theano variable>, target_var=<a Theano variable>)"},
		{"input variables total", []string{"testdata/recipes.py"}, exitOK, "7,850"},
		// conv1 320, hidden4 32*47*47*500 + 500, output 500*30 + 30.
		{"second NeuralNet", []string{"--entry", "net2", "--input-shape", "Nx1x96x96", "testdata/two_nets.py"}, exitOK, "35,359,850"},
		{"batch in the input shape", []string{"--entry", "net2", "--input-shape", "input=8x1x96x96", "testdata/two_nets.py"}, exitOK, "8x32x94x94"},
		{"net keyword", []string{"--entry", "net1", "--set", "hidden_num_units=200", "testdata/two_nets.py"}, exitOK, "1,849,430"},
		{"rank of the input shape", []string{"--entry", "net1", "--input-shape", "9216", "testdata/two_nets.py"}, exitModel, "e.g. Nx9216"},
		{"bad literal", []string{"--set", "vocab_size=fifty", "testdata/charrnn.py"}, exitUsage, "--set: vocab_size: fifty is a name, not a literal"},
		{"not NAME=VALUE", []string{"--set", "vocab_size", "testdata/charrnn.py"}, exitUsage, `"vocab_size" is not NAME=VALUE`},
		{"set twice", []string{"--set", "a=1", "--set", "a=2", "testdata/charrnn.py"}, exitUsage, "a is given twice"},
		{"bad entry", []string{"--entry", "build_lenet5(None,", "testdata/recipes.py"}, exitUsage, "--entry: \"build_lenet5(None,\" is not a name or a call"},
		{"entry missing argument", []string{"--entry", "build_lenet5", "testdata/recipes.py"}, exitUsage, "build_lenet5 needs its argument num_classes"},
		{"entry not defined", []string{"--entry", "build_cnn", "testdata/recipes.py"}, exitModel, "the file defines no function, NeuralNet or layer build_cnn"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(c.args, "")
			got := errs
			if c.code == exitOK {
				got = out
			}
			if code != c.code || !strings.Contains(got, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, c.code, c.want)
			}
		})
	}
}

// TestInputShapeBatchN: N leaves an ONNX input's batch axis unknown, as
// it does a Lasagne InputLayer's.
func TestInputShapeBatchN(t *testing.T) {
	code, out, errs := runCLI([]string{"--input-shape", "input=Nx3x224x224", alexnet}, "")
	if code != exitOK || !strings.Contains(out, "Nx64x55x55") || !strings.Contains(out, "61,100,840") {
		t.Errorf("exit %d, stdout %s, stderr %s", code, out, errs)
	}
}
