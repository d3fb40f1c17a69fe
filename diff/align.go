package diff

import (
	"sort"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// pair is a layer of A and one of B (either nil when absent), and how
// they were paired.
type pair struct {
	a, b   *stats.Layer
	ia, ib int // indices, -1 when absent
	by     string
}

// maxCells bounds the dynamic program of one segment.
const maxCells = 4 << 20

// align pairs the layers of a and b (see the package doc) and lists the
// pairs in B's order, A's unpaired layers after the paired layer they
// follow.
func align(a, b []*stats.Layer) []pair {
	ma := make([]int, len(a)) // index in b, or -1
	mb := make([]int, len(b))
	by := make([]string, len(a))
	for i := range ma {
		ma[i] = -1
	}
	for i := range mb {
		mb[i] = -1
	}
	link := func(i, j int, how string) { ma[i], mb[j], by[i] = j, i, how }

	// 1. By name.
	byName := map[string][]int{}
	for j, l := range b {
		byName[l.Name] = append(byName[l.Name], j)
	}
	for i, l := range a {
		if js := byName[l.Name]; len(js) > 0 {
			link(i, js[0], "name")
			byName[l.Name] = js[1:]
		}
	}

	// 2. By module path, unique on each side among the unpaired.
	modules := func(ls []*stats.Layer, m []int) map[string]int {
		idx := map[string]int{}
		for i, l := range ls {
			if m[i] >= 0 {
				continue
			}
			p := modulePath(l.Name, l.Type) + "\x00" + kind(l.Type)
			if _, dup := idx[p]; dup {
				idx[p] = -1
			} else {
				idx[p] = i
			}
		}
		return idx
	}
	moda, modb := modules(a, ma), modules(b, mb)
	for p, i := range moda {
		if j, ok := modb[p]; ok && i >= 0 && j >= 0 && !strings.HasPrefix(p, "\x00") {
			link(i, j, "module")
		}
	}

	// 3. By structure, between anchors that keep both orders.
	anchors := monotone(ma)
	prevA, prevB := -1, -1
	for k := 0; k <= len(anchors); k++ {
		endA, endB := len(a), len(b)
		if k < len(anchors) {
			endA, endB = anchors[k], ma[anchors[k]]
		}
		var sa, sb []int
		for i := prevA + 1; i < endA; i++ {
			if ma[i] < 0 {
				sa = append(sa, i)
			}
		}
		for j := prevB + 1; j < endB; j++ {
			if mb[j] < 0 {
				sb = append(sb, j)
			}
		}
		for _, m := range structural(a, b, sa, sb) {
			link(m[0], m[1], "structure")
		}
		prevA, prevB = endA, endB
	}

	// List in B's order; A's unpaired layers after the last layer of A
	// before them that is paired (at its partner's place in B).
	after := make(map[int][]int) // b index (or -1: at the start) → unpaired a indices
	last := -1
	for i := range a {
		if ma[i] >= 0 {
			last = ma[i]
			continue
		}
		after[last] = append(after[last], i)
	}
	var out []pair
	emitA := func(j int) {
		for _, i := range after[j] {
			out = append(out, pair{a: a[i], ia: i, ib: -1})
		}
	}
	emitA(-1)
	for j := range b {
		p := pair{b: b[j], ib: j, ia: mb[j]}
		if mb[j] >= 0 {
			p.a, p.by = a[mb[j]], by[mb[j]]
		}
		out = append(out, p)
		emitA(j)
	}
	return out
}

// monotone is the longest set of paired indices of A whose partners in
// B increase too (a longest increasing subsequence, O(n log n)).
func monotone(ma []int) []int {
	var tails []int // index into idx
	var idx []int   // a indices that are paired
	var prev []int
	for i, j := range ma {
		if j < 0 {
			continue
		}
		idx = append(idx, i)
		k := sort.Search(len(tails), func(t int) bool { return ma[idx[tails[t]]] >= j })
		p := -1
		if k > 0 {
			p = tails[k-1]
		}
		prev = append(prev, p)
		if k == len(tails) {
			tails = append(tails, len(idx)-1)
		} else {
			tails[k] = len(idx) - 1
		}
	}
	if len(tails) == 0 {
		return nil
	}
	out := make([]int, len(tails))
	for k, t := len(tails)-1, tails[len(tails)-1]; k >= 0; k, t = k-1, prev[t] {
		out[k] = idx[t]
	}
	return out
}

// score is how alike two layers are, 0 when they must not pair: the
// same kind is required; the same output shapes (batch aside) and the
// same parameter count add to it.
func score(x, y *stats.Layer) int {
	if kind(x.Type) != kind(y.Type) {
		return 0
	}
	s := 1
	if shapesAlike(x.OutputShapes, y.OutputShapes) {
		s += 2
	}
	if !x.ParamsUnknown && !y.ParamsUnknown && x.Params == y.Params {
		s += 2
	}
	return s
}

// shapesAlike compares output shapes with the first axis (the batch)
// left out, and an unknown dim matching anything.
func shapesAlike(x, y []*stats.Shape) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] == nil || y[i] == nil {
			if x[i] != y[i] {
				return false
			}
			continue
		}
		sx, sy := *x[i], *y[i]
		if len(sx) != len(sy) {
			return false
		}
		for k := 1; k < len(sx); k++ {
			if sx[k].Known() && sy[k].Known() && sx[k].Size != sy[k].Size {
				return false
			}
		}
	}
	return true
}

// structural pairs layers of the index lists sa (into a) and sb (into b)
// in order, maximising the total score.
func structural(a, b []*stats.Layer, sa, sb []int) [][2]int {
	n, m := len(sa), len(sb)
	if n == 0 || m == 0 {
		return nil
	}
	if n*m > maxCells {
		return greedy(a, b, sa, sb)
	}
	w := m + 1
	dp := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			best := max(dp[(i+1)*w+j], dp[i*w+j+1])
			if s := score(a[sa[i]], b[sb[j]]); s > 0 {
				best = max(best, dp[(i+1)*w+j+1]+int32(s))
			}
			dp[i*w+j] = best
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		s := score(a[sa[i]], b[sb[j]])
		switch {
		case s > 0 && dp[i*w+j] == dp[(i+1)*w+j+1]+int32(s):
			out = append(out, [2]int{sa[i], sb[j]})
			i, j = i+1, j+1
		case dp[i*w+j] == dp[(i+1)*w+j]:
			i++
		default:
			j++
		}
	}
	return out
}

// greedy pairs in order each layer of sa with the next layer of sb of
// the same kind, within a window.
func greedy(a, b []*stats.Layer, sa, sb []int) [][2]int {
	const window = 64
	var out [][2]int
	j := 0
	for _, i := range sa {
		for k := j; k < len(sb) && k < j+window; k++ {
			if score(a[i], b[sb[k]]) > 0 {
				out = append(out, [2]int{i, sb[k]})
				j = k + 1
				break
			}
		}
	}
	return out
}

// modulePath is the module a layer's name comes from: ONNX scopes as
// PyTorch exports them ("/layer1/layer1.0/conv1/Conv" → "layer1.0.conv1"),
// a name without slashes as it is.
func modulePath(name, typ string) string {
	if !strings.Contains(name, "/") {
		// A module called again is the row "relu#2" (PyTorch code);
		// the exporter's scope for that call is "relu_1".
		if i := strings.LastIndexByte(name, '#'); i > 0 {
			if k, err := strconv.Atoi(name[i+1:]); err == nil && k >= 2 {
				return name[:i] + "_" + strconv.Itoa(k-1)
			}
		}
		return name
	}
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '/' })
	if n := len(parts); n > 1 {
		last := parts[n-1]
		if i := strings.LastIndexByte(last, '_'); i > 0 && isDigits(last[i+1:]) {
			last = last[:i] // Conv_1
		}
		if strings.EqualFold(last, typ) || strings.EqualFold(last, opName(typ)) {
			parts = parts[:n-1]
		}
	}
	path := ""
	for _, p := range parts {
		switch {
		case path == "":
			path = p
		case strings.HasPrefix(p, path+"."):
			path = p // "layer1.0" under "layer1"
		case strings.HasPrefix(p, lastPart(path)+"."):
			path += p[len(lastPart(path)):] // "downsample.0" under "layer1.0.downsample"
		default:
			path += "." + p
		}
	}
	return path
}

// opName is an operator type without its domain ("com.microsoft.Gelu").
func opName(typ string) string {
	if i := strings.LastIndexByte(typ, '.'); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// kinds maps a normalized type name (lower case, without "layer", the
// dimensionality suffix and punctuation) to a kind common to formats.
var kinds = map[string]string{
	"conv": "conv", "convolution": "conv", "conv2d": "conv", "conv1d": "conv", "conv3d": "conv",
	"dense": "linear", "linear": "linear", "gemm": "linear", "fullyconnected": "linear", "innerproduct": "linear", "lazylinear": "linear",
	"maxpool": "maxpool", "maxpooling": "maxpool", "maxpool2d": "maxpool",
	"avgpool": "avgpool", "averagepool": "avgpool", "averagepooling": "avgpool", "meanpool": "avgpool",
	"globalaveragepool": "globalavgpool", "globalavgpool": "globalavgpool", "globalaveragepooling": "globalavgpool", "globalpool": "globalavgpool", "adaptiveavgpool": "globalavgpool",
	"globalmaxpool": "globalmaxpool", "globalmaxpooling": "globalmaxpool", "adaptivemaxpool": "globalmaxpool",
	"batchnorm": "batchnorm", "batchnormalization": "batchnorm",
	"layernorm": "layernorm", "layernormalization": "layernorm",
	"relu": "relu", "rectify": "relu", "nonlinearity": "activation", "activation": "activation",
	"softmax": "softmax", "sigmoid": "sigmoid", "tanh": "tanh", "gelu": "gelu",
	"dropout": "dropout",
	"flatten": "flatten", "reshape": "reshape", "view": "reshape",
	"input": "input", "inputlayer": "input",
	"embedding": "embedding", "gather": "embedding",
	"lstm": "lstm", "gru": "gru", "rnn": "rnn", "simplernn": "rnn",
	"add": "add", "elemwisesum": "add", "elemwisesumlayer": "add",
	"concat": "concat", "concatenate": "concat",
	"matmul":   "matmul",
	"upsample": "upsample", "upsampling": "upsample", "resize": "upsample",
}

// kind is a type's common kind across formats (its normalized name
// when no kind is known for it).
func kind(typ string) string {
	t := strings.ToLower(opName(typ))
	t = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, t)
	t = strings.TrimSuffix(t, "layer")
	for _, suf := range []string{"1d", "2d", "3d", "dnn", "cudnn"} {
		t = strings.TrimSuffix(t, suf)
	}
	if k, ok := kinds[t]; ok {
		return k
	}
	return t
}

// lastPart is a dotted path's last part.
func lastPart(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}
