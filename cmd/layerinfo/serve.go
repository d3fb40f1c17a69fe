package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
	"github.com/layerinfo/layerinfo/web"
)

const serveUsage = `usage: layerinfo serve [flags] [FILE]

serve shows a model as a web page: the graph (pan, zoom, search, a layer's
arithmetic on click) beside the table and the totals. The page has a path
box and takes a dropped file, to open other models.

It listens on the loopback interface only (127.0.0.1, a free port) unless
--addr says otherwise, and prints the page's URL as the first line on
standard output. The path box opens files inside the directory of FILE (or
--root, default the current directory) and nowhere else. Stop it with ^C.

Examples:
  layerinfo serve examples/mnist_nolearn.py --open
  layerinfo serve --addr 127.0.0.1:8080 --root ~/models
  layerinfo serve resnet50.onnx --input-shape input=8x3x224x224

Flags:
`

// serve is "layerinfo serve": the page over HTTP until ^C.
func serve(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveCtx(ctx, args, stdout, stderr)
}

// serveCtx is serve until ctx is done (tests end it so).
func serveCtx(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("layerinfo serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	addr := fs.String("addr", "127.0.0.1:0", "listen on `HOST:PORT` (port 0: a free one); a non-loopback host makes the page and the files under --root reachable from other machines")
	open := fs.Bool("open", false, "open the page in the default browser")
	root := fs.String("root", "", "the `DIR` the path box opens files in (default: FILE's directory, else the current one)")
	maxUpload := fs.String("max-upload", "64MiB", "the largest file the page may upload (`SIZE`); larger files open by path")
	timeout := fs.Duration("timeout", 20*time.Second, "stop an analysis that takes longer (`DURATION`)")
	maxMemory := fs.String("max-memory", "1GiB", "the memory one analysis may use (`SIZE`)")
	format := fs.String("format", "", "input format (default: detected): "+strings.Join(layerinfo.FormatNames(), ", "))
	entry := fs.String("entry", "", "Python code: what builds the model (as layerinfo --entry)")
	var inputShapes shapesFlag
	fs.Var(&inputShapes, "input-shape", "`[NAME=]SHAPE[:TYPE]` of an input (as layerinfo --input-shape); repeatable")
	call := fs.String("call", "", "PyTorch code: the `EXPR` that runs the model (as layerinfo --call)")
	var sets setsFlag
	fs.Var(&sets, "set", "Python code: `NAME=VALUE` (as layerinfo --set); repeatable")
	class := fs.String("class", "", "transformers config: the model class to build")
	modelType := fs.String("model-type", "", "transformers config: the model_type to build")
	batch := fs.Int64("batch", 0, "transformers config: batch size")
	contextLen := fs.Int64("context", 0, "transformers config: sequence length")
	usageErr := usageError(stderr, "layerinfo serve")
	files, wantHelp, err := parseArgs(fs, args)
	if wantHelp {
		fmt.Fprint(stdout, serveUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) > 1 {
		return usageErr("one model file at a time, got %d: %s", len(files), strings.Join(files, " "))
	}
	capUpload, err := budget.Parse(*maxUpload)
	if err != nil {
		return usageErr("--max-upload: %v", err)
	}
	limit, err := budget.Parse(*maxMemory)
	if err != nil {
		return usageErr("--max-memory: %v", err)
	}
	if *timeout < 0 || *batch < 0 || *contextLen < 0 {
		return usageErr("--timeout, --batch and --context must not be negative")
	}
	dir, model := *root, ""
	if len(files) == 1 {
		if files[0] == "-" {
			return usageErr("serve reads a file by its path, not standard input")
		}
		if dir == "" {
			dir = filepath.Dir(files[0])
		}
		model = files[0]
		if rel, err := filepath.Rel(dir, files[0]); err == nil && filepath.IsLocal(rel) {
			model = filepath.ToSlash(rel)
		}
		if _, err := os.Stat(files[0]); err != nil {
			fmt.Fprintf(stderr, "layerinfo: %v\n", err)
			return exitModel
		}
	}
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErr("--root %s is not a directory", dir)
	}
	opt := layerinfo.Options{
		Format:    *format,
		Python:    layerinfo.PythonOptions{Entry: *entry, Set: sets.m, InputShapes: inputShapes.m, InputTypes: inputShapes.types, Call: *call},
		ONNX:      layerinfo.ONNXOptions{InputShapes: inputShapes.m},
		HF:        layerinfo.HFOptions{Class: *class, ModelType: *modelType, Batch: *batch, Context: *contextLen},
		MaxMemory: limit,
	}
	h := web.New(web.Options{
		Dir:   dir,
		Model: model,
		Analyze: func(ctx context.Context, in layerinfo.Input) (*stats.Report, error) {
			g, err := layerinfo.Load(ctx, in, opt)
			if err != nil {
				return nil, err
			}
			return layerinfo.Analyze(ctx, g, opt)
		},
		ErrorText: func(err error) string {
			if errors.Is(err, web.ErrUploadTooLarge) {
				return err.Error() + "; layerinfo serve --max-upload allows more"
			}
			_, msg := explainError(err)
			return msg
		},
		Option:    flagName,
		MaxUpload: capUpload,
		Timeout:   *timeout,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo serve: %v\n", err)
		return exitUsage
	}
	loopback := isLoopback(ln.Addr())
	if loopback {
		h = loopbackHosts(h)
	} else {
		fmt.Fprintf(stderr, "layerinfo serve: listening on %s, not only loopback: every machine that reaches it can open the models under %s\n", ln.Addr(), dir)
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintln(stdout, url)
	if f, ok := stdout.(interface{ Sync() error }); ok {
		f.Sync()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // an upload of the largest size on a slow link
		WriteTimeout:      *timeout + time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if *open {
		if err := openBrowser(url); err != nil {
			fmt.Fprintf(stderr, "layerinfo serve: could not open a browser (%v); open %s\n", err, url)
		}
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "layerinfo serve: %v\n", err)
		return exitModel
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return exitOK
}

// isLoopback says whether a listener's address is on the loopback
// interface only.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// loopbackHosts refuses a request whose Host is not a loopback name: a
// page of another site that had its name resolve to 127.0.0.1 (DNS
// rebinding) cannot read the server's pages as its own.
func loopbackHosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			http.Error(w, "layerinfo serve answers loopback names only (Host "+r.Host+")", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// openBrowser opens url in the default browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
