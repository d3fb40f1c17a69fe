package render

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/stats"
)

// gib formats bytes in GiB (1024³ bytes) with the exact count.
func gib(b int64) string {
	const g = 1 << 30
	switch {
	case b >= g/10:
		return fmt.Sprintf("%.2f GiB (%s bytes)", float64(b)/g, Thousands(b))
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB (%s bytes)", float64(b)/(1<<20), Thousands(b))
	case b >= 1<<10:
		return fmt.Sprintf("%.2f KiB (%s bytes)", float64(b)/(1<<10), Thousands(b))
	}
	return fmt.Sprintf("%s bytes", Thousands(b))
}

// sci is a large count in engineering units beside its digits.
func sci(n int64) string {
	f := float64(n)
	for _, u := range []struct {
		v float64
		s string
	}{{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}} {
		if f >= u.v {
			return fmt.Sprintf("%s (%.2f %s)", Thousands(n), f/u.v, u.s)
		}
	}
	return Thousands(n)
}

// transformerSection writes the memory and FLOPs estimates of a
// transformer read from its configuration. With explain, every figure's
// arithmetic follows it.
func transformerSection(ew *errWriter, r *stats.Report, explain bool, opt Options) {
	t := r.Transformer
	if t == nil {
		return
	}
	why := func(s string) {
		if explain && s != "" {
			ew.printf("      = %s\n", s)
		}
	}
	ew.printf("\n%s (%s): memory and FLOPs (GiB = 1024^3 bytes)\n", t.Class, t.ModelType)
	ew.printf("  parameters          %s; embeddings %s, non-embedding %s\n", Thousands(t.Params), Thousands(t.EmbeddingParams), Thousands(t.NonEmbeddingParams))
	if t.MoE != nil {
		ew.printf("  active per token    %s (%d of %d experts in %d MoE layers", Thousands(t.ActiveParams), t.MoE.ExpertsPerToken, t.MoE.Experts, t.MoE.Layers)
		if t.MoE.SharedExperts > 0 {
			ew.printf(", plus %d shared", t.MoE.SharedExperts)
		}
		ew.printf(")\n")
		why(t.ActiveExplain)
	}
	ew.printf("  weights\n")
	for _, w := range t.Weights {
		ew.printf("    %-12s %5.2f bits  %s\n", w.DType, w.BitsPerWeight, gib(w.Bytes))
		why(w.Explain)
	}
	if explain {
		ew.printf("    (gguf: the whole model at one type; real files keep norms in F32 and mix types per tensor)\n")
	}
	if kv := t.KVCache; kv != nil {
		ew.printf("  KV cache (%s, %d bytes per element): %s\n", kv.DType, kv.BytesPerElement, kv.Layout)
		ew.printf("    per token         %s\n", gib(kv.BytesPerToken))
		why(kv.Explain)
		ew.printf("    context %s x batch %d  %s\n", Thousands(t.Context), t.Batch, gib(kv.Bytes))
		why(kv.ExplainTotal)
	} else {
		ew.printf("  KV cache            none (no decoder)\n")
	}
	ew.printf("  full fine-tuning with Adam (weights, gradients, optimizer state; activations not included)\n")
	for _, m := range t.Training {
		ew.printf("    %-42s %2d B/param  %s\n", m.Name, m.BytesPerParam, gib(m.Bytes))
		why(m.Explain)
	}
	f := t.FLOPs
	from := t.ContextFrom
	if t.ContextOption != "" {
		from = opt.option(t.ContextOption)
	}
	ew.printf("  forward FLOPs per token at context %s (%s; 2 per multiply-add)\n", Thousands(f.Context), from)
	ew.printf("    matrix work       %s\n", sci(f.MatrixPerToken))
	ew.printf("    attention         %s\n", sci(f.AttentionPerToken))
	ew.printf("    total             %s\n", sci(f.ForwardPerToken))
	why(f.Explain)
	if f.ForwardPerBatch != nil {
		ew.printf("    x %s tokens (context x batch %d)  %s\n", Thousands(f.Context*t.Batch), t.Batch, sci(*f.ForwardPerBatch))
	}
	ew.printf("  training rule 6*N per token  %s", sci(f.Train6NPerToken))
	if f.Train6NPerBatch != nil {
		ew.printf("; x %s tokens  %s", Thousands(f.Context*t.Batch), sci(*f.Train6NPerBatch))
	}
	ew.printf("\n")
	why(f.Train6NExplain)
	for _, n := range t.Notes {
		ew.printf("  note: %s\n", strings.TrimSpace(n))
	}
}
