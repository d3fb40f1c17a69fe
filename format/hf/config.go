package hf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/internal/textlimit"
)

// Limits on what a configuration may declare, so that a hostile file gets
// an error rather than a graph of a billion nodes. Real models are far
// below them (Llama-3.1-405B has 126 layers, DeepSeek-V3 256 experts).
const (
	maxLayers = 4096
	maxSize   = 1 << 40 // any one width, vocabulary or count
)

// limits bound the JSON text before encoding/json decodes it into
// interface values, which costs some 40 bytes per byte of a long array:
// a 60 MB array would take 2 GB. Real configurations are far smaller:
// an ImageNet-21k classifier's id2label and label2id hold 21,843 labels
// each, Whisper's suppress_tokens about 90 numbers. At the limits the
// decoded values take about 250 MB.
var limits = textlimit.Limits{
	MaxDepth:  64,
	MaxItems:  1_000_000,
	MaxKeys:   200_000,
	MaxValues: 2_000_000,
	MaxString: 1 << 20,
}

// config is a parsed config.json with typed look-ups. A missing key (or
// null) takes the default the front-end passes, which is the library's
// default for the model_type; aliases are the other names transformers
// accepts for a key (its attribute_map: GPT-2's n_embd for hidden_size).
type config struct {
	file  string
	m     map[string]any
	alias map[string][]string
	errs  []error

	// The core sizes read (coreKeys), for the notes on defaults: those
	// taken from the family's defaults in the order read, and how many
	// the file gives.
	defaulted []defaulted
	read      map[string]bool
	given     int
}

// defaulted is a core size the file does not give.
type defaulted struct {
	key  string
	def  int64
	null bool // present as null rather than absent
}

// coreKeys are the sizes that set a model's parameter count, under each
// family's own name. Keys whose default derives from another (n_inner is
// 4*n_embd, num_key_value_heads is num_attention_heads) are not among
// them: leaving them out is how a configuration says "the usual".
var coreKeys = map[string]bool{
	"hidden_size": true, "n_embd": true, "dim": true, "d_model": true,
	"num_hidden_layers": true, "n_layer": true, "n_layers": true, "num_layers": true, "encoder_layers": true, "decoder_layers": true,
	"num_attention_heads": true, "n_head": true, "n_heads": true, "num_heads": true, "encoder_attention_heads": true, "decoder_attention_heads": true,
	"vocab_size": true, "type_vocab_size": true, "max_position_embeddings": true, "n_positions": true,
	"intermediate_size": true, "hidden_dim": true, "d_ff": true, "ffn_dim": true, "encoder_ffn_dim": true, "decoder_ffn_dim": true,
}

// legacyNames are keys of the original releases that transformers does
// not read (OpenAI's GPT-2 hparams.json), mentioned when the key
// transformers reads is missing.
var legacyNames = map[string]string{"vocab_size": "n_vocab", "n_positions": "n_ctx"}

// noteCore records a read of a core size: given, or its default.
func (c *config) noteCore(key string, v any, def int64) {
	if !coreKeys[key] || c.read[key] {
		return
	}
	if c.read == nil {
		c.read = map[string]bool{}
	}
	c.read[key] = true
	if v != nil {
		c.given++
		return
	}
	c.defaulted = append(c.defaulted, defaulted{key: key, def: def, null: c.isNull(key)})
}

// defaultNotes says which core sizes came from the family's defaults
// (class is its configuration class, "BertConfig"): one note per size
// when the file gives others, one note in all when it gives none.
func (c *config) defaultNotes(file, class string) []string {
	if len(c.defaulted) == 0 {
		return nil
	}
	if c.given == 0 {
		parts := make([]string, len(c.defaulted))
		for i, d := range c.defaulted {
			parts[i] = fmt.Sprintf("%s %s", d.key, group(d.def))
		}
		return []string{fmt.Sprintf("%s gives none of the sizes: all are transformers' %s defaults (%s)", file, class, strings.Join(parts, ", "))}
	}
	var notes []string
	for _, d := range c.defaulted {
		what := "has no " + d.key
		if d.null {
			what = "sets " + d.key + " to null"
		}
		n := fmt.Sprintf("%s %s: transformers' %s default %s is used", file, what, class, group(d.def))
		if old, ok := legacyNames[d.key]; ok {
			if v, ok := c.m[old].(json.Number); ok {
				text := v.String()
				if i, err := v.Int64(); err == nil {
					text = group(i)
				}
				n += fmt.Sprintf(" (%s %s is not read by transformers)", old, text)
			}
		}
		notes = append(notes, n)
	}
	return notes
}

// group writes an integer with thousands separators: 30,522.
func group(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func parseConfig(name string, data []byte) (*config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors write
	if err := textlimit.JSON(data, limits); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return nil, fmt.Errorf("%s:%d:%d: not valid JSON: %w", name, line, col, err)
		}
		return nil, fmt.Errorf("%s: not valid JSON: %w", name, err)
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
	c.noteCore(key, v, def)
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
// hidden-size-like key, or without either but with the keys only one
// family has (Google's bert_config.json, GPT-2's n_embd/n_layer/n_head),
// or two of the sizes at the top level (hidden_size, num_hidden_layers,
// …; one when it is named after a supported model type), so that a
// config whose type cannot be told gets the hf error asking for the
// model type rather than "unrecognized format". A spec (top-level
// layers), a Keras model (class_name), a sharded-checkpoint index
// (weight_map) or Meta's params.json (multiple_of) is not one. Only the
// first bytes are needed.
func Sniff(name string, head []byte) bool { return sniff(name, head) > format.No }

// sniff is Sniff saying how sure it is: a model_type, architectures with
// a size, or one family's keys are likely; sizes alone only maybe.
func sniff(name string, head []byte) format.Sure {
	s := bytes.TrimSpace(head)
	s = bytes.TrimPrefix(s, []byte("\xef\xbb\xbf"))
	if len(s) == 0 || s[0] != '{' {
		return format.No
	}
	t := string(s)
	if strings.Contains(t, `"model_type"`) {
		return format.Likely
	}
	if strings.Contains(t, `"architectures"`) {
		for _, k := range []string{`"hidden_size"`, `"d_model"`, `"n_embd"`, `"dim"`, `"num_hidden_layers"`, `"n_layer"`} {
			if strings.Contains(t, k) {
				return format.Likely
			}
		}
	}
	keys := topKeys(s)
	if len(keys.anyOf("layers", "class_name", "keras_version", "weight_map", "multiple_of")) > 0 {
		return format.No // a spec, a Keras model, a checkpoint index, Meta's params.json
	}
	if mt, _ := typeFromKeys(keys); mt != "" {
		return format.Likely
	}
	core := 0
	for k := range keys {
		if coreKeys[k] {
			core++
		}
	}
	mt := pathPattern(name)
	if core >= 2 || (core == 1 && (families()[mt].build != nil || typeAliases[mt] != "")) {
		return format.Maybe
	}
	return format.No
}

// topKeys reads the top-level keys of a JSON object as far as data goes
// (a head may end mid-value).
func topKeys(data []byte) keySet {
	keys := keySet{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, ok := t.(string)
		if !ok {
			return keys
		}
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
