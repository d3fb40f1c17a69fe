package spec

import (
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
)

// kind is the type of a YAML value once anchors, aliases, tags and merge
// keys are resolved.
type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kFloat
	kString
	kList
	kMap
)

// value is a YAML value with the position it was written at. Aliases
// resolve to the anchored value itself (shared, never copied), so the tree
// stays as small as the file.
//
// A value is 48 bytes (a float keeps its bits in i, the column is an
// int32: a spec has at most MaxSize bytes); a list or mapping has its
// elements behind *elems, so that a file of short scalars ("[1,1,1,…]")
// costs some 30 times its size, not 70.
type value struct {
	kind   kind
	b      bool
	col    int32
	line   int
	i      int64  // an integer, or a float's bits (float, setFloat)
	s      string // the string, or the source text of a scalar
	*elems        // lists and mappings only; nil for a scalar
}

// float is a kFloat value's number.
func (v *value) float() float64 { return math.Float64frombits(uint64(v.i)) }

// floatBits is how a value keeps a float in i.
func floatBits(f float64) int64 { return int64(math.Float64bits(f)) }

// elems are a collection's elements: a list's, or a mapping's keys and
// values in turn (k0, v0, k1, v1, …; keys kString, in source order), one
// slice either way (a spec of 100,000 layers has as many mappings).
type elems struct {
	list []*value
}

// pairs are a mapping's keys and values, in order; nothing for a value
// that is not a mapping.
func (v *value) pairs() iter.Seq2[*value, *value] {
	return func(yield func(k, val *value) bool) {
		if v == nil || v.kind != kMap {
			return
		}
		for i := 0; i+1 < len(v.list); i += 2 {
			if !yield(v.list[i], v.list[i+1]) {
				return
			}
		}
	}
}

// nkeys is the number of a mapping's keys.
func (v *value) nkeys() int { return len(v.list) / 2 }

// key is a mapping's key i.
func (v *value) key(i int) *value { return v.list[2*i] }

// lookup finds a mapping entry by key.
func (v *value) lookup(key string) (k, val *value) {
	if v == nil || v.kind != kMap {
		return nil, nil
	}
	for i := 0; i+1 < len(v.list); i += 2 {
		if v.list[i].s == key {
			return v.list[i], v.list[i+1]
		}
	}
	return nil, nil
}

// describe names a value for an error message: `the string "32"`, `a
// list`, `2.5`.
func (v *value) describe() string {
	if v == nil {
		return "nothing"
	}
	switch v.kind {
	case kNull:
		return "null"
	case kBool:
		return strconv.FormatBool(v.b)
	case kInt:
		return strconv.FormatInt(v.i, 10)
	case kFloat:
		if v.s != "" {
			return v.s
		}
		return strconv.FormatFloat(v.float(), 'g', -1, 64)
	case kString:
		return "the string " + strconv.Quote(clip(v.s, 40))
	case kList:
		return "a list"
	}
	return "a mapping"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// asInt reads an integer; a float with an integral value within float64's
// exact range is accepted (JSON writers sometimes emit 32.0).
func (v *value) asInt() (int64, error) {
	switch v.kind {
	case kInt:
		return v.i, nil
	case kFloat:
		if v.float() == math.Trunc(v.float()) && math.Abs(v.float()) <= 1<<53 {
			return int64(v.float()), nil
		}
		if v.float() == math.Trunc(v.float()) {
			return 0, fmt.Errorf("%s is too large", v.describe())
		}
	case kString:
		if _, err := strconv.ParseInt(strings.TrimSpace(v.s), 10, 64); err == nil {
			return 0, fmt.Errorf("expected an integer, got %s (write it without quotes)", v.describe())
		}
	}
	return 0, fmt.Errorf("expected an integer, got %s", v.describe())
}

// asString reads a string; plain numbers and booleans are not strings.
func (v *value) asString() (string, error) {
	if v.kind == kString {
		return v.s, nil
	}
	return "", fmt.Errorf("expected a string, got %s", v.describe())
}

// asBool reads true or false.
func (v *value) asBool() (bool, error) {
	if v.kind == kBool {
		return v.b, nil
	}
	if v.kind == kString {
		switch strings.ToLower(v.s) {
		case "yes", "no", "on", "off", "y", "n":
			return false, fmt.Errorf("expected true or false, got %s (YAML 1.2 reads it as a string)", v.describe())
		}
	}
	return false, fmt.Errorf("expected true or false, got %s", v.describe())
}
