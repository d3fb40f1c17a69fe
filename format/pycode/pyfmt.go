package pycode

import (
	"fmt"
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
			if o, ok := v.(*opaque); ok {
				return &opaque{name: "text made from " + o.name, from: o.from}, nil
			}
		}
	}
	if o, ok := a[1].(*opaque); ok {
		return &opaque{name: "text made from " + o.name, from: o.from}, nil
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
			n, err := toInt(v)
			if err != nil {
				return nil, fmt.Errorf("%% formatting: %s %v", spec, err)
			}
			x, verb = n, 'd'
		case 'o', 'x', 'X', 'c':
			n, err := toInt(v)
			if err != nil {
				return nil, fmt.Errorf("%% formatting: %s %v", spec, err)
			}
			x = n
		case 'e', 'E', 'f', 'F', 'g', 'G':
			f, ok := starlark.AsFloat(v)
			if !ok {
				return nil, fmt.Errorf("%% formatting: %s needs a number, got %s", spec, describe(v))
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
