// Package render writes a report: as a text table (Table), the explained
// arithmetic (Explain), JSON (JSON), a Markdown table (Markdown) or CSV
// (CSV). It only formats: every number and every formula comes from the
// report.
//
// The tabular renderers share one row model: LayerRows turns a report's
// layers into Rows — columns with a key, a title and an alignment, and per
// layer a Cell per column with the text people read (217,706; N for an
// open batch axis) and the plain value programs read (217706), both "?"
// where the report does not know. A new tabular renderer asks LayerRows
// for its columns by key and writes the cells; it computes nothing.
//
// The renderers stream: cells are appended into reused buffers and the
// output is written by chunks, so that their cost follows the report's
// size with no allocation per row. JSON writes exactly encoding/json's
// bytes (its tests compare the two). A report built without its
// arithmetic (stats.Options.NoArithmetic) renders as a table, Markdown
// or CSV exactly as the complete one; Explain and JSON refuse it
// (ErrNoArithmetic).
package render
