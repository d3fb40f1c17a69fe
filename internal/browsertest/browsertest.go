// Package browsertest starts headless Chromium for the tests that look
// at layerinfo's web page (web, cmd/layerinfo) through chromedp. It finds
// Debian's chromium (or another Chromium or Chrome on PATH, or the one
// $LAYERINFO_CHROMIUM names); without one the test skips with a message
// saying how to install it (.ci/run installs it, so CI never skips).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find is the path of a Chromium or Chrome binary, "" when there is none.
func Find() string {
	if p := os.Getenv("LAYERINFO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start starts headless Chromium (no sandbox: tests run as root in CI, in
// a container) with a window of the given size, and returns a chromedp
// context for one tab; the test's cleanup stops it. It skips the test when
// no browser is installed. Every action on the context should be bounded
// by the caller (WithTimeout on a context derived after the first Run).
func Start(t testing.TB, width, height int) context.Context {
	t.Helper()
	bin := Find()
	if bin == "" {
		t.Skip("no chromium on PATH (apt-get install chromium, or set LAYERINFO_CHROMIUM; .ci/run installs it): the browser tests of the web page skip")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser: give it its own deadline check.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v", bin, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("starting %s: no answer in 60 s", bin)
	}
	return ctx
}

// Screenshot writes png to the test's temporary directory as name, and
// to $LAYERINFO_SCREENSHOTS/name too when that is set (how the README's
// picture is refreshed); it logs where.
func Screenshot(t testing.TB, name string, png []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("LAYERINFO_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(dir, name)
	}
	t.Logf("screenshot: %s", path)
	return path
}
