package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/spell"
	"github.com/layerinfo/layerinfo/op"
)

// attrs reads one layer entry's attributes for its builder, recording
// every problem with the position of the value at fault. A getter that
// fails records the error and returns the default, so a builder reads
// everything and reports all problems of the entry at once.
type attrs struct {
	d     *decoder
	e     *entry
	meant []string // attributes a misspelt one was taken for: not also "missing"
	errs  []error
}

// get returns an attribute's value, or nil when it is absent or null
// (null means "the default", as JSON writers emit for unset options).
func (a *attrs) get(name string) *value {
	if !slices.Contains(a.e.typ.attrs, name) && !slices.Contains(commonAttrs, name) {
		// A builder reads an attribute its type does not declare: a bug
		// here, reported rather than panicking.
		a.errs = append(a.errs, a.d.layerErr(a.e, nil, "internal error: attribute %q is not declared for %s", name, a.e.typ.name))
		return nil
	}
	_, v := a.e.at.lookup(name)
	if v == nil || v.kind == kNull {
		return nil
	}
	return v
}

// fail records an error at v (the layer entry when v is nil) and names the
// attribute.
func (a *attrs) fail(v *value, name, format string, args ...any) {
	a.errs = append(a.errs, a.d.layerErr(a.e, v, "%s: %s", name, fmt.Sprintf(format, args...)))
}

// missing records a required attribute's absence.
func (a *attrs) missing(name, example string) {
	if slices.Contains(a.meant, name) {
		return
	}
	a.errs = append(a.errs, a.d.layerErr(a.e, nil, "missing required attribute %q (e.g. %s: %s)", name, name, example))
}

// int reads an integer of at least min, def when absent; example is shown
// when a required one is missing.
func (a *attrs) int(name string, def, min int64, required bool, example string) int64 {
	v := a.get(name)
	if v == nil {
		if required {
			a.missing(name, example)
		}
		return def
	}
	x, err := v.asInt()
	if err != nil {
		a.fail(v, name, "%v", err)
		return def
	}
	if x < min {
		a.fail(v, name, "must be at least %d, got %d", min, x)
		return def
	}
	return x
}

// optInt reads an integer that may be absent (nil).
func (a *attrs) optInt(name string) *int64 {
	v := a.get(name)
	if v == nil {
		return nil
	}
	x, err := v.asInt()
	if err != nil {
		a.fail(v, name, "%v", err)
		return nil
	}
	return &x
}

func (a *attrs) bool(name string, def bool) bool {
	v := a.get(name)
	if v == nil {
		return def
	}
	b, err := v.asBool()
	if err != nil {
		a.fail(v, name, "%v", err)
		return def
	}
	return b
}

// number reads a number (dropout rates, epsilons): checked, then unused.
func (a *attrs) number(name string) {
	v := a.get(name)
	if v != nil && v.kind != kInt && v.kind != kFloat {
		a.fail(v, name, "expected a number, got %s", v.describe())
	}
}

// str reads a free-form string (activation names): checked, then returned.
func (a *attrs) str(name string) string {
	v := a.get(name)
	if v == nil {
		return ""
	}
	s, err := v.asString()
	if err != nil {
		a.fail(v, name, "%v", err)
	}
	return s
}

// enum reads one of the given words (case-insensitive), def when absent.
func (a *attrs) enum(name, def string, words ...string) string {
	v := a.get(name)
	if v == nil {
		return def
	}
	s, err := v.asString()
	if err != nil {
		a.fail(v, name, "%v (one of %s)", err, strings.Join(words, ", "))
		return def
	}
	for _, w := range words {
		if strings.EqualFold(s, w) {
			return w
		}
	}
	a.fail(v, name, "%q is not one of %s%s", clip(s, 60), strings.Join(words, ", "), didYouMean(s, words))
	return def
}

// perAxis reads an int, or a list of n ints (n > 0; any length when n is
// 0), each at least min; nil when absent. A single int gives n copies.
func (a *attrs) perAxis(name string, n int, min int64, required bool, example string) []int64 {
	v := a.get(name)
	if v == nil {
		if required {
			a.missing(name, example)
		}
		return nil
	}
	xs, err := intList(v, n, min)
	if err != nil {
		a.fail(v, name, "%v", err)
		return nil
	}
	return xs
}

// intList reads an int or a list of ints as described at perAxis.
func intList(v *value, n int, min int64) ([]int64, error) {
	var items []*value
	switch v.kind {
	case kList:
		items = v.list
		if n > 0 && len(items) != n {
			return nil, fmt.Errorf("expected %s (one per spatial axis), got %d", count(n, "value"), len(items))
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("expected at least one value, got an empty list")
		}
	default:
		items = []*value{v}
	}
	xs := make([]int64, 0, max(n, len(items)))
	for _, it := range items {
		x, err := it.asInt()
		if err != nil {
			return nil, err
		}
		if x < min {
			return nil, fmt.Errorf("values must be at least %d, got %d", min, x)
		}
		xs = append(xs, x)
	}
	for len(xs) < n {
		xs = append(xs, xs[0])
	}
	return xs, nil
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// padding reads a conv or pool padding: valid, same, same_lower, full,
// causal, an int, a list of one int per spatial axis, or a list of
// [begin, end] pairs per spatial axis. n is the number of spatial axes (0:
// unknown, then lists take any length); k and d are the kernel and
// dilation, for causal.
func (a *attrs) padding(name string, n int, k, d []int64, modes ...string) op.Padding {
	def := op.Padding{Mode: op.PadValid}
	v := a.get(name)
	if v == nil {
		return def
	}
	switch v.kind {
	case kString:
		s := strings.ToLower(v.s)
		if !slices.Contains(modes, s) {
			if len(modes) == 0 {
				a.fail(v, name, "expected an int, a list of ints per spatial axis or of [begin, end] pairs, got %s", v.describe())
			} else {
				a.fail(v, name, "%q is not a padding mode here (use %s, an int, a list of ints per spatial axis or of [begin, end] pairs)%s",
					clip(v.s, 60), strings.Join(modes, ", "), didYouMean(s, modes))
			}
			return def
		}
		switch s {
		case "valid":
			return op.Padding{Mode: op.PadValid}
		case "same":
			return op.Padding{Mode: op.PadSameEnd}
		case "same_lower":
			return op.Padding{Mode: op.PadSameBegin}
		case "full":
			return op.Padding{Mode: op.PadFull}
		case "causal":
			if len(k) == 0 {
				return def
			}
			begin := make([]int64, len(k))
			for i := range k {
				di := int64(1)
				if i < len(d) {
					di = d[i]
				}
				begin[i] = di * (k[i] - 1)
				if begin[i] < 0 || (k[i] > 1 && begin[i]/(k[i]-1) != di) {
					a.fail(v, name, "causal padding %d*(%d-1) is too large", di, k[i])
					return def
				}
			}
			return op.Padding{Mode: op.PadExplicit, Begin: begin, End: make([]int64, len(k))}
		}
	case kInt, kFloat:
		x, err := v.asInt()
		if err != nil || x < 0 {
			a.fail(v, name, "expected a padding of at least 0, got %s", v.describe())
			return def
		}
		return op.Pad(x)
	case kList:
		if len(v.list) == 0 {
			a.fail(v, name, "expected a list of paddings, got an empty list")
			return def
		}
		if n > 0 && len(v.list) != n {
			a.fail(v, name, "expected %s (one per spatial axis), got %d", count(n, "entry"), len(v.list))
			return def
		}
		if v.list[0].kind == kList {
			p := op.Padding{Mode: op.PadExplicit}
			for _, it := range v.list {
				be, err := intList(it, 0, 0)
				if err == nil && (it.kind != kList || len(be) != 2) {
					err = fmt.Errorf("expected a [begin, end] pair, got %s", it.describe())
				}
				if err != nil {
					a.fail(it, name, "%v", err)
					return def
				}
				p.Begin = append(p.Begin, be[0])
				p.End = append(p.End, be[1])
			}
			return p
		}
		xs, err := intList(v, 0, 0)
		if err != nil {
			a.fail(v, name, "%v (or give [begin, end] pairs)", err)
			return def
		}
		return op.Pad(xs...)
	}
	a.fail(v, name, "expected %s, got %s", strings.Join(append(slices.Clone(modes), "an int", "a list"), ", "), v.describe())
	return def
}

// shape reads a tensor shape: a list of sizes, null for an unknown size or
// a name for a symbolic one ("batch").
func shapeOf(v *value) (graph.Shape, error) {
	if v.kind != kList {
		return nil, fmt.Errorf("expected a shape such as [null, 3, 224, 224], got %s", v.describe())
	}
	if len(v.list) > maxRank {
		return nil, fmt.Errorf("%d axes are more than the %d a shape may have", len(v.list), maxRank)
	}
	s := make(graph.Shape, len(v.list))
	for i, x := range v.list {
		switch x.kind {
		case kNull:
			s[i] = graph.Unknown()
		case kString:
			if x.s == "" || strings.ContainsAny(x.s, " \t") {
				return nil, fmt.Errorf("axis %d: a symbolic size is a name, got %s", i, x.describe())
			}
			s[i] = graph.Symbol(x.s)
		default:
			n, err := x.asInt()
			if err != nil {
				return nil, fmt.Errorf("axis %d: %w (or null when unknown)", i, err)
			}
			if n < 0 {
				return nil, fmt.Errorf("axis %d: a size must be at least 0, got %d (write null for an unknown size)", i, n)
			}
			s[i] = graph.D(n)
		}
	}
	return s, nil
}

// nearest is spell.Nearest for names short enough to be worth it.
func nearest(s string, candidates []string) string {
	if len(s) > maxSuggest {
		return ""
	}
	return spell.Nearest(s, candidates)
}

// maxSuggest is the longest name a suggestion is looked for (the search
// costs the product of the lengths).
const maxSuggest = 64

// maxRank caps the axes of a shape.
const maxRank = 32

// didYouMean is ` (did you mean "x"?)` when a word is near one of the
// candidates, else "".
func didYouMean(s string, candidates []string) string {
	if len(s) > maxSuggest {
		return ""
	}
	if m := nearest(s, candidates); m != "" && m != s {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	// A longer or shorter form of a word ("ceiling" for "ceil").
	ls := strings.ToLower(s)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len(lc) >= 3 && len(ls) >= 3 && lc != ls && (strings.HasPrefix(ls, lc) || strings.HasPrefix(lc, ls)) {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
	}
	return ""
}
