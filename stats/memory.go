package stats

// Memory is the report's memory section (package memory computes it;
// the CLI adds it when a memory option asks): the weights, the inference
// peak and the training step's peak per optimizer, in bytes, at one batch
// and precision. A figure that cannot be known is nil (JSON null).
type Memory struct {
	Batch *int64 `json:"batch"`
	DType string `json:"dtype"`
	// Mixed says that training figures are for automatic mixed
	// precision (half activations, fp32 weights, gradients and state).
	Mixed        bool   `json:"mixed_precision,omitempty"`
	WeightsBytes int64  `json:"weights_bytes"`
	InputBytes   *int64 `json:"input_bytes"`
	// InferencePeakBytes excludes the weights and the input.
	InferencePeakBytes *int64 `json:"inference_peak_bytes"`
	// SavedBytes is what the forward keeps for backward at its end (the
	// input excluded).
	SavedBytes        *int64        `json:"saved_for_backward_bytes"`
	GradientBytes     int64         `json:"gradient_bytes"`
	TrainingPeakBytes TrainingPeaks `json:"training_peak_bytes"`
	MaxBatch          *MaxBatch     `json:"max_batch,omitempty"`
	// Optimizer is the one optimizer the text shows ("sgd",
	// "sgd_momentum", "adam"), "" for all.
	Optimizer string `json:"optimizer,omitempty"`
	// Notes are remarks on the figures.
	Notes []string `json:"notes,omitempty"`
	// Unknown says why figures are null.
	Unknown []string `json:"unknown,omitempty"`
	// Layers has one entry per row (JSON: each layer's activation_bytes
	// and saved_bytes).
	Layers []LayerMemory `json:"-"`
	// Explain is the arithmetic and the assumptions, a line each.
	Explain []string `json:"explain,omitempty"`
}

// TrainingPeaks is the whole training step's peak, everything included
// (weights, input, gradients, optimizer state, activations), per
// optimizer. AdamW's is Adam's.
type TrainingPeaks struct {
	SGD         *int64 `json:"sgd"`
	SGDMomentum *int64 `json:"sgd_momentum"`
	Adam        *int64 `json:"adam"`
}

// MaxBatch is the largest batch whose estimate fits a GPU's memory (0:
// not even batch 1; nil: the estimate is unknown).
type MaxBatch struct {
	GPU       string `json:"gpu"`
	GPUBytes  int64  `json:"gpu_bytes"`
	Inference *int64 `json:"inference"`
	// Training is by optimizer ("sgd", "sgd_momentum", "adam"): the
	// ones asked for (all by default).
	Training map[string]*int64 `json:"training"`
}

// LayerMemory is one row's memory: its outputs' bytes and the bytes its
// backward keeps that no earlier row keeps; nil when unknown.
type LayerMemory struct {
	ActivationBytes *int64
	SavedBytes      *int64
}
