package onnx

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// referenceDir holds the real exported models and their ground truth, from
// the project root.
const referenceDir = "../../../shared/reference/onnx"

// reference is the part of a fixture's JSON that the decoder must match.
type reference struct {
	ONNX struct {
		IRVersion    int64            `json:"ir_version"`
		Opset        map[string]int64 `json:"opset"`
		Producer     string           `json:"producer"`
		GraphInputs  []refValue       `json:"graph_inputs"`
		GraphOutputs []refValue       `json:"graph_outputs"`
		Initializers []struct {
			Name     string  `json:"name"`
			Dims     []int64 `json:"dims"`
			DType    string  `json:"dtype"`
			Elements int64   `json:"elements"`
		} `json:"initializers"`
		Nodes []struct {
			Name    string   `json:"name"`
			Op      string   `json:"op"`
			Domain  string   `json:"domain"`
			Inputs  []string `json:"inputs"`
			Outputs []string `json:"outputs"`
		} `json:"nodes"`
	} `json:"onnx"`
}

type refValue struct {
	Name  string `json:"name"`
	Shape []any  `json:"shape"` // numbers, or strings for symbolic dims
}

// fixtures returns the reference models, skipping the test when the
// reference folder is absent.
func fixtures(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(referenceDir); err != nil {
		t.Skip("../shared/reference not present: ", err)
	}
	files, err := filepath.Glob(filepath.Join(referenceDir, "*.onnx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", referenceDir, err)
	}
	return files
}

func TestReferenceFixtures(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".onnx")
		t.Run(name, func(t *testing.T) {
			var ref reference
			js, err := os.ReadFile(strings.TrimSuffix(path, ".onnx") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &ref); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkReference(t, f, &ref)

			// The windowed reader must give the same model as the mapping.
			osf, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer osf.Close()
			m2, err := decodeWindow(osf, f.Size(), 512)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Model, m2) {
				t.Error("windowed decode differs from mapped decode")
			}
		})
	}
}

func checkReference(t *testing.T, f *File, ref *reference) {
	m, want := f.Model, &ref.ONNX
	if m.IRVersion != want.IRVersion {
		t.Errorf("ir_version %d, want %d", m.IRVersion, want.IRVersion)
	}
	for domain, v := range want.Opset {
		if got := m.Opset(domain); got != v {
			t.Errorf("opset %q = %d, want %d", domain, got, v)
		}
	}
	if got := m.ProducerName + " " + m.ProducerVersion; got != want.Producer {
		t.Errorf("producer %q, want %q", got, want.Producer)
	}
	g := m.Graph
	checkValues(t, "input", g.Inputs, want.GraphInputs)
	checkValues(t, "output", g.Outputs, want.GraphOutputs)

	if len(g.Nodes) != len(want.Nodes) {
		t.Fatalf("%d nodes, want %d", len(g.Nodes), len(want.Nodes))
	}
	for i, w := range want.Nodes {
		n := &g.Nodes[i]
		if n.Name != w.Name || n.OpType != w.Op || n.Domain != w.Domain ||
			!equalStrings(n.Inputs, w.Inputs) || !equalStrings(n.Outputs, w.Outputs) {
			t.Errorf("%s = %s %q %q %q -> %q, want %s %q %q %q -> %q", n.Path,
				n.OpType, n.Name, n.Domain, n.Inputs, n.Outputs, w.Op, w.Name, w.Domain, w.Inputs, w.Outputs)
		}
		if want := fmt.Sprintf("graph.node[%d]", i); n.Path != want {
			t.Errorf("node path %q, want %q", n.Path, want)
		}
		if n.OpType == "Constant" {
			dims, vals, err := n.ConstFloat64s(f, 0)
			if err != nil {
				t.Errorf("%s: %v", n.Path, err)
				continue
			}
			if e, _ := numElements(dims); int64(len(vals)) != e {
				t.Errorf("%s: %d values for dims %v", n.Path, len(vals), dims)
			}
		}
	}

	if len(g.Initializers) != len(want.Initializers) {
		t.Fatalf("%d initializers, want %d", len(g.Initializers), len(want.Initializers))
	}
	for i, w := range want.Initializers {
		init := g.Initializers[i]
		n, ok := init.NumElements()
		if init.Name != w.Name || !equalInts(init.Dims, w.Dims) || init.DataType.ProtoName() != w.DType || !ok || n != w.Elements {
			t.Errorf("initializer[%d] = %q %v %s (%d elements), want %q %v %s (%d)", i,
				init.Name, init.Dims, init.DataType.ProtoName(), n, w.Name, w.Dims, w.DType, w.Elements)
		}
		size, _ := init.ByteSize()
		switch init.DataLocation {
		case External:
			if loc, ok := init.ExternalData.Get("location"); !ok || loc == "" {
				t.Errorf("%s: external without location: %v", init.Path, init.ExternalData)
			}
			if init.DataField != NoData {
				t.Errorf("%s: external tensor has %s", init.Path, init.DataField)
			}
		case Default:
			if init.DataField != RawData || init.Length != size {
				t.Errorf("%s: %s of %d bytes, want raw_data of %d", init.Path, init.DataField, init.Length, size)
			}
			if n <= DefaultValueLimit {
				if v, err := init.Float64s(f, 0); err != nil || int64(len(v)) != n {
					t.Errorf("%s: %d values, %v", init.Path, len(v), err)
				}
			}
		}
	}
}

func checkValues(t *testing.T, what string, got []ValueInfo, want []refValue) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d graph %ss, want %d", len(got), what, len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		var dims []string
		for _, d := range g.Shape {
			dims = append(dims, d.String())
		}
		var wdims []string
		for _, d := range w.Shape {
			wdims = append(wdims, fmt.Sprint(d))
		}
		if g.Name != w.Name || g.Kind != TypeTensor || strings.Join(dims, ",") != strings.Join(wdims, ",") {
			t.Errorf("graph %s %d = %q %s %v, want %q %v", what, i, g.Name, g.Kind, dims, w.Name, wdims)
		}
	}
}

func equalStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func equalInts(a, b []int64) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
