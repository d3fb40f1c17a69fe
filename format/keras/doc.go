// Package keras reads Keras models without TensorFlow: model JSON
// (model.to_json() of Keras 2, tf.keras and TensorFlow.js — class_name,
// config, inbound_nodes as nested lists — and Keras 3's, with module,
// registered_name and __keras_tensor__ arguments), .keras archives
// (config.json, and the shapes of model.weights.h5's variables), legacy
// .h5 files (the model_config attribute and the model_weights group) and
// weights-only .h5 files (save_weights: the layers and their weights,
// without the architecture). Files are told apart by content. Weights
// are never read, only their shapes.
//
// Keras's conventions are decided here: channels_last unless data_format
// says otherwise; 'same' padding with the odd pixel at the end; pooling
// strides defaulting to the pool size; a transposed convolution's length
// as Keras computes it; BatchNormalization's moving mean and variance
// (and Normalization's statistics) non-trainable; GRU's reset_after
// defaulting to True except in TF.js and Keras before 2.3; a layer with
// trainable: false, or in a model that is, making every weight of it
// non-trainable.
//
// Rows follow model.layers, as model.summary() does: a Sequential's
// implicit InputLayer is not one, a functional model's inputs are. A
// layer called several times (a shared layer) is one node that takes
// every call's inputs, gives every call's outputs and holds its weights
// once (Keras's own rule); only a layer applied to its own output keeps
// a node per call, the later ones sharing the first's weights. A model
// used as a layer is one node holding every weight of it (model.summary()
// shows it as one row with its total), its graph inferred inside the
// node.
//
// An unknown class (a custom layer) keeps its name, its outputs are
// unknown and the rest of the model is analysed; a layer after it whose
// weights depend on the unknown shape is noted, not guessed. When the
// file holds weights (.h5, .keras, a TF.js weightsManifest) they are the
// truth: they give such layers their weights, and a layer whose config
// makes other shapes than the file's is noted and counted as the file
// says.
//
// The JSON is read by a small parser of its own that keeps every value's
// offset (errors say file:line:col and the layer), charges the budget
// before every value, and caps nesting. Layer calls are capped too (a
// model nested in a model, each called twice, grows exponentially).
package keras
