// Package pyhost runs Python model code in go.starlark.net: the one
// Python host of every Python-code front-end (format/pycode for
// nolearn and Lasagne; PyTorch and Keras code next).
//
// A file goes through three steps, each keeping the line and column of
// what the user wrote:
//
//   - Prepare rewrites the text so that Starlark parses it, line for
//     line: imports become bindings, Python-only statements become
//     Starlark ones (try/except, raise, with, yield, print), operators
//     Starlark lacks become calls (%, **, chained comparisons, f-strings,
//     {**d}); with PrepareOptions.Classes, class statements become
//     functions and annotations go (classprep.go).
//   - RewriteClasses and RewriteAST adapt the parsed tree: classes made
//     by __newclass__ (classast.go), data code made to run on
//     placeholders, allocations the file controls charged first.
//   - The program runs in a sandbox (NewThread): no file, network or
//     module access except through the front-end's import hook, a step
//     limit, and a memory budget charged before every allocation whose
//     size the file decides (mem.go).
//
// Exec does all three for a file with classes and returns the Run whose
// functions and classes a front-end then calls. Values the host does not
// model are *Opaque placeholders: they can be passed, called, indexed and
// combined, and fail only where a number is needed from them. Classes are
// Python's (classes.go): C3 method resolution, bound methods, super,
// static and class methods, properties; a framework's base classes are
// Go classes (NewNative) whose hooks see construction, attribute
// assignment and calls.
//
// The host depends on graph only for positions and errors (*graph.Error);
// it knows no framework.
package pyhost
