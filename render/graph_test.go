package render_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/graph")

// awkwardSpec has names that every output must keep literal: quotes,
// backslashes, pipes, angle brackets, a hash, an ampersand, Markdown's
// characters and a comma. By hand: dense 4*3+3 = 15 params, 2*4*3 = 24
// FLOPs; the second 3*2+2 = 8 params, 2*3*2 = 12 FLOPs.
const awkwardSpec = `name: 'awk"ward'
input: [null, 4]
layers:
  - {name: 'fc "1" \ a|b', type: dense, units: 3}
  - {name: '<b>#1 & *x*_[y]` + "`" + `,z', type: dense, units: 2}
`

// graphCases are the reports the graph goldens are made of: the seed
// network (a chain), a spec with a skip connection and a concatenation
// (fan-out and fan-in), an ONNX graph (model inputs, tensor names that
// are not layer names) and the awkward names.
func graphCases(t *testing.T) map[string]*stats.Report {
	t.Helper()
	load := func(name string, in layerinfo.Input) *stats.Report {
		t.Helper()
		ctx := context.Background()
		g, err := layerinfo.Load(ctx, in, layerinfo.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r
	}
	file := func(path string) *stats.Report {
		t.Helper()
		in, closeFn, err := layerinfo.File(path)
		if err != nil {
			t.Fatal(err)
		}
		defer closeFn()
		return load(path, in)
	}
	return map[string]*stats.Report{
		"mnist":    file("../examples/mnist_nolearn.py"),
		"residual": file("../examples/residual_block.yaml"),
		"alexnet":  file("../format/onnx/testdata/torchvision__alexnet__preserve.onnx"),
		"awkward":  load("awkward.yaml", layerinfo.Bytes("awkward.yaml", []byte(awkwardSpec))),
	}
}

type renderer struct {
	ext string
	fn  func(*bytes.Buffer, *stats.Report) error
}

var graphRenderers = map[string]renderer{
	"markdown": {"md", func(b *bytes.Buffer, r *stats.Report) error { return render.Markdown(b, r) }},
	"csv":      {"csv", func(b *bytes.Buffer, r *stats.Report) error { return render.CSV(b, r) }},
	"dot":      {"dot", func(b *bytes.Buffer, r *stats.Report) error { return render.Dot(b, r) }},
	"mermaid":  {"mmd", func(b *bytes.Buffer, r *stats.Report) error { return render.Mermaid(b, r) }},
}

// TestGoldens compares the Markdown, CSV, dot and Mermaid outputs with
// testdata/graph (go test -update rewrites them: read the diff; the
// numbers in them are checked against hand-derived values below and in
// the examples' own tests).
func TestGoldens(t *testing.T) {
	for name, r := range graphCases(t) {
		for rname, rd := range graphRenderers {
			var b bytes.Buffer
			if err := rd.fn(&b, r); err != nil {
				t.Fatalf("%s %s: %v", name, rname, err)
			}
			path := filepath.Join("testdata", "graph", name+"."+rd.ext)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update makes it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s: output differs from the golden file (go test -update rewrites it; check the diff)\n got:\n%s", path, b.String())
			}
		}
	}
}

// TestSeedGraph checks the seed network's graph against figures derived
// by hand: a 28x28 image, a 5x5 convolution of 32 filters (28-5+1 = 24,
// (5*5*1+1)*32 = 832 params), 2x2 pooling (12), a 3x3 convolution of 32
// (12-3+1 = 10, (3*3*32+1)*32 = 9,248), pooling to 5, dense 32*5*5 = 800
// → 256 ((800+1)*256 = 205,056) and 256 → 10 ((256+1)*10 = 2,570): six
// edges, one per consecutive pair.
func TestSeedGraph(t *testing.T) {
	r := graphCases(t)["mnist"]
	wantEdges := []string{"Nx1x28x28", "Nx32x24x24", "Nx32x12x12", "Nx32x10x10", "Nx32x5x5", "Nx256"}
	edges := render.Edges(r)
	if len(edges) != len(wantEdges) {
		t.Fatalf("%d edges, want %d: %+v", len(edges), len(wantEdges), edges)
	}
	for i, e := range edges {
		if e.From != i || e.To != i+1 || render.ShapeLabel(e.Shape) != wantEdges[i] {
			t.Errorf("edge %d: %d -> %d %s, want %d -> %d %s", i, e.From, e.To, render.ShapeLabel(e.Shape), i, i+1, wantEdges[i])
		}
	}
	var dot, mmd bytes.Buffer
	render.Dot(&dot, r)
	render.Mermaid(&mmd, r)
	for _, want := range []string{
		`L1 [label="conv2d1\nConv2DLayer\nNx32x24x24\nparams 832"];`,
		`L3 [label="conv2d2\nConv2DLayer\nNx32x10x10\nparams 9,248"];`,
		`L5 [label="dense\nDenseLayer\nNx256\nparams 205,056"];`,
		`L6 [label="output\nDenseLayer\nNx10\nparams 2,570"];`,
		`L2 -> L3 [label="Nx32x12x12"];`,
		`params 217,706`,
	} {
		if !strings.Contains(dot.String(), want) {
			t.Errorf("dot output lacks %s:\n%s", want, dot.String())
		}
	}
	if !strings.HasPrefix(mmd.String(), "graph TD\n") {
		t.Errorf("mermaid output does not start with graph TD:\n%s", mmd.String())
	}
	for _, want := range []string{`L1["conv2d1<br/>Conv2DLayer<br/>Nx32x24x24<br/>params 832"]`, `L2 -->|"Nx32x12x12"| L3`} {
		if !strings.Contains(mmd.String(), want) {
			t.Errorf("mermaid output lacks %s:\n%s", want, mmd.String())
		}
	}
}

// TestEdgesFanInOut: the residual block's add reads the stem's output and
// the second batch norm's, the concatenation both branches, and both
// branches read block_out (the spec's inputs: lines).
func TestEdgesFanInOut(t *testing.T) {
	r := graphCases(t)["residual"]
	idx := map[string]int{}
	for i, l := range r.Layers {
		idx[l.Name] = i
	}
	has := func(from, to, shape string) {
		t.Helper()
		for _, e := range render.Edges(r) {
			if e.From == idx[from] && e.To == idx[to] {
				if got := render.ShapeLabel(e.Shape); got != shape {
					t.Errorf("%s -> %s labelled %s, want %s", from, to, got, shape)
				}
				return
			}
		}
		t.Errorf("no edge %s -> %s", from, to)
	}
	// 32x32 kept by 'same' and padding 1; 16 channels, then 16+8 = 24.
	has("stem_relu", "block_add", "Nx16x32x32")
	has("block_bn2", "block_add", "Nx16x32x32")
	has("block_out", "branch_pool", "Nx16x32x32")
	has("block_out", "branch_1x1", "Nx16x32x32")
	has("branch_pool", "merged", "Nx16x32x32")
	has("branch_1x1", "merged", "Nx8x32x32")
	has("merged", "gap", "Nx24x32x32")
}

// TestEdgesONNX: the first convolution reads the model input (from -1),
// whose shape the file gives (1x3x224x224), and no edge comes from an
// initializer (weights are not layers).
func TestEdgesONNX(t *testing.T) {
	r := graphCases(t)["alexnet"]
	edges := render.Edges(r)
	if len(edges) == 0 {
		t.Fatal("no edges")
	}
	k, ok := edges[0].FromInput()
	if !ok || k != 0 || edges[0].To != 0 {
		t.Errorf("first edge %+v, want from input 0 to layer 0", edges[0])
	}
	if got, want := render.ShapeLabel(edges[0].Shape), render.ShapeLabel(r.Model.Inputs[0].Shape); got != want {
		t.Errorf("input edge labelled %s, want the input's shape %s", got, want)
	}
	for _, e := range edges {
		if e.From >= e.To {
			t.Errorf("edge %d -> %d goes backwards in a topologically sorted report", e.From, e.To)
		}
	}
}

// TestDotAccepted runs Graphviz on every dot golden: dot -Tsvg must accept
// it and draw one node per layer and input and one edge per Edge.
func TestDotAccepted(t *testing.T) {
	dotBin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("graphviz's dot is not installed (apt-get install graphviz; .ci/run installs it): the dot output is not checked by Graphviz here")
	}
	nodes := regexp.MustCompile(`<g id="node\d+" class="node">`)
	edgesRe := regexp.MustCompile(`<g id="edge\d+" class="edge">`)
	for name, r := range graphCases(t) {
		var b bytes.Buffer
		if err := render.Dot(&b, r); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(dotBin, "-Tsvg")
		cmd.Stdin = &b
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		svg, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot -Tsvg: %v %s", name, err, stderr.String())
			continue
		}
		if got, want := len(nodes.FindAll(svg, -1)), len(r.Layers)+len(r.Model.Inputs); got != want {
			t.Errorf("%s: dot drew %d nodes, want %d", name, got, want)
		}
		if got, want := len(edgesRe.FindAll(svg, -1)), len(render.Edges(r)); got != want {
			t.Errorf("%s: dot drew %d edges, want %d", name, got, want)
		}
	}
}

// TestAwkwardNames: every graph output keeps the names literal.
func TestAwkwardNames(t *testing.T) {
	r := graphCases(t)["awkward"]
	var dot, mmd bytes.Buffer
	render.Dot(&dot, r)
	render.Mermaid(&mmd, r)
	if want := `L1 [label="fc \"1\" \\ a|b\ndense\nNx3\nparams 15"];`; !strings.Contains(dot.String(), want) {
		t.Errorf("dot lacks %s:\n%s", want, dot.String())
	}
	if want := `L2["#lt;b#gt;#35;1 #amp; *x*_[y]#96;,z<br/>dense<br/>Nx2<br/>params 8"]`; !strings.Contains(mmd.String(), want) {
		t.Errorf("mermaid lacks %s:\n%s", want, mmd.String())
	}
	if want := `L1["fc #quot;1#quot; \ a#124;b<br/>dense<br/>Nx3<br/>params 15"]`; !strings.Contains(mmd.String(), want) {
		t.Errorf("mermaid lacks %s:\n%s", want, mmd.String())
	}
}

// TestLazyReportRefused: a report built with LazyRows holds no rows to
// draw; the graph renderers say so rather than draw an empty graph.
func TestLazyReportRefused(t *testing.T) {
	in, closeFn, err := layerinfo.File("../examples/mnist_nolearn.py")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	ctx := context.Background()
	opt := layerinfo.Options{LazyRows: true}
	g, err := layerinfo.Load(ctx, in, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !r.LazyRows() {
		t.Skip("Analyze made the rows although LazyRows was asked")
	}
	var b bytes.Buffer
	for name, fn := range map[string]func() error{"dot": func() error { return render.Dot(&b, r) }, "mermaid": func() error { return render.Mermaid(&b, r) }} {
		if err := fn(); err == nil || !strings.Contains(err.Error(), "LazyRows") {
			t.Errorf("%s of a lazy report: %v", name, err)
		}
	}
	if b.Len() != 0 {
		t.Errorf("wrote %q", b.String())
	}
}
