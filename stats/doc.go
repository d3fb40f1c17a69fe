// Package stats turns an inferred graph into the report: per-layer rows and
// totals, in the versioned JSON schema scripts depend on.
//
// Schema version 1 is stable: fields are only ever added. A report reads
// back from its JSON (Report.UnmarshalJSON) with unknowns kept unknown —
// a null shape, count or FLOPs stays nil, never a zero — and with its
// totals checked against its rows, so a program comparing two reports
// (a diff, a budget check) can trust what it read.
//
// Invariants of a Report made by Build:
//   - Totals.Params is the sum of the rows' Params, and likewise for the
//     trainable and non-trainable counts; a parameter shared by several
//     layers is counted at the first one only (the others list it in
//     Weights with SharedWith set).
//   - Totals.FLOPs is the sum of the rows' FLOPs when every row's is
//     known, and nil otherwise (then FLOPsLowerBound sums the known ones
//     and a note names the unknown rows).
//   - Every row has a Tensor per output (Layer.Tensors, parallel to
//     OutputShapes), and the tensors fed from outside are Model.Inputs:
//     the names in a row's Inputs are those tensors' names, which is how
//     a renderer draws edges and a diff follows the dataflow.
//   - Every sum is checked: past the int64 range is an error wrapping
//     calc.ErrOverflow, never a wrong number.
//   - Built with Options.NoArithmetic, a report has every number, shape,
//     name, note and ask of the complete one and no arithmetic text:
//     every Explain is empty and Report.NoArithmetic says so.
//   - Built with Options.LazyRows, a report keeps its graph instead of
//     its rows: Layers is nil, and AllLayers makes each row, the same as
//     Build would have, when it reaches it (one Layer, reused). Totals,
//     notes, asks and errors are made by Build as for the others.
//
// Build makes a report in a few allocations whatever its size: the rows'
// slices (input names, output tensors and shapes, counts, weights) are
// cut from one slab each, capacity-limited so that appending to one
// row's never writes into the next. Names and shape dims are the
// graph's own (read-only, as the graph's are once inferred): change a
// report's shape by replacing it, not by writing into its dims.
//
// The package uses the standard library only.
package stats
