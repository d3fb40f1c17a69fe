// Package memory estimates the GPU memory a model needs: the bytes each
// layer outputs and keeps for the backward pass, the weights, the peak of
// an inference pass and of a training step with SGD, SGD with momentum
// and Adam, as PyTorch's autograd and caching allocator spend them.
//
// It reads an inferred graph.Graph (the output shapes and element types of
// every node, its parameters) and computes; it changes nothing. The rules,
// and where each comes from, are in the README's "Memory" section.
package memory

import (
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
)

// Block is the caching allocator's rounding: every allocation takes a
// multiple of 512 bytes (c10/cuda/CUDACachingAllocator.cpp, kMinBlockSize),
// and torch.cuda.max_memory_allocated counts the rounded sizes.
const Block = 512

// Round is n rounded up to the allocator's block.
func Round(n int64) int64 { return (n + Block - 1) / Block * Block }

// Options choose the precision of the estimate.
type Options struct {
	// DType is the compute precision: "" or float32 (everything fp32),
	// float16 or bfloat16 (inference entirely in that type; training
	// with automatic mixed precision: activations and the weight copies
	// the forward uses in that type, fp32 weights, gradients and
	// optimizer state).
	DType graph.DType
}

// Layer is one node's figures. A figure that cannot be known is -1.
type Layer struct {
	// Activation is the bytes of the node's outputs at the estimate's
	// precision (exact, not rounded).
	Activation int64
	// Saved is the bytes the node's backward keeps that no earlier node
	// keeps (the model's input and the weights not included).
	Saved int64
	// Rule names what the node keeps ("convolution: input").
	Rule string
}

// Optimizer is one optimizer's figures: its state per parameter and the
// training step's peak.
type Optimizer struct {
	Name       string
	StateSlots int   // fp32 tensors of the parameters' size it keeps (momentum: 1, Adam: 2)
	TempSlots  int   // tensors of the parameters' size its step makes for a while (foreach Adam: sqrt(v))
	Peak       int64 // the whole step's peak, -1 when unknown
	// Phase says where the peak is: "backward", "forward" or "step".
	Phase string
}

// Estimate is the memory of one model at one batch and precision.
type Estimate struct {
	DType       graph.DType
	Batch       int64 // the input's first axis, 0 when the graph has no concrete input
	Layers      []Layer
	Params      int64 // parameter elements (all)
	Trainable   int64 // trainable parameter elements
	ParamAllocs int   // parameter tensors
	// WeightsBytes is the parameters at the estimate's precision (exact);
	// WeightsAlloc the same in allocator blocks.
	WeightsBytes int64
	WeightsAlloc int64
	// InputBytes is the model's inputs (allocator blocks); -1 when some
	// input's size is unknown.
	InputBytes int64
	// InferencePeak is the largest set of activations alive at once in a
	// topological schedule that frees a tensor after its last use,
	// weights and inputs excluded; -1 when unknown. InferenceAt names the
	// layer where it is reached.
	InferencePeak int64
	InferenceAt   string
	// SavedBytes is what the forward keeps for backward at its end
	// (allocator blocks, the input excluded); -1 when unknown.
	SavedBytes int64
	// ForwardLive is activations alive at the end of the forward (saved
	// and the outputs), BackwardPeak the most the backward adds on top of
	// the parameters and state: activations still kept, gradients of
	// activations, gradients of the weights made so far; -1 when unknown.
	ForwardPeak  int64
	BackwardPeak int64
	BackwardAt   string
	// GradBytes is the weights' gradients (allocator blocks).
	GradBytes int64
	// StateSlotBytes is one fp32 tensor per trainable parameter (an
	// optimizer's state slot), in allocator blocks.
	StateSlotBytes int64
	// CastBytes is the half-precision copies of the weights that mixed
	// precision's forward makes (0 in fp32).
	CastBytes  int64
	Optimizers []Optimizer // sgd, sgd_momentum, adam
	// Notes are remarks on the figures (a graph whose BatchNorm may have
	// been folded away).
	Notes []string
	// Unknown lists the layer types whose saved tensors layerinfo does not
	// know (training figures are then unknown), or why the figures are.
	Unknown []string
}

// Mixed reports whether the estimate is in mixed precision.
func (e *Estimate) Mixed() bool { return e.DType == graph.Float16 || e.DType == graph.BFloat16 }

// storage is one allocation: a tensor, or several values sharing it (a
// view, an in-place layer's output).
type storage struct {
	bytes int64 // exact
	uses  int   // forward uses left (inputs of nodes not yet run)
	keep  bool  // a graph output: alive to the end
	input bool  // a model input: not counted
	live  bool
	owner int // the node that made it
}

// Compute estimates g's memory. g must have been inferred.
func Compute(g *graph.Graph, opt Options) (*Estimate, error) {
	order, err := infer.Order(g)
	if err != nil {
		return nil, err
	}
	dt := opt.DType
	if dt == "" {
		dt = graph.Float32
	}
	switch dt {
	case graph.Float32, graph.Float16, graph.BFloat16:
	default:
		return nil, fmt.Errorf("memory: precision %s: layerinfo estimates float32, float16 and bfloat16", dt)
	}
	e := &Estimate{DType: dt, Layers: make([]Layer, len(g.Nodes))}
	s := newSim(g, order, e)
	s.params()
	s.inputs()
	if k := s.addFoldedParams(); k > 0 {
		e.Notes = append(e.Notes, fmt.Sprintf("%d convolutions carry a BatchNorm that the exporter folded into them (their weight and bias are named onnx::Conv_…, an inference-mode torch.onnx export): each is counted as convolution + BatchNorm, as training runs it (the BatchNorm's output, what it keeps, its 4 parameters per channel)", k))
	}
	s.plan()
	s.training()
	s.inference()
	if s.folded == nil {
		e.Notes = append(e.Notes, foldedNote(g)...)
	}
	if s.inputUnknown {
		e.InputBytes = -1
	}
	return e, nil
}

// foldedNote warns that an ONNX graph with biased convolutions and no
// normalization may be an inference-mode export, whose BatchNorm the
// exporter folded into the convolutions: training keeps what BatchNorm
// keeps, which the graph no longer shows.
func foldedNote(g *graph.Graph) []string {
	if g.Format != "onnx" {
		return nil
	}
	convs := 0
	for _, n := range g.Nodes {
		switch r := ruleFor(n.Type); {
		case r.stats != noStats:
			return nil
		case n.Type == "Conv":
			if len(n.Inputs) < 3 || n.Inputs[2] == nil {
				return nil // a convolution without bias: nothing was folded into it
			}
			if w := n.Inputs[1]; w != nil && w.Name != "" && !strings.HasPrefix(w.Name, "onnx::") {
				return nil // the model's own weight (conv1.weight): not folded (fold.go)
			}
			convs++
		}
	}
	if convs == 0 {
		return nil
	}
	return []string{"the graph has no normalization and every convolution a bias: if it was exported in inference mode (torch.onnx.export of a model in eval(), which folds BatchNorm into the convolutions), the training figures leave out what its BatchNorm layers keep (their input, about one activation per convolution): export with training=torch.onnx.TrainingMode.PRESERVE to count them"}
}

// bytesOf is a value's size at the estimate's precision, -1 when unknown.
func (s *sim) bytesOf(v *graph.Value) int64 {
	if v == nil || v.Shape == nil || !v.Shape.Known() {
		return -1
	}
	n := int64(1)
	for _, d := range v.Shape {
		if d.Size != 0 && n > (1<<62)/d.Size {
			return -1
		}
		n *= d.Size
	}
	bits := int64(v.DType.Bits())
	if v.DType == "" {
		bits = 32
	}
	if v.DType.IsFloat() && s.e.Mixed() {
		bits = 16
	}
	if bits == 0 {
		return -1
	}
	return (n*bits + 7) / 8
}
