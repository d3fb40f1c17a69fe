package keras

import (
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// conf reads one layer's config, keeping the first error (with the
// value's line:col and the layer) so that builders read straight on.
type conf struct {
	d   *decoder
	l   *layer
	cfg *value
	err error
}

func (c *conf) v(key string) *value {
	if v := c.cfg.get(key); v != nil {
		return v
	}
	// Keras 1's names for the same settings.
	for _, old := range keras1Keys[key] {
		if v := c.cfg.get(old); v != nil {
			return v
		}
	}
	if key == "kernel_size" {
		// Keras 1: nb_row, nb_col (2D), kernel_dim1..3 (3D).
		for _, keys := range [][]string{{"nb_row", "nb_col"}, {"kernel_dim1", "kernel_dim2", "kernel_dim3"}} {
			arr := &value{k: jArr, off: c.cfg.off}
			for _, k := range keys {
				if v := c.cfg.get(k); v != nil {
					arr.arr = append(arr.arr, v)
				}
			}
			if len(arr.arr) == len(keys) {
				return arr
			}
		}
	}
	return nil
}

// keras1Keys are Keras 1's config keys for Keras 2's.
var keras1Keys = map[string][]string{
	"units":         {"output_dim"},
	"filters":       {"nb_filter"},
	"kernel_size":   {"filter_length"},
	"strides":       {"subsample", "subsample_length", "stride"},
	"padding":       {"border_mode"},
	"dilation_rate": {"atrous_rate", "dilation_rate"},
	"pool_size":     {"pool_length"},
	"data_format":   {"dim_ordering"},
	"use_bias":      {"bias"},
}

func (c *conf) fail(v *value, format string, args ...any) {
	if c.err == nil {
		if v == nil {
			v = c.cfg
		}
		c.err = c.d.errAt(v, c.l, format, args...)
	}
}

// int reads a whole number; absent or null is def.
func (c *conf) int(key string, def int64) int64 {
	v := c.v(key)
	if v.isNull() {
		return def
	}
	if v.k == jArr && len(v.arr) == 1 { // TF.js and Keras 1 write (n,) for some
		v = v.arr[0]
	}
	n, ok := v.int()
	if !ok {
		c.fail(v, "%s: want a whole number, got %s", key, kindOf(v))
	}
	return n
}

// pos reads a positive whole number.
func (c *conf) pos(key string, def int64) int64 {
	n := c.int(key, def)
	if n <= 0 && c.err == nil {
		c.fail(c.v(key), "%s: want a positive number, got %d", key, n)
	}
	return n
}

// ints reads a per-axis value: one number (every axis) or a list of
// rank numbers; absent or null is def on every axis (nil def: nil).
func (c *conf) ints(key string, rank int, def []int64) []int64 {
	v := c.v(key)
	if v.isNull() {
		return def
	}
	if v.k == jNum {
		n, ok := v.int()
		if !ok {
			c.fail(v, "%s: want a whole number, got %s", key, v.s)
			return def
		}
		out := make([]int64, rank)
		for i := range out {
			out[i] = n
		}
		return out
	}
	if v.k != jArr || len(v.arr) != rank && len(v.arr) != 1 {
		c.fail(v, "%s: want %d whole numbers, got %s", key, rank, describe(v))
		return def
	}
	out := make([]int64, rank)
	for i := range out {
		e := v.arr[min(i, len(v.arr)-1)]
		n, ok := e.int()
		if !ok {
			c.fail(e, "%s: want whole numbers, got %s", key, kindOf(e))
			return def
		}
		out[i] = n
	}
	return out
}

func describe(v *value) string {
	if v.k == jArr {
		return itoa(len(v.arr)) + " values"
	}
	return kindOf(v)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func (c *conf) str(key, def string) string {
	v := c.v(key)
	if v.isNull() {
		return def
	}
	if v.k != jStr {
		c.fail(v, "%s: want a string, got %s", key, kindOf(v))
		return def
	}
	return v.s
}

func (c *conf) bool(key string, def bool) bool {
	v := c.v(key)
	if v.isNull() {
		return def
	}
	if v.k != jBool {
		c.fail(v, "%s: want true or false, got %s", key, kindOf(v))
		return def
	}
	return v.b
}

// layout reads data_format (channels_last unless said otherwise: Keras's
// image_data_format default).
func (c *conf) layout() op.Layout {
	switch s := c.str("data_format", "channels_last"); strings.ToLower(s) {
	case "channels_last", "", "tf", "default":
		return op.ChannelsLast
	case "channels_first", "th":
		return op.ChannelsFirst
	default:
		c.fail(c.v("data_format"), "data_format: %q is not channels_last or channels_first", s)
	}
	return op.ChannelsLast
}

// padding reads padding: valid, same, or (Conv1D) causal.
func (c *conf) padding(kernel, dilation []int64, causal bool) op.Padding {
	s := strings.ToLower(c.str("padding", "valid"))
	switch s {
	case "valid":
		return op.Padding{Mode: op.PadValid}
	case "same":
		return op.Padding{Mode: op.PadSameEnd}
	case "causal":
		if causal && len(kernel) == 1 {
			d := int64(1)
			if len(dilation) == 1 {
				d = dilation[0]
			}
			return op.Padding{Mode: op.PadExplicit, Begin: []int64{d * (kernel[0] - 1)}, End: []int64{0}}
		}
	}
	c.fail(c.v("padding"), "padding: %q is not valid or same", s)
	return op.Padding{Mode: op.PadValid}
}

// axes reads an axis or a list of axes.
func (c *conf) axes(key string, def int) []int {
	v := c.v(key)
	if v.isNull() {
		return []int{def}
	}
	var vs []*value
	if v.k == jArr {
		vs = v.arr
	} else {
		vs = []*value{v}
	}
	out := make([]int, 0, len(vs))
	for _, e := range vs {
		n, ok := e.int()
		if !ok || n > 64 || n < -64 {
			c.fail(e, "%s: want an axis, got %s", key, kindOf(e))
			return []int{def}
		}
		out = append(out, int(n))
	}
	if len(out) == 0 {
		c.fail(v, "%s: no axis given", key)
		return []int{def}
	}
	return out
}

// pairs reads a padding or cropping amount for rank spatial axes: n
// (every side), (a, b, …) one per axis (both sides), or ((a0, a1), …).
func (c *conf) pairs(key string, rank int, def int64) (before, after []int64) {
	before, after = make([]int64, rank), make([]int64, rank)
	v := c.v(key)
	set := func(i int, b, a int64) {
		before[i], after[i] = b, a
	}
	num := func(e *value) int64 {
		n, ok := e.int()
		if !ok || n < 0 {
			c.fail(e, "%s: want a non-negative whole number, got %s", key, kindOf(e))
		}
		return n
	}
	switch {
	case v.isNull():
		for i := range rank {
			set(i, def, def)
		}
	case v.k == jNum:
		n := num(v)
		for i := range rank {
			set(i, n, n)
		}
	case v.k == jArr && rank == 1 && len(v.arr) == 2 && v.arr[0].k == jNum:
		set(0, num(v.arr[0]), num(v.arr[1]))
	case v.k == jArr && len(v.arr) == rank:
		for i, e := range v.arr {
			switch {
			case e.k == jNum:
				n := num(e)
				set(i, n, n)
			case e.k == jArr && len(e.arr) == 2:
				set(i, num(e.arr[0]), num(e.arr[1]))
			default:
				c.fail(e, "%s: want a number or a pair, got %s", key, describe(e))
			}
		}
	default:
		c.fail(v, "%s: want a number, %d numbers or %d pairs, got %s", key, rank, rank, describe(v))
	}
	return before, after
}

// sub reads a wrapped layer's config (Bidirectional, TimeDistributed).
func (c *conf) sub(key string) *layer {
	v := c.v(key)
	if v == nil || v.k != jObj {
		c.fail(v, "%s: want the wrapped layer ({class_name, config}), got %s", key, kindOf(v))
		return nil
	}
	l := &layer{class: className(v), entry: v, cfg: v.get("config"), train: c.l.train, parent: c.l.name}
	if l.cfg == nil || l.cfg.k != jObj {
		c.fail(v, "%s: the wrapped layer has no config", key)
		return nil
	}
	if n := l.cfg.get("name"); n != nil && n.k == jStr {
		l.name = n.s
	} else {
		l.name = strings.ToLower(l.class)
	}
	if t := l.cfg.get("trainable"); t != nil && t.k == jBool && !t.b {
		l.train = false
	}
	return l
}

// shapeList reads a shape without the batch axis (Reshape's target,
// Lambda's output_shape): numbers, -1 or null.
func (c *conf) shapeList(key string) (graph.Shape, bool) {
	v := c.v(key)
	if v.isNull() || v.k != jArr {
		return nil, false
	}
	s := make(graph.Shape, len(v.arr))
	for i, e := range v.arr {
		if e.isNull() {
			s[i] = graph.Unknown()
			continue
		}
		n, ok := e.int()
		if !ok {
			c.fail(e, "%s: want sizes, got %s", key, kindOf(e))
			return nil, false
		}
		s[i] = graph.Dim{Size: n}
	}
	return s, true
}
