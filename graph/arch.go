package graph

// Arch describes a transformer beyond its layer graph: the facts that the
// memory (KV cache) and per-token FLOPs estimates need and that shapes and
// parameter tensors do not carry. A front-end that reads a transformer
// configuration fills it in (format/hf); Graph.Arch is nil otherwise.
//
// Sizes are plain integers because they come from the configuration; the
// arithmetic shown to the reader is built from them in package stats.
type Arch struct {
	ModelType string // the configuration's model_type, e.g. "llama"
	Class     string // the model class whose parameters the graph holds, e.g. "LlamaForCausalLM"

	// Context is the sequence length the estimates use and ContextFrom
	// says where it comes from ("max_position_embeddings", "the context
	// option"). ContextOption is the option's name ("context") when the
	// caller gave it, so a renderer can word it as the caller knows it
	// (the CLI as its flag); "" when the length comes from the file or
	// a default.
	Context       int64
	ContextFrom   string
	ContextOption string
	// Batch is the number of sequences (1 unless the user gave one).
	Batch     int64
	BatchFrom string

	// TokenMACs are the multiply-adds of matrix work (projections, active
	// experts, heads) one token goes through, grouped for the explanation.
	TokenMACs []MACs

	// Attention lists every attention layer in order, for the
	// context-dependent FLOPs and the KV cache.
	Attention []AttnLayer

	// EmbeddingParams is the size of the embedding lookup tables
	// (nn.Embedding weights, each counted once), which the 6·N·tokens
	// training rule leaves out, as transformers' floating_point_ops does.
	EmbeddingParams int64

	// MoE: the expert parameters a token does not use. Active parameters
	// are the total less InactiveParams.
	InactiveParams    int64
	InactiveWhy       string // the arithmetic of InactiveParams
	Experts           int64  // routed experts per MoE layer; 0 for dense models
	ExpertsPerToken   int64
	SharedExperts     int64 // always-active experts per MoE layer
	MoELayers         int64
	EncoderDecoder    bool
	EncoderOnly       bool   // no decoder and so no KV cache
	KVCacheConvention string // how the cache is laid out, e.g. MLA's compressed latent
	Notes             []string
}

// MACs is a group of identical matrix work: Count modules named Label,
// each doing PerToken multiply-adds per token.
type MACs struct {
	Label    string
	Count    int64
	PerToken int64
}

// AttnLayer is one attention layer.
type AttnLayer struct {
	Name string
	// KeyMACs are the multiply-adds per query token per key: QKᵀ and AV,
	// heads*(d_qk+d_v).
	KeyMACs int64
	// Window caps the keys a query sees (sliding-window attention); 0 is
	// no cap.
	Window int64
	// Keys is a fixed number of keys (an encoder over a fixed-length
	// input, cross-attention to it); 0 means the context.
	Keys int64
	// CacheElems are the elements stored per token in the KV cache (keys
	// and values, or a compressed latent); 0 when the layer caches
	// nothing (encoder self-attention).
	CacheElems int64
	CacheWhy   string // the arithmetic of CacheElems
	// Cross marks cross-attention: its cache holds the encoder's keys and
	// values once per source position, not per generated token.
	Cross bool
}
