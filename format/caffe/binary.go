package caffe

import (
	"context"
	"errors"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/pbwire"
)

// DecodeModel reads a caffemodel: a NetParameter in the protobuf wire
// format, walked lazily with internal/pbwire. Only the fields of the
// schema are read (the net's structure, each layer's parameters and its
// blobs' shapes); blob data (BlobProto's data, diff, double_data,
// double_diff) is skipped by its length, never read, so a 240 MB model
// reads in a few kilobytes of messages.
//
// The phase, unless given, is the one the file's layers record (Caffe
// writes the phase the net was built in into every layer it saves).
func DecodeModel(ctx context.Context, in format.Input, opt Options) (*graph.Graph, error) {
	d := pbwire.Reader{Src: pbwire.NewSource(in.R, in.Size, nil, 0), Budget: in.Budget, Top: "net",
		Contents: "the caffemodel's layers"}
	root := &message{typ: "NetParameter"}
	w := pbwire.Fields(0, in.Size)
	var top pbwire.Loc
	if err := walk(ctx, &d, &w, root, &top, 0); err != nil {
		return nil, modelErr(in.Name, err)
	}
	if len(root.fields) == 0 {
		return nil, &graph.OffsetError{File: in.Name, Format: "caffe", Offset: 0, Msg: "no field of a Caffe NetParameter: not a caffemodel"}
	}
	n, err := readNet(root)
	if err != nil {
		return nil, posErr(in.Name, "", err)
	}
	given := opt.Phase != ""
	if opt.Phase == "" {
		for _, l := range n.layers {
			if l.p == nil {
				continue
			}
			if p, err := l.p.enum("phase", ""); err == nil && p != "" {
				opt.Phase = p
				n.notes = append(n.notes, "the phase is the one the caffemodel's layers record: "+p)
				break
			}
		}
	}
	g, err := build(in.Name, n, opt, true)
	if err != nil && opt.Phase == "" && !given {
		// No phase given or recorded (V1 layers have none): a model
		// saved from the training net may lack a TEST input.
		train := opt
		train.Phase = "TRAIN"
		tg, terr := build(in.Name, n, train, true)
		if terr == nil {
			tg.Notes = append(tg.Notes, "the caffemodel records no phase and its TEST net cannot be built ("+err.Error()+"): built in TRAIN")
			return tg, nil
		}
		var me *format.MissingError
		if errors.As(terr, &me) {
			return nil, terr
		}
	}
	return g, err
}

func modelErr(name string, err error) error {
	if oe, ok := err.(*graph.OffsetError); ok && oe.File == "" {
		oe.File = name
		if oe.Format == "" {
			oe.Format = "caffe"
		}
	}
	return err
}

// walk reads the fields of one message that the schema knows into m.
func walk(ctx context.Context, d *pbwire.Reader, w *pbwire.Walker, m *message, at *pbwire.Loc, depth int) error {
	if depth > maxDepth {
		return d.Errf(0, at, "messages are nested more than %d deep", maxDepth)
	}
	def := schemaDefs()[m.typ]
	counts := map[string]int{}
	for w.Next(d, at) {
		f := w.F
		fd := def.byNum[int32(f.Num)]
		if fd == nil || fd.kind == 'x' {
			continue
		}
		if err := d.Alloc(valueSize, f.Off, nil); err != nil {
			return err
		}
		i := counts[fd.name]
		counts[fd.name] = i + 1
		switch fd.kind {
		case 'm':
			if err := d.Want(f, protowire.BytesType, at, fd.name); err != nil {
				return err
			}
			if depth == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			child := at.Elem(fd.name, i)
			sub := &message{typ: fd.typ, pos: graph.Pos{Path: d.ElemPath(at.String(), fd.name, i)}}
			sw := d.Message(f, at)
			if fd.typ != "" && schemaDefs()[fd.typ] != nil {
				if err := walk(ctx, d, &sw, sub, &child, depth+1); err != nil {
					return err
				}
			}
			m.fields = append(m.fields, value{name: fd.name, pos: sub.pos, msg: sub})
		case 's':
			s, err := d.Str(f, at, fd.name)
			if err != nil {
				return err
			}
			m.fields = append(m.fields, value{name: fd.name, pos: m.pos, str: true, text: s})
		case 'f':
			if f.Type == protowire.BytesType {
				xs, err := d.Float32s(nil, f, at, fd.name)
				if err != nil {
					return err
				}
				for _, x := range xs {
					m.fields = append(m.fields, value{name: fd.name, pos: m.pos, text: strconv.FormatFloat(float64(x), 'g', -1, 32)})
				}
				continue
			}
			if err := d.Want(f, protowire.Fixed32Type, at, fd.name); err != nil {
				return err
			}
			m.fields = append(m.fields, value{name: fd.name, pos: m.pos, text: strconv.FormatFloat(float64(f.Float32()), 'g', -1, 32)})
		default: // i, u, b, e: varints, maybe packed
			var xs []int64
			if f.Type == protowire.BytesType {
				var err error
				if xs, err = d.Int64s(nil, f, at, fd.name); err != nil {
					return err
				}
			} else {
				if err := d.Want(f, protowire.VarintType, at, fd.name); err != nil {
					return err
				}
				xs = []int64{int64(f.V)}
			}
			for _, x := range xs {
				var text string
				switch fd.kind {
				case 'b':
					text = strconv.FormatBool(x != 0)
				case 'e':
					text = enumName(fd.typ, int64(int32(x)))
				case 'u':
					text = strconv.FormatUint(uint64(x), 10)
				default:
					text = strconv.FormatInt(x, 10)
				}
				m.fields = append(m.fields, value{name: fd.name, pos: m.pos, text: text})
			}
		}
	}
	return w.Err
}
