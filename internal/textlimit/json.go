package textlimit

import "fmt"

// JSON checks JSON text against lim in one pass without recursion. Text
// that is not JSON is left to the decoder to reject: the scan counts what
// it finds and stops only at a limit.
func JSON(src []byte, lim Limits) error {
	type level struct {
		object bool
		n      int // elements of an array, keys of an object
	}
	var (
		stack  []level
		values int
		lc     = lines{src: src}
	)
	fail := func(off int, format string, args ...any) error {
		line, col := lc.pos(off)
		return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	// value counts a value (or key) starting at off: in all, and as an
	// element of the array it is in.
	value := func(off int) error {
		values++
		if lim.MaxValues > 0 && values > lim.MaxValues {
			return fail(off, "more than %s values in all (a limit against files that would take too much memory)", Count(int64(lim.MaxValues)))
		}
		if len(stack) > 0 && !stack[len(stack)-1].object {
			top := &stack[len(stack)-1]
			top.n++
			if lim.MaxItems > 0 && top.n > lim.MaxItems {
				return fail(off, "more than %s elements in one array", Count(int64(lim.MaxItems)))
			}
		}
		return nil
	}
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case ' ', '\t', '\r', '\n', ',':
			i++
		case ':':
			// The string before it was a key.
			if len(stack) > 0 && stack[len(stack)-1].object {
				top := &stack[len(stack)-1]
				top.n++
				if lim.MaxKeys > 0 && top.n > lim.MaxKeys {
					return fail(i, "more than %s keys in one object", Count(int64(lim.MaxKeys)))
				}
			}
			i++
		case '[', '{':
			if err := value(i); err != nil {
				return err
			}
			stack = append(stack, level{object: c == '{'})
			if lim.MaxDepth > 0 && len(stack) > lim.MaxDepth {
				return fail(i, "arrays and objects nested more than %d deep", lim.MaxDepth)
			}
			i++
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case '"':
			// A key counts as a value too: a decoder holds both.
			if err := value(i); err != nil {
				return err
			}
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if lim.MaxString > 0 && j-i-1 > lim.MaxString {
				return fail(i, "a string of more than %s bytes", Count(int64(lim.MaxString)))
			}
			i = j + 1
		default:
			// A number or a literal (true, false, null), or bytes that
			// are not JSON: one value up to the next delimiter.
			if err := value(i); err != nil {
				return err
			}
			j := i + 1
			for j < len(src) && !jsonDelim[src[j]] {
				j++
			}
			if lim.MaxString > 0 && j-i > lim.MaxString {
				return fail(i, "a number or word of more than %s bytes", Count(int64(lim.MaxString)))
			}
			i = j
		}
	}
	return nil
}

var jsonDelim = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, ',': true, ':': true, '[': true, ']': true, '{': true, '}': true, '"': true}
