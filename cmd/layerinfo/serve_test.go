package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/layerinfo/layerinfo/internal/browsertest"
)

// startServe runs "layerinfo serve ARGS" until the test ends and
// returns the URL it printed first.
func startServe(t *testing.T, args ...string) *url.URL {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- serveCtx(ctx, args, pw, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10 s of its context's end")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no URL: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	u, err := url.Parse(strings.TrimSpace(line))
	if err != nil || u.Scheme != "http" || u.Path != "/" {
		t.Fatalf("first line %q is not the page's URL", line)
	}
	return u
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLoopback: by default serve listens on 127.0.0.1 only, on a
// free port, prints the URL first, answers the page there, refuses a
// Host that is not a loopback name, and sends no CORS header.
func TestServeLoopback(t *testing.T) {
	u := startServe(t, "../../examples/mnist_nolearn.py")
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("URL %s: want 127.0.0.1 and a port", u)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	req, _ := http.NewRequest("GET", u.String(), nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"name":"conv2d1"`)) || !bytes.Contains(body, []byte("217,706")) {
		t.Errorf("GET /: %d, %d bytes", resp.StatusCode, len(body))
	}
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			t.Errorf("CORS header %s", k)
		}
	}
	// Another loopback address on the same port: nothing listens there.
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", port), 2*time.Second); err == nil {
		c.Close()
		t.Errorf("127.0.0.2:%s answers: serve listens beyond 127.0.0.1", port)
	}
	// A name that resolves here but is not loopback's (DNS rebinding).
	req, _ = http.NewRequest("GET", u.String(), nil)
	req.Host = "attacker.example:" + port
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host attacker.example: %d, want 421", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", u.String(), nil)
	req.Host = "localhost:" + port
	if resp, err = client.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("Host localhost: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
}

// TestServeUsage: usage errors exit 2 with one line and a pointer to
// --help; --help prints the usage on stdout.
func TestServeUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"a.yaml", "b.yaml"}, "layerinfo serve: one model file at a time, got 2: a.yaml b.yaml\n"},
		{[]string{"--nope"}, "layerinfo serve: flag provided but not defined: -nope\n"},
		{[]string{"--max-upload", "lots"}, "layerinfo serve: --max-upload: "},
		{[]string{"-"}, "layerinfo serve: serve reads a file by its path, not standard input\n"},
		{[]string{"--root", "../../examples/mnist_seed.yaml"}, "layerinfo serve: --root ../../examples/mnist_seed.yaml is not a directory\n"},
		{[]string{"--addr", "127.0.0.1:-5"}, "layerinfo serve: listen tcp: "},
	} {
		var stdout, stderr bytes.Buffer
		code := serveCtx(context.Background(), c.args, &stdout, &stderr)
		if code != exitUsage || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), c.want) {
			t.Errorf("serve %q: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, stdout.String(), stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "--help"}, nil, &stdout, &stderr); code != exitOK || !strings.HasPrefix(stdout.String(), "usage: layerinfo serve [flags] [FILE]\n") || stderr.Len() != 0 {
		t.Errorf("serve --help: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestServeBrowser: the page serve answers, in headless chromium, shows
// the seed network's 7 layers and its 217,706.
func TestServeBrowser(t *testing.T) {
	u := startServe(t, "--addr", "127.0.0.1:0", "../../examples/mnist_nolearn.py")
	ctx := browsertest.Start(t, 1200, 800)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	_, err := chromedp.Run(tctx, chromedp.Steps(
		chromedp.Navigate(u.String()),
		chromedp.WaitReady(chromedp.CSS(`body[data-ready="1"]`)),
	))
	if err != nil {
		t.Fatal(err)
	}
	count, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll('#nodes [data-layer]').length`))
	if err != nil || count != 7 {
		t.Errorf("%d nodes with data-layer (%v), want 7", count, err)
	}
	footer, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(`#footer`)))
	if err != nil || !strings.Contains(footer, "217,706") {
		t.Errorf("footer %q (%v), want 217,706", footer, err)
	}
}

// TestServeUploadCap: an upload over --max-upload is refused (413) with
// the flag that allows more.
func TestServeUploadCap(t *testing.T) {
	u := startServe(t, "--max-upload", "16B")
	req, _ := http.NewRequest("POST", u.String()+"upload?name=big.yaml", strings.NewReader(strings.Repeat("#", 17)))
	req.Header.Set("X-Layerinfo", "1")
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `big.yaml: the upload is larger than 16 bytes, the most this server takes (open the file by its path instead); layerinfo serve --max-upload allows more`
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(want)) {
		t.Errorf("%d %s, want 413 and %q", resp.StatusCode, body, want)
	}
}
