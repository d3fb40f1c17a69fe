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

	// Shared chunks for the small slices of nodes, tensors and shapes.
	strs    slab[string]
	ids     slab[int32]
	attrs   slab[Attribute]
	ints    slab[int64]
	dims    slab[Dim]
	tensors slab[TensorInfo]
}

// newDecoder reads the size bytes of r, walked in place when r is a *File
// (mapped), else through a window of window bytes, charging b.
func newDecoder(r io.ReaderAt, size int64, window int, b *budget.Budget) *decoder {
	var mem []byte
	if m, ok := r.(interface{ bytes() []byte }); ok {
		mem = m.bytes()
	}
	d := &decoder{Reader: pbwire.NewReader(r, size, mem, window)}
	d.strs.max = 4096
	d.ids.max = 8192
	d.attrs.max = 256
	d.ints.max = 4096
	d.dims.max = 1024
	d.tensors.max = 256
	d.Budget = b
	d.Top = "model"
	d.Contents = "the model's nodes, names and attributes"
	return d
}

// slab hands out slices of fresh, zeroed Ts cut from shared chunks: the
// inputs, outputs and attributes of a million nodes cost a few hundred
// allocations instead of millions. Each slice is capped at its length, so
// an append to it copies rather than overwrite a neighbour. The first
// chunk is small (most models are a few hundred nodes), each next one
// twice the last, up to max elements; a request larger than that gets
// a chunk of its own. Callers charge the budget for what they take
// before taking it; a chunk's unused rest is bounded by max.
type slab[T any] struct {
	buf []T
	max int
}

func (s *slab[T]) take(n int) []T {
	if cap(s.buf)-len(s.buf) < n {
		if n > s.max/2 {
			return make([]T, n)
		}
		s.buf = make([]T, 0, min(max(2*cap(s.buf), 16, n), s.max))
	}
	i := len(s.buf)
	s.buf = s.buf[:i+n]
	return s.buf[i : i+n : i+n]
}
