package stats

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/ggml"
)

// Transformer is the report's section for a transformer read from its
// configuration: parameters by kind, memory for weights, KV cache and
// training, and FLOPs per token. Every figure comes with its arithmetic.
// Bytes are exact integers; the text output shows them in GiB (1024³).
type Transformer struct {
	ModelType string `json:"model_type"`
	Class     string `json:"class"`

	Params             int64  `json:"params"`
	EmbeddingParams    int64  `json:"embedding_params"`
	NonEmbeddingParams int64  `json:"non_embedding_params"`
	ActiveParams       int64  `json:"active_params"` // used by one token (MoE: router, shared and top-k experts)
	ActiveExplain      string `json:"active_params_explain,omitempty"`
	MoE                *MoE   `json:"moe,omitempty"`

	Context     int64  `json:"context"` // sequence length of the estimates
	ContextFrom string `json:"context_from"`
	// ContextOption is the option that gave the context ("context"),
	// "" when it comes from the file or a default.
	ContextOption string `json:"context_option,omitempty"`
	Batch         int64  `json:"batch"`

	Weights  []WeightMemory   `json:"weights"`
	KVCache  *KVCache         `json:"kv_cache,omitempty"` // nil for encoder-only models
	Training []TrainingMemory `json:"training"`
	FLOPs    TokenFLOPs       `json:"flops"`
	Notes    []string         `json:"notes,omitempty"`
}

// MoE summarizes a mixture-of-experts model.
type MoE struct {
	Layers          int64 `json:"layers"`
	Experts         int64 `json:"experts"`
	ExpertsPerToken int64 `json:"experts_per_token"`
	SharedExperts   int64 `json:"shared_experts"`
	InactiveParams  int64 `json:"inactive_params"`
}

// WeightMemory is the size of all parameters at one storage type.
type WeightMemory struct {
	DType         string  `json:"dtype"` // float32, bfloat16, float16, int8, int4, or a GGUF type (Q4_K)
	BitsPerWeight float64 `json:"bits_per_weight"`
	Bytes         int64   `json:"bytes"`
	Explain       string  `json:"explain"`
}

// KVCache is the memory of the attention cache at 16-bit precision.
type KVCache struct {
	DType            string `json:"dtype"`
	BytesPerElement  int64  `json:"bytes_per_element"`
	ElementsPerToken int64  `json:"elements_per_token"` // over all cached layers
	BytesPerToken    int64  `json:"bytes_per_token"`
	Bytes            int64  `json:"bytes"` // at context × batch
	Layout           string `json:"layout"`
	Explain          string `json:"explain"`       // per token
	ExplainTotal     string `json:"explain_total"` // at context × batch
}

// TrainingMemory is full fine-tuning with Adam under one precision
// convention: weights, gradients and optimizer state (activations not
// included: they depend on batch, sequence and checkpointing).
type TrainingMemory struct {
	Name          string `json:"name"`
	BytesPerParam int64  `json:"bytes_per_param"`
	Bytes         int64  `json:"bytes"`
	Explain       string `json:"explain"`
}

// TokenFLOPs are forward FLOPs per token at Context (2 per multiply-add),
// and the 6·N·tokens training rule beside them.
type TokenFLOPs struct {
	Context           int64  `json:"context"`
	MatrixPerToken    int64  `json:"matrix_per_token"`    // projections, MLPs, active experts, heads
	AttentionPerToken int64  `json:"attention_per_token"` // QKᵀ and AV over the context
	ForwardPerToken   int64  `json:"forward_per_token"`
	Explain           string `json:"explain"`
	ForwardPerBatch   *int64 `json:"forward_per_batch"` // per token × context × batch (null on overflow)
	Train6NPerToken   int64  `json:"train_6n_per_token"`
	Train6NExplain    string `json:"train_6n_explain"`
	Train6NPerBatch   *int64 `json:"train_6n_per_batch"` // 6·N·context·batch
}

// GGUFType is a llama.cpp block quantization: BlockBytes bytes store
// BlockSize weights (ggml's block layouts).
type GGUFType struct {
	Name                  string
	BlockSize, BlockBytes int64
}

// GGUFTypes are the common GGUF quantizations, largest first, with their
// layouts from ggml's type table (internal/ggml, which the GGUF reader
// sizes tensors with). A whole model at one type takes
// ceil(params/BlockSize)*BlockBytes bytes; real files keep norms in F32
// and mix types per tensor (Q4_K_M puts some tensors in Q6_K), so a
// file's own header gives its exact size. It is a function, not a
// variable, so that no caller can change the table.
func GGUFTypes() []GGUFType {
	common := []ggml.Type{ggml.TypeQ8_0, ggml.TypeQ6_K, ggml.TypeQ5_K, ggml.TypeQ5_0,
		ggml.TypeQ4_K, ggml.TypeQ4_0, ggml.TypeQ3_K, ggml.TypeQ2_K}
	out := make([]GGUFType, len(common))
	for i, t := range common {
		ti, _ := t.Info()
		out[i] = GGUFType{Name: ti.Name, BlockSize: ti.BlockSize, BlockBytes: ti.TypeSize}
	}
	return out
}

// transformer builds the section from the architecture and the totals.
func transformer(a *graph.Arch, t Totals) (*Transformer, error) {
	if a == nil {
		return nil, nil
	}
	P := t.Params
	s := &Transformer{
		ModelType: a.ModelType, Class: a.Class,
		Params: P, EmbeddingParams: a.EmbeddingParams, NonEmbeddingParams: P - a.EmbeddingParams,
		ActiveParams: P - a.InactiveParams,
		Context:      a.Context, ContextFrom: a.ContextFrom, ContextOption: a.ContextOption, Batch: a.Batch,
		Notes: a.Notes,
	}
	if a.MoELayers > 0 {
		s.MoE = &MoE{Layers: a.MoELayers, Experts: a.Experts, ExpertsPerToken: a.ExpertsPerToken, SharedExperts: a.SharedExperts, InactiveParams: a.InactiveParams}
		s.ActiveExplain = fmt.Sprintf("%d-%d = %d (idle experts: %s)", P, a.InactiveParams, s.ActiveParams, a.InactiveWhy)
	}
	var err error
	s.Weights, err = weightMemory(P)
	if err != nil {
		return nil, fmt.Errorf("weight memory: %w", err)
	}
	if s.KVCache, err = kvCache(a); err != nil {
		return nil, fmt.Errorf("KV cache: %w", err)
	}
	if s.Training, err = training(P, t.TrainableParams); err != nil {
		return nil, fmt.Errorf("training memory: %w", err)
	}
	if s.FLOPs, err = tokenFLOPs(a, s); err != nil {
		return nil, fmt.Errorf("FLOPs per token: %w", err)
	}
	return s, nil
}

// firstErr is the first error (an overflow) among the expressions.
func firstErr(es ...calc.Expr) error {
	for _, e := range es {
		if err := e.Err(); err != nil {
			return err
		}
	}
	return nil
}

func weightMemory(P int64) ([]WeightMemory, error) {
	var out []WeightMemory
	for _, d := range []struct {
		name string
		bits int64
	}{{"float32", 32}, {"bfloat16", 16}, {"float16", 16}, {"int8", 8}, {"int4", 4}} {
		var e calc.Expr
		if d.bits >= 8 {
			e = calc.Mul(calc.N(P), calc.N(d.bits/8))
		} else {
			e = calc.Ceil(calc.Mul(calc.N(P), calc.N(d.bits)), calc.N(8))
		}
		if err := e.Err(); err != nil {
			return nil, err
		}
		if v, ok := e.Value(); ok {
			out = append(out, WeightMemory{DType: d.name, BitsPerWeight: float64(d.bits), Bytes: v, Explain: e.Equation() + " bytes"})
		}
	}
	for _, q := range GGUFTypes() {
		e := calc.Mul(calc.Ceil(calc.N(P), calc.N(q.BlockSize)), calc.N(q.BlockBytes))
		if err := e.Err(); err != nil {
			return nil, err
		}
		if v, ok := e.Value(); ok {
			out = append(out, WeightMemory{DType: "gguf " + q.Name, BitsPerWeight: float64(q.BlockBytes*8) / float64(q.BlockSize), Bytes: v,
				Explain: fmt.Sprintf("%s bytes (blocks of %d weights in %d bytes)", e.Equation(), q.BlockSize, q.BlockBytes)})
		}
	}
	return out, nil
}

// kvCache is the attention cache at 2 bytes per element (bfloat16 or
// float16), per token and for the context and batch.
func kvCache(a *graph.Arch) (*KVCache, error) {
	const bytes = 2
	type group struct {
		elems, keys int64
		cross       bool
	}
	var perTok, total []calc.Expr
	var elems int64
	groups := map[group]int64{}
	var order []group
	for _, l := range a.Attention {
		if l.CacheElems == 0 {
			continue
		}
		keys := a.Context
		switch {
		case l.Cross && l.Keys > 0:
			keys = l.Keys
		case l.Window > 0 && l.Window < keys:
			keys = l.Window
		}
		if !l.Cross {
			elems += l.CacheElems
		}
		k := group{l.CacheElems, keys, l.Cross}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k]++
	}
	if len(order) == 0 {
		return nil, nil
	}
	var why []string
	for _, k := range order {
		cnt := groups[k]
		if !k.cross {
			perTok = append(perTok, calc.Mul(calc.N(cnt), calc.N(k.elems)))
		}
		total = append(total, calc.Mul(calc.N(cnt), calc.N(k.elems), calc.N(k.keys)))
		what := "self-attention layers"
		if k.cross {
			what = "cross-attention layers (encoder keys and values, per source position)"
		}
		why = append(why, fmt.Sprintf("%d %s x %d elements x %d positions", cnt, what, k.elems, k.keys))
	}
	kv := &KVCache{DType: "bfloat16/float16", BytesPerElement: bytes}
	var layout []string
	if a.KVCacheConvention != "" {
		layout = append(layout, a.KVCacheConvention)
	}
	for _, l := range a.Attention {
		if l.CacheElems > 0 && !l.Cross {
			layout = append(layout, "per layer and token "+l.CacheWhy)
			break
		}
	}
	kv.Layout = strings.Join(layout, "; ")
	pt := calc.Mul(calc.Paren(calc.Add(perTok...)), calc.N(bytes))
	kv.ElementsPerToken = elems
	kv.BytesPerToken, _ = pt.Value()
	kv.Explain = pt.Equation() + " bytes per token"
	tot := calc.Mul(calc.Paren(calc.Add(total...)), calc.N(a.Batch), calc.N(bytes))
	if err := firstErr(pt, tot); err != nil {
		return nil, err
	}
	if v, ok := tot.Value(); ok {
		kv.Bytes = v
	}
	kv.ExplainTotal = fmt.Sprintf("%s bytes at context %d x batch %d (%s)", tot.Equation(), a.Context, a.Batch, strings.Join(why, "; "))
	return kv, nil
}

func training(P, T int64) ([]TrainingMemory, error) {
	var out []TrainingMemory
	for _, c := range []struct {
		name        string
		weights     int64 // bytes per parameter held for every parameter
		perTrain    []int64
		perTrainTxt string
		text        string
	}{
		{"fp32 Adam", 4, []int64{4, 4, 4}, "4+4+4",
			"fp32 weights 4 B, gradients 4 B, Adam m and v 4+4 B: 16 B per trainable parameter"},
		{"mixed precision Adam (bf16 + fp32 master)", 2, []int64{2, 4, 4, 4}, "2+4+4+4",
			"bf16 weights 2 B and gradients 2 B, fp32 master weights 4 B, Adam m and v 4+4 B: 16 B per trainable parameter"},
	} {
		var terms []calc.Expr
		var per int64
		for _, x := range c.perTrain {
			terms = append(terms, calc.N(x))
			per += x
		}
		e := calc.Add(calc.Mul(calc.N(P), calc.N(c.weights)), calc.Mul(calc.N(T), calc.Paren(calc.Add(terms...))))
		if err := e.Err(); err != nil {
			return nil, err
		}
		v, ok := e.Value()
		if !ok {
			continue
		}
		out = append(out, TrainingMemory{Name: c.name, BytesPerParam: c.weights + per, Bytes: v,
			Explain: fmt.Sprintf("%s bytes (%s; activations not included)", e.Equation(), c.text)})
	}
	return out, nil
}

// tokenFLOPs is the forward pass per token: 2 per multiply-add of the
// matrix work the token goes through, and of attention's QKᵀ and AV over
// the keys it sees.
func tokenFLOPs(a *graph.Arch, s *Transformer) (TokenFLOPs, error) {
	f := TokenFLOPs{Context: a.Context}
	var mterms []calc.Expr
	for _, m := range a.TokenMACs {
		mterms = append(mterms, calc.Mul(calc.N(m.Count), calc.N(m.PerToken)))
	}
	matrix := calc.Mul(calc.N(2), calc.Paren(calc.Add(mterms...)))
	groups := map[[2]int64]int64{}
	var order [][2]int64
	for _, l := range a.Attention {
		keys := a.Context
		switch {
		case l.Keys > 0:
			keys = l.Keys
		case l.Window > 0 && l.Window < keys:
			keys = l.Window
		}
		k := [2]int64{l.KeyMACs, keys}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k]++
	}
	var aterms []calc.Expr
	for _, k := range order {
		aterms = append(aterms, calc.Mul(calc.N(groups[k]), calc.N(k[0]), calc.N(k[1])))
	}
	attn := calc.Mul(calc.N(2), calc.Paren(calc.Add(aterms...)))
	fwd := calc.Add(matrix, attn)
	tokens := calc.Mul(calc.N(a.Context), calc.N(a.Batch))
	if err := firstErr(matrix, attn, fwd, tokens, calc.Mul(fwd, tokens)); err != nil {
		return f, err
	}
	f.MatrixPerToken, _ = matrix.Value()
	f.AttentionPerToken, _ = attn.Value()
	f.ForwardPerToken, _ = fwd.Value()
	var groupsText []string
	for _, m := range a.TokenMACs {
		groupsText = append(groupsText, fmt.Sprintf("%d x %s %d", m.Count, m.Label, m.PerToken))
	}
	f.Explain = fmt.Sprintf("matrix work %s; attention %s (layers x heads*(d_qk+d_v) x keys, keys = min(context, window)); total %s",
		matrix.Equation(), attn.Equation(), fwd.Equation())
	if len(groupsText) > 0 {
		f.Explain += "; multiply-adds per token: " + strings.Join(groupsText, ", ")
	}
	if v, ok := calc.Mul(fwd, tokens).Value(); ok {
		f.ForwardPerBatch = &v
	}
	n := s.NonEmbeddingParams - (s.Params - s.ActiveParams)
	six := calc.Mul(calc.N(6), calc.N(n))
	if err := firstErr(six, calc.Mul(six, tokens)); err != nil {
		return f, err
	}
	f.Train6NPerToken, _ = six.Value()
	what := "non-embedding parameters"
	if s.MoE != nil {
		what = "active non-embedding parameters"
	}
	f.Train6NExplain = fmt.Sprintf("6*N = %s with N = %d %s (transformers' floating_point_ops convention: forward 2N + backward 4N)", six.Equation(), n, what)
	if v, ok := calc.Mul(six, tokens).Value(); ok {
		f.Train6NPerBatch = &v
	}
	return f, nil
}
