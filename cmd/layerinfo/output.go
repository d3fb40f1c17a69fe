package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
	"github.com/layerinfo/layerinfo/web"
)

// outputs are the values of -o/--output, in the order --help lists them.
var outputs = []string{"table", "json", "markdown", "csv", "dot", "mermaid", "html", "summary"}

// outputFlag is -o/--output: one of outputs.
type outputFlag struct{ name string }

func (o *outputFlag) String() string { return o.name }

func (o *outputFlag) Set(v string) error {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "md":
		v = "markdown"
	case "text":
		v = "table"
	case "graphviz", "gv":
		v = "dot"
	}
	for _, name := range outputs {
		if v == name {
			o.name = v
			return nil
		}
	}
	return fmt.Errorf("unknown output %q (known: %s)", v, strings.Join(outputs, ", "))
}

// chooseOutput is the output the flags ask for, or a usage error's
// message: --json is -o json; --explain applies to the table and the
// Markdown table (the JSON report and the HTML page have the arithmetic
// already; CSV, dot and Mermaid have no place for it).
func chooseOutput(o outputFlag, asJSON, explain bool) (string, error) {
	name := o.name
	switch {
	case asJSON && name != "" && name != "json":
		return "", fmt.Errorf("--json is -o json: it cannot be combined with -o %s", name)
	case asJSON:
		name = "json"
	case name == "":
		name = "table"
	}
	if explain {
		switch name {
		case "table", "markdown":
		case "json":
			return "", fmt.Errorf("--explain and --json cannot be combined (the JSON report has the explanations)")
		case "html":
			return "", fmt.Errorf("--explain does not apply to -o html (the page shows a layer's arithmetic when it is clicked)")
		default:
			return "", fmt.Errorf("--explain does not apply to -o %s (it applies to -o table and -o markdown)", name)
		}
	}
	return name, nil
}

// needsArithmetic says whether the output prints arithmetic text (else
// the analysis leaves it out: NoArithmetic).
func needsArithmetic(output string, explain bool) bool {
	return explain || output == "json" || output == "html"
}

// writeReport writes r in the chosen output.
func writeReport(w, stdout io.Writer, r *stats.Report, output string, explain, wide bool) error {
	switch output {
	case "json":
		return render.JSON(w, r)
	case "markdown":
		if err := render.MarkdownWith(w, r, render.Options{Option: flagName}); err != nil || !explain {
			return err
		}
		return markdownExplain(w, r)
	case "csv":
		return render.CSV(w, r)
	case "dot":
		return render.Dot(w, r)
	case "mermaid":
		return render.Mermaid(w, r)
	case "html":
		return web.WritePage(w, r, web.PageOptions{Option: flagName})
	case "summary":
		// The framework's own layout (Keras's model.summary()), else
		// the table.
		return render.FrameworkSummary(w, r, render.Options{Width: tableWidth(stdout, wide), Option: flagName})
	}
	if explain {
		return render.ExplainWith(w, r, render.Options{Option: flagName})
	}
	return render.TableWith(w, r, render.Options{Width: tableWidth(stdout, wide), Option: flagName})
}

// markdownExplain follows the Markdown table with the arithmetic, folded
// (GitHub shows a <details> block closed) in a code block.
func markdownExplain(w io.Writer, r *stats.Report) error {
	var b strings.Builder
	if err := render.ExplainWith(&b, r, render.Options{Option: flagName}); err != nil {
		return err
	}
	text := b.String()
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	_, err := fmt.Fprintf(w, "\n<details><summary>The arithmetic (layerinfo --explain)</summary>\n\n%stext\n%s%s\n\n</details>\n", fence, text, fence)
	return err
}

// lazyFile is --out FILE: created at the first write, so that a model
// error leaves no file behind.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(p)
}

// Close closes the file if it was made.
func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
