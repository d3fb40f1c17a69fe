package hdf5

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// expected.json is written by testdata/gen.py from what h5py reads back.
type expectFile struct {
	H5py  string `json:"h5py"`
	HDF5  string `json:"hdf5"`
	Files map[string]struct {
		Superblock int                     `json:"superblock"`
		Userblock  int64                   `json:"userblock"`
		Objects    map[string]expectObject `json:"objects"`
	} `json:"files"`
}

type expectObject struct {
	Type    string `json:"type"`
	Members []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	} `json:"members"`
	Shape []int64      `json:"shape"`
	DType string       `json:"dtype"`
	Attrs []expectAttr `json:"attrs"`
}

type expectAttr struct {
	Name  string  `json:"name"`
	Shape []int64 `json:"shape"`
	DType string  `json:"dtype"`
	Value any     `json:"value"`
}

func openFile(t testing.TB, path string) *File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// TestFixtures compares the reader with what h5py read back from the
// committed fixtures.
func TestFixtures(t *testing.T) {
	checkDir(t, "testdata")
}

// TestRegenerated writes the fixtures afresh with h5py when it is installed
// (CI installs python3-h5py) and compares again: the script and the
// committed files cannot drift apart unnoticed, and the h5py/libhdf5 at hand
// is checked too.
func TestRegenerated(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import h5py").Run(); err != nil {
		t.Skipf("h5py not installed (%s -c 'import h5py': %v): fixtures not regenerated; apt-get install python3-h5py", py, err)
	}
	dir := t.TempDir()
	out, err := exec.Command(py, "testdata/gen.py", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("gen.py: %v\n%s", err, out)
	}
	checkDir(t, dir)
}

// TestLarge checks, when h5py is installed, a file too large to commit:
// 20,000 links and 12,000 attributes in dense storage (nested fractal heap
// indirect blocks, v2 B-trees of depth 2 and 3), against h5py's reading.
func TestLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 2 MB h5py file is not written")
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import h5py").Run(); err != nil {
		t.Skipf("h5py not installed (%s -c 'import h5py': %v); apt-get install python3-h5py", py, err)
	}
	dir := t.TempDir()
	out, err := exec.Command(py, "testdata/gen.py", dir, "large").CombinedOutput()
	if err != nil {
		t.Fatalf("gen.py: %v\n%s", err, out)
	}
	checkDir(t, dir)
}

func checkDir(t *testing.T, dir string) {
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp expectFile
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Files) < 1 {
		t.Fatalf("expected.json lists %d files", len(exp.Files))
	}
	for name, ef := range exp.Files {
		t.Run(name, func(t *testing.T) {
			f := openFile(t, filepath.Join(dir, name))
			if f.super != ef.Superblock || f.base != ef.Userblock {
				t.Errorf("superblock version %d at %d, h5py's file has %d at %d", f.super, f.base, ef.Superblock, ef.Userblock)
			}
			for path, eo := range ef.Objects {
				checkObject(t, f, path, eo)
			}
		})
	}
}

func checkObject(t *testing.T, f *File, path string, eo expectObject) {
	t.Helper()
	var attrs []Attribute
	switch eo.Type {
	case "group":
		g, err := f.Root().Group(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if g.Path() != path {
			t.Errorf("Group(%q).Path() = %q", path, g.Path())
		}
		ms, err := g.Members()
		if err != nil {
			t.Errorf("%s: members: %v", path, err)
			return
		}
		var got, want []string
		for _, m := range ms {
			got = append(got, m.Name+":"+m.Kind.String())
		}
		for _, m := range eo.Members {
			want = append(want, m.Name+":"+m.Kind)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: members\n got %v\nwant %v", path, got, want)
		}
		if attrs, err = g.Attrs(); err != nil {
			t.Errorf("%s: attrs: %v", path, err)
			return
		}
	case "dataset":
		d, err := f.Root().Dataset(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if d.Path != path || d.DType != eo.DType || !sameShape(d.Shape, eo.Shape) {
			t.Errorf("%s: dataset %s %v %s, h5py: %v %s", path, d.Path, d.Shape, d.DType, eo.Shape, eo.DType)
		}
		if attrs, err = d.Attrs(); err != nil {
			t.Errorf("%s: attrs: %v", path, err)
			return
		}
	default:
		t.Fatalf("%s: type %q", path, eo.Type)
	}
	if len(attrs) != len(eo.Attrs) {
		var names []string
		for _, a := range attrs {
			names = append(names, a.Name)
		}
		t.Errorf("%s: %d attributes %v, h5py has %d", path, len(attrs), names, len(eo.Attrs))
		return
	}
	for i, a := range attrs {
		ea := eo.Attrs[i]
		if a.Name != ea.Name || a.DType != ea.DType || !sameShape(a.Shape, ea.Shape) {
			t.Errorf("%s: attribute %d: %q %v %s, h5py: %q %v %s", path, i, a.Name, a.Shape, a.DType, ea.Name, ea.Shape, ea.DType)
			continue
		}
		if err := sameValue(a.Value, ea.Value); err != nil {
			t.Errorf("%s: attribute %q: %v", path, a.Name, err)
		}
	}
	// Attr finds each by name; an absent one is nil without error.
	if eo.Type == "group" {
		g, _ := f.Root().Group(path)
		for _, ea := range eo.Attrs {
			if a, err := g.Attr(ea.Name); err != nil || a == nil || a.Name != ea.Name {
				t.Errorf("%s: Attr(%q) = %v, %v", path, ea.Name, a, err)
			}
		}
		if a, err := g.Attr("no such attribute"); a != nil || err != nil {
			t.Errorf("%s: Attr of an absent name = %v, %v", path, a, err)
		}
	}
}

// sameShape: JSON null is a null dataspace (nil), [] a scalar.
func sameShape(got, want []int64) bool {
	if (got == nil) != (want == nil) {
		return false
	}
	return len(got) == len(want) && (len(got) == 0 || reflect.DeepEqual(got, want))
}

func sameValue(got, want any) error {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Errorf("value %v, h5py: none", got)
		}
	case bool:
		n := int64(0)
		if w {
			n = 1
		}
		if got != n {
			return fmt.Errorf("value %#v, h5py: %v", got, w)
		}
	case float64:
		switch g := got.(type) {
		case int64:
			if float64(g) != w {
				return fmt.Errorf("value %d, h5py: %v", g, w)
			}
		case float64:
			if g != w {
				return fmt.Errorf("value %v, h5py: %v", g, w)
			}
		default:
			return fmt.Errorf("value %#v, h5py: %v", got, w)
		}
	case string:
		if got != w {
			return fmt.Errorf("value %q, h5py: %q", got, w)
		}
	case map[string]any: // a long string: its length and SHA-256
		s, ok := got.(string)
		sum := sha256.Sum256([]byte(s))
		if !ok || float64(len(s)) != w["bytes"] || hex.EncodeToString(sum[:]) != w["sha256"] {
			return fmt.Errorf("value of %d bytes does not match h5py's %v", len(s), w)
		}
	case []any:
		v := reflect.ValueOf(got)
		if got == nil || v.Kind() != reflect.Slice || v.Len() != len(w) {
			return fmt.Errorf("value %#v, h5py: %v", got, w)
		}
		for i := range w {
			if err := sameValue(v.Index(i).Interface(), w[i]); err != nil {
				return fmt.Errorf("[%d]: %v", i, err)
			}
		}
	default:
		return fmt.Errorf("h5py value %#v of an unexpected JSON type", want)
	}
	return nil
}
