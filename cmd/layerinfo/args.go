package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseArgs parses fs over args with flags before or after the files
// (layerinfo model.onnx --json), as every command takes them: the files,
// or help when -h/--help was given.
func parseArgs(fs *flag.FlagSet, args []string) (files []string, help bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, true, nil
			}
			return nil, false, err
		}
		if fs.NArg() == 0 {
			return files, false, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// usageError is a command's usage error: one line naming the problem and
// a pointer to its --help on stderr, exit 2.
func usageError(stderr io.Writer, cmd string) func(format string, args ...any) int {
	return func(format string, args ...any) int {
		fmt.Fprintf(stderr, "%s: "+format+"\nRun '%s --help' for usage.\n", append(append([]any{cmd}, args...), cmd)...)
		return exitUsage
	}
}
