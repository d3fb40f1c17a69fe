// Package childtest runs one case of a test in a child process (the test
// binary itself) and measures it, so that a test can bound the peak
// memory of decoding a hostile file without the parent's heap in the
// figure.
package childtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Result is what a child reported and what it cost.
type Result struct {
	Output  string        // what the child printed with Report
	PeakKiB int64         // peak resident memory; 0 where the OS does not say
	Wall    time.Duration // informative: tests never assert tight times
}

const marker = "CHILDTEST-REPORT:"

// Case is the case a child runs, "" in the parent.
func Case(env string) string { return os.Getenv(env) }

// Report prints s for the parent to read (a child's line, newlines
// escaped).
func Report(s string) {
	os.Stdout.WriteString(marker + strings.ReplaceAll(s, "\n", `\n`) + "\n")
}

// Run re-executes the test binary running only test (a top-level test
// name) with env set to name, and returns what its case reported.
func Run(t *testing.T, test, env, name string) Result {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=120s")
	cmd.Env = append(os.Environ(), env+"="+name)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := Result{Wall: time.Since(start), PeakKiB: peakKiB(cmd.ProcessState)}
	if err != nil {
		t.Fatalf("child %s: %v\n%s", name, err, clip(string(out)))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if s, ok := strings.CutPrefix(line, marker); ok {
			r.Output = strings.ReplaceAll(s, `\n`, "\n")
			return r
		}
	}
	t.Fatalf("child %s reported nothing:\n%s", name, clip(string(out)))
	return r
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
