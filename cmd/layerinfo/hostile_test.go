package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A hostile case is a file made to hurt a reader: a bomb of memory, of
// time or of stack, or a path out of the model. Each runs the command in
// a child process (this test binary again), so that a crash, a hang or the
// peak memory of the run is measured, not felt by the test.
type hostileCase struct {
	name string
	// make writes the input into dir and returns the arguments of the
	// command (the model's path among them).
	make func(t *testing.T, dir string) []string
	code int    // the exit status wanted: 1 for a hostile file
	want string // a regular expression the message must match: it names the cause
	// maxMiB bounds the child's peak resident memory; 0 means the default
	// budget, 1 GiB.
	maxMiB int64
}

// hostileCases is filled by the hostile_*_test.go files of each area.
var hostileCases []hostileCase

const (
	hostileEnv = "LAYERINFO_HOSTILE_ARGS"
	// hostileRelayEnv names the file where the relay writes its child's
	// usage (relayUsage).
	hostileRelayEnv = "LAYERINFO_HOSTILE_RELAY"
)

// relayUsage is what the relay reports of the child it ran.
type relayUsage struct {
	MaxRSSKiB   int64
	UserNS      int64
	SysNS       int64
	ExitCode    int
	Signaled    string
	StartFailed string
}

// TestHostileChild is the child: it runs the command on the arguments in
// the environment and exits with its status. Started as the relay (the
// environment names a usage file), it runs the child itself and writes
// the child's usage there.
//
// Why a relay: Linux keeps the largest resident size a process had
// across exec, and Go starts children sharing the parent's memory until
// they exec (CLONE_VM), so a child of the test process reports the test
// process's own peak (hundreds of MiB after other cases ran) as its
// peak. The relay is fresh and small; its child's figure is the child's.
func TestHostileChild(t *testing.T) {
	if out := os.Getenv(hostileRelayEnv); out != "" {
		relay(out)
	}
	raw := os.Getenv(hostileEnv)
	if raw == "" {
		t.Skip("run by TestHostile in a child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(args, strings.NewReader(""), os.Stdout, os.Stderr))
}

// relay runs the child with the same arguments, passes its output
// through, writes its usage to out and exits with its status.
func relay(out string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, hostileRelayEnv+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	var u relayUsage
	err := cmd.Run()
	if ps := cmd.ProcessState; ps != nil {
		u.ExitCode = ps.ExitCode()
		u.UserNS, u.SysNS = int64(ps.UserTime()), int64(ps.SystemTime())
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			u.MaxRSSKiB = maxRSSKiB(ru)
		}
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			u.Signaled = ws.Signal().String()
		}
	} else if err != nil {
		u.StartFailed = err.Error()
	}
	raw, _ := json.Marshal(u)
	if werr := os.WriteFile(out, raw, 0o644); werr != nil {
		os.Exit(3)
	}
	os.Exit(max(u.ExitCode, 0))
}

// maxRSSKiB is the rusage's peak resident size in KiB (bytes on macOS).
func maxRSSKiB(ru *syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}

// TestHostile runs every hostile case: a clear message, the wanted exit
// status, no crash, at most 20 s of CPU time, and a peak memory under the
// budget. Cases run two at a time (the machines have two cores), and a
// child still running after two minutes of wall time is killed as hung:
// CPU time, not wall time, is what the 20 s bound is checked on, so a
// loaded machine does not fail a case.
func TestHostile(t *testing.T) {
	if os.Getenv(hostileEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	slots := make(chan struct{}, max(2, runtime.NumCPU()))
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			dir := t.TempDir()
			args := c.make(t, dir)
			if !slices.Contains(args, "--timeout") {
				// The CLI's default --timeout is 20 s of wall time; a
				// loaded machine would end a cheap case with it. The
				// bound checked here is CPU time; a case that needs the
				// timeout to stop it gives its own.
				args = append([]string{"--timeout", "100s"}, args...)
			}
			raw, err := json.Marshal(args)
			if err != nil {
				t.Fatal(err)
			}
			usage := filepath.Join(t.TempDir(), "usage.json")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$")
			cmd.Env = append(os.Environ(), hostileEnv+"="+string(raw), "GOTRACEBACK=single", hostileRelayEnv+"="+usage)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the relay and its child, killed together
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(2*time.Minute, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			err = cmd.Wait()
			timedOut := !timer.Stop()
			msg := stderr.String()
			var u relayUsage
			if !timedOut {
				b, rerr := os.ReadFile(usage)
				if rerr != nil {
					t.Fatalf("the relay wrote no usage (%v; exit %v); stderr %.400q", rerr, err, msg)
				}
				if jerr := json.Unmarshal(b, &u); jerr != nil {
					t.Fatal(jerr)
				}
				if u.StartFailed != "" {
					t.Fatalf("the relay could not start the child: %s", u.StartFailed)
				}
				if u.Signaled != "" {
					msg += "\nfatal error: killed by signal " + u.Signaled
				}
			}
			code := u.ExitCode
			cpu := time.Duration(u.UserNS + u.SysNS)
			if timedOut {
				t.Fatalf("still running after 2 minutes (%s of CPU): killed as hung (stderr %.300q)", cpu, msg)
			}
			if cpu > 20*time.Second {
				t.Errorf("took %s of CPU time, more than 20 s", cpu)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "fatal error") || strings.Contains(msg, "panic:") {
				t.Fatalf("crashed: %.600s", msg)
			}
			if code != c.code {
				t.Errorf("exit %d (%v), want %d; stderr %.400q; stdout %.200q", code, err, c.code, msg, stdout.String())
			}
			if !regexp.MustCompile(c.want).MatchString(msg) {
				t.Errorf("stderr %.400q does not match %q", msg, c.want)
			}
			max := c.maxMiB
			if max == 0 {
				max = 1024
			}
			peak := u.MaxRSSKiB / 1024
			t.Logf("peak %d MiB, %s of CPU", peak, cpu)
			if peak > max {
				t.Errorf("peak memory %d MiB, more than %d MiB", peak, max)
			}
		})
	}
}

// writeFile writes data to dir/name and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
