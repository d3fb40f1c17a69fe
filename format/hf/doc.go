// Package hf reads a Hugging Face transformers configuration (config.json)
// and builds the layer graph of the model it describes, without Python,
// torch or the weights: every parameter tensor is created with the name and
// shape it has in the PyTorch state dict (model.layers.0.self_attn.q_proj.weight),
// so the totals equal transformers' model.num_parameters().
//
// A configuration may be complete or minimal: a missing key takes the
// default of that model_type's configuration class in transformers 5. The
// model class is the config's architectures[0], or the causal-LM class of a
// decoder-only family, the base model of an encoder (BERT, RoBERTa,
// DistilBERT, ViT), of BART and of Whisper, and T5's conditional-generation
// class; Options.Class chooses another head.
//
// Conventions decided here, as transformers defines them:
//   - tied tensors (tie_word_embeddings) count once, at the embedding; the
//     head shows them as shared;
//   - buffers are not parameters: rotary inv_freq, BART's final_logits_bias,
//     DeepSeek's e_score_correction_bias, position_ids;
//   - requires_grad=False tensors (Whisper's sinusoidal encoder positions)
//     are parameters but not trainable;
//   - mixture-of-experts weights are stored fused, one tensor for all
//     experts (experts.gate_up_proj, experts.down_proj), as transformers 5
//     stores them.
//
// Beyond the graph the package fills in graph.Arch: the attention layers
// (heads, head sizes, sliding windows, what the KV cache stores per token),
// the matrix work per token and the idle expert parameters, from which
// package stats derives the memory and FLOPs estimates.
package hf
