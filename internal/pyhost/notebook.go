package pyhost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// maxCells caps the cells of a notebook.
const maxCells = 100_000

// IsNotebook reports whether a file is a Jupyter notebook: named .ipynb,
// or JSON whose head has the nbformat key.
func IsNotebook(name string, head []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".ipynb") {
		return true
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{' && bytes.Contains(head, []byte(`"nbformat"`)) &&
		(bytes.Contains(head, []byte(`"cells"`)) || bytes.Contains(head, []byte(`"worksheets"`)))
}

// cells maps lines of the code cells joined into one script back to the
// notebook: cell N is the Nth code cell, the number Jupyter shows as
// In [N] after Restart & Run All (markdown cells are not counted).
type Cells struct {
	file  string
	first []int // first line of each code cell in the joined script
}

// notebookSource joins a notebook's code cells in order into one script,
// IPython magics (%matplotlib inline, !pip install, %%time) left out with
// their lines kept, so that every line maps back to its cell; %run
// helpers.py is from helpers import *.
func NotebookSource(name string, src []byte) ([]byte, *Cells, error) {
	type cell struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
		Input    json.RawMessage `json:"input"` // nbformat 3
	}
	var nb struct {
		Nbformat   *int   `json:"nbformat"`
		Cells      []cell `json:"cells"`
		Worksheets []struct {
			Cells []cell `json:"cells"`
		} `json:"worksheets"`
	}
	if err := json.Unmarshal(StripBOM(src), &nb); err != nil {
		return nil, nil, fmt.Errorf("%s: not a Jupyter notebook: %w", name, err)
	}
	if nb.Nbformat == nil {
		return nil, nil, fmt.Errorf("%s: not a Jupyter notebook: no nbformat key", name)
	}
	all := nb.Cells
	for _, w := range nb.Worksheets {
		all = append(all, w.Cells...)
	}
	if len(all) > maxCells {
		return nil, nil, fmt.Errorf("%s: %d cells; a notebook may have at most %d", name, len(all), maxCells)
	}
	var out strings.Builder
	cs := &Cells{file: name}
	line := 1
	for _, c := range all {
		if c.CellType != "code" {
			continue
		}
		raw := c.Source
		if len(raw) == 0 {
			raw = c.Input
		}
		text, err := cellText(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: cell %d: %w", name, len(cs.first)+1, err)
		}
		cs.first = append(cs.first, line)
		lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
		dropMagics(lines)
		for _, l := range lines {
			out.WriteString(l)
			out.WriteByte('\n')
		}
		out.WriteByte('\n') // a cell ends its statements
		line += len(lines) + 1
	}
	if len(cs.first) == 0 {
		return nil, nil, fmt.Errorf("%s: the notebook has no code cells", name)
	}
	return []byte(out.String()), cs, nil
}

// cellText is a cell's source: a string, or a list of strings (lines
// with their newlines).
func cellText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("source is neither a string nor a list of strings")
	}
	return strings.Join(parts, ""), nil
}

var (
	// cellMagics whose body is Python; any other cell magic (%%bash,
	// %%html, %%writefile) makes the cell not Python.
	pyCellMagics = map[string]bool{"time": true, "timeit": true, "capture": true, "prun": true, "debug": true}
	lineMagic    = regexp.MustCompile(`^\s*(%|!|\w+\s*=\s*[%!])`)
	runMagic     = regexp.MustCompile(`^(\s*)%run\s+(?:-i\s+)?([A-Za-z_]\w*)\.py\s*$`)
	helpLine     = regexp.MustCompile(`^\s*[\w.]+\?\??\s*$`)
)

// dropMagics replaces IPython-only lines by pass (or blanks a cell that
// is not Python), in place, keeping the number of lines.
func dropMagics(lines []string) {
	if len(lines) == 0 {
		return
	}
	first := strings.TrimSpace(lines[0])
	if strings.HasPrefix(first, "%%") {
		m := strings.Fields(first[2:])
		lines[0] = ""
		if len(m) == 0 || !pyCellMagics[m[0]] {
			for i := range lines {
				lines[i] = ""
			}
			return
		}
	}
	for i, l := range lines {
		if m := runMagic.FindStringSubmatch(l); m != nil {
			// %run helpers.py: its names, as a module beside the notebook.
			lines[i] = m[1] + "from " + m[2] + " import *"
			continue
		}
		if lineMagic.MatchString(l) || helpLine.MatchString(l) {
			ind := len(l) - len(strings.TrimLeft(l, " \t"))
			lines[i] = l[:ind] + "pass"
		}
	}
}

// pos maps a position in the joined script to its cell.
func (c *Cells) pos(p graph.Pos) graph.Pos {
	if c == nil || p.File != c.file || p.Line <= 0 || p.Cell > 0 {
		return p
	}
	n := 0
	for n < len(c.first) && c.first[n] <= p.Line {
		n++
	}
	if n == 0 {
		return p
	}
	p.Line -= c.first[n-1] - 1
	p.Cell = n
	return p
}

// text rewrites the positions in a message: "file:line[:col]", and
// "(line N)" that names a line of the file.
func (c *Cells) text(s string) string {
	if c == nil {
		return s
	}
	re := regexp.MustCompile(regexp.QuoteMeta(c.file) + `:(\d+)(?::\d+)?`)
	s = re.ReplaceAllStringFunc(s, func(m string) string {
		parts := strings.Split(m[len(c.file)+1:], ":")
		line, err := strconv.Atoi(parts[0])
		if err != nil {
			return m
		}
		return c.pos(graph.Pos{File: c.file, Line: line}).String()
	})
	return lineRef.ReplaceAllStringFunc(s, func(m string) string {
		line, err := strconv.Atoi(m[len("(line ") : len(m)-1])
		if err != nil {
			return m
		}
		p := c.pos(graph.Pos{File: c.file, Line: line})
		if p.Cell == 0 {
			return m
		}
		return fmt.Sprintf("(cell %d line %d)", p.Cell, p.Line)
	})
}

var lineRef = regexp.MustCompile(`\(line \d+\)`)

// cellError is an error whose positions were mapped to cells.
type cellError struct {
	msg string
	err error
}

func (e *cellError) Error() string { return e.msg }
func (e *cellError) Unwrap() error { return e.err }

// fix maps every position of the result of decoding a notebook to cells.
func (c *Cells) Fix(g *graph.Graph, err error) (*graph.Graph, error) {
	if c == nil {
		return g, err
	}
	if g != nil {
		for _, n := range g.Nodes {
			n.Pos = c.pos(n.Pos)
			for i, r := range n.Remarks() {
				n.Remarks()[i] = c.text(r)
			}
		}
		for i, s := range g.Notes {
			g.Notes[i] = c.text(s)
		}
	}
	if err != nil {
		err = &cellError{msg: c.text(err.Error()), err: err}
	}
	return g, err
}
