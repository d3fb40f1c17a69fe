package hf

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// builder adds the modules of one model to a graph, in the order
// transformers registers them, and keeps the facts the memory and FLOPs
// estimates need (graph.Arch).
type builder struct {
	g    *graph.Graph
	c    *config
	arch *graph.Arch
	opt  Options

	batch graph.Dim // symbolic unless --batch
	seq   graph.Dim // symbolic unless --context

	macs map[string]int // index into arch.TokenMACs by label and size
}

func newBuilder(name string, c *config, opt Options) *builder {
	b := &builder{
		g:    &graph.Graph{Name: strings.TrimSuffix(name, ".json"), Format: "transformers", Path: name},
		c:    c,
		arch: &graph.Arch{},
		opt:  opt,
		macs: map[string]int{},
	}
	b.g.Arch = b.arch
	b.g.Prints = graph.Printed{Which: "total", Label: "parameters (model.num_parameters())"}
	b.batch = graph.Symbol("batch")
	if opt.Batch > 0 {
		b.batch = graph.D(opt.Batch)
	}
	b.seq = graph.Symbol("seq")
	if opt.Context > 0 {
		b.seq = graph.D(opt.Context)
	}
	return b
}

// input adds a graph input.
func (b *builder) input(name string, shape graph.Shape, dt graph.DType) *graph.Value {
	v := &graph.Value{Name: name, Shape: shape, DType: dt}
	b.g.Inputs = append(b.g.Inputs, v)
	return v
}

// ids is an input of token ids of the given length.
func (b *builder) ids(name string, seq graph.Dim) *graph.Value {
	return b.input(name, graph.Shape{b.batch, seq}, graph.Int64)
}

// add appends a node running m on the inputs; label groups its per-token
// matrix work in the FLOPs explanation ("" uses the node's last name part).
func (b *builder) add(name, typ string, m *op.Module, ins ...*graph.Value) *graph.Node {
	n := b.g.NewNode(name, typ, m, ins, 1, graph.Pos{File: b.g.Path, Path: name})
	if v, ok := m.TokenMACs.Value(); ok && v > 0 {
		b.addMACs(macLabel(name), v)
	}
	return n
}

// addNode appends a node with any op (convolutions of the front-ends).
func (b *builder) addNode(name, typ string, o graph.Op, ins ...*graph.Value) *graph.Node {
	return b.g.NewNode(name, typ, o, ins, 1, graph.Pos{File: b.g.Path, Path: name})
}

// macLabel names a module for the FLOPs explanation: the path without its
// layer index ("model.layers.3.mlp" → "model.layers.*.mlp").
func macLabel(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, ".")
}

func (b *builder) addMACs(label string, v int64) {
	key := fmt.Sprintf("%s/%d", label, v)
	if i, ok := b.macs[key]; ok {
		b.arch.TokenMACs[i].Count++
		return
	}
	b.macs[key] = len(b.arch.TokenMACs)
	b.arch.TokenMACs = append(b.arch.TokenMACs, graph.MACs{Label: label, Count: 1, PerToken: v})
}

// tie makes n use the parameter role of src instead of its own.
func tie(n *graph.Node, role string, src *graph.Node, srcRole string) {
	n.Share(role, graph.Ref{Node: src, Role: srcRole})
	n.Remark("%s is tied to %s.%s (tie_word_embeddings)", role, src.Name, srcRole)
}

// join is a dotted module path, skipping empty parts.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// basePrefix is where a class keeps its base model: under attr (the
// base_model_prefix of transformers, such as "transformer") in a class
// with a head, at the top level ("") in the bare …Model class.
func basePrefix(attr, suffix string) string {
	if suffix == "Model" {
		return ""
	}
	return attr
}

// n is a known integer for the arithmetic.
func n(v int64) calc.Expr { return calc.N(v) }

// prod is a product shown in parentheses when it has several factors:
// (32*128).
func prod(xs ...int64) calc.Expr {
	es := make([]calc.Expr, len(xs))
	for i, x := range xs {
		es[i] = calc.N(x)
	}
	if len(es) == 1 {
		return es[0]
	}
	return calc.Paren(calc.Mul(es...))
}

func val(e calc.Expr) int64 {
	v, _ := e.Value()
	return v
}

// Linear is a PyTorch nn.Linear(in, out): weight (out, in), bias (out).
func linear(role string, in, out calc.Expr, bias bool) []op.Weight {
	ws := []op.Weight{{Role: join(role, "weight"), Shape: graph.S(val(out), val(in)), Size: calc.Mul(out, in)}}
	if bias {
		ws = append(ws, op.Weight{Role: join(role, "bias"), Shape: graph.S(val(out)), Size: out})
	}
	return ws
}

// conv1D is GPT-2's Conv1D(nf, nx): a linear layer whose weight is stored
// (in, out).
func conv1D(role string, in, out calc.Expr) []op.Weight {
	return []op.Weight{
		{Role: role + ".weight", Shape: graph.S(val(in), val(out)), Size: calc.Mul(in, out)},
		{Role: role + ".bias", Shape: graph.S(val(out)), Size: out},
	}
}

// vector is a one-dimensional parameter.
func vector(role string, size int64) op.Weight {
	return op.Weight{Role: role, Shape: graph.S(size)}
}

// normKind is the parameters of a normalization layer.
type normKind int

const (
	rmsNorm   normKind = iota // weight only (LlamaRMSNorm, T5LayerNorm)
	layerNorm                 // weight and bias (nn.LayerNorm)
	noAffine                  // none (nn.LayerNorm(elementwise_affine=False))
)

func (k normKind) weights(role string, size int64) []op.Weight {
	switch k {
	case rmsNorm:
		return []op.Weight{vector(join(role, "weight"), size)}
	case layerNorm:
		return []op.Weight{vector(join(role, "weight"), size), vector(join(role, "bias"), size)}
	}
	return nil
}

// norm adds a normalization node.
func (b *builder) norm(name, typ string, k normKind, size int64, in *graph.Value) *graph.Node {
	what := map[normKind]string{rmsNorm: "RMS normalization", layerNorm: "layer normalization", noAffine: "layer normalization without affine parameters"}[k]
	return b.add(name, typ, &op.Module{What: what, In: size, Weights: k.weights("", size)}, in)
}

// embedding adds an nn.Embedding lookup of ids (counted as embedding
// parameters for the 6·N rule).
func (b *builder) embedding(name string, vocab, dim int64, in *graph.Value) *graph.Node {
	b.arch.EmbeddingParams += vocab * dim
	return b.add(name, "Embedding", &op.Module{What: "embedding", In: vocab, Out: dim, Lookup: true,
		Weights: []op.Weight{{Role: "weight", Shape: graph.S(vocab, dim), Size: calc.Mul(n(vocab), n(dim))}}}, in)
}

// head adds a linear head over the hidden states (lm_head, score, …), tied
// to the embedding table src (its role srcRole) when tied is true.
func (b *builder) head(name string, hidden, out int64, bias bool, in *graph.Value, tied bool, src *graph.Node, srcRole string) *graph.Node {
	m := &op.Module{What: "linear head", In: hidden, Out: out, Weights: linear("", n(hidden), n(out), bias),
		TokenMACs: calc.Mul(n(hidden), n(out))}
	h := b.add(name, "Linear", m, in)
	if tied && src != nil {
		tie(h, "weight", src, srcRole)
	}
	return h
}

// linearNode adds one nn.Linear as a node.
func (b *builder) linearNode(name string, inF, outF int64, bias bool, in *graph.Value) *graph.Node {
	return b.add(name, "Linear", &op.Module{What: "linear", In: inF, Out: outF, Weights: linear("", n(inF), n(outF), bias),
		TokenMACs: calc.Mul(n(inF), n(outF))}, in)
}

// firstLinear adds an nn.Linear applied to the first position only (BERT's
// pooler, classification on [CLS]).
func (b *builder) firstLinear(name, what string, inF, outF int64, bias bool, in *graph.Value) *graph.Node {
	return b.add(name, "Linear", &op.Module{What: what, In: inF, Out: outF, First: true, Weights: linear("", n(inF), n(outF), bias),
		TokenMACs: calc.Mul(n(inF), n(outF))}, in)
}

// attn describes one attention layer for the KV cache and FLOPs estimates.
func (b *builder) attn(name string, heads, qk, v int64, window int64, cache int64, cacheWhy string, keys int64, cross bool) {
	b.arch.Attention = append(b.arch.Attention, graph.AttnLayer{
		Name: name, KeyMACs: heads * (qk + v), Window: window, Keys: keys,
		CacheElems: cache, CacheWhy: cacheWhy, Cross: cross,
	})
}

// kvCache is the per-token cache of standard attention: keys and values of
// every key/value head.
func kvCache(kvHeads, headDim int64) (int64, string) {
	return 2 * kvHeads * headDim, fmt.Sprintf("2*%d*%d = %d elements (keys and values, kv_heads*head_dim each)", kvHeads, headDim, 2*kvHeads*headDim)
}

// keyMACs is the attention's multiply-adds per query per key.
func keyMACs(heads, qk, v int64) calc.Expr {
	return calc.Mul(n(heads), calc.Paren(calc.Add(n(qk), n(v))))
}

// sumMACs adds the multiply-adds of the weights of linear layers: each
// 2-D weight (out, in) is out*in multiply-adds per token.
func sumMACs(ws []op.Weight) calc.Expr {
	var terms []calc.Expr
	for _, w := range ws {
		if len(w.Shape) == 2 {
			terms = append(terms, w.Size)
			if terms[len(terms)-1].IsZero() {
				terms[len(terms)-1] = w.Shape.Numel()
			}
		}
	}
	return calc.Add(terms...)
}
