package onnx

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// makePool is the op of a MaxPool, AveragePool or LpPool node.
func makePool(nd *Node) graph.Op {
	pad, err := padding(nd)
	if err != nil {
		return errOp{err}
	}
	p := &op.Pool{Mode: strings.TrimSuffix(strings.ToLower(nd.OpType), "pool"), Kernel: nd.attrInts("kernel_shape"),
		Stride: nd.attrInts("strides"), Dilation: nd.attrInts("dilations"), Pad: pad}
	if len(p.Kernel) == 0 {
		return errOp{fmt.Errorf("kernel_shape is required")}
	}
	if len(p.Stride) == 0 {
		p.Stride = []int64{1} // ONNX's default, where Pool's is the kernel
	}
	if nd.attrInt("ceil_mode", 0) != 0 {
		p.Rounding = op.CeilClip
	}
	return &pooled{Op: p}
}

// pooled runs a pooling op (op.Pool or op.GlobalPool) and counts its
// other operations, as for every op of an ONNX graph: one per element of
// every window (a comparison or an addition). Outputs after the first
// (MaxPool's indices) have the first's shape and type int64.
type pooled struct {
	Op graph.Op
}

func (p *pooled) Infer(n *graph.Node) error {
	if err := p.Op.Infer(n); err != nil {
		return err
	}
	out := n.Outputs[0].Shape
	switch o := p.Op.(type) {
	case *op.Pool:
		if k, err := op.PerAxis(o.Kernel, len(out)-2, 0); err == nil {
			xs := []calc.Expr{}
			for _, x := range k {
				xs = append(xs, calc.N(x))
			}
			n.OtherOps = calc.Mul(out.Numel(), calc.Mul(xs...))
		}
	case *op.GlobalPool:
		n.OtherOps = n.In(0).Numel()
	}
	for i := 1; i < len(n.Outputs); i++ {
		n.SetOut(i, out.Clone())
		n.Outputs[i].DType = graph.Int64
	}
	return nil
}
