package diff_test

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/diff"
)

// writeSafetensors writes a safetensors file of float32 tensors of these
// shapes; the data is a hole (the file is sparse), as readers read only
// the header.
func writeSafetensors(t *testing.T, path string, shapes map[string][]int64) {
	t.Helper()
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	var off int64
	for _, n := range names {
		size := int64(4)
		for _, d := range shapes[n] {
			size *= d
		}
		header[n] = map[string]any{"dtype": "F32", "shape": shapes[n], "data_offsets": []int64{off, off + size}}
		off += size
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(h)))
	f.Write(n[:])
	f.Write(h)
	if err := f.Truncate(int64(8+len(h)) + off); err != nil {
		t.Fatal(err)
	}
}

// An HF config against safetensors files made from transformers' own
// state dict shapes (the reference's tensor_shapes): the exact one
// matches; one tensor left out and one of a wrong shape are found.
func TestConfigAgainstCheckpoint(t *testing.T) {
	for _, name := range []string{"gpt2", "bert-base-uncased"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(ref, "hf", name)
			needRef(t, dir)
			var exp struct {
				TensorShapes map[string][]int64 `json:"tensor_shapes"`
				Counts       struct {
					Params int64
				}
			}
			readJSON(t, filepath.Join(dir, "expected.json"), &exp)
			config := analyze(t, filepath.Join(dir, "config.json"), layerinfo.Options{})
			tmp := t.TempDir()

			exact := filepath.Join(tmp, "exact.safetensors")
			writeSafetensors(t, exact, exp.TensorShapes)
			c := diff.Tensors(config, analyze(t, exact, layerinfo.Options{}))
			if !c.OK() || c.Matched != len(exp.TensorShapes) || c.Expected != len(exp.TensorShapes) {
				t.Errorf("exact: ok %v, matched %d, expected %d, want %d; missing %v unexpected %v mismatched %v",
					c.OK(), c.Matched, c.Expected, len(exp.TensorShapes), c.Missing, c.Unexpected, c.Mismatched)
			}
			if c.Checkpoint.Totals.Params != exp.Counts.Params {
				t.Errorf("checkpoint params %d, want %d", c.Checkpoint.Totals.Params, exp.Counts.Params)
			}

			// One missing, one of a wrong shape: the first two names
			// in order.
			names := make([]string, 0, len(exp.TensorShapes))
			for n := range exp.TensorShapes {
				names = append(names, n)
			}
			sort.Strings(names)
			gone, bent := names[0], names[1]
			broken := map[string][]int64{}
			for n, s := range exp.TensorShapes {
				broken[n] = s
			}
			delete(broken, gone)
			wrong := slices.Clone(broken[bent])
			wrong[0]++
			broken[bent] = wrong
			broken["extra.weight"] = []int64{3}
			bad := filepath.Join(tmp, "broken.safetensors")
			writeSafetensors(t, bad, broken)
			c = diff.Tensors(config, analyze(t, bad, layerinfo.Options{}))
			if c.OK() || len(c.Missing) != 1 || c.Missing[0].Name != gone || len(c.Mismatched) != 1 || c.Mismatched[0].Name != bent ||
				len(c.Unexpected) != 1 || c.Unexpected[0].Name != "extra.weight" || c.Matched != len(exp.TensorShapes)-2 {
				t.Errorf("broken: missing %v, mismatched %v, unexpected %v, matched %d", c.Missing, c.Mismatched, c.Unexpected, c.Matched)
			}
			if len(c.Mismatched) == 1 && (c.Mismatched[0].Config[0].Size != exp.TensorShapes[bent][0] || c.Mismatched[0].Checkpoint[0].Size != wrong[0]) {
				t.Errorf("mismatch %+v", c.Mismatched[0])
			}
		})
	}
}
