// Package torchcode is the PyTorch model-code front-end: a .py file that
// defines torch.nn modules runs on the Python host (internal/pyhost),
// whose framework base classes are this package's nn.Module, its
// containers and the torch.nn layers, made with PyTorch's own parameter
// and buffer names and shapes (as state_dict() has them).
//
// What it reads now is the construction half: the module tree the entry
// builds (named_modules() order), the parameters and buffers each module
// owns, tied tensors once. Each row module (a module with no children, or
// one that owns tensors directly) becomes a graph node holding its
// tensors as parameter values (op.Weights): buffers and parameters made
// with requires_grad=False are non-trainable. The forward pass is not
// traced yet, so output shapes and FLOPs are unknown (null), never
// guessed; the graph carries a note saying so.
//
// The model is the entry expression, else the one module the file builds
// at its top level, else the last nn.Module class of the file that needs
// no arguments and that no other class uses. When the top level stops
// before that (demo code ahead of the classes), the file is read again
// from its definitions alone (defs.go). Tensors made while building carry
// their shapes through the arithmetic constructors do (shapes.go), so
// that a buffer's size is known; what is not known is an error.
package torchcode
