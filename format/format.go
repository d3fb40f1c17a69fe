// Package format is the contract between layerinfo and its input formats.
// Every format (format/pycode, format/onnx, format/hf, …) implements
// Format in a small file of its own package, format.go, over the
// package's decode functions; package layerinfo keeps the ordered list
// of them and chooses among them.
//
// A format's Sniff recognises only its own files and says how sure it is;
// it never rules out another format's (that is the other format's
// Sniff). Load tries every format that said more than No, the surest
// first, and falls back to the next when one fails, so a sniff may be
// generous at Maybe. A format's options live in its own value (the
// fields of the adapter struct), with a zero value that is the default;
// what belongs to the run — the file, its directory, the memory budget,
// the context — comes in Input and ctx.
//
// Messages name what is missing ("the input shape"), never a flag of the
// command line: the CLI knows its flags, the library does not.
//
// The package depends on the standard library, graph and internal/budget
// only, so that every format package may import it.
package format

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// Sure is how sure a sniff is that a file is in its format.
type Sure int

const (
	// No: not this format's file.
	No Sure = iota
	// Maybe: only a loose hint fits (an extension several formats use,
	// a keyword in the text); worth a try when nothing surer works.
	Maybe
	// Likely: the format's own extension, or the marks of its content
	// (a config's model_type, a notebook's nbformat).
	Likely
	// Certain: a magic number or a structure no other format has. An
	// error from a certain match is the file's error: Load returns it
	// without trying another format.
	Certain
)

func (s Sure) String() string {
	switch s {
	case No:
		return "no"
	case Maybe:
		return "maybe"
	case Likely:
		return "likely"
	case Certain:
		return "certain"
	}
	return fmt.Sprintf("Sure(%d)", int(s))
}

// HeadSize is how many bytes of the file a sniff sees.
const HeadSize = 4096

// MaxText caps text formats (model code, specs, JSON configs): they are
// read whole.
const MaxText = 64 << 20

// Input is one model file as a format decodes it.
type Input struct {
	// Name is the file's path as the user gave it, for messages and
	// positions ("<stdin>" for standard input).
	Name string
	// R reads the file's Size bytes; binary formats read only what they
	// need.
	R    io.ReaderAt
	Size int64
	// Dir is the directory holding the file, from which the files it
	// names are read: an index's shards, ONNX external data, the Python
	// modules a script imports, a config.json beside a checkpoint. nil
	// (standard input, bytes in memory) reads no other file.
	Dir fs.FS
	// Budget is the run's memory budget: a decoder charges what the file
	// makes it allocate before allocating it (nil: the default budget of
	// one request).
	Budget *budget.Budget
}

// Head is the input's first n bytes (fewer when it is shorter or cannot
// be read), for sniffing.
func (in Input) Head(n int) []byte {
	buf := make([]byte, min(int64(n), max(in.Size, 0)))
	k, _ := in.R.ReadAt(buf, 0)
	return buf[:k]
}

// Text reads a text input whole, at most MaxText bytes.
func (in Input) Text() ([]byte, error) {
	if in.Size > MaxText {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d a text model file may have", in.Name, in.Size, MaxText)
	}
	buf := make([]byte, in.Size)
	n, err := in.R.ReadAt(buf, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == in.Size) {
		return nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	return buf, nil
}

// Format is one input format.
type Format interface {
	// Name is the format's name for --format and messages: "onnx".
	Name() string
	// Doc is one line on what the format reads, for the help text.
	Doc() string
	// Sniff says how sure it is that a file is in this format, from its
	// base name and first bytes (at most HeadSize). It recognises the
	// format's own files only, and must not fail or panic on any input.
	Sniff(name string, head []byte) Sure
	// Decode reads the input into a graph. The caller validates it. ctx
	// is checked where it is cheap (between nodes, between records).
	Decode(ctx context.Context, in Input) (*graph.Graph, error)
}

// ErrUsage marks an error in how the format was asked rather than in
// the file: an option value that does not parse, an entry point the
// file does not define. layerinfo.ErrUsage is this error.
var ErrUsage = errors.New("usage error")

// UsageError is a format's complaint about one of its options' values;
// it matches ErrUsage and unwraps to the complaint.
type UsageError struct {
	Option string // the option's name as the CLI spells its flag: "model-type" ("": the complaint names it)
	Err    error
}

func (e *UsageError) Error() string {
	if e.Option == "" {
		return e.Err.Error()
	}
	return "option " + e.Option + ": " + e.Err.Error()
}

func (e *UsageError) Unwrap() error        { return e.Err }
func (e *UsageError) Is(target error) bool { return target == ErrUsage }

// MissingError is a file that needs a value only the caller can give:
// What says which in words ("the model type"), Option names the option
// that gives it as the CLI spells its flag ("model-type"), Value what
// to write after it ("vocab_size=VALUE"; "" when the option alone
// says it). The message is Err's and names no flag; the CLI adds it.
type MissingError struct {
	What   string
	Option string
	Value  string
	Err    error
}

func (e *MissingError) Error() string { return e.Err.Error() }
func (e *MissingError) Unwrap() error { return e.Err }
