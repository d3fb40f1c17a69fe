package layerinfo_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
)

// ExampleAnalyze is the README's library example: the bundled seed network
// gives nolearn's 217,706.
func ExampleAnalyze() {
	in, closeFn, err := layerinfo.File("examples/mnist_nolearn.py")
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()
	// Load and Analyze stop when ctx is done: give it a deadline with context.WithTimeout.
	ctx := context.Background()
	g, err := layerinfo.Load(ctx, in, layerinfo.Options{}) // a graph.Graph; the format is detected
	if err != nil {
		log.Fatal(err)
	}
	r, err := layerinfo.Analyze(ctx, g, layerinfo.Options{}) // a stats.Report: the rows and the totals
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Totals.TrainableParams, "trainable parameters")
	render.Explain(io.Discard, r) // or render.Table, render.JSON to a writer
	// Output: 217706 trainable parameters
}

// TestReadmeExample keeps the README's library example and ExampleAnalyze
// the same code, so the README's compiles and runs.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## As a library\n\n```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no Go block under \"## As a library\"")
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile("(?s)func ExampleAnalyze\\(\\) \\{\n(.*?)\t// Output:").FindSubmatch(src)
	if body == nil {
		t.Fatal("no ExampleAnalyze body")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(body[1]), "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if got, want := strings.TrimSpace(string(m[1])), strings.TrimSpace(strings.Join(lines, "\n")); got != want {
		t.Errorf("README's library example differs from ExampleAnalyze:\n--- README ---\n%s\n--- example_test.go ---\n%s", got, want)
	}
}
