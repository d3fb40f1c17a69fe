package layerinfo_test

import (
	"os/exec"
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
