package layerinfo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// modelFiles are the files the report tests run on: the reference
// models (when ../shared/reference is there), the examples and every
// test fixture; those no format reads are left out by the tests.
func modelFiles(t *testing.T) []string {
	roots := []string{"examples", "testdata", "cmd/layerinfo/testdata"}
	if ms, _ := filepath.Glob("format/*/testdata"); len(ms) > 0 {
		roots = append(roots, ms...)
	}
	if _, err := os.Stat("../shared/reference"); err == nil {
		roots = append(roots, "../shared/reference")
	} else {
		t.Log("../shared/reference is absent: the reference models are not compared")
	}
	var files []string
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil
			case d.IsDir() && d.Name() == "fuzz":
				return filepath.SkipDir
			case d.Type().IsRegular():
				files = append(files, p)
			}
			return nil
		})
	}
	return files
}

// analyse loads and analyses a file with the options.
func analyse(path string, opt layerinfo.Options) (*stats.Report, error) {
	in, closeFn, err := layerinfo.File(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	ctx := context.Background()
	g, err := layerinfo.Load(ctx, in, opt)
	if err != nil {
		return nil, err
	}
	return layerinfo.Analyze(ctx, g, opt)
}

// TestReportNoArithmetic: every model the tests know, analysed without
// arithmetic (what the command line does for its plain table), gives the
// table, Markdown and CSV of the complete analysis byte for byte, the
// same error when it fails, and a report that the explanation and the
// JSON refuse; the complete report's JSON is encoding/json's.
func TestReportNoArithmetic(t *testing.T) {
	files := modelFiles(t)
	if testing.Short() && len(files) > 40 {
		files = files[:40]
	}
	read := 0
	for _, path := range files {
		full, ferr := analyse(path, layerinfo.Options{})
		terse, terr := analyse(path, layerinfo.Options{NoArithmetic: true})
		if ferr != nil || terr != nil {
			if ferr == nil || terr == nil || ferr.Error() != terr.Error() {
				t.Errorf("%s: error %v, without arithmetic %v", path, ferr, terr)
			}
			continue
		}
		read++
		if !terse.NoArithmetic || full.NoArithmetic {
			t.Errorf("%s: NoArithmetic %v, %v", path, full.NoArithmetic, terse.NoArithmetic)
		}
		for _, r := range []struct {
			name string
			fn   func(*bytes.Buffer, *stats.Report) error
		}{
			{"table", func(b *bytes.Buffer, r *stats.Report) error { return render.Table(b, r) }},
			{"narrow table", func(b *bytes.Buffer, r *stats.Report) error {
				return render.TableWith(b, r, render.Options{Width: 60, Option: func(s string) string { return "--" + s }})
			}},
			{"markdown", func(b *bytes.Buffer, r *stats.Report) error { return render.Markdown(b, r) }},
			{"csv", func(b *bytes.Buffer, r *stats.Report) error { return render.CSV(b, r) }},
		} {
			var a, b bytes.Buffer
			if err := r.fn(&a, full); err != nil {
				t.Fatalf("%s: %s: %v", path, r.name, err)
			}
			if err := r.fn(&b, terse); err != nil {
				t.Fatalf("%s: %s without arithmetic: %v", path, r.name, err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s: the %s without arithmetic differs:\n%s\nwith it:\n%s", path, r.name, b.Bytes(), a.Bytes())
			}
		}
		if err := render.Explain(&bytes.Buffer{}, terse); !errors.Is(err, render.ErrNoArithmetic) {
			t.Errorf("%s: Explain of a report without arithmetic: %v", path, err)
		}
		if err := render.JSON(&bytes.Buffer{}, terse); !errors.Is(err, render.ErrNoArithmetic) {
			t.Errorf("%s: JSON of a report without arithmetic: %v", path, err)
		}
		var got, want bytes.Buffer
		if err := render.JSON(&got, full); err != nil {
			t.Fatalf("%s: JSON: %v", path, err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(full); err != nil {
			t.Fatalf("%s: encoding/json: %v", path, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: JSON differs from encoding/json's", path)
		}
	}
	if read == 0 {
		t.Fatal("no model read")
	}
	t.Logf("%d of %d files read", read, len(files))
	if !strings.Contains(strings.Join(files, " "), "examples/") {
		t.Error("the examples were not found")
	}
}
