// Package web draws a report as a page: the network as a layered graph
// (each node with its name, type, output shape and parameters, each edge
// with its tensor's shape), the table beside it with the totals, and a
// layer's arithmetic when it is clicked.
//
// WritePage writes the page as one self-contained HTML file: its script,
// its style, the layout library (@dagrejs/dagre, vendored in
// assets/vendor with its version and licence) and the report's data are
// all inlined, so it opens offline and can be shared as it is. New is an
// http.Handler serving the same page for a model on disk, with a path
// box and an upload to open others; it has no listener code (the
// command's serve does that: addresses, timeouts, opening a browser).
//
// The page only shows what the report says: every number, shape and
// formula is the text the render package makes for the table and
// --explain (render.LayerRows, render.LayerExplanation, render.Summary,
// render.Edges). Each drawn node carries data-layer="<layer name>" so
// that tests and scripts find it.
package web
