package pyhost

import (
	"fmt"
	"regexp"
	"strings"

	"go.starlark.net/starlark"
)

// pyFormat is Python's printf-style % formatting, for the conversions
// Starlark's % does not support ('%02d', '%.3f', '%-10s').
func pyFormat(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("%% formatting needs a format and its arguments")
	}
	format, ok := a[0].(starlark.String)
	if !ok {
		return nil, fmt.Errorf("%% formatting: the format is not a string")
	}
	if t, ok := a[1].(starlark.Tuple); ok {
		for _, v := range t {
			if o, ok := v.(*Opaque); ok {
				return &Opaque{Desc: "text made from " + o.Desc, From: o.From}, nil
			}
		}
	}
	if o, ok := a[1].(*Opaque); ok {
		return &Opaque{Desc: "text made from " + o.Desc, From: o.From}, nil
	}
	var args []starlark.Value
	dict, _ := a[1].(*starlark.Dict)
	if t, ok := a[1].(starlark.Tuple); ok {
		args = t
	} else if dict == nil {
		args = []starlark.Value{a[1]}
	}
	var out strings.Builder
	s := string(format)
	next := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out.WriteByte(s[i])
			continue
		}
		loc := pyFmtSpec.FindStringSubmatchIndex(s[i:])
		if i+1 < len(s) && s[i+1] == '%' {
			out.WriteByte('%')
			i++
			continue
		}
		if loc == nil || loc[0] != 0 {
			return nil, fmt.Errorf("%% formatting: unsupported conversion in %q", s)
		}
		spec := s[i : i+loc[1]]
		var v starlark.Value
		if loc[2] >= 0 { // %(name)s
			key := s[i+loc[2]+1 : i+loc[3]-1]
			if dict == nil {
				return nil, fmt.Errorf("%% formatting: %s needs a dict", spec)
			}
			x, found, _ := dict.Get(starlark.String(key))
			if !found {
				return nil, fmt.Errorf("%% formatting: no key %q", key)
			}
			v = x
			spec = "%" + spec[loc[3]-loc[2]+1:]
		} else {
			if next >= len(args) {
				return nil, fmt.Errorf("%% formatting: not enough arguments for %q", s)
			}
			v = args[next]
			next++
		}
		verb := spec[len(spec)-1]
		goSpec := spec[:len(spec)-1]
		var x any
		switch verb {
		case 'd', 'i', 'u':
			n, err := ToInt(v)
			if err != nil {
				return nil, fmt.Errorf("%% formatting: %s %w", spec, err)
			}
			x, verb = n, 'd'
		case 'o', 'x', 'X', 'c':
			n, err := ToInt(v)
			if err != nil {
				return nil, fmt.Errorf("%% formatting: %s %w", spec, err)
			}
			x = n
		case 'e', 'E', 'f', 'F', 'g', 'G':
			f, ok := starlark.AsFloat(v)
			if !ok {
				return nil, fmt.Errorf("%% formatting: %s needs a number, got %s", spec, Describe(v))
			}
			x = f
			if verb == 'F' {
				verb = 'f'
			}
		case 'r', 'a':
			x, verb = v.String(), 's'
		default: // 's'
			if str, ok := v.(starlark.String); ok {
				x = string(str)
			} else {
				x = v.String()
			}
		}
		out.WriteString(fmt.Sprintf(goSpec+string(verb), x))
		i += len(s[i:i+loc[1]]) - 1
	}
	return starlark.String(out.String()), nil
}

// strFormat is Python's str.format with format specs ('{:.4f}'.format(x),
// '{:02d}'.format(i), '{:,}'.format(n)), which Starlark's format lacks:
// rewriteStrings calls it for 'literal'.format(…). A placeholder argument
// gives a placeholder.
func strFormat(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, kw []starlark.Tuple) (starlark.Value, error) {
	if len(a) < 1 {
		return nil, fmt.Errorf("format needs a format string")
	}
	format, ok := a[0].(starlark.String)
	if !ok {
		return nil, fmt.Errorf("format: the format is not a string")
	}
	args := a[1:]
	for _, v := range args {
		if o, ok := v.(*Opaque); ok {
			return &Opaque{Desc: "text made from " + o.Desc, From: o.From}, nil
		}
	}
	named := map[string]starlark.Value{}
	for _, kv := range kw {
		if o, ok := kv[1].(*Opaque); ok {
			return &Opaque{Desc: "text made from " + o.Desc, From: o.From}, nil
		}
		named[string(kv[0].(starlark.String))] = kv[1]
	}
	s := string(format)
	var out strings.Builder
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' {
			if i+1 < len(s) && s[i+1] == '}' {
				i++
			}
			out.WriteByte('}')
			continue
		}
		if c != '{' {
			out.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			out.WriteByte('{')
			i++
			continue
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("format: single '{' in %q", s)
		}
		field := s[i+1 : i+j]
		i += j
		spec, conv := "", ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		if k := strings.IndexByte(field, '!'); k >= 0 {
			field, conv = field[:k], field[k+1:]
		}
		var v starlark.Value
		switch {
		case field == "":
			if auto >= len(args) {
				return nil, fmt.Errorf("format: not enough arguments for %q", s)
			}
			v = args[auto]
			auto++
		case field[0] >= '0' && field[0] <= '9':
			n := 0
			for _, d := range field {
				if d < '0' || d > '9' {
					return nil, fmt.Errorf("format: field %q is not supported", field)
				}
				n = n*10 + int(d-'0')
			}
			if n >= len(args) {
				return nil, fmt.Errorf("format: no argument %d for %q", n, s)
			}
			v = args[n]
		default:
			x, ok := named[field]
			if !ok {
				return nil, fmt.Errorf("format: no argument %q", field)
			}
			v = x
		}
		if conv == "r" {
			v = starlark.String(pyRepr(v))
		}
		out.WriteString(formatSpec(v, spec))
	}
	return starlark.String(out.String()), nil
}

// specRE is Python's format spec mini-language.
var specRE = regexp.MustCompile(`^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$`)

// formatSpec formats one value by a Python format spec; a spec it does
// not understand formats the value as str() does.
func formatSpec(v starlark.Value, spec string) string {
	plain := func() string {
		if s, ok := v.(starlark.String); ok {
			return string(s)
		}
		return v.String()
	}
	m := specRE.FindStringSubmatch(spec)
	if spec == "" || m == nil {
		return plain()
	}
	fill, align, sign, alt, zero, width, group, prec, typ := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]
	var body string
	f, isNum := starlark.AsFloat(v)
	_, isInt := v.(starlark.Int)
	if _, isBool := v.(starlark.Bool); isBool {
		isNum, isInt = false, false
	}
	switch {
	case isNum && (typ == "" && isInt || strings.Contains("bdoxXnc", typ) && typ != ""):
		n, _ := starlark.AsInt32(v)
		verb := map[string]string{"": "d", "d": "d", "n": "d", "b": "b", "o": "o", "x": "x", "X": "X", "c": "c"}[typ]
		if verb == "c" {
			body = string(rune(n))
			break
		}
		body = fmt.Sprintf("%"+verb, n)
		if alt != "" && verb != "d" {
			body = "0" + map[string]string{"b": "b", "o": "o", "x": "x", "X": "X"}[verb] + body
		}
		if group != "" && verb == "d" {
			body = groupDigits(body, group)
		}
	case isNum:
		p := 6
		if prec != "" {
			fmt.Sscan(prec, &p)
		}
		switch typ {
		case "%":
			body = fmt.Sprintf("%.*f%%", p, f*100)
		case "e", "E", "f", "F", "g", "G":
			body = fmt.Sprintf("%.*"+strings.ToLower(typ), p, f)
			if typ == "E" || typ == "G" {
				body = strings.ToUpper(body)
			}
		default: // no type: Python's repr-like shortest form, or precision digits
			if prec != "" {
				body = fmt.Sprintf("%.*g", p, f)
			} else {
				body = plain()
			}
		}
		if group != "" {
			intPart, frac, _ := strings.Cut(body, ".")
			body = groupDigits(intPart, group)
			if frac != "" {
				body += "." + frac
			}
		}
	default:
		body = plain()
		if prec != "" {
			n := 0
			fmt.Sscan(prec, &n)
			if r := []rune(body); n < len(r) {
				body = string(r[:n])
			}
		}
	}
	if isNum && sign != "" && sign != "-" && !strings.HasPrefix(body, "-") {
		body = sign + body
	}
	w := 0
	if width != "" {
		fmt.Sscan(width, &w)
	}
	pad := w - len([]rune(body))
	if pad <= 0 {
		return body
	}
	if zero != "" && align == "" && isNum {
		if strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
			return body[:1] + strings.Repeat("0", pad) + body[1:]
		}
		return strings.Repeat("0", pad) + body
	}
	if fill == "" {
		fill = " "
	}
	if align == "" {
		align = "<"
		if isNum {
			align = ">"
		}
	}
	switch align {
	case ">", "=":
		return strings.Repeat(fill, pad) + body
	case "^":
		return strings.Repeat(fill, pad/2) + body + strings.Repeat(fill, pad-pad/2)
	}
	return body + strings.Repeat(fill, pad)
}

// groupDigits puts sep between thousands of a run of digits.
func groupDigits(s, sep string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, sep...)
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// pyRepr is Python's repr: strings in single quotes unless they hold one.
func pyRepr(v starlark.Value) string {
	str, ok := v.(starlark.String)
	if !ok {
		return v.String()
	}
	q := "'"
	if strings.Contains(string(str), "'") && !strings.Contains(string(str), "\"") {
		q = "\""
	}
	r := strings.NewReplacer("\\", "\\\\", q, "\\"+q, "\n", "\\n", "\t", "\\t", "\r", "\\r")
	return q + r.Replace(string(str)) + q
}
