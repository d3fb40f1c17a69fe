// Package torchcode is the PyTorch model-code front-end: a .py file that
// defines torch.nn modules runs on the Python host (internal/pyhost),
// whose framework base classes are this package's nn.Module, its
// containers and the torch.nn layers, made with PyTorch's own parameter
// and buffer names and shapes (as state_dict() has them).
//
// Construction gives the module tree the entry builds (named_modules()
// order), the parameters and buffers each module owns, tied tensors
// once. The model is the entry expression, else the one module the file
// builds at its top level, else the last nn.Module class of the file
// that needs no arguments and that no other class uses. When the top
// level stops before that (demo code ahead of the classes), the file is
// read again from its definitions alone (defs.go). Tensors made while
// building carry their shapes through the arithmetic constructors do, so
// that a buffer's size is known; what is not known is an error.
//
// The forward trace (trace.go) then runs forward on tensors that carry a
// shape and a type and no data, on the input shapes given, or the input
// the file feeds its model (inputs.go). A call of a row module (one with
// no children, or owning tensors) is a graph node made with package op's
// rule and inferred at once (forward.go, forward_seq.go), so that the
// Python after it reads the shapes the op computed; its parameters are
// the module's own tensors, one graph.Param each (a module called twice
// is counted at its first call). Tensor methods, indexing, torch.* and
// F.* compute shapes (funcs.go, shapes.go, torchfns.go); a functional
// that does work is a row, shape-only code makes none and its result
// keeps the values its data came from, the next node's edges. A shape
// bug is a graph.Error at the user's line with the fix, returned as a
// *Partial with the rows before it. Without an input, shapes and FLOPs
// are unknown (null), never guessed, with a note.
package torchcode
