package hdf5

import (
	"strings"
	"testing"
)

// Paths, soft and external links, and wrong kinds, in an old-style and a
// new-style file (gen.py: /soft → /types/u8, /external → other.h5:/x,
// /hard_alias a second hard link to /types/u8).
func TestLinks(t *testing.T) {
	for _, name := range []string{"earliest.h5", "latest.h5"} {
		t.Run(name, func(t *testing.T) {
			f := openFile(t, "testdata/"+name)
			root := f.Root()
			if root.Path() != "/" {
				t.Errorf("root path %q", root.Path())
			}
			for _, p := range []string{"soft", "/soft", "hard_alias", "types/u8", "/types/u8", "types//u8/"} {
				d, err := root.Dataset(p)
				if err != nil {
					t.Errorf("Dataset(%q): %v", p, err)
					continue
				}
				if d.DType != "uint8" || len(d.Shape) != 1 || d.Shape[0] != 3 {
					t.Errorf("Dataset(%q) = %+v", p, d)
				}
				if a, err := d.Attrs(); err != nil || len(a) != 20 {
					t.Errorf("Dataset(%q).Attrs() = %d attributes, %v (gen.py adds 20)", p, len(a), err)
				}
			}
			mw, err := root.Group("model_weights")
			if err != nil {
				t.Fatal(err)
			}
			g, err := mw.Group("dense/dense")
			if err != nil || g.Path() != "/model_weights/dense/dense" {
				t.Fatalf("Group(dense/dense) = %v, %v", g, err)
			}
			if d, err := g.Dataset("/model_weights/dense/dense/kernel:0"); err != nil || d.Path != "/model_weights/dense/dense/kernel:0" {
				t.Errorf("absolute Dataset from a subgroup = %+v, %v", d, err)
			}
			for _, c := range []struct {
				call func() error
				want string
			}{
				{func() error { _, err := root.Group("external"); return err }, "external link to other.h5:/x"},
				{func() error { _, err := root.Group("types/u8"); return err }, "/types/u8 is a dataset, not a group"},
				{func() error { _, err := root.Dataset("types"); return err }, "/types is a group, not a dataset"},
				{func() error { _, err := root.Dataset("types/nothing"); return err }, `no member "nothing" in group /types`},
				{func() error { _, err := root.Dataset("types/u8/x"); return err }, "/types/u8 is not a group"},
				{func() error { _, err := root.Group("named_type"); return err }, "/named_type is a committed datatype or an object of another kind, not a group"},
			} {
				err := c.call()
				checkErr(t, err)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %v, want %q", err, c.want)
				}
			}
		})
	}
}
