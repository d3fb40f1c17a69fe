// Package progress draws a progress line on a terminal for work that
// takes longer than about a second: nothing when the output is not a
// terminal (a pipe, a file, a test's buffer), nothing for quick work.
// It writes plain text (no colour), so NO_COLOR is respected trivially.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Delay is how long work runs before the line appears.
const Delay = time.Second

// Bar is a progress line on a terminal. The zero Bar (and a nil *Bar)
// draws nothing.
type Bar struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	stage string
	done  int
	total int
	drawn bool
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// IsTerminal reports whether f is a terminal (a character device).
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Start returns a Bar drawing on w when w is a terminal, else nil (which
// draws nothing). Call Stop when the work is done.
func Start(w io.Writer) *Bar {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) {
		return nil
	}
	b := &Bar{w: w, start: time.Now(), stop: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b
}

func (b *Bar) loop() {
	defer b.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case now := <-t.C:
			if now.Sub(b.start) >= Delay {
				b.draw(now)
			}
		}
	}
}

// Stage names what is being done ("reading", "inferring shapes").
func (b *Bar) Stage(s string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.stage, b.done, b.total = s, 0, 0
	b.mu.Unlock()
}

// Update records progress: done of total steps.
func (b *Bar) Update(done, total int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.done, b.total = done, total
	b.mu.Unlock()
}

func (b *Bar) draw(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	const width = 30
	line := fmt.Sprintf("layerinfo: %s", b.stage)
	if b.total > 0 {
		k := width * b.done / b.total
		line += fmt.Sprintf(" [%s%s] %d/%d", strings.Repeat("=", k), strings.Repeat(" ", width-k), b.done, b.total)
	}
	line += fmt.Sprintf(" %.0fs", now.Sub(b.start).Seconds())
	fmt.Fprintf(b.w, "\r%-79s", line)
	b.drawn = true
}

// Stop ends the line, clearing it if it was drawn.
func (b *Bar) Stop() {
	if b == nil {
		return
	}
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.drawn {
			fmt.Fprintf(b.w, "\r%79s\r", "")
		}
	})
}
