// Package pickle runs Python pickles in a restricted virtual machine that
// builds inert Go values and executes nothing: for the readers of files
// that are, or hold, pickles (PyTorch checkpoints today; NumPy .npy
// object arrays, Keras and scikit-learn files later).
//
// A pickle is a program for a stack machine; its GLOBAL, REDUCE and BUILD
// opcodes would import and call arbitrary Python. Here a global is only a
// name (Global), and a call is given to the caller's Machine.Call, which
// decides what an allow-listed callable stands for (a torch tensor, an
// OrderedDict) or keeps it as an inert *Object. Nothing is resolved,
// imported or run.
//
// Values: nil, bool, int64, *big.Int, float64, string, []byte, Tuple,
// *List, *Dict (insertion order, Python key equality), *Set, Global,
// *Object, and what Call and PersistentLoad return.
//
// Invariants:
//   - Every length and count is capped (Limits: stack, MARK depth, memo,
//     container elements, integer literals) and checked against the bytes
//     left before anything is allocated.
//   - What the pickle makes is charged to a budget.Budget before it is
//     made; a refusal is a *budget.Error naming what and where ("data.pkl
//     offset 17") that matches budget.ErrExceeded.
//   - A malformed pickle is a *graph.OffsetError with the offset of the
//     failing opcode; a handler's error is its cause (Err).
//   - Run never panics.
package pickle
