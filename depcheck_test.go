package layerinfo_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCoreDependencies keeps the core (calc, graph, op, op/tensor, infer, stats,
// render) on the standard library: third-party code enters only in the
// format packages that need it.
func TestCoreDependencies(t *testing.T) {
	const module = "github.com/layerinfo/layerinfo/"
	for _, pkg := range []string{"calc", "graph", "op", "op/tensor", "infer", "stats", "render"} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, module) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
			if strings.HasPrefix(dep, module+"format/") {
				t.Errorf("%s depends on the front-end %s", pkg, dep)
			}
		}
	}
}

// TestFormatDependencies: formats meet only in package layerinfo. A
// format package, tests included, imports no other format package; what
// formats share lives in the core packages, in internal/… (budget,
// fileio, the Python host, the pickle machine, the protobuf wire reader)
// and in the contract, package format, which every format imports.
//
// One composition is allowed: format/checkpoint, the front-end of the
// checkpoint formats, reads its containers through the readers
// format/gguf, format/safetensors and format/torchpt. A reader decodes a
// file into Go values, not a graph, is not itself a format (it has no
// format.go), and imports no format package — the rule below holds for
// it too. A reader a second front-end needs moves to internal/.
func TestFormatDependencies(t *testing.T) {
	const module = "github.com/layerinfo/layerinfo/"
	composes := map[string][]string{
		"format/checkpoint": {"format/gguf", "format/safetensors", "format/torchpt"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}", "./format/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, dep := range fields[1:] {
			dep, ok := strings.CutPrefix(dep, module)
			if !ok || !strings.HasPrefix(dep, "format/") || dep == pkg || strings.HasPrefix(dep, pkg+"/") {
				continue // the standard library, third-party, core, internal, the contract, itself
			}
			if pkg == "format" || !slices.Contains(composes[pkg], dep) {
				t.Errorf("%s imports the format package %s: share the code through internal/ or the contract (package format)", pkg, dep)
			}
		}
	}
	// The contract is importable by every format: it depends on no
	// format and on nothing outside the module but the standard library.
	out, err = exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./format").Output()
	if err != nil {
		t.Fatalf("go list format: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if !strings.HasPrefix(dep, module) || strings.HasPrefix(dep, module+"format/") {
			t.Errorf("the contract, package format, depends on %s", dep)
		}
	}
}
