package layerinfo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/op"
)

// fake is a format that is as sure as it is told and fails or not as it
// is told; tried records the order Load tried the fakes in.
type fake struct {
	name   string
	sure   format.Sure
	err    error
	bad    bool  // returns an invalid graph
	charge int64 // charged to the budget before anything else
	panics bool
	tried  *[]string
	sawCtx *context.Context
}

func (f fake) Name() string                               { return f.name }
func (f fake) Doc() string                                { return "a fake " + f.name }
func (f fake) Sniff(name string, head []byte) format.Sure { return f.sure }
func (f fake) Decode(ctx context.Context, in format.Input) (*graph.Graph, error) {
	*f.tried = append(*f.tried, f.name)
	if f.sawCtx != nil {
		*f.sawCtx = ctx
	}
	if in.Budget == nil {
		return nil, errors.New("no budget")
	}
	if f.panics {
		panic("index out of range")
	}
	if err := in.Budget.Charge(f.charge, "what "+f.name+" reads"); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	g := &graph.Graph{Path: in.Name, Format: f.name}
	n := g.NewNode("x", "tensors", op.Weights{}, nil, 0, graph.Pos{File: in.Name})
	if f.bad {
		n.Op = nil
	}
	return g, nil
}

// TestLoadChooses: Load tries the formats that are not sure the file is
// not theirs, the surest first and the list's order on ties, falls back
// on failure, and returns at once on a certain match's error or an error
// of the run (usage, memory, cancellation).
func TestLoadChooses(t *testing.T) {
	errA, errB, errC := errors.New("a: bad"), errors.New("b: bad"), errors.New("c: bad")
	in := Bytes("m.x", []byte("some model"))
	for _, c := range []struct {
		name    string
		fakes   []fake
		opt     Options
		tried   string // the formats decoded, in order
		format  string // the graph's, or ""
		err     error  // errors.Is, or nil
		message string // the error's message, or the graph's notes
	}{
		{"surest first", []fake{{name: "a", sure: format.Maybe}, {name: "b", sure: format.Likely}}, Options{}, "b", "b", nil, ""},
		{"ties in list order", []fake{{name: "a", sure: format.Likely}, {name: "b", sure: format.Likely}}, Options{}, "a", "a", nil, ""},
		{"no is never tried", []fake{{name: "a", sure: format.No}, {name: "b", sure: format.Maybe}}, Options{}, "b", "b", nil, ""},
		{"fallback", []fake{{name: "a", sure: format.Likely, err: errA}, {name: "b", sure: format.Maybe}}, Options{}, "a b", "b", nil, "read as b: as a it could not be read: a: bad"},
		{"certain error as is", []fake{{name: "a", sure: format.Certain, err: errA}, {name: "b", sure: format.Maybe}}, Options{}, "a", "", errA, "a: bad"},
		{"one candidate's error as is", []fake{{name: "a", sure: format.Maybe, err: errA}, {name: "b"}}, Options{}, "a", "", errA, "a: bad"},
		{"what each said", []fake{{name: "a", sure: format.Maybe, err: errA}, {name: "b", sure: format.Likely, err: errB}, {name: "c", sure: format.Maybe, err: errC}},
			Options{}, "b a c", "", errC, "b: bad\n  read as a: a: bad\n  read as c: c: bad"},
		{"usage error ends the search", []fake{{name: "a", sure: format.Likely, err: &format.UsageError{Option: "entry", Err: errA}}, {name: "b", sure: format.Maybe}},
			Options{}, "a", "", ErrUsage, "option entry: a: bad"},
		{"budget error ends the search", []fake{{name: "a", sure: format.Likely, err: &budget.Error{Limit: 1 << 30, What: "a list"}}, {name: "b", sure: format.Maybe}},
			Options{}, "a", "", ErrTooLarge, "analysing m.x needs more than 1 GiB (a list)"},
		{"a failed format's memory is released", []fake{{name: "a", sure: format.Likely, charge: 600 << 20, err: errA}, {name: "b", sure: format.Maybe, charge: 600 << 20}},
			Options{MaxMemory: 1 << 30}, "a b", "b", nil, "read as b: as a it could not be read: a: bad"},
		{"a panic is the format's error", []fake{{name: "a", sure: format.Likely, panics: true}, {name: "b", sure: format.Maybe}},
			Options{}, "a b", "b", nil, "read as b: as a it could not be read: m.x: internal error in the a reader (please report): index out of range"},
		{"cancelled", []fake{{name: "a", sure: format.Likely, err: context.Canceled}, {name: "b", sure: format.Maybe}}, Options{}, "a", "", context.Canceled, ""},
		{"invalid graph", []fake{{name: "a", sure: format.Likely, bad: true}}, Options{}, "a", "", nil, "m.x: the a reader made an invalid graph (please report)"},
		{"nothing sniffs", []fake{{name: "a"}}, Options{}, "", "", ErrUnrecognized, "m.x: unrecognized format (known: "},
		{"given format, whatever its sniff", []fake{{name: "a", sure: format.Certain}, {name: "b"}}, Options{Format: "b"}, "b", "b", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tried []string
			var list []entry
			for _, f := range c.fakes {
				f.tried = &tried
				list = append(list, entry{f, nil})
			}
			g, err := load(t.Context(), in, c.opt, list)
			if got := strings.Join(tried, " "); got != c.tried {
				t.Errorf("tried %q, want %q", got, c.tried)
			}
			if c.format != "" {
				if err != nil || g.Format != c.format {
					t.Fatalf("got %v, %v; want a graph of format %s", g, err, c.format)
				}
				if notes := strings.Join(g.Notes, "\n"); notes != c.message {
					t.Errorf("notes %q, want %q", notes, c.message)
				}
				return
			}
			if err == nil || g != nil {
				t.Fatalf("got %v, %v; want an error", g, err)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("error %v does not match %v", err, c.err)
			}
			if !strings.HasPrefix(err.Error(), c.message) {
				t.Errorf("error %q, want it to start with %q", err, c.message)
			}
		})
	}
}

// TestLoadOptionsNarrow: the options given keep to the formats that take
// them; when none does, the surest refuses them with an OptionError.
func TestLoadOptionsNarrow(t *testing.T) {
	var tried []string
	list := []entry{
		{fake{name: "a", sure: format.Likely, tried: &tried}, nil},
		{fake{name: "b", sure: format.Maybe, tried: &tried}, []string{"entry"}},
	}
	in := Bytes("m.x", []byte("some model"))
	g, err := load(t.Context(), in, Options{Python: PythonOptions{Entry: "f"}}, list)
	if err != nil || g.Format != "b" || strings.Join(tried, " ") != "b" {
		t.Errorf("entry given: %v, %v, tried %v; want b only", g, err, tried)
	}
	tried = nil
	_, err = load(t.Context(), in, Options{HF: HFOptions{Class: "X"}}, list)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Format != "a" || oe.Option != "class" || !errors.Is(err, ErrUsage) || len(tried) != 0 {
		t.Errorf("class given: %v, tried %v; want a's OptionError for class", err, tried)
	}
	if want := "m.x: the option class does not apply to this a file (it is for hf); a takes none of the model options"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestLoadContext: the ctx given reaches the format; a done ctx stops
// Analyze between nodes.
func TestLoadContext(t *testing.T) {
	var tried []string
	var saw context.Context
	type key struct{}
	ctx := context.WithValue(t.Context(), key{}, "mine")
	list := []entry{{fake{name: "a", sure: format.Likely, tried: &tried, sawCtx: &saw}, nil}}
	g, err := load(ctx, Bytes("m.x", []byte("x")), Options{}, list)
	if err != nil || saw == nil || saw.Value(key{}) != "mine" {
		t.Fatalf("ctx not passed on: %v", err)
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Analyze(done, g, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Analyze with a cancelled ctx: %v", err)
	}
	if _, err := Load(done, Bytes("m.yaml", []byte("layers: []\n")), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled ctx: %v", err)
	}
}

// TestEveryFormatImplementsTheContract: names unique and listed by
// FormatNames, docs written, sniffs safe on empty and odd heads.
func TestEveryFormatImplementsTheContract(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Formats() {
		if f.Name() == "" || seen[f.Name()] || f.Doc() == "" {
			t.Errorf("format %q: duplicate or undocumented", f.Name())
		}
		seen[f.Name()] = true
		for _, head := range [][]byte{nil, {0}, []byte("{"), []byte("GGUF"), make([]byte, 20)} {
			if s := f.Sniff("", head); s < format.No || s > format.Certain {
				t.Errorf("%s: Sniff(%q) = %v", f.Name(), head, s)
			}
		}
	}
	if len(seen) != len(FormatNames()) {
		t.Errorf("FormatNames %v, formats %v", FormatNames(), seen)
	}
}
