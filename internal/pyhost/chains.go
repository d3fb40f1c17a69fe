package pyhost

import (
	"fmt"
	"sort"
	"strings"
)

// Python source rewrites done on tokens: chained comparisons and
// Python 2's tuple parameters of a lambda, which Starlark's parser
// refuses. Each keeps the number of lines (a duplicated operand is put
// on one line), so positions after the statement do not move.

// ptok is a token of Python source: its byte range and kind.
type ptok struct {
	start, end int
	kind       tokKind
}

type tokKind int

const (
	tkOther tokKind = iota
	tkOpen          // ( [ {
	tkClose         // ) ] }
	tkCmp           // < > <= >= == !=
	tkBound         // what ends a comparison's operand: , ; : = += … and keywords
	tkEOL           // the end of a logical line
	tkName          // an identifier or keyword (also tkBound for keywords)
)

// boundWords are the keywords that end a comparison's operand.
var boundWords = map[string]bool{"and": true, "or": true, "not": true, "if": true, "elif": true, "else": true, "while": true,
	"for": true, "in": true, "return": true, "lambda": true, "yield": true, "assert": true, "print": true, "del": true, "is": true}

// pyTokens splits src into tokens, skipping comments and whitespace;
// strings are one token. A newline outside brackets, not continued by a
// backslash, is a tkEOL token.
func pyTokens(src string) []ptok {
	var out []ptok
	depth := 0
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 {
				out = append(out, ptok{i, i + 1, tkEOL})
			}
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i += 2
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			out = append(out, ptok{i, j, tkOther})
			i = j
		case IsIdent(c):
			j := i
			for j < len(src) && IsIdent(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '"' || src[j] == '\'') && stringPrefix(src[i:j]) {
				j = stringEnd(src, j)
				out = append(out, ptok{i, j, tkOther})
			} else if boundWords[src[i:j]] {
				out = append(out, ptok{i, j, tkBound})
			} else {
				out = append(out, ptok{i, j, tkName})
			}
			i = j
		case c == '(' || c == '[' || c == '{':
			depth++
			out = append(out, ptok{i, i + 1, tkOpen})
			i++
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			out = append(out, ptok{i, i + 1, tkClose})
			i++
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch {
			case two == "<=" || two == ">=" || two == "==" || two == "!=":
				out = append(out, ptok{i, i + 2, tkCmp})
				i += 2
			case two == "<<" || two == ">>" || two == "**" || two == "//" || two == "->":
				k := i + 2
				if k < len(src) && src[k] == '=' {
					k++ // <<= **= //=
					out = append(out, ptok{i, k, tkBound})
				} else {
					out = append(out, ptok{i, k, tkOther})
				}
				i = k
			case c == '<' || c == '>':
				out = append(out, ptok{i, i + 1, tkCmp})
				i++
			case two != "" && two[1] == '=' && strings.IndexByte("+-*/%&|^@", c) >= 0:
				out = append(out, ptok{i, i + 2, tkBound}) // augmented assignment
				i += 2
			case c == ',' || c == ';' || c == ':' || c == '=':
				out = append(out, ptok{i, i + 1, tkBound})
				i++
			default:
				out = append(out, ptok{i, i + 1, tkOther})
				i++
			}
		}
	}
	return out
}

// chain is a comparison chain a < b < c: its range and operators.
type chain struct {
	start, end int
	ops        []ptok
}

// rewriteChains turns Python's chained comparisons (0.3 < x < 0.7),
// which Starlark refuses ("< does not associate with <"), into
// ((0.3 < x) and (x < 0.7)), as Python evaluates them.
func RewriteChains(src string) string {
	toks := pyTokens(src)
	type group struct {
		segStart, lastEnd int
		ops               []ptok
	}
	var chains []chain
	stack := []*group{{segStart: -1}}
	finish := func(g *group) {
		if len(g.ops) >= 2 && g.segStart >= 0 {
			chains = append(chains, chain{start: g.segStart, end: g.lastEnd, ops: g.ops})
		}
		g.segStart, g.ops = -1, nil
	}
	extend := func(g *group, t ptok) {
		if g.segStart < 0 {
			g.segStart = t.start
		}
		g.lastEnd = t.end
	}
	for _, t := range toks {
		g := stack[len(stack)-1]
		switch t.kind {
		case tkOpen:
			extend(g, t)
			stack = append(stack, &group{segStart: -1})
		case tkClose:
			finish(g)
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			extend(stack[len(stack)-1], t)
		case tkCmp:
			if g.segStart < 0 || g.lastEnd <= lastOpEnd(g.ops) {
				finish(g) // no left operand: not a comparison we can read
				continue
			}
			g.ops = append(g.ops, t)
		case tkBound, tkEOL:
			finish(g)
		default:
			extend(g, t)
		}
	}
	for len(stack) > 0 {
		finish(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
	}
	if len(chains) == 0 {
		return src
	}
	sort.Slice(chains, func(i, j int) bool { return chains[i].start < chains[j].start })
	var render func(a, b int, cs []chain) string
	render = func(a, b int, cs []chain) string {
		var out strings.Builder
		at := a
		for k := 0; k < len(cs); {
			c := cs[k]
			// The chains inside this one (in its operands' brackets).
			n := k + 1
			for n < len(cs) && cs[n].start < c.end {
				n++
			}
			inner := cs[k+1 : n]
			out.WriteString(src[at:c.start])
			bounds := []int{c.start}
			for _, op := range c.ops {
				bounds = append(bounds, op.start, op.end)
			}
			bounds = append(bounds, c.end)
			operand := func(i int) string {
				lo, hi := bounds[2*i], bounds[2*i+1]
				var sub []chain
				for _, x := range inner {
					if x.start >= lo && x.end <= hi {
						sub = append(sub, x)
					}
				}
				return strings.Trim(render(lo, hi, sub), " \t") // line breaks stay: they keep positions
			}
			out.WriteString("(")
			for i, op := range c.ops {
				if i > 0 {
					out.WriteString(" and ")
				}
				left := operand(i)
				if i > 0 {
					left = strings.TrimSpace(oneLine(left)) // its first copy kept its lines
				}
				out.WriteString("(" + left + " " + src[op.start:op.end] + " " + operand(i+1) + ")")
			}
			out.WriteString(")")
			at = c.end
			k = n
		}
		out.WriteString(src[at:b])
		return out.String()
	}
	return render(0, len(src), chains)
}

func lastOpEnd(ops []ptok) int {
	if len(ops) == 0 {
		return -1
	}
	return ops[len(ops)-1].end
}

// oneLine is an expression's text on one line: comments dropped, line
// breaks made spaces (a duplicated operand must not add lines).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n#") {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			j := stringEnd(s, i)
			out.WriteString(strings.ReplaceAll(s[i:j], "\\\n", ""))
			i = j
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			out.WriteByte(' ')
			i += 2
		case c == '\n':
			out.WriteByte(' ')
			i++
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.String()
}

// rewriteLambdaTuples turns Python 2's tuple parameters of a lambda
// (sorted(d.items(), key=lambda (k, v): v)) into a lambda of one
// parameter per tuple whose parts are passed to the body:
// lambda __lt0: (lambda k, v: v)(__lt0[0], __lt0[1]).
func rewriteLambdaTuples(src string) string {
	if !strings.Contains(src, "lambda") {
		return src
	}
	toks := pyTokens(src)
	text := func(t ptok) string { return src[t.start:t.end] }
	type edit struct {
		start, end int
		repl       string
	}
	var edits []edit
	n := 0
	for i := 0; i < len(toks); i++ {
		if text(toks[i]) != "lambda" {
			continue
		}
		// The parameters, up to the ':' at depth 0.
		j, depth := i+1, 0
		hasTuple := false
		for ; j < len(toks); j++ {
			t := toks[j]
			if t.kind == tkEOL {
				break
			}
			if t.kind == tkOpen {
				if text(t) != "(" {
					break
				}
				depth++
				hasTuple = true
			} else if t.kind == tkClose {
				depth--
				if depth < 0 {
					break
				}
			} else if depth == 0 && text(t) == ":" {
				break
			}
		}
		if !hasTuple || j >= len(toks) || text(toks[j]) != ":" || depth != 0 {
			continue
		}
		// The parameters: names, or parenthesized tuples of names.
		var outer, inner, args []string
		ok := true
		for k := i + 1; k < j && ok; k++ {
			t := toks[k]
			switch {
			case t.kind == tkName:
				outer, inner, args = append(outer, text(t)), append(inner, text(t)), append(args, text(t))
			case text(t) == ",":
			case text(t) == "(":
				p := fmt.Sprintf("__lt%d", n)
				n++
				outer = append(outer, p)
				idx := 0
				for k++; k < j && text(toks[k]) != ")"; k++ {
					switch {
					case toks[k].kind == tkName:
						inner = append(inner, text(toks[k]))
						args = append(args, fmt.Sprintf("%s[%d]", p, idx))
						idx++
					case text(toks[k]) == ",":
					default:
						ok = false // nested tuples, defaults: left for Starlark to report
					}
				}
			default:
				ok = false
			}
		}
		if !ok {
			continue
		}
		// The body: to a ',' ';' 'for' or closing bracket at its depth, or
		// the end of the line.
		end, depth := len(src), 0
		for k := j + 1; k < len(toks); k++ {
			t := toks[k]
			if t.kind == tkOpen {
				depth++
				continue
			}
			if t.kind == tkClose {
				depth--
			}
			if depth < 0 || t.kind == tkEOL || depth == 0 && (text(t) == "," || text(t) == ";" || text(t) == "for") {
				end = t.start
				break
			}
		}
		body := strings.TrimRight(src[toks[j].end:end], " \t")
		edits = append(edits, edit{toks[i].start, toks[j].end + len(body),
			"lambda " + strings.Join(outer, ", ") + ": (lambda " + strings.Join(inner, ", ") + ":" + body + ")(" + strings.Join(args, ", ") + ")"})
		for i < len(toks) && toks[i].start < toks[j].end+len(body) {
			i++
		}
		i--
	}
	if len(edits) == 0 {
		return src
	}
	var out strings.Builder
	out.Grow(len(src) + len(src)/16)
	at := 0
	for _, e := range edits {
		out.WriteString(src[at:e.start])
		out.WriteString(e.repl)
		at = e.end
	}
	out.WriteString(src[at:])
	return out.String()
}
