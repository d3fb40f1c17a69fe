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
package torchcode
