// Package diff compares two analysed models (two stats.Report values,
// of any two formats): which layers were added, removed, changed or kept,
// what changed in each (type, output shapes, parameters, FLOPs, with
// deltas), and the totals' deltas with percentages. It also checks a
// checkpoint's tensors against the tensors a configuration implies
// (Tensors), as the load report of transformers does.
//
// It comes after stats in the pipeline and reads only the reports' public
// fields; it decodes nothing and computes no figure of a layer itself.
//
// # Alignment
//
// Layers are paired in three passes; a layer is paired at most once.
//
//  1. By name: layers with the same name on both sides (the k-th layer
//     of a name with the k-th of that name on the other side, when a
//     name repeats). Two versions of one file, a Lasagne file against
//     the same net as a spec, and two exports of related torchvision
//     models pair here.
//  2. By module path: a name is reduced to the module it comes from, so
//     that an ONNX node exported from PyTorch ("/layer1/layer1.0/conv1/Conv")
//     meets the module ("layer1.0.conv1"): the slash-separated scopes
//     are joined with dots (a scope that repeats its parent's path,
//     "layer1.0" under "layer1", replaces it; one that starts with the
//     parent's last part, "downsample.0" under "downsample", extends it)
//     and a last scope equal to the operator's name is dropped; the
//     second call of a PyTorch module (row "relu#2") is the exporter's
//     "relu_1". Pairs are made only between layers
//     of the same kind (below) whose module path is the same and unique
//     on each side among the layers not yet paired.
//  3. By structure, for what remains: between two consecutive pairs of
//     the passes above (in both orders; a pair that crosses others is
//     not used as a boundary), the unpaired layers of A and of B are
//     aligned in order by a longest-common-subsequence dynamic program
//     whose match score rewards the same kind (required), the same
//     output shapes (the batch axis aside) and the same parameter count.
//     The kind is the type mapped to a common name: Conv2DLayer, Conv2d,
//     conv2d and ONNX's Conv are all "conv"; DenseLayer, Linear, dense
//     and Gemm are "linear"; and so on (kind). A segment too large for
//     the program (more than 4 million cells) pairs greedily in order.
//
// Pairs are then ordered by B's order, with A's unpaired layers placed
// after the B layer that follows their nearest paired predecessor, so
// that the listing reads as a diff of B against A.
//
// # Unknowns
//
// A figure unknown on either side (a shape of unknown rank, parameters a
// layer cannot count, FLOPs not known) makes the delta unknown: nil here,
// null in the JSON and "?" in the text, never 0. A layer present on one
// side only counts 0 on the other (it is not there), so its delta is its
// own figure when that is known.
package diff
