package memory

import "strings"

// foldedBN finds the convolutions of a torch.onnx export into which the
// exporter folded a BatchNorm (torch.onnx.export of a model in eval()):
// the folded weight and bias are new tensors the exporter names
// onnx::Conv_N, while the model's own keep their module names (conv1.weight,
// fc.bias). Training runs the BatchNorm, so each such convolution is
// counted as convolution + BatchNorm: the convolution's output is a
// tensor of its own, which the BatchNorm keeps with two per-channel
// statistics, and the BatchNorm's weight, bias and running statistics
// (C each) are parameters the file no longer has (the folded bias stands
// for the BatchNorm's bias). It returns C by order index (0: not folded).
func (s *sim) foldedBN() []int64 {
	if s.g.Format != "onnx" {
		return nil
	}
	named := false
	for _, n := range s.order {
		for _, v := range n.Inputs {
			if v != nil && v.Param != nil && !strings.HasPrefix(v.Name, "onnx::") {
				named = true
			}
		}
	}
	if !named {
		return nil // no module names at all: nothing tells a folded tensor apart
	}
	var out []int64
	for i, n := range s.order {
		if n.Type != "Conv" || len(n.Inputs) < 3 || len(n.Outputs) != 1 {
			continue
		}
		w, b := n.Inputs[1], n.Inputs[2]
		if w == nil || b == nil || w.Param == nil || b.Param == nil ||
			!strings.HasPrefix(w.Name, "onnx::") || !strings.HasPrefix(b.Name, "onnx::") {
			continue
		}
		sh := n.Outputs[0].Shape
		if len(sh) < 2 || !sh[1].Known() {
			continue
		}
		if out == nil {
			out = make([]int64, len(s.order))
		}
		out[i] = sh[1].Size
	}
	return out
}

// foldedAt is the channels of the BatchNorm folded into the node at order
// index i, 0 for none.
func (s *sim) foldedAt(i int) int64 {
	if s.folded == nil {
		return 0
	}
	return s.folded[i]
}

// addFoldedParams counts the folded BatchNorms' parameters: weight
// (trainable; the folded bias stands for the bias) and the running mean
// and variance, C each in fp32.
func (s *sim) addFoldedParams() int {
	e, count := s.e, 0
	for _, c := range s.folded {
		if c == 0 {
			continue
		}
		count++
		e.Params += 3 * c
		e.Trainable += c
		e.ParamAllocs += 3
		e.WeightsBytes += 3 * c * int64(map[bool]int{true: 2, false: 4}[e.Mixed()])
		e.WeightsAlloc += 3 * Round(c*4)
		e.GradBytes += Round(c * 4)
		e.StateSlotBytes += Round(c * 4)
	}
	return count
}
