package spec

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/layerinfo/layerinfo/graph"
)

// Limits that keep a hostile file from costing much. The parser is
// linear, but it and the decoder recurse as deep as the values nest and
// read aliased values once per alias, and a spec needs neither deep
// nesting nor more than a few megabytes (checkNesting keeps the messages
// and positions the go-yaml front-end gave).
const (
	// MaxSize is the largest spec Decode reads.
	MaxSize = 4 << 20
	// maxFlowDepth caps nested [ ] and { } collections.
	maxFlowDepth = 64
	// maxIndent caps a line's indentation, and with it block nesting.
	maxIndent = 1000
	// maxTreeDepth caps nesting once parsed (anchors, merges).
	maxTreeDepth = 200
	// maxValues caps the values once aliases and merge keys are
	// expanded: an alias costs the values of what it names, so nested
	// aliases (a "billion laughs") cannot multiply the work of the
	// decoder, which reads the tree as if it were expanded.
	maxValues = 1_000_000
	// maxLayers caps the layers: inference and the report cost some
	// microseconds and a few kilobytes per layer, so that 100,000 layers
	// take a second or two and a few hundred megabytes.
	maxLayers = 100_000
)

// maxFallback is the largest file handed to go-yaml when parseYAML meets
// a construct it leaves out: go-yaml spends about 4 µs and 500 bytes per
// token (up to some 700 bytes per byte of a dense file), so 64 KiB costs
// it a tenth of a second and some 45 MB at most.
const maxFallback = 64 << 10

// parse reads YAML (or JSON) into a value tree with parseYAML, or with
// go-yaml for a small file that uses a construct parseYAML leaves out.
func parse(file string, src []byte) (*value, error) { return parseText(file, src, false) }

// parseText is parse; owned says that nothing will write to src again (a
// buffer format.Input.Text made), so that the strings of the tree (names,
// keys, which the graph keeps) are cut from src itself rather than from
// a copy of it.
func parseText(file string, src []byte, owned bool) (*value, error) {
	if len(src) > MaxSize {
		return nil, &Error{Pos: graph.Pos{File: file}, Msg: fmt.Sprintf("the spec has %d bytes; a spec may have at most %d", len(src), MaxSize)}
	}
	// A byte order mark is not YAML; editors do not count it as a column.
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if err := checkNesting(file, src); err != nil {
		return nil, err
	}
	var p *yparser
	if owned {
		p = newParserText(file, src, unsafe.String(unsafe.SliceData(src), len(src)))
	} else {
		p = newParser(file, src)
	}
	root, err := p.parse()
	var un *errUnsupported
	if errors.As(err, &un) {
		if len(src) > maxFallback {
			return nil, &Error{Pos: graph.Pos{File: file, Line: un.line, Col: un.col}, Msg: fmt.Sprintf("YAML: %s is not supported in a spec of more than %d KiB (this one has %d bytes); write it the plain way", un.what, maxFallback>>10, len(src))}
		}
		return parseGoccy(file, src)
	}
	return root, err
}

// checkNesting rejects input nested deeper than the limits before the
// parser sees it. The flow depth counts [ and { where a collection can
// start (inside a flow collection, or after a line start, ':', '-', ',',
// '?', an anchor or a tag), outside quotes and comments; the block depth
// is bounded by the indentation and the "- - -" entries that open a line.
func checkNesting(file string, src []byte) error {
	depth := 0
	var quote byte
	line := 1
	for len(src) > 0 {
		var text []byte
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			text, src = src[:i], src[i+1:]
		} else {
			text, src = src, nil
		}
		if quote == 0 && depth == 0 {
			indent := 0
			for indent < len(text) && text[indent] == ' ' {
				indent++
			}
			if indent > maxIndent {
				return &Error{Pos: graph.Pos{File: file, Line: line, Col: indent + 1}, Msg: fmt.Sprintf("the line is indented by %d columns; a spec may nest at most %d", indent, maxIndent)}
			}
			dashes := 0
			for j := indent; j+1 < len(text) && (text[j] == '-' || text[j] == '?') && (text[j+1] == ' ' || text[j+1] == '\t'); {
				dashes++
				j += 2
				for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
					j++
				}
			}
			if dashes > maxFlowDepth {
				return &Error{Pos: graph.Pos{File: file, Line: line, Col: indent + 1}, Msg: fmt.Sprintf("%d nested sequence entries on one line; a spec may nest at most %d", dashes, maxFlowDepth)}
			}
		}
		prev, wordStart := byte('\n'), byte(0)
		inWord := false
		for j := 0; j < len(text); j++ {
			ch := text[j]
			if quote != 0 {
				switch {
				case quote == '"' && ch == '\\':
					j++
				case ch == quote:
					if quote == '\'' && j+1 < len(text) && text[j+1] == '\'' {
						j++ // '' inside single quotes
						continue
					}
					quote = 0
					prev = ch
				}
				continue
			}
			switch ch {
			case ' ', '\t', '\r':
				inWord = false
				continue
			case '#':
				if j == 0 || text[j-1] == ' ' || text[j-1] == '\t' {
					j = len(text) // a comment
					continue
				}
			case '"', '\'':
				if !inWord {
					quote = ch
					continue
				}
			case '[', '{':
				if depth > 0 || strings.IndexByte("\n:-,[{?", prev) >= 0 || wordStart == '&' || wordStart == '!' {
					depth++
					if depth > maxFlowDepth {
						return &Error{Pos: graph.Pos{File: file, Line: line, Col: j + 1}, Msg: fmt.Sprintf("collections are nested more than %d deep", maxFlowDepth)}
					}
				}
				prev, inWord, wordStart = ch, false, 0
				continue
			case ']', '}':
				if depth > 0 {
					depth--
				}
				prev, inWord, wordStart = ch, false, 0
				continue
			case ',':
				prev, inWord, wordStart = ch, false, 0
				continue
			}
			if !inWord {
				inWord, wordStart = true, ch
			}
			prev = ch
		}
		// A quote left open at the end of a line is not carried over:
		// counting the brackets of a multi-line string errs on the safe
		// side.
		quote = 0
		line++
	}
	return nil
}
