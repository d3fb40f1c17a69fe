package keras

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// EinsumDense's equations: "ab,bc->ac", "...b,bc->...c" (left elided) and
// "ab...,bc->ac..." (right elided), as Keras accepts them.
var (
	einsumPlain = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$`) })
	einsumLeft  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$`) })
	einsumRight = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$`) })
)

// einsumDense reads EinsumDense: equation, output_shape (without the
// batch axis) and bias_axes; the shapes follow from the input's, as
// Keras's _analyze_split_string works them out.
func einsumDense(c *conf) (builder, int) {
	eq := c.str("equation", "")
	biasAxes, hasBias := "", false
	if v := c.v("bias_axes"); !v.isNull() {
		biasAxes, hasBias = c.str("bias_axes", ""), true
	}
	var partial graph.Shape
	switch v := c.v("output_shape"); {
	case v == nil:
		c.fail(nil, "output_shape is missing")
	case v.k == jNum:
		partial = graph.Shape{graph.D(c.pos("output_shape", 0))}
	default:
		partial, _ = c.shapeList("output_shape")
	}
	dotted := strings.ReplaceAll(strings.ReplaceAll(eq, " ", ""), "...", "0")
	var m []string
	left := false
	if m = einsumPlain().FindStringSubmatch(dotted); m == nil {
		if m = einsumLeft().FindStringSubmatch(dotted); m != nil {
			left = true
		} else if m = einsumRight().FindStringSubmatch(dotted); m == nil {
			c.fail(c.v("equation"), "equation %q is not [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...", eq)
			return nil, 1
		}
	}
	inSpec, wSpec, outSpec := m[1], m[2], m[3]
	return func(n *graph.Node) (graph.Op, error) {
		in := n.In(0)
		elided := len(in) - len(inSpec)
		if elided < 0 {
			return nil, fmt.Errorf("equation %q needs at least %d input axes, got %s", eq, len(inSpec), shapeText(in))
		}
		out := append(graph.Shape{in[0]}, partial...)
		if elided > 0 && left {
			for i := 1; i < elided; i++ {
				out = append(out[:1], append(graph.Shape{in[i]}, out[1:]...)...)
			}
		} else if elided > 0 {
			out = append(out, in[len(in)-elided:]...)
		}
		inAt := func(i int) int { return i }
		outAt := func(i int) int { return i }
		if left {
			inAt = func(i int) int { return i + elided }
			outAt = func(i int) int { return i + elided }
		}
		size := map[rune]graph.Dim{}
		for i, ch := range inSpec {
			size[ch] = in[inAt(i)]
		}
		for i, ch := range outSpec {
			j := outAt(i)
			if j >= len(out) {
				return nil, fmt.Errorf("equation %q: output_shape %s has too few axes", eq, shapeText(partial))
			}
			if _, ok := size[ch]; !ok {
				size[ch] = out[j]
			}
		}
		var kernel graph.Shape
		for _, ch := range wSpec {
			d, ok := size[ch]
			if !ok {
				return nil, fmt.Errorf("equation %q: weight axis %c is in neither the input nor the output", eq, ch)
			}
			kernel = append(kernel, d)
		}
		var bias graph.Shape
		if hasBias {
			first := len(outSpec)
			for _, ch := range biasAxes {
				k := strings.IndexRune(outSpec, ch)
				if k < 0 {
					return nil, fmt.Errorf("bias axis %c is not in the output %s", ch, outSpec)
				}
				first = min(first, k)
			}
			for _, ch := range outSpec[first:] {
				if strings.ContainsRune(biasAxes, ch) {
					bias = append(bias, size[ch])
				} else {
					bias = append(bias, graph.D(1))
				}
			}
			if !left {
				for range elided {
					bias = append(bias, graph.D(1))
				}
			}
		}
		// The einsum runs over every distinct index, and the elided axes.
		// An unknown batch leaves the FLOPs per example, as elsewhere.
		var idx graph.Shape
		seen := map[rune]bool{}
		if !left && !in[0].Known() {
			seen[rune(inSpec[0])] = true
		}
		for _, ch := range inSpec + wSpec + outSpec {
			if !seen[ch] {
				seen[ch] = true
				idx = append(idx, size[ch])
			}
		}
		if left {
			first := 0
			if !in[0].Known() {
				first = 1
			}
			idx = append(idx, in[first:elided]...)
		} else if elided > 0 {
			idx = append(idx, in[len(in)-elided:]...)
		}
		return &op.Einsum{Equation: eq, Out: out, Kernel: kernel, Bias: bias, Indices: idx}, nil
	}, 1
}
