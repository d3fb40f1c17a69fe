package onnx

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// FuzzNoArithmetic infers one fuzzed node (as FuzzOps builds it) with and
// without infer.Options.NoArithmetic and checks that everything but the
// arithmetic text is the same: output shapes, types and constants,
// parameters, counts, FLOPs, other operations, notes and errors.
func FuzzNoArithmetic(f *testing.F) {
	f.Add(uint8(0), int64(1), []byte{1, 3, 8, 8}, []byte{4, 3, 3, 3}, []byte{0, 1, 2, 3}, uint8(4), "")
	f.Add(uint8(14), int64(-1), []byte{2, 0xff, 4}, []byte{2}, []byte{0xff, 0, 1}, uint8(2), "ij,jk")
	f.Add(uint8(39), int64(0), []byte{1, 2, 5, 5}, []byte{3, 2, 2, 2}, []byte{}, uint8(2), "") // Conv
	f.Add(uint8(39), int64(1), []byte{1, 2, 2, 2}, []byte{3, 2, 3, 3}, []byte{}, uint8(2), "") // the filter does not fit
	f.Add(uint8(41), int64(1), []byte{2, 3, 7, 7}, []byte{}, []byte{3, 3}, uint8(1), "")       // MaxPool
	f.Add(uint8(41), int64(0), []byte{1, 1, 2, 2}, []byte{}, []byte{3, 3}, uint8(1), "")       // the pool does not fit
	f.Add(uint8(45), int64(0), []byte{0xff, 3, 4}, []byte{4, 5}, []byte{}, uint8(2), "")       // MatMul
	f.Add(uint8(44), int64(0), []byte{3, 4}, []byte{5, 4}, []byte{}, uint8(2), "")             // Gemm
	f.Add(uint8(57), int64(0), []byte{2, 3, 4}, []byte{3, 1}, []byte{}, uint8(2), "")          // Add
	f.Fuzz(func(t *testing.T, opi uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) {
		if len(xdims) > 6 || len(wdims) > 6 || len(vals) > 16 || len(s) > 16 {
			return
		}
		model := noArithModel(opi, axis, xdims, wdims, vals, nin, s)
		var gs [2]*graph.Graph
		var errs [2]string
		for i, terse := range []bool{false, true} {
			m, err := Decode(memReader(model), int64(len(model)))
			if err != nil {
				t.Fatalf("a built model does not decode: %v", err)
			}
			g, err := Build("fuzz.onnx", m, memReader(model), Options{})
			if err != nil {
				return
			}
			if err := infer.Run(g, infer.Options{KeepGoing: true, NoArithmetic: terse}); err != nil {
				errs[i] = err.Error()
			}
			gs[i] = g
		}
		if errs[0] != errs[1] {
			t.Fatalf("error %q, with NoArithmetic %q", errs[0], errs[1])
		}
		for i, x := range gs[0].Nodes {
			if err := sameInferred(x, gs[1].Nodes[i]); err != nil {
				t.Fatalf("node %s (%s): %v", x.Name, x.Type, err)
			}
		}
	})
}

// noArithModel is a one-node model much as FuzzOps builds it, with the
// weight W as input 1 (so that convolutions get one), one stride for
// every axis and pads only when axis is negative.
func noArithModel(opi uint8, axis int64, xdims, wdims, vals []byte, nin uint8, s string) []byte {
	var dims []any
	for _, x := range xdims {
		if x == 0xff {
			dims = append(dims, "N")
		} else {
			dims = append(dims, int(x%9))
		}
	}
	ints := make([]int64, len(vals))
	for i, v := range vals {
		ints[i] = int64(int8(v))
	}
	var wd []int64
	for _, x := range wdims {
		wd = append(wd, int64(x%9))
	}
	attrs := []pb{bAttrInt("axis", axis), bAttrInts("axes", ints...), bAttrInts("perm", ints...),
		bAttrInts("kernel_shape", ints...), bAttrInts("strides", axis%3+1), bAttrInts("split", ints...),
		bAttrInt("to", axis), bAttrInt("keepdims", axis), bAttrInt("group", axis%4), bAttrInt("blocksize", axis),
		pb{}.str(attrName, "equation").int(attrType, int64(AttrString)).str(attrS, s)}
	if axis < 0 {
		attrs = append(attrs, bAttrInts("pads", ints...))
	}
	ins := []string{"X", "W", "I", "S", "X"}[:int(nin)%6]
	node := bNode("n", fuzzOps[int(opi)%len(fuzzOps)], ins, []string{"Y", "Z"}, attrs...)
	gr := bGraph([]pb{node},
		[]pb{bInts("I", ints...), bTensor("W", Float, wd...), bScalarInt("S", axis)},
		[]pb{bValueInfo("X", Float, dims...)},
		[]pb{bValueInfo("Y", Float)})
	return []byte(bModel(gr))
}

// sameInferred compares two inferred nodes but for their arithmetic text.
func sameInferred(x, y *graph.Node) error {
	if x.Done != y.Done || !reflect.DeepEqual(x.Notes(), y.Notes()) {
		return fmt.Errorf("done %v notes %q, with NoArithmetic %v %q", x.Done, x.Notes(), y.Done, y.Notes())
	}
	if len(y.ShapeWhy()) > 0 {
		return fmt.Errorf("ShapeWhy %q under NoArithmetic", y.ShapeWhy())
	}
	for _, c := range [][2]calc.Expr{{x.Count, y.Count}, {x.FLOPs, y.FLOPs}, {x.OtherOps, y.OtherOps}} {
		a, b := c[0], c[1]
		av, aok := a.Value()
		bv, bok := b.Value()
		if aok != bok || aok && av != bv || a.IsZero() != b.IsZero() || (a.Err() == nil) != (b.Err() == nil) ||
			a.Err() != nil && a.Err().Error() != b.Err().Error() {
			return fmt.Errorf("%s (%v, %v), with NoArithmetic %d (%v, %v)", a.Equation(), aok, a.Err(), bv, bok, b.Err())
		}
	}
	for i, v := range x.Outputs {
		w := y.Outputs[i]
		if !v.Shape.Equal(w.Shape) || (v.Shape == nil) != (w.Shape == nil) || v.DType != w.DType || !reflect.DeepEqual(v.Const, w.Const) {
			return fmt.Errorf("output %d: %v %s %v, with NoArithmetic %v %s %v", i, v.Shape, v.DType, v.Const, w.Shape, w.DType, w.Const)
		}
	}
	if len(x.Params) != len(y.Params) {
		return fmt.Errorf("%d params, %d with NoArithmetic", len(x.Params), len(y.Params))
	}
	for i, p := range x.Params {
		q := y.Params[i]
		if p.Name != q.Name || !p.Shape.Equal(q.Shape) || p.Trainable != q.Trainable {
			return fmt.Errorf("param %s %v, with NoArithmetic %s %v", p.Name, p.Shape, q.Name, q.Shape)
		}
	}
	return nil
}
