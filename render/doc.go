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
package render
