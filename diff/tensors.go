package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// TensorCheck says whether a checkpoint holds exactly the tensors a
// configuration implies, as transformers' load report does: the tensors
// missing from the checkpoint, those it has that the configuration does
// not make, and those of another shape.
type TensorCheck struct {
	Config, Checkpoint Side
	// Expected and Found are the number of tensors on each side (a tied
	// tensor, one the configuration shares with another, counted once
	// on the configuration's side); Matched those present on both sides
	// with the same shape.
	Expected, Found, Matched int
	Missing                  []Tensor   // made by the configuration, not in the checkpoint
	Unexpected               []Tensor   // in the checkpoint, not made by the configuration
	Mismatched               []Mismatch // in both, of other shapes
	// Prefix, when not "", is the base model's prefix ("transformer")
	// that the checkpoint's names lack (Added) or have beyond the
	// configuration's (!Added): names were compared with it added or
	// removed, as transformers loads a base model's checkpoint into a
	// model with a head and the reverse.
	Prefix      string
	PrefixAdded bool
	// Tied are the configuration's tied tensors (one tensor under a
	// second name, lm_head.weight for the embedding): the checkpoint may
	// hold them or not.
	Tied int
}

// Tensor is a tensor by its full name.
type Tensor struct {
	Name  string      `json:"name"`
	Shape stats.Shape `json:"shape"`
}

// Mismatch is a tensor of one name and two shapes.
type Mismatch struct {
	Name       string      `json:"name"`
	Config     stats.Shape `json:"config"`
	Checkpoint stats.Shape `json:"checkpoint"`
}

// OK reports whether the checkpoint holds exactly the configuration's
// tensors.
func (c *TensorCheck) OK() bool {
	return len(c.Missing) == 0 && len(c.Unexpected) == 0 && len(c.Mismatched) == 0
}

// tensorNames lists a report's tensors: each row's own weights by their
// name, and a weight a row shares with another (tied) under the row's
// name and the weight's last part ("lm_head" + ".weight"), marked tied.
func tensorNames(r *stats.Report) (names []Tensor, tied []bool) {
	for _, l := range layersOf(r) {
		for _, w := range l.Weights {
			if w.SharedWith == "" {
				names = append(names, Tensor{w.Name, w.Shape})
				tied = append(tied, false)
				continue
			}
			last := w.Name
			if i := strings.LastIndexByte(last, '.'); i >= 0 {
				last = last[i+1:]
			}
			names = append(names, Tensor{l.Name + "." + last, w.Shape})
			tied = append(tied, true)
		}
	}
	return names, tied
}

// Tensors checks the checkpoint's tensors against those of the
// configuration (by full name and shape).
func Tensors(config, checkpoint *stats.Report) *TensorCheck {
	c := &TensorCheck{
		Config:     Side{Path: config.Model.Path, Format: config.Model.Format, Totals: config.Totals},
		Checkpoint: Side{Path: checkpoint.Model.Path, Format: checkpoint.Model.Format, Totals: checkpoint.Totals},
	}
	want, tied := tensorNames(config)
	found, _ := tensorNames(checkpoint)
	wantBy := map[string]int{}
	for i, t := range want {
		if _, dup := wantBy[t.Name]; !dup {
			wantBy[t.Name] = i
		}
		if tied[i] {
			c.Tied++
		} else {
			c.Expected++
		}
	}
	c.Found = len(found)
	// The base model's prefix: try the configuration's first name part
	// added to, or the checkpoint's removed from, every checkpoint name.
	hits := func(rename func(string) string) int {
		n := 0
		for _, t := range found {
			if _, ok := wantBy[rename(t.Name)]; ok {
				n++
			}
		}
		return n
	}
	best := hits(func(s string) string { return s })
	rename := func(s string) string { return s }
	if p := commonFirst(want); p != "" {
		add := func(s string) string { return p + "." + s }
		if n := hits(add); n > best {
			best, rename, c.Prefix, c.PrefixAdded = n, add, p, true
		}
	}
	if p := commonFirst(found); p != "" {
		cut := func(s string) string { return strings.TrimPrefix(s, p+".") }
		if n := hits(cut); n > best {
			best, rename, c.Prefix, c.PrefixAdded = n, cut, p, false
		}
	}
	seen := make([]bool, len(want))
	for _, t := range found {
		name := rename(t.Name)
		i, ok := wantBy[name]
		if !ok {
			c.Unexpected = append(c.Unexpected, t)
			continue
		}
		seen[i] = true
		if !slices.Equal(want[i].Shape, t.Shape) {
			c.Mismatched = append(c.Mismatched, Mismatch{Name: t.Name, Config: want[i].Shape, Checkpoint: t.Shape})
			continue
		}
		if !tied[i] {
			c.Matched++
		}
	}
	for i, t := range want {
		if !seen[i] && !tied[i] {
			c.Missing = append(c.Missing, t)
		}
	}
	return c
}

// commonFirst is the first dotted part most names have (the base
// model's prefix, "transformer", when the model has a head whose own
// tensors do not have it), "" when no name has a dot.
func commonFirst(ts []Tensor) string {
	n := map[string]int{}
	best := ""
	for _, t := range ts {
		first, _, ok := strings.Cut(t.Name, ".")
		if !ok {
			continue
		}
		n[first]++
		if n[first] > n[best] || n[first] == n[best] && first < best {
			best = first
		}
	}
	return best
}

// WriteText writes the check as text: the totals on both sides, then
// the missing, unexpected and mismatched tensors, one a line.
func (c *TensorCheck) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "config:     %s (%s)\ncheckpoint: %s (%s)\n\n", c.Config.Path, c.Config.Format, c.Checkpoint.Path, c.Checkpoint.Format)
	ct, kt := &c.Config.Totals, &c.Checkpoint.Totals
	rows := [][]string{
		{"", "config", "checkpoint"},
		{"tensors", thousands(int64(c.Expected)), thousands(int64(c.Found))},
		{"params", num(totalParams(ct, ct.Params)), num(totalParams(kt, kt.Params))},
	}
	table(&b, rows, "  ")
	b.WriteByte('\n')
	if c.Prefix != "" {
		if c.PrefixAdded {
			fmt.Fprintf(&b, "note: the checkpoint's names lack the base model's prefix %q: compared with it added\n", c.Prefix+".")
		} else {
			fmt.Fprintf(&b, "note: the checkpoint's names have a prefix %q the configuration's lack: compared without it\n", c.Prefix+".")
		}
	}
	if c.Tied > 0 {
		fmt.Fprintf(&b, "note: %d tied %s (the same tensor under a second name) may be in the checkpoint or not\n", c.Tied, plural(c.Tied, "tensor", "tensors"))
	}
	if c.Matched == 0 && c.Found > 0 && c.Expected > 0 {
		b.WriteString("note: no tensor name in common: the checkpoint names its tensors otherwise (a GGUF file names them as llama.cpp does)\n")
	}
	for _, t := range c.Missing {
		fmt.Fprintf(&b, "missing     %s %s\n", t.Name, shapeText(&t.Shape))
	}
	for _, t := range c.Unexpected {
		fmt.Fprintf(&b, "unexpected  %s %s\n", t.Name, shapeText(&t.Shape))
	}
	for _, m := range c.Mismatched {
		fmt.Fprintf(&b, "mismatched  %s: config %s, checkpoint %s\n", m.Name, shapeText(&m.Config), shapeText(&m.Checkpoint))
	}
	if c.OK() {
		fmt.Fprintf(&b, "the checkpoint holds exactly the configuration's %s %s\n", thousands(int64(c.Expected)), plural(c.Expected, "tensor", "tensors"))
	} else {
		fmt.Fprintf(&b, "%d missing, %d unexpected, %d mismatched; %d of %d matched\n", len(c.Missing), len(c.Unexpected), len(c.Mismatched), c.Matched, c.Expected)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the check as JSON: {"schema_version": 1, "a": the
// configuration {"path", "format", "totals"}, "b": the checkpoint,
// "tensors": {"expected", "found", "matched", "tied", "prefix",
// "missing", "unexpected", "mismatched", "ok"}}.
func (c *TensorCheck) WriteJSON(w io.Writer) error {
	side := func(s *Side) map[string]any {
		t := &s.Totals
		return map[string]any{"path": s.Path, "format": s.Format, "totals": map[string]any{
			"params": totalParams(t, t.Params), "trainable_params": totalParams(t, t.TrainableParams),
			"non_trainable_params": totalParams(t, t.NonTrainableParams), "flops": t.FLOPs}}
	}
	orEmpty := func(ts []Tensor) []Tensor {
		if ts == nil {
			return []Tensor{}
		}
		return ts
	}
	mm := c.Mismatched
	if mm == nil {
		mm = []Mismatch{}
	}
	out := map[string]any{
		"schema_version": SchemaVersion,
		"a":              side(&c.Config),
		"b":              side(&c.Checkpoint),
		"tensors": map[string]any{
			"expected": c.Expected, "found": c.Found, "matched": c.Matched, "tied": c.Tied,
			"prefix": c.Prefix, "prefix_added": c.PrefixAdded,
			"missing": orEmpty(c.Missing), "unexpected": orEmpty(c.Unexpected), "mismatched": mm, "ok": c.OK(),
		},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteMarkdown writes the check for a pull-request comment: the totals
// on both sides, then a table of the tensors that do not match.
func (c *TensorCheck) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### layerinfo diff: checkpoint against config\n\n**config:** `%s` (%s)  \n**checkpoint:** `%s` (%s)\n\n", c.Config.Path, c.Config.Format, c.Checkpoint.Path, c.Checkpoint.Format)
	ct, kt := &c.Config.Totals, &c.Checkpoint.Totals
	b.WriteString("| | config | checkpoint |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| tensors | %s | %s |\n", thousands(int64(c.Expected)), thousands(int64(c.Found)))
	fmt.Fprintf(&b, "| params | %s | %s |\n", num(totalParams(ct, ct.Params)), num(totalParams(kt, kt.Params)))
	if !c.OK() {
		b.WriteString("\n| | tensor | config | checkpoint |\n|---|---|---|---|\n")
		for _, t := range c.Missing {
			fmt.Fprintf(&b, "| missing | `%s` | %s | |\n", t.Name, shapeText(&t.Shape))
		}
		for _, t := range c.Unexpected {
			fmt.Fprintf(&b, "| unexpected | `%s` | | %s |\n", t.Name, shapeText(&t.Shape))
		}
		for _, m := range c.Mismatched {
			fmt.Fprintf(&b, "| mismatched | `%s` | %s | %s |\n", m.Name, shapeText(&m.Config), shapeText(&m.Checkpoint))
		}
	}
	b.WriteByte('\n')
	if c.OK() {
		fmt.Fprintf(&b, "The checkpoint holds exactly the configuration's %s %s.\n", thousands(int64(c.Expected)), plural(c.Expected, "tensor", "tensors"))
	} else {
		fmt.Fprintf(&b, "%d missing, %d unexpected, %d mismatched; %d of %d matched.\n", len(c.Missing), len(c.Unexpected), len(c.Mismatched), c.Matched, c.Expected)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
