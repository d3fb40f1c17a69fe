package onnx

import (
	"io"

	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/pbwire"
)

// defaultWindow is the size of the read buffer used when the input is not
// in memory.
const defaultWindow = pbwire.DefaultWindow

// decoder holds the state of one Decode call: the protobuf wire reader
// (internal/pbwire) and what ONNX adds to it.
type decoder struct {
	pbwire.Reader
	depth int
	// rowCost is charged with each node as it is decoded, for the graph
	// node and report row Build will make of it (Load's decoder): a model
	// too large to report is refused before it is all decoded.
	rowCost int64
	nodes   int // nodes decoded
}

// newDecoder reads the size bytes of r, walked in place when r is a *File
// (mapped), else through a window of window bytes, charging b.
func newDecoder(r io.ReaderAt, size int64, window int, b *budget.Budget) *decoder {
	var mem []byte
	if m, ok := r.(interface{ bytes() []byte }); ok {
		mem = m.bytes()
	}
	d := &decoder{Reader: pbwire.NewReader(r, size, mem, window)}
	d.Budget = b
	d.Top = "model"
	d.Contents = "the model's nodes, names and attributes"
	return d
}
