// Package pycode is the nolearn and Lasagne front-end: it runs
// Python-syntax model code (a nolearn NeuralNet, Lasagne layers, a
// notebook of either) on the Python host (internal/pyhost) and returns
// the graph the code builds.
//
// Lasagne computes shapes when a layer is made (scripts read
// l.output_shape), so every layer constructor is a Go builtin that adds a
// node and infers it at once (lasagne.go, recurrent.go, helpers.go);
// nolearn's NeuralNet(layers=[…]) makes them from its list and keywords
// (nolearn.go). Lasagne's conventions — padding, pooling's partial
// windows, which tensors a batch norm trains — are decided here.
//
// What the file does besides building the model is tolerated: before
// the model runs, extent.go finds from the tree where the model ends (the
// last statement that makes a layer, through the file's functions); a
// run error before that point is the result, after it a note. --entry,
// --set and --input-shape (Options) choose what builds the model and
// give what data would give (entry.go, options.go). Modules beside the
// script are read through Options.Dir (siblings.go). Positions are the
// user's lines throughout. A Lasagne Layer subclass of the file is
// modelled from its get_output_shape_for and add_param calls (custom in
// lasagne.go); the methods of its other classes run (classes.go).
package pycode
