package pbwire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// walkAll reads every field of the message from pos to end, descending
// into each length-delimited field that parses as a message (to depth 8)
// and reading it as a string, packed varints and packed floats otherwise.
// It returns a trace of what it read.
func walkAll(d *Reader, pos, end int64, at *Loc, depth int, trace *[]any) error {
	w := Fields(pos, end)
	for w.Next(d, at) {
		f := w.F
		*trace = append(*trace, f.Num, f.Type, f.Off, f.V, f.N)
		if f.Type != protowire.BytesType {
			continue
		}
		c := at.Elem("f", int(f.Num))
		if depth < 8 {
			var sub []any
			if err := walkAll(d, f.Pos, f.Pos+f.N, &c, depth+1, &sub); err == nil {
				*trace = append(*trace, sub...)
				continue
			} else if errors.Is(err, budget.ErrExceeded) {
				return err
			}
		}
		s, err := d.Str(f, &c, "s")
		if err != nil {
			return err
		}
		ints, err := d.Int64s(nil, f, &c, "ints")
		if err != nil && errors.Is(err, budget.ErrExceeded) {
			return err
		}
		floats, err := d.Float32s(nil, f, &c, "floats")
		if err != nil && errors.Is(err, budget.ErrExceeded) {
			return err
		}
		*trace = append(*trace, s, len(ints), len(floats))
	}
	return w.Err
}

// FuzzWalk: any input is walked without a panic, gives the same result
// in memory and through a small window, and fails only with a
// *graph.OffsetError inside the input or a budget error.
func FuzzWalk(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(msg{}.bytes(1, []byte("lenet")).bytes(100, msg{}.bytes(1, []byte("conv1")).bytes(7, msg{}.bytes(1, packedInts(1, 300, 5))))))
	f.Add([]byte(msg{}.bytes(100, msg{}.fixed32(4, 7).bytes(2, packedFloats(1, 2, 3)))))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var traces [2][]any
		var errs [2]error
		for i, window := range []int{0, 16} {
			var mem []byte
			if window == 0 {
				mem = b
			}
			d := NewReader(bytes.NewReader(b), int64(len(b)), mem, window)
			d.Budget = budget.New(1 << 20)
			errs[i] = walkAll(&d, 0, int64(len(b)), &Loc{}, 0, &traces[i])
			if err := errs[i]; err != nil && !errors.Is(err, budget.ErrExceeded) {
				var oe *graph.OffsetError
				if !errors.As(err, &oe) {
					t.Fatalf("error %v is not a *graph.OffsetError", err)
				}
				if oe.Offset < 0 || oe.Offset > int64(len(b)) {
					t.Fatalf("error %v: offset outside the %d-byte input", err, len(b))
				}
			}
		}
		if (errs[0] == nil) != (errs[1] == nil) || (errs[0] != nil && errs[0].Error() != errs[1].Error()) {
			t.Fatalf("memory: %v; window: %v", errs[0], errs[1])
		}
		if !reflect.DeepEqual(traces[0], traces[1]) {
			t.Fatalf("memory and window read different fields")
		}
	})
}

// FuzzCountFields: when CountFields counts a message, the walk finds the
// same fields and no error; when it declines, nothing is promised.
func FuzzCountFields(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(msg{}.bytes(1, []byte("x")).bytes(1, []byte("w")).bytes(2, []byte("y")).bytes(5, msg{}.bytes(1, []byte("k")))))
	f.Add([]byte(msg{}.fixed32(4, 7).bytes(2, packedFloats(1, 2, 3))))
	f.Add([]byte{0x08, 0x01, 0x08, 0x02, 0x0b, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewReader(bytes.NewReader(b), int64(len(b)), b, 0)
		whole := Field{Type: protowire.BytesType, Pos: 0, N: int64(len(b))}
		nums := [5]protowire.Number{1, 2, 5}
		for _, varints := range []bool{false, true} {
			got, ok := d.CountFields(whole, nums, varints)
			if !ok {
				continue
			}
			var want [5]int
			w := Fields(0, int64(len(b)))
			for w.Next(&d, &Loc{}) {
				for i, n := range nums {
					if n != 0 && w.F.Num == n && (!varints || w.F.Type == protowire.VarintType) {
						want[i]++
					}
				}
			}
			if w.Err != nil {
				t.Fatalf("CountFields counted a message the walk refuses: %v", w.Err)
			}
			if got != want {
				t.Fatalf("CountFields %v, walk %v (varints %v)", got, want, varints)
			}
		}
	})
}
