package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary be the layerinfo command too: a script's
// "exec layerinfo" runs run() in a child process (testscript.Main), so
// exit codes, stdout and stderr are the real command's.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"layerinfo": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script (txtar files: the
// commands, then the inputs they write). $ROOT is the repository's root,
// for the committed examples. go test -update rewrites a cmp file that
// differs (check the diff: numbers are derived by hand in the scripts).
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("ROOT", root)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"unhex":       cmdUnhex,
			"lenprefix64": cmdLenPrefix64,
			"status":      cmdStatus,
		},
	})
}

// cmdStatus runs "status CODE COMMAND [ARGS...]": COMMAND as exec would
// (its stdout and stderr for the commands that follow), failing unless it
// exits with CODE. exec and ! exec tell only success from failure; the
// exit codes 1 (the model) and 2 (usage) are part of the CLI's contract.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("%v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// cmdUnhex writes a binary file from an annotated hex dump: "unhex IN OUT".
// IN holds hex bytes (00*16: sixteen zero bytes), "quoted text" taken as
// its bytes, and comments from '#' to the end of the line, so a script
// shows a binary file's layout field by field.
func cmdUnhex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: unhex IN OUT")
	}
	data, err := unhex(ts.ReadFile(args[0]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
}

func unhex(src string) ([]byte, error) {
	var out []byte
	for n, line := range strings.Split(src, "\n") {
		for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
			switch {
			case line[0] == '#':
				line = ""
			case line[0] == '"':
				end := strings.IndexByte(line[1:], '"')
				if end < 0 {
					return nil, fmt.Errorf("line %d: unclosed quote", n+1)
				}
				out = append(out, line[1:1+end]...)
				line = line[2+end:]
			default:
				tok, rest, _ := strings.Cut(line, " ")
				tok, count, repeat := strings.Cut(tok, "*")
				b, err := hex.DecodeString(tok)
				if err == nil && repeat {
					var times int
					if times, err = strconv.Atoi(count); err == nil {
						b = bytes.Repeat(b, times)
					}
				}
				if err != nil {
					return nil, fmt.Errorf("line %d: %v", n+1, err)
				}
				out = append(out, b...)
				line = rest
			}
		}
	}
	return out, nil
}

// cmdLenPrefix64 writes "lenprefix64 IN OUT [PAD]": IN's length as a
// little-endian uint64, IN, then PAD zero bytes (a safetensors file: the
// header's length, the JSON header, the tensor data).
func cmdLenPrefix64(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: lenprefix64 IN OUT [PAD]")
	}
	body := ts.ReadFile(args[0])
	pad := 0
	if len(args) == 3 {
		var err error
		pad, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	out := make([]byte, 8, 8+len(body)+pad)
	for i := range 8 {
		out[i] = byte(uint64(len(body)) >> (8 * i))
	}
	out = append(out, body...)
	out = append(out, make([]byte, pad)...)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o644))
}
