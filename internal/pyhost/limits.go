package pyhost

import (
	"fmt"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/stats"
)

// Limits on the shape of source code. Starlark's parser, resolver and
// compiler recurse on the syntax tree, and so do the front-end's own AST
// passes: a file deeper than the goroutine stack allows would end the
// program ("fatal error: stack overflow", which no recover catches). The
// caps are far above what people write (Python itself refuses 200 nested
// brackets and 100 indentation levels).
const (
	// maxOperands bounds the operators chained in one expression (1+1+…,
	// a.b.c…, f()()…, not not …, x if c else y if …): each is a level of
	// the tree.
	maxOperands = 10_000
	// maxBrackets bounds the nesting of (), [] and {}.
	maxBrackets = 1_000
	// maxBlocks bounds the nesting of indented blocks.
	maxBlocks = 1_000
)

// checkShape scans Python source once, in linear time, and refuses what
// would recurse too deep: brackets nested more than maxBrackets, blocks
// more than maxBlocks, or an expression chaining more than maxOperands
// operands (the operators of the segments of open brackets count
// together: each is one level deeper). Strings and comments are skipped.
// The error has the position where the cap is passed.
func CheckShape(name, src string) error {
	type level struct{ ops int }
	levels := []level{{}}
	total := 0 // operators of the open segments of every level
	line, lineStart := 1, 0
	indents := []int{0}
	atLineStart := true
	prevOperand := false // the previous token ends an operand (name, literal, closing bracket)
	fail := func(i int, msg string) error {
		return &graph.Error{Pos: graph.Pos{File: name, Line: line, Col: i - lineStart + 1}, Msg: msg}
	}
	reset := func() { // a comma, colon, = or statement end: a new segment at this level
		total -= levels[len(levels)-1].ops
		levels[len(levels)-1].ops = 0
	}
	op := func(i int) error {
		levels[len(levels)-1].ops++
		total++
		if total > maxOperands {
			return fail(i, fmt.Sprintf("an expression of more than %s operands (Starlark, which runs the file, recurses on each)", thousands(maxOperands)))
		}
		return nil
	}
	for i := 0; i < len(src); {
		c := src[i]
		if atLineStart {
			// Indentation of a line that starts a statement.
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			atLineStart = false
			if len(levels) == 1 && j < len(src) && src[j] != '\n' && src[j] != '#' && src[j] != '\r' {
				ind := j - i
				for len(indents) > 1 && ind < indents[len(indents)-1] {
					indents = indents[:len(indents)-1]
				}
				if ind > indents[len(indents)-1] {
					indents = append(indents, ind)
					if len(indents)-1 > maxBlocks {
						return fail(j, fmt.Sprintf("blocks nested more than %s deep", thousands(maxBlocks)))
					}
				}
			}
			i = j
			continue
		}
		switch {
		case c == '\n':
			line++
			lineStart = i + 1
			atLineStart = true
			if len(levels) == 1 {
				reset()
				prevOperand = false
			}
			i++
			continue
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			for k := i; k < j; k++ {
				if src[k] == '\n' {
					line++
					lineStart = k + 1
				}
			}
			i = j
			prevOperand = true
			continue
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && !prevOperand:
			// A number (1.5e-3, 0x1F, 10_000j).
			j := i + 1
			for j < len(src) && (IsIdent(src[j]) || src[j] == '.' ||
				(src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E') && !(len(src) > i+1 && (src[i+1] == 'x' || src[i+1] == 'X'))) {
				j++
			}
			i = j
			prevOperand = true
			continue
		case IsIdent(c):
			j := i
			for j < len(src) && IsIdent(src[j]) {
				j++
			}
			switch src[i:j] {
			case "and", "or", "not", "in", "is", "if", "else", "lambda", "for":
				if err := op(i); err != nil {
					return err
				}
				prevOperand = false
			default:
				prevOperand = true
			}
			i = j
			continue
		case c == '(' || c == '[' || c == '{':
			if prevOperand { // a call or an index: one more level
				if err := op(i); err != nil {
					return err
				}
			}
			levels = append(levels, level{})
			if len(levels)-1 > maxBrackets {
				return fail(i, fmt.Sprintf("brackets nested more than %s deep", thousands(maxBrackets)))
			}
			prevOperand = false
		case c == ')' || c == ']' || c == '}':
			if len(levels) > 1 {
				total -= levels[len(levels)-1].ops
				levels = levels[:len(levels)-1]
			}
			prevOperand = true
		case c == ',' || c == ':' || c == ';':
			reset()
			prevOperand = false
		case c == '=':
			if i+1 < len(src) && src[i+1] == '=' {
				if err := op(i); err != nil {
					return err
				}
				i += 2
				prevOperand = false
				continue
			}
			reset() // an assignment or a keyword argument
			prevOperand = false
		case c == '.':
			if err := op(i); err != nil {
				return err
			}
			prevOperand = false
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			line++
			lineStart = i + 2
			i += 2
			continue
		case c == ' ' || c == '\t' || c == '\r':
		default:
			// An operator: + - * / % & | ^ ~ < > ! @ (a run such as ** or
			// <= counts once).
			j := i + 1
			for j < len(src) && j < i+3 && isOperatorByte(src[j]) && src[j] != '-' && src[j] != '+' && src[j] != '~' {
				j++
			}
			if j < len(src) && src[j-1] == '=' && j-i == 2 && src[i] != '=' && src[i] != '!' && src[i] != '<' && src[i] != '>' {
				reset() // += -= *= …: an augmented assignment
				i = j
				prevOperand = false
				continue
			}
			if err := op(i); err != nil {
				return err
			}
			i = j
			prevOperand = false
			continue
		}
		i++
	}
	return nil
}

func isOperatorByte(c byte) bool {
	switch c {
	case '+', '-', '*', '/', '%', '&', '|', '^', '~', '<', '>', '!', '@', '=':
		return true
	}
	return false
}

// thousands writes n with comma separators: 10,000.
func thousands(n int64) string { return stats.Thousands(n) }
