// Package torchpt reads PyTorch checkpoints written by torch.save (.pt,
// .pth, pytorch_model.bin) and reports every tensor's dtype, shape and
// storage without reading tensor data.
//
// The zip format (the default since torch 1.6) is an archive holding
// <archive>/data.pkl, the pickled object, and one <archive>/data/<key>
// record per storage; tensors are pickled as calls of
// torch._utils._rebuild_tensor_v2 on a persistent id
// ('storage', torch.FloatStorage, key, location, numel). The pre-1.6
// legacy format (a sequence of pickles followed by raw storages) is read
// too.
//
// Invariants:
//   - Tensor data is never read. Only the zip central directory, the small
//     text records and data.pkl are (for the legacy format, the leading
//     pickles and one 8-byte header per storage).
//   - The pickle is interpreted by a restricted virtual machine
//     (internal/pickle) that never executes anything: it builds inert Go
//     values, and globals must be on an allow-list
//     (collections.OrderedDict, the torch._utils rebuild functions, torch
//     storage classes and dtypes, torch.Size, NumPy's scalar/array/dtype
//     reconstructors, kept as inert objects, ...). Any other global is an
//     error naming it and its offset, unless Decoder.AllowUnknownGlobals
//     keeps it as an inert value (File.Unknown lists the ones the pickle
//     calls).
//   - All lengths are capped: data.pkl size, pickle stack, MARK depth, memo
//     entries, container elements, integer literals, storages, and the
//     depth and size of the object graph walked to name tensors.
//   - Errors are *graph.OffsetError, of the form "file: data.pkl offset N:
//     what" for the pickle, "file: offset N: what" or "file: what"
//     elsewhere.
//
// File.Contents sorts what a checkpoint holds by structure: the model's
// tensors (a state dict, or a pickled nn.Module read as its state_dict)
// apart from optimizer state, LR schedulers, copies of the model (EMA)
// and the other entries of a training checkpoint.
package torchpt
