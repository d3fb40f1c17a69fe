package safetensors

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"

	"github.com/layerinfo/layerinfo/internal/uniq"
)

// The header reader has two paths. The fast one below is a small scanner
// for the headers writers make: one object of tensor entries, each an
// object of exactly "dtype" (a string), "shape" and "data_offsets"
// (arrays of plain non-negative integers), and an optional __metadata__
// string map. It gives up, keeping nothing, at the first byte that is not
// of that form, and the slow path (encoding/json's token stream, which
// has always decided what a header is) reads the header from the start.
// So the fast path decides nothing that encoding/json would decide
// otherwise: every input it accepts, encoding/json accepts with the same
// tensors and metadata (FuzzFastHeader checks this), and every error,
// with its offset and message, is the slow path's.

// scan is the fast path's state over the header text.
type scan struct {
	s   string // the header; names and dtypes are substrings of it
	i   int
	bad bool // the header left the fast path's form
}

func (p *scan) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte (0 at the end).
func (p *scan) next() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// expect consumes c after white space.
func (p *scan) expect(c byte) {
	if p.next() != c {
		p.bad = true
		return
	}
	p.i++
}

// str reads a JSON string after white space and returns its value as
// encoding/json unquotes it. Strings of plain text (no escapes, valid
// UTF-8) are substrings of the header; others are decoded by
// encoding/json itself.
func (p *scan) str() string {
	if p.bad || p.next() != '"' {
		p.bad = true
		return ""
	}
	start := p.i
	p.i++
	plain := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			raw := p.s[start:p.i]
			if plain {
				return raw[1 : len(raw)-1]
			}
			var v string
			if err := json.Unmarshal(unsafe.Slice(unsafe.StringData(raw), len(raw)), &v); err != nil {
				p.bad = true
				return ""
			}
			return v
		case c == '\\':
			// The escaped byte is skipped so that \" does not end
			// the string; encoding/json checks the escape itself.
			plain = false
			p.i += 2
		case c < 0x20:
			p.bad = true
			return ""
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && n == 1 {
				plain = false // encoding/json replaces it with U+FFFD
			}
			p.i += n
		default:
			p.i++
		}
	}
	p.bad = true
	return ""
}

// word reports whether the literal w comes next (after white space) and
// consumes it.
func (p *scan) word(w string) bool {
	p.ws()
	if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
		p.i += len(w)
		return true
	}
	return false
}

const maxInt = 1<<63 - 1

// ints reads an array of at most maxDims plain non-negative integers
// ("0" or digits without a leading zero) that fit in int64, appending
// them to dst.
func (p *scan) ints(dst []int64) []int64 {
	p.expect('[')
	if p.bad {
		return dst
	}
	if p.next() == ']' {
		p.i++
		return dst
	}
	for k := 0; ; k++ {
		if k == maxDims {
			p.bad = true
			return dst
		}
		p.ws()
		start := p.i
		var v int64
		for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
			d := int64(p.s[p.i] - '0')
			if v >= maxInt/10 && (v > maxInt/10 || d > maxInt%10) {
				p.bad = true
				return dst
			}
			v = v*10 + d
			p.i++
		}
		if p.i == start || (p.s[start] == '0' && p.i-start > 1) {
			p.bad = true
			return dst
		}
		dst = append(dst, v)
		switch p.next() {
		case ',':
			p.i++
		case ']':
			p.i++
			return dst
		default:
			p.bad = true
			return dst
		}
	}
}

// fastHeader reads hdr into f.Tensors and f.Metadata, charging the
// metadata entries as the slow path does. It returns false when the
// header is not of the fast path's form or the header is wrong in any
// way; f and the budget are then as they were.
func (d *Decoder) fastHeader(hdr []byte, f *File) bool {
	if d.slowOnly || len(hdr) == 0 {
		return false
	}
	p := scan{s: unsafe.String(&hdr[0], len(hdr))}
	var charged int64
	ok := d.fastEntries(&p, f, &charged)
	if !ok {
		d.Budget.Release(charged)
		f.Tensors = f.Tensors[:0]
		f.Metadata = nil
	}
	return ok
}

func (d *Decoder) fastEntries(p *scan, f *File, charged *int64) bool {
	p.expect('{')
	// Keys are checked for duplicates by order while they come sorted
	// (see package uniq).
	keys := uniq.New(cap(f.Tensors) + 1)
	var dims []int64 // shapes are cut from this block
	metadata := false
	if p.next() == '}' {
		p.i++
	} else {
		for !p.bad {
			key := p.str()
			p.expect(':')
			if p.bad {
				return false
			}
			if _, isNew := keys.Add(key); !isNew {
				return false
			}
			if key == "__metadata__" {
				if metadata || !d.fastMetadata(p, f, charged) {
					return false
				}
				metadata = true
			} else {
				if cap(dims)-len(dims) < maxDims {
					dims = make([]int64, 0, 4096)
				}
				f.Tensors = append(f.Tensors, Tensor{})
				t := &f.Tensors[len(f.Tensors)-1]
				if !p.tensor(t, key, dims[len(dims):len(dims):cap(dims)]) {
					return false
				}
				dims = dims[:len(dims)+len(t.Shape)]
			}
			switch p.next() {
			case ',':
				p.i++
				continue
			case '}':
				p.i++
			default:
				return false
			}
			break
		}
	}
	p.ws()
	return !p.bad && p.i == len(p.s)
}

// tensor reads one tensor entry into t, its shape appended to dims.
func (p *scan) tensor(t *Tensor, name string, dims []int64) bool {
	var dtype string
	var shape, offs []int64
	var has [3]bool
	var offBuf [2]int64
	p.expect('{')
	for !p.bad {
		switch {
		case p.word(`"dtype"`) && !has[0]:
			has[0] = true
			p.expect(':')
			dtype = p.str()
		case p.word(`"shape"`) && !has[1]:
			has[1] = true
			p.expect(':')
			shape = p.ints(dims)
		case p.word(`"data_offsets"`) && !has[2]:
			has[2] = true
			p.expect(':')
			offs = p.ints(offBuf[:0])
		default:
			p.bad = true
		}
		if p.bad {
			break
		}
		if c := p.next(); c == ',' {
			p.i++
			continue
		} else if c == '}' {
			p.i++
			break
		}
		p.bad = true
	}
	if p.bad || !has[0] || !has[1] || !has[2] || len(offs) != 2 {
		return false
	}
	dt, ok := LookupDType(dtype)
	if !ok {
		return false
	}
	*t = Tensor{Name: name, DType: dt, Shape: shape[:len(shape):len(shape)], Begin: offs[0], End: offs[1]}
	return t.size() == nil && t.span() == nil
}

// fastMetadata reads the __metadata__ value: null, or an object of
// strings, each entry charged as the slow path charges it.
func (d *Decoder) fastMetadata(p *scan, f *File, charged *int64) bool {
	if p.word("null") {
		f.Metadata = nil
		return true
	}
	p.expect('{')
	md := map[string]string{}
	if p.next() == '}' {
		p.i++
		f.Metadata = md
		return !p.bad
	}
	for !p.bad {
		k := p.str()
		p.expect(':')
		v := p.str()
		if p.bad {
			return false
		}
		n := int64(len(k)+len(v)) + 64
		if d.Budget.Charge(n, "") != nil {
			return false // the slow path says it, with its count
		}
		*charged += n
		md[k] = v
		switch p.next() {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			f.Metadata = md
			return true
		}
		return false
	}
	return false
}
