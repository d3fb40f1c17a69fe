package hf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Limits on what a configuration may declare, so that a hostile file gets
// an error rather than a graph of a billion nodes. Real models are far
// below them (Llama-3.1-405B has 126 layers, DeepSeek-V3 256 experts).
const (
	maxLayers = 4096
	maxSize   = 1 << 40 // any one width, vocabulary or count
)

// config is a parsed config.json with typed look-ups. A missing key (or
// null) takes the default the front-end passes, which is the library's
// default for the model_type; aliases are the other names transformers
// accepts for a key (its attribute_map: GPT-2's n_embd for hidden_size).
type config struct {
	file  string
	m     map[string]any
	alias map[string][]string
	errs  []error
}

func parseConfig(name string, data []byte) (*config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors write
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return nil, fmt.Errorf("%s:%d:%d: not valid JSON: %v", name, line, col, err)
		}
		return nil, fmt.Errorf("%s: not valid JSON: %v", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a transformers configuration is a JSON object, got %s", name, kind(v))
	}
	return &config{file: name, m: m}, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// get returns the value of key or of one of its aliases, and the name it
// was found under.
func (c *config) get(key string) (any, string) {
	if v, ok := c.m[key]; ok && v != nil {
		return v, key
	}
	for _, a := range c.alias[key] {
		if v, ok := c.m[a]; ok && v != nil {
			return v, a
		}
	}
	return nil, key
}

func (c *config) has(key string) bool {
	v, _ := c.get(key)
	return v != nil
}

func (c *config) errorf(key, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %q: %s", c.file, key, fmt.Sprintf(format, args...)))
}

// num reads an integer-valued number (5120 or 5120.0).
func (c *config) num(key string, v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		c.errorf(key, "must be a number, got %s", kind(v))
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		c.errorf(key, "must be a whole number, got %s", n)
		return 0, false
	}
	return int64(f), true
}

// int is a non-negative integer, def when missing.
func (c *config) int(key string, def int64) int64 {
	v, name := c.get(key)
	if v == nil {
		return def
	}
	i, ok := c.num(name, v)
	if !ok {
		return def
	}
	if i < 0 || i > maxSize {
		c.errorf(name, "%d is out of range (0 to %d)", i, int64(maxSize))
		return def
	}
	return i
}

// isNull reports whether key is present with the value null (Python's
// None), which for some keys differs from the key being absent: a null
// sliding_window means no window, an absent one the family's default.
func (c *config) isNull(key string) bool {
	v, ok := c.m[key]
	return ok && v == nil
}

// optInt is an integer whose explicit null means 0 (None), def when the
// key is absent.
func (c *config) optInt(key string, def int64) int64 {
	if c.isNull(key) {
		return 0
	}
	return c.int(key, def)
}

// pos is a positive integer, def when missing.
func (c *config) pos(key string, def int64) int64 {
	i := c.int(key, def)
	if i == 0 && c.has(key) {
		_, name := c.get(key)
		c.errorf(name, "must be positive, got 0")
		return def
	}
	return i
}

// layers is a layer count, capped.
func (c *config) layers(key string, def int64) int64 {
	i := c.int(key, def)
	if i > maxLayers {
		_, name := c.get(key)
		c.errorf(name, "%d layers is more than the %d layerinfo accepts", i, maxLayers)
		return 0
	}
	return i
}

// bool is a boolean, def when missing.
func (c *config) bool(key string, def bool) bool {
	v, name := c.get(key)
	if v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		c.errorf(name, "must be true or false, got %s", kind(v))
		return def
	}
	return b
}

// str is a string, def when missing.
func (c *config) str(key, def string) string {
	v, name := c.get(key)
	if v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		c.errorf(name, "must be a string, got %s", kind(v))
		return def
	}
	return s
}

// ints is a list of integers (nil when missing); a single number is a
// list of one.
func (c *config) ints(key string) []int64 {
	v, name := c.get(key)
	switch x := v.(type) {
	case nil:
		return nil
	case json.Number:
		i, ok := c.num(name, x)
		if !ok {
			return nil
		}
		return []int64{i}
	case []any:
		if len(x) > maxLayers {
			c.errorf(name, "has %d entries, more than %d", len(x), maxLayers)
			return nil
		}
		out := make([]int64, 0, len(x))
		for _, e := range x {
			i, ok := c.num(name, e)
			if !ok {
				return nil
			}
			out = append(out, i)
		}
		return out
	}
	c.errorf(name, "must be a list of numbers, got %s", kind(v))
	return nil
}

// strs is a list of strings (nil when missing).
func (c *config) strs(key string) []string {
	v, name := c.get(key)
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		if len(x) > maxLayers {
			c.errorf(name, "has %d entries, more than %d", len(x), maxLayers)
			return nil
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				c.errorf(name, "must be a list of strings, got an entry that is %s", kind(e))
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	c.errorf(name, "must be a list of strings, got %s", kind(v))
	return nil
}

// numLabels is the number of labels of a classification head: num_labels,
// or the size of id2label, or transformers' default of 2.
func (c *config) numLabels() int64 {
	if c.has("num_labels") {
		return c.int("num_labels", 2)
	}
	if m, ok := c.m["id2label"].(map[string]any); ok && len(m) > 0 {
		return int64(len(m))
	}
	return 2
}

// err joins the errors met so far.
func (c *config) err() error { return errors.Join(c.errs...) }

// sortedKeys lists the keys of a map in order, for messages.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Sniff reports whether the file looks like a transformers configuration:
// a JSON object with "model_type", or with "architectures" and a
// hidden-size-like key. Only the first bytes are needed.
func Sniff(name string, head []byte) bool {
	s := bytes.TrimSpace(head)
	s = bytes.TrimPrefix(s, []byte("\xef\xbb\xbf"))
	if len(s) == 0 || s[0] != '{' {
		return false
	}
	t := string(s)
	if strings.Contains(t, `"model_type"`) {
		return true
	}
	if strings.Contains(t, `"architectures"`) {
		for _, k := range []string{`"hidden_size"`, `"d_model"`, `"n_embd"`, `"dim"`, `"num_hidden_layers"`, `"n_layer"`} {
			if strings.Contains(t, k) {
				return true
			}
		}
	}
	return false
}
