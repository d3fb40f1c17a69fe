package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
	"github.com/layerinfo/layerinfo/web"
)

// dir is a directory with a model, a broken one, a file outside it and a
// symbolic link from inside to that file.
func dir(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "models")
	os.MkdirAll(filepath.Join(root, "sub"), 0o755)
	seed, err := os.ReadFile("../examples/mnist_seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "sub", "seed.yaml"), seed, 0o644)
	os.WriteFile(filepath.Join(root, "bad.yaml"), []byte("input: [null, 4]\nlayers:\n  - {name: fc, type: dense}\n"), 0o644)
	outside = filepath.Join(base, "secret.yaml")
	os.WriteFile(outside, seed, 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

type answer struct {
	Layers []struct {
		Name    string `json:"name"`
		Explain string `json:"explain"`
	} `json:"layers"`
	Footer string `json:"footer"`
	Error  *struct {
		Message string `json:"message"`
		Line    int    `json:"line"`
		Col     int    `json:"col"`
		Source  string `json:"source"`
	} `json:"error"`
}

func do(t *testing.T, h http.Handler, method, target string, body io.Reader, page bool) (*http.Response, answer) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if page {
		req.Header.Set("X-Layerinfo", "1")
	}
	req.Header.Set("Origin", "https://elsewhere.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			t.Errorf("%s %s: CORS header %s", method, target, k)
		}
	}
	var a answer
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
	}
	return resp, a
}

// TestOpenPaths: the path box opens models inside the directory only.
func TestOpenPaths(t *testing.T) {
	root, outside := dir(t)
	h := web.New(web.Options{Dir: root, Analyze: analyze})
	resp, a := do(t, h, "GET", "/open?path=sub/seed.yaml", nil, true)
	if resp.StatusCode != 200 || a.Error != nil || len(a.Layers) != 8 {
		t.Fatalf("sub/seed.yaml: %d %+v, %d layers", resp.StatusCode, a.Error, len(a.Layers))
	}
	if !strings.Contains(a.Layers[1].Explain, "(5*5*1+1)*32 = 832") || !strings.Contains(a.Footer, "217,706") {
		t.Errorf("sub/seed.yaml: conv2d1 %q, footer %q", a.Layers[1].Explain, a.Footer)
	}
	for _, p := range []string{"../secret.yaml", "sub/../../secret.yaml", outside, "link.yaml", "/etc/passwd", "..", "sub/../../models/../secret.yaml"} {
		resp, a := do(t, h, "GET", "/open?path="+p, nil, true)
		if a.Error == nil || len(a.Layers) != 0 {
			t.Errorf("%s opened: %d, %d layers", p, resp.StatusCode, len(a.Layers))
			continue
		}
		if p != "link.yaml" && !strings.Contains(a.Error.Message, "outside the directory") {
			t.Errorf("%s: %q", p, a.Error.Message)
		}
	}
	// An absolute path inside the directory is fine.
	if _, a := do(t, h, "GET", "/open?path="+filepath.Join(root, "sub", "seed.yaml"), nil, true); a.Error != nil {
		t.Errorf("absolute path inside: %v", a.Error.Message)
	}
	// A directory, a missing file.
	for p, want := range map[string]string{"sub": "sub is a directory", "nope.yaml": "nope.yaml: "} {
		if _, a := do(t, h, "GET", "/open?path="+p, nil, true); a.Error == nil || !strings.Contains(a.Error.Message, want) {
			t.Errorf("%s: %+v, want %q", p, a.Error, want)
		}
	}
	// The model error, positioned, with its line.
	_, a = do(t, h, "GET", "/open?path=bad.yaml", nil, true)
	if a.Error == nil || a.Error.Line != 3 || a.Error.Col != 5 || a.Error.Source != "  - {name: fc, type: dense}" ||
		!strings.HasPrefix(a.Error.Message, "bad.yaml:3:5: layer fc (dense): ") {
		t.Errorf("bad.yaml: %+v", a.Error)
	}
}

// TestRequestsFromPageOnly: /open and /upload need the page's header
// (another site's form or link cannot set it); the page itself does not.
func TestRequestsFromPageOnly(t *testing.T) {
	root, _ := dir(t)
	h := web.New(web.Options{Dir: root, Model: "sub/seed.yaml", Analyze: analyze})
	if resp, _ := do(t, h, "GET", "/open?path=sub/seed.yaml", nil, false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("/open without the header: %d", resp.StatusCode)
	}
	if resp, _ := do(t, h, "POST", "/upload?name=x.yaml", strings.NewReader("x"), false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("/upload without the header: %d", resp.StatusCode)
	}
	resp, _ := do(t, h, "GET", "/", nil, false)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"name":"conv2d1"`)) {
		t.Errorf("/: %d", resp.StatusCode)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Content-Type": "text/html; charset=utf-8"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("/: %s %q, want %q", k, got, want)
		}
	}
	for _, target := range []string{"/etc/passwd", "/../go.mod", "/assets/app.js"} {
		// 404, or ServeMux's redirect of a path with .. to its clean form
		if resp, _ := do(t, h, "GET", target, nil, false); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("%s: %d, want 404", target, resp.StatusCode)
		}
	}
	if resp, _ := do(t, h, "POST", "/", nil, true); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", resp.StatusCode)
	}
}

// TestUpload: an upload is analysed under its base name; one over the
// cap is refused, whether it declares its length or not.
func TestUpload(t *testing.T) {
	seed, _ := os.ReadFile("../examples/mnist_seed.yaml")
	h := web.New(web.Options{Analyze: analyze, MaxUpload: int64(len(seed))})
	resp, a := do(t, h, "POST", "/upload?name=../../up/seed.yaml", bytes.NewReader(seed), true)
	if resp.StatusCode != 200 || len(a.Layers) != 8 || !strings.Contains(a.Footer, "217,706") {
		t.Fatalf("upload: %d %+v", resp.StatusCode, a.Error)
	}
	resp, a = do(t, h, "POST", "/upload?name=seed.yaml", bytes.NewReader(append(seed, '\n')), true)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || a.Error == nil || !strings.Contains(a.Error.Message, "larger than") {
		t.Errorf("too large: %d %+v", resp.StatusCode, a.Error)
	}
	// no Content-Length: read up to the cap, then refused
	resp, a = do(t, h, "POST", "/upload?name=seed.yaml", io.MultiReader(bytes.NewReader(seed), strings.NewReader("#")), true)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || a.Error == nil {
		t.Errorf("too large, streamed: %d %+v", resp.StatusCode, a.Error)
	}
	_, a = do(t, h, "POST", "/upload?name=bad.yaml", strings.NewReader("input: [null, 4]\nlayers:\n  - {name: fc, type: dense}\n"), true)
	if a.Error == nil || a.Error.Line != 3 || !strings.HasPrefix(a.Error.Message, "bad.yaml:3:5:") {
		t.Errorf("broken upload: %+v", a.Error)
	}
	_, a = do(t, h, "GET", "/open?path=x.yaml", nil, true)
	if a.Error == nil || !strings.Contains(a.Error.Message, "opens no files by path") {
		t.Errorf("no Dir: %+v", a.Error)
	}
}

// TestPageEscapes: no text of the report can end the data's script
// element or inject markup, and the page names no other resource.
func TestPageEscapes(t *testing.T) {
	d := func(n int64) graph.Dim { return graph.D(n) }
	s := stats.Shape{d(1), d(4)}
	evil := `</script><script>alert(1)</script><!--`
	r := &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: evil + ".yaml", Format: "spec"},
		Layers: []stats.Layer{{Name: evil, Type: "<b>dense</b>", Inputs: []string{}, OutputShapes: []*stats.Shape{&s},
			Explain: stats.Explain{Params: evil}}},
	}
	var b bytes.Buffer
	if err := web.WritePage(&b, r, web.PageOptions{}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "</script"); n != 3 {
		t.Errorf("%d </script in the page, want the 3 that close its own elements", n)
	}
	if strings.Contains(page, "<b>dense") || strings.Contains(page, "<script>alert") {
		t.Error("the report's text reaches the page as markup")
	}
	for _, ref := range []string{"src=", "href=", "@import", "url(http", "//# sourceMappingURL"} {
		if strings.Contains(page, ref) {
			t.Errorf("the page refers to another resource: %q", ref)
		}
	}
}
