// Command layerinfo prints, for every layer of a neural network definition,
// its output shape, parameters and FLOPs, and with --explain the arithmetic
// behind each number.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/render"
)

// Exit codes.
const (
	exitOK    = 0
	exitModel = 1 // the model (or the file) has an error
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: layerinfo [flags] FILE

layerinfo reads a neural network definition and prints, for every layer,
its output shape, its parameters (trainable and not) and its FLOPs.

FILE is model code or a model file; "-" reads standard input. The format is
detected from the name and the content; --format overrides it.

Formats:
%s
Output:
  (default)   a table: index, name, type, output size, parameters, FLOPs, totals
  --explain   the arithmetic of every output size, parameter count and FLOP
              count with the values substituted, e.g. (5*5*1+1)*32 = 832
  --json      the report as JSON (schema_version 1) for scripts

FLOPs count 2 per multiply-add of convolution, linear and matrix-multiply
work, bias excluded (PyTorch FlopCounterMode's convention); with an unknown
(None) batch size they are per example.

Flags:
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("layerinfo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	explain := fs.Bool("explain", false, "show the arithmetic behind every number")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	format := fs.String("format", "", "input format (default: detected): "+strings.Join(layerinfo.FormatNames(), ", "))
	entry := fs.String("entry", "", "Python code: the function to call to build the model")
	fs.Usage = func() {
		var fl strings.Builder
		for _, f := range layerinfo.Formats() {
			fmt.Fprintf(&fl, "  %-10s  %s\n", f.Name, f.Doc)
		}
		fmt.Fprintf(stderr, usage, fl.String())
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit status: 0 ok, 1 the model has an error (message on stderr), 2 usage.\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	if *explain && *asJSON {
		fmt.Fprintln(stderr, "layerinfo: --explain and --json cannot be combined (the JSON report has the explanations)")
		return exitUsage
	}
	path := fs.Arg(0)
	var in layerinfo.Input
	if path == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, layerinfo.MaxTextSize+1))
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo: reading standard input: %v\n", err)
			return exitModel
		}
		in = layerinfo.Bytes("<stdin>", data)
	} else {
		f, closeFn, err := layerinfo.File(path)
		if err != nil {
			fmt.Fprintf(stderr, "layerinfo: %v\n", err)
			return exitModel
		}
		defer closeFn()
		in = f
	}
	g, err := layerinfo.Load(in, layerinfo.Options{Format: *format, Entry: *entry})
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo: %v\n", err)
		if strings.Contains(err.Error(), "unknown format") {
			return exitUsage
		}
		return exitModel
	}
	r, err := layerinfo.Analyze(g)
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo: %v\n", err)
		return exitModel
	}
	switch {
	case *asJSON:
		err = render.JSON(stdout, r)
	case *explain:
		err = render.Explain(stdout, r)
	default:
		err = render.Table(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "layerinfo: %v\n", err)
		return exitModel
	}
	return exitOK
}
