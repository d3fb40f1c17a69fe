package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// Options configure the handler New makes.
type Options struct {
	// Dir is the directory whose models the page may open: the path box
	// takes paths relative to it (or absolute paths inside it), and
	// refuses any other — "..", an absolute path elsewhere, a symbolic
	// link that leads out. "" turns the path box off.
	Dir string
	// Model is the model / shows, a path as the path box takes it; ""
	// shows an empty page to open one from.
	Model string
	// Analyze reads and analyses a model: the command's pipeline with
	// the command's options. Required.
	Analyze func(ctx context.Context, in layerinfo.Input) (*stats.Report, error)
	// ErrorText words an error as the command line does (the message
	// after "layerinfo: "); nil is err.Error().
	ErrorText func(error) string
	// Option words an option where the report asks for a value
	// (PageOptions.Option).
	Option func(name string) string
	// MaxUpload caps the size of an uploaded file (0: 64 MiB); a larger
	// upload is refused before it is read whole.
	MaxUpload int64
	// Timeout bounds one analysis (0: 20 s).
	Timeout time.Duration
}

// DefaultMaxUpload is the upload cap when Options.MaxUpload is 0.
const DefaultMaxUpload = 64 << 20

// New is an http.Handler serving the page (see the package comment):
//
//	GET  /                 the page, with Options.Model or, given ?path=P, the model at P
//	GET  /open?path=P      the page's data for the model at P, as JSON
//	POST /upload?name=N    the page's data for the file in the body, as JSON
//
// /open and /upload answer only requests carrying the header
// X-Layerinfo: 1, which the page sends and a form or a link from another
// site cannot (a cross-origin request with it needs a CORS preflight,
// which this handler never grants: it sends no CORS headers). Errors —
// a model that does not read, a refused path, an upload over the cap —
// come back as {"error": {"message", "line", "col", "source"}}, the
// message as the command line words it.
func New(opt Options) http.Handler {
	if opt.MaxUpload <= 0 {
		opt.MaxUpload = DefaultMaxUpload
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 20 * time.Second
	}
	h := &handler{opt: opt, busy: make(chan struct{}, 2)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.page)
	mux.HandleFunc("GET /open", h.open)
	mux.HandleFunc("POST /upload", h.upload)
	return secure(mux)
}

type handler struct {
	opt  Options
	busy chan struct{} // at most two analyses at once: each may use the run's memory budget
}

// secure sets the headers every answer has: no sniffing, no framing, no
// caching, no referrer; and never a CORS header.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("path")
	if p == "" {
		p = h.opt.Model
	}
	d := h.empty()
	if p != "" {
		d = h.openPath(r.Context(), p)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b bytes.Buffer
	if err := writePage(&b, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(b.Bytes())
}

func (h *handler) open(w http.ResponseWriter, r *http.Request) {
	if !fromPage(w, r) {
		return
	}
	p := r.URL.Query().Get("path")
	if p == "" {
		h.json(w, h.fail(errors.New("no path given"), "", nil), http.StatusBadRequest)
		return
	}
	d := h.openPath(r.Context(), p)
	h.json(w, d, status(d))
}

func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	if !fromPage(w, r) {
		return
	}
	name := filepath.Base(filepath.FromSlash(r.URL.Query().Get("name")))
	if name == "." || name == string(filepath.Separator) || name == "" {
		name = "upload"
	}
	if r.ContentLength > h.opt.MaxUpload {
		h.json(w, h.fail(tooLarge(name, h.opt.MaxUpload), name, nil), http.StatusRequestEntityTooLarge)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opt.MaxUpload))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		h.json(w, h.fail(tooLarge(name, h.opt.MaxUpload), name, nil), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		h.json(w, h.fail(fmt.Errorf("%s: reading the upload: %w", name, err), name, nil), http.StatusBadRequest)
		return
	}
	d := h.analyze(r.Context(), layerinfo.Bytes(name, data), data)
	h.json(w, d, status(d))
}

// ErrUploadTooLarge is wrapped by the error of an upload over
// Options.MaxUpload (an ErrorText can name the option that allows more).
var ErrUploadTooLarge = errors.New("the upload is larger than the server takes")

func tooLarge(name string, max int64) error {
	return fmt.Errorf("%s: the upload is larger than %d bytes, the most this server takes (open the file by its path instead)%w", name, max, noText{ErrUploadTooLarge})
}

// noText wraps an error for errors.Is without adding to the message.
type noText struct{ err error }

func (noText) Error() string   { return "" }
func (n noText) Unwrap() error { return n.err }

// fromPage says whether the request came from the page's script (the
// X-Layerinfo header); otherwise it answers 403.
func fromPage(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-Layerinfo") == "1" {
		return true
	}
	http.Error(w, "this endpoint answers the layerinfo page only", http.StatusForbidden)
	return false
}

func status(d *pageData) int {
	if d.Error != nil {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

func (h *handler) json(w http.ResponseWriter, v any, code int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// empty is the page with no model: the path box and the drop zone.
func (h *handler) empty() *pageData {
	return &pageData{
		Columns:   []column{},
		Layers:    []pageLayer{},
		Edges:     [][3]any{},
		Served:    true,
		MaxUpload: h.opt.MaxUpload,
	}
}

// fail is the page showing err; source is the file's text, if it is
// text, from which the line the error points at is shown.
func (h *handler) fail(err error, name string, source []byte) *pageData {
	d := h.empty()
	d.Model.Path = name
	msg := err.Error()
	if h.opt.ErrorText != nil {
		msg = h.opt.ErrorText(err)
	}
	d.Error = &errorPayload{Message: msg}
	if line, col, ok := position(msg, name); ok {
		d.Error.Line, d.Error.Col = line, col
		if s, ok := sourceLine(source, line); ok {
			d.Error.Source = s
		}
	}
	return d
}

// openPath analyses the model at p, a path inside Options.Dir.
func (h *handler) openPath(ctx context.Context, p string) *pageData {
	if h.opt.Dir == "" {
		return h.fail(fmt.Errorf("%s: this page opens no files by path", p), p, nil)
	}
	rel, err := h.inside(p)
	if err != nil {
		return h.fail(err, p, nil)
	}
	root, err := os.OpenRoot(h.opt.Dir)
	if err != nil {
		return h.fail(err, p, nil)
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return h.fail(fmt.Errorf("%s: %w", p, unwrapPath(err)), p, nil)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return h.fail(err, p, nil)
	case st.IsDir():
		return h.fail(fmt.Errorf("%s is a directory", p), p, nil)
	case !st.Mode().IsRegular():
		return h.fail(fmt.Errorf("%s is not a regular file", p), p, nil)
	}
	in := layerinfo.Input{Name: p, R: f, Size: st.Size()}
	if dir, err := root.OpenRoot(filepath.Dir(rel)); err == nil {
		defer dir.Close()
		in.Dir = dir.FS()
	}
	// The line an error points at is shown from the file's first MiB.
	head := make([]byte, min(st.Size(), 1<<20))
	n, _ := f.ReadAt(head, 0)
	return h.analyze(ctx, in, head[:n])
}

// inside is p relative to Options.Dir, or an error when p is outside it.
// os.Root then refuses what lexical checks cannot see: a symbolic link
// that leads out.
func (h *handler) inside(p string) (string, error) {
	outside := fmt.Errorf("%s: outside the directory this server opens files in (%s)", p, h.opt.Dir)
	fp := filepath.FromSlash(p)
	if filepath.IsAbs(fp) {
		base, err := filepath.Abs(h.opt.Dir)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(base, fp)
		if err != nil {
			return "", outside
		}
		fp = rel
	}
	fp = filepath.Clean(fp)
	if !filepath.IsLocal(fp) {
		return "", outside
	}
	return fp, nil
}

// unwrapPath drops os.Root's wording of the path (the relative one) for
// the error alone: "no such file or directory", "path escapes from
// parent".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// analyze runs Options.Analyze on in within the timeout, at most two at
// once.
func (h *handler) analyze(ctx context.Context, in layerinfo.Input, source []byte) *pageData {
	select {
	case h.busy <- struct{}{}:
		defer func() { <-h.busy }()
	case <-ctx.Done():
		return h.fail(ctx.Err(), in.Name, nil)
	}
	ctx, cancel := context.WithTimeout(ctx, h.opt.Timeout)
	defer cancel()
	r, err := h.opt.Analyze(ctx, in)
	if err != nil {
		return h.fail(err, in.Name, source)
	}
	if err := render.HoldsRows("html", r); err != nil {
		return h.fail(err, in.Name, nil)
	}
	d := newPageData(r, PageOptions{Option: h.opt.Option, served: true})
	d.MaxUpload = h.opt.MaxUpload
	return d
}

// position finds the line and column an error message starts with,
// "name:12:5: …" or "name:12: …", for the file name.
func position(msg, name string) (line, col int, ok bool) {
	rest, found := strings.CutPrefix(msg, name+":")
	if !found {
		return 0, 0, false
	}
	m := posRE.FindStringSubmatch(rest)
	if m == nil {
		return 0, 0, false
	}
	line, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		col, _ = strconv.Atoi(m[2])
	}
	return line, col, line > 0
}

var posRE = regexp.MustCompile(`^(\d+)(?::(\d+))?:`)

// sourceLine is line n (1-based) of a text file, tabs as spaces so that
// the column's caret stays under it; nothing for binary data.
func sourceLine(src []byte, n int) (string, bool) {
	if len(src) == 0 || bytes.IndexByte(src, 0) >= 0 {
		return "", false
	}
	for i := 1; i < n; i++ {
		k := bytes.IndexByte(src, '\n')
		if k < 0 {
			return "", false
		}
		src = src[k+1:]
	}
	if k := bytes.IndexByte(src, '\n'); k >= 0 {
		src = src[:k]
	}
	s := strings.TrimRight(string(src), "\r")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return strings.ReplaceAll(s, "\t", " "), true
}
