package onnx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pbwire"
)

// Embed writes to w a copy of the model in r (size bytes) in which every
// initializer of the main graph whose data is external carries a payload of
// zeros as raw_data instead: of the length its dims and data type call for,
// with data_location and external_data dropped. Everything else is copied
// byte for byte; only the rewritten TensorProtos and the length prefix of
// the graph change. The external data file is not needed.
//
// Embed turns a small export whose weights were left out into a full-size
// model (ResNet-50 of ~100 MB, VGG-16 of ~550 MB) for timing readers on
// large files. It streams: memory use does not grow with the payloads.
// It returns the number of bytes written.
func Embed(w io.Writer, r io.ReaderAt, size int64) (int64, error) {
	var p embedPlan
	if err := p.plan(r, size); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countWriter{w: bw}
	if err := p.write(cw, r); err != nil {
		return cw.n, err
	}
	return cw.n, bw.Flush()
}

// EmbedFile runs Embed from the file src to a new file dst.
func EmbedFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = Embed(out, in, fi.Size())
	var e *graph.OffsetError
	if errors.As(err, &e) {
		e.File = src
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// piece is one run of output: bytes copied from the input, literal bytes,
// or zeros.
type piece struct {
	off, n int64  // input range to copy, when lit is nil and zeros is 0
	lit    []byte // literal bytes
	zeros  int64  // number of zero bytes
}

func (p piece) len() int64 {
	switch {
	case p.lit != nil:
		return int64(len(p.lit))
	case p.zeros > 0:
		return p.zeros
	}
	return p.n
}

type embedPlan struct {
	pieces []piece
}

func (p *embedPlan) copyRange(off, n int64) {
	if n == 0 {
		return
	}
	if k := len(p.pieces) - 1; k >= 0 && p.pieces[k].lit == nil && p.pieces[k].zeros == 0 && p.pieces[k].off+p.pieces[k].n == off {
		p.pieces[k].n += n
		return
	}
	p.pieces = append(p.pieces, piece{off: off, n: n})
}

// plan walks the model and records the output as pieces.
func (p *embedPlan) plan(r io.ReaderAt, size int64) error {
	d := newDecoder(r, size, defaultWindow, nil)
	root := &pbwire.Loc{}
	seenGraph := false
	w := pbwire.Fields(0, size)
	for w.Next(&d.Reader, root) {
		f := w.F
		if f.Num != modelGraph {
			p.copyRange(f.Off, f.End-f.Off)
			continue
		}
		if err := d.Want(f, protowire.BytesType, root, "graph"); err != nil {
			return err
		}
		if seenGraph {
			return d.Errf(f.Off, root, "graph appears twice")
		}
		seenGraph = true
		// Reserve the graph's header, plan its contents, then fill in the
		// header with the new length.
		hdr := len(p.pieces)
		p.pieces = append(p.pieces, piece{lit: []byte{}})
		start := len(p.pieces)
		if err := p.graph(d, f); err != nil {
			return err
		}
		var n int64
		for _, c := range p.pieces[start:] {
			n += c.len()
		}
		p.pieces[hdr].lit = protowire.AppendVarint(protowire.AppendTag(nil, modelGraph, protowire.BytesType), uint64(n))
	}
	if w.Err != nil {
		return w.Err
	}
	if !seenGraph {
		return &graph.OffsetError{Offset: size, Path: "model", Msg: "model has no graph"}
	}
	return nil
}

// graph plans the contents of the main graph in field f.
func (p *embedPlan) graph(d *decoder, f pbwire.Field) error {
	at := &pbwire.Loc{Base: "graph"}
	ninit := 0
	w := pbwire.Fields(f.Pos, f.Pos+f.N)
	for w.Next(&d.Reader, at) {
		c := w.F
		if c.Num != graphInitializer {
			p.copyRange(c.Off, c.End-c.Off)
			continue
		}
		path := fmt.Sprintf("graph.initializer[%d]", ninit)
		ninit++
		t, err := d.tensor(c, path)
		if err != nil {
			return err
		}
		if t.DataLocation != External {
			p.copyRange(c.Off, c.End-c.Off)
			continue
		}
		if err := p.tensor(d, c, t); err != nil {
			return err
		}
	}
	return w.Err
}

// tensor plans an embedded copy of the external TensorProto t in field f.
func (p *embedPlan) tensor(d *decoder, f pbwire.Field, t *TensorInfo) error {
	at := &pbwire.Loc{Base: t.Path}
	size, ok := t.ByteSize()
	if !ok {
		return d.Errf(f.Off, at, "cannot size %s tensor %q with dims %v", t.DataType, t.Name, t.Dims)
	}
	hdr := len(p.pieces)
	p.pieces = append(p.pieces, piece{lit: []byte{}})
	var body int64
	w := pbwire.Fields(f.Pos, f.Pos+f.N)
	for w.Next(&d.Reader, at) {
		c := w.F
		if c.Num == tensorExternalData || c.Num == tensorDataLocation || isDataField(int32(c.Num)) {
			continue
		}
		p.copyRange(c.Off, c.End-c.Off)
		body += c.End - c.Off
	}
	if w.Err != nil {
		return w.Err
	}
	raw := protowire.AppendVarint(protowire.AppendTag(nil, protowire.Number(RawData), protowire.BytesType), uint64(size))
	p.pieces = append(p.pieces, piece{lit: raw})
	if size > 0 {
		p.pieces = append(p.pieces, piece{zeros: size})
	}
	body += int64(len(raw)) + size
	p.pieces[hdr].lit = protowire.AppendVarint(protowire.AppendTag(nil, graphInitializer, protowire.BytesType), uint64(body))
	return nil
}

func (p *embedPlan) write(w io.Writer, r io.ReaderAt) error {
	buf := make([]byte, 1<<20)
	zeros := make([]byte, 1<<20)
	for _, c := range p.pieces {
		switch {
		case c.lit != nil:
			if _, err := w.Write(c.lit); err != nil {
				return err
			}
		case c.zeros > 0:
			for n := c.zeros; n > 0; {
				k := min(n, int64(len(zeros)))
				if _, err := w.Write(zeros[:k]); err != nil {
					return err
				}
				n -= k
			}
		default:
			if _, err := io.CopyBuffer(w, io.NewSectionReader(r, c.off, c.n), buf); err != nil {
				return err
			}
		}
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
