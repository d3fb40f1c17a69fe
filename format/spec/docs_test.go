package spec

import (
	"os"
	"strings"
	"testing"
)

// doc/spec.md documents every layer type and every attribute.
func TestDocsCoverTypes(t *testing.T) {
	data, err := os.ReadFile("../../doc/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, ty := range layerTypes() {
		if !strings.Contains(doc, "`"+ty.name+"`") {
			t.Errorf("doc/spec.md does not list the type %s", ty.name)
		}
		for _, a := range ty.attrs {
			if !strings.Contains(doc, "`"+a+"`") {
				t.Errorf("doc/spec.md does not describe %s's attribute %s", ty.name, a)
			}
		}
	}
	for _, a := range append(commonAttrs, topKeys...) {
		if !strings.Contains(doc, "`"+a+"`") {
			t.Errorf("doc/spec.md does not describe %s", a)
		}
	}
}

// Every alias and hint leads to a real type or attribute.
func TestAliases(t *testing.T) {
	seen := map[string]string{}
	for _, ty := range layerTypes() {
		for _, n := range append([]string{ty.name}, ty.aliases...) {
			if other, ok := seen[norm(n)]; ok && other != ty.name {
				t.Errorf("%s names both %s and %s", n, other, ty.name)
			}
			seen[norm(n)] = ty.name
		}
	}
	all := map[string]bool{}
	for _, ty := range layerTypes() {
		for _, a := range ty.attrs {
			all[a] = true
		}
	}
	for _, a := range commonAttrs {
		all[a] = true
	}
	for k, h := range attrHints {
		if !strings.Contains(h, " ") && !all[h] {
			t.Errorf("hint %s → %s names no attribute", k, h)
		}
	}
}
