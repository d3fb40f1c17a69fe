package keras

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

var summaryTotal = regexp.MustCompile(`(?m)^(Total|Trainable|Non-trainable) params: ([\d,?]+)`)

// totalsOf reads the three totals a summary prints (separators dropped).
func totalsOf(text string) string {
	var out []string
	for _, m := range summaryTotal.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1]+" "+strings.ReplaceAll(m[2], ",", ""))
	}
	return strings.Join(out, "; ")
}

// paramColumn reads a summary's Param # of every row: the field under
// the header's "Param #", on each line that starts a row (the name at
// the line's start, after one space in newer layouts).
func paramColumn(text string) []string {
	lines := strings.Split(text, "\n")
	col, body := -1, false
	var out []string
	for _, line := range lines {
		switch {
		case col < 0:
			col = strings.Index(line, "Param #")
			continue
		case strings.HasPrefix(line, "====="):
			body = !body
			continue
		case !body || strings.HasPrefix(line, "_____") || strings.TrimSpace(line) == "":
			continue
		}
		if strings.HasPrefix(strings.TrimPrefix(line, " "), " ") || len(line) <= col {
			continue // a continuation line (more connections)
		}
		if f := strings.Fields(line[col:]); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// TestSummaryAgainstKeras: the model.summary() layout of every reference
// model (its JSON, .h5, .keras and script) prints the totals Keras
// printed in its summary.txt (TF.js's layout: other columns) and, row
// for row, the same Param #.
func TestSummaryAgainstKeras(t *testing.T) {
	sums, _ := filepath.Glob(filepath.Join(refDir, "*.summary.txt"))
	if len(sums) == 0 {
		t.Skipf("no Keras reference data at %s (the shared reference folder is beside the checkout)", refDir)
	}
	for _, sum := range sums {
		name := strings.TrimSuffix(filepath.Base(sum), ".summary.txt")
		data, err := os.ReadFile(sum)
		if err != nil {
			t.Fatal(err)
		}
		want, wantParams := totalsOf(string(data)), paramColumn(string(data))
		if want == "" || len(wantParams) == 0 {
			t.Fatalf("%s: no totals or rows read", sum)
		}
		for _, p := range []string{name + ".json", name + ".h5", name + ".keras", "code/" + name + ".py"} {
			path := filepath.Join(refDir, p)
			src, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			t.Run(p, func(t *testing.T) {
				var r *stats.Report
				if strings.HasSuffix(p, ".py") {
					r = analyseCode(t, path, src, CodeOptions{})
				} else {
					r = analyse(t, path)
				}
				var buf bytes.Buffer
				if err := render.KerasSummary(&buf, r, render.Options{}); err != nil {
					t.Fatal(err)
				}
				got := buf.String()
				if g := totalsOf(got); g != want {
					t.Errorf("totals %s, Keras %s\n%s", g, want, got)
				}
				gotParams := paramColumn(got)
				if !strings.Contains(string(data), "(InputLayer)") {
					// TF.js leaves a Sequential's InputLayer out, as
					// Keras does: so do we, unless the model is
					// functional (then both show it).
					for _, l := range r.Layers {
						if l.Type == "InputLayer" {
							t.Errorf("row %s in a Sequential model's summary", l.Name)
						}
					}
				}
				if strings.Join(gotParams, " ") != strings.Join(wantParams, " ") {
					t.Errorf("Param # %v, Keras %v\n%s", gotParams, wantParams, got)
				}
				for i, l := range r.Layers {
					if i < len(gotParams) && gotParams[i] != strconv.FormatInt(l.Params, 10) {
						t.Errorf("row %d printed %s, report %d", i, gotParams[i], l.Params)
					}
				}
			})
		}
	}
}
