package layerinfo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/memory"
	"github.com/layerinfo/layerinfo/stats"
)

// MemoryOptions ask for the memory estimate (package memory).
type MemoryOptions struct {
	// DType is the precision: float32 (the default), float16 or
	// bfloat16 (training in automatic mixed precision).
	DType string
	// GPU, when set, asks for the largest batch that fits: a size
	// ("24GiB", "16000MiB") or a card (GPUs lists them).
	GPU string
	// Optimizer limits the training figures of MaxBatch to one optimizer
	// (sgd, sgd_momentum, adam; adamw is adam); "" for all three.
	Optimizer string
}

// GPUs are the cards --gpu knows, by name, with their memory as the
// card is sold (the CUDA context and fragmentation are not subtracted).
var GPUs = map[string]int64{
	"A100-40GB": 40 << 30,
	"A100-80GB": 80 << 30,
	"H100-80GB": 80 << 30,
	"RTX-4090":  24 << 30,
	"L4":        24 << 30,
	"T4":        16 << 30,
}

// GPUBytes reads a GPU's memory: a known card's name (case and "-"
// insensitive) or a size such as 24GiB.
func GPUBytes(s string) (name string, bytes int64, err error) {
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, "-", "")) }
	for n, b := range GPUs {
		if norm(n) == norm(s) {
			return n, b, nil
		}
	}
	b, err := budget.Parse(s)
	if err != nil || b <= 0 {
		names := strings.Join(sortedKeys(GPUs), ", ")
		return "", 0, fmt.Errorf("%q is neither a size (24GiB) nor a known GPU (%s)", s, names)
	}
	return s, b, nil
}

func sortedKeys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }

// EstimateMemory computes the memory of g, analysed by Analyze into r,
// and sets r.Memory.
func EstimateMemory(g *graph.Graph, r *stats.Report, mo MemoryOptions) (*memory.Estimate, error) {
	e, err := memory.Compute(g, memory.Options{DType: graph.DType(mo.DType)})
	if err != nil {
		return nil, err
	}
	if r != nil {
		r.Memory = e.Section()
	}
	return e, nil
}

// ErrNoBatch is returned by MaxBatch for a model whose batch layerinfo
// cannot set.
var ErrNoBatch = errors.New("layerinfo sets the batch of ONNX models, Lasagne and PyTorch code (the first axis of their input shapes) and transformer configurations (batch)")

// WithBatch is opt with the batch set to b for the model g that Load read
// with opt: the first axis of every input shape (ONNX's graph inputs,
// Python's input shapes, Lasagne's InputLayers), or the transformer
// configuration's batch.
func WithBatch(opt Options, g *graph.Graph, b int64) (Options, error) {
	with := func(shapes map[string][]int64) map[string][]int64 {
		out := make(map[string][]int64, len(shapes))
		for k, s := range shapes {
			c := append([]int64(nil), s...)
			if len(c) > 0 {
				c[0] = b
			}
			out[k] = c
		}
		return out
	}
	fromGraph := func(vals []*graph.Value) (map[string][]int64, error) {
		out := map[string][]int64{}
		for _, v := range vals {
			if v == nil || v.Shape == nil || len(v.Shape) == 0 {
				continue
			}
			s := make([]int64, len(v.Shape))
			for i, d := range v.Shape {
				s[i] = d.Size
				if i > 0 && !d.Known() {
					return nil, fmt.Errorf("the shape of input %s is not known past its batch axis: give its whole shape", v.Name)
				}
			}
			s[0] = b
			out[v.Name] = s
		}
		return out, nil
	}
	switch g.Format {
	case "onnx":
		if len(opt.ONNX.InputShapes) > 0 {
			opt.ONNX.InputShapes = with(opt.ONNX.InputShapes)
			return opt, nil
		}
		s, err := fromGraph(g.Inputs)
		opt.ONNX.InputShapes = s
		return opt, err
	case "transformers":
		opt.HF.Batch = b
		return opt, nil
	case "pytorch", "nolearn", "lasagne":
		if len(opt.Python.InputShapes) > 0 {
			opt.Python.InputShapes = with(opt.Python.InputShapes)
			return opt, nil
		}
		if g.Format != "pytorch" {
			var ins []*graph.Value
			for _, n := range g.Nodes {
				if n.Type == "InputLayer" && len(n.Outputs) == 1 {
					v := *n.Outputs[0]
					v.Name = n.Name
					ins = append(ins, &v)
				}
			}
			if len(ins) > 0 {
				s, err := fromGraph(ins)
				opt.Python.InputShapes = s
				return opt, err
			}
		}
	}
	return opt, fmt.Errorf("%s model: %w", g.Format, ErrNoBatch)
}

// MaxBatch finds, for the model in that Load read with opt as g, the
// largest batch whose estimate fits capacity bytes: for inference
// (weights, input and the inference peak) and for a training step with
// each optimizer. It loads and analyses the model again at each batch it
// tries (doubling, then halving the gap), assuming that memory grows with
// the batch. A figure is 0 when batch 1 does not fit, nil when the
// estimate is unknown.
func MaxBatch(ctx context.Context, in Input, opt Options, g *graph.Graph, mo MemoryOptions, capacity int64) (*stats.MaxBatch, error) {
	if _, err := WithBatch(opt, g, 1); err != nil {
		return nil, err
	}
	opt.NoArithmetic, opt.LazyRows, opt.Progress = true, true, nil
	cache := map[int64]*memory.Estimate{}
	at := func(b int64) (*memory.Estimate, error) {
		if e, ok := cache[b]; ok {
			return e, nil
		}
		o, err := WithBatch(opt, g, b)
		if err != nil {
			return nil, err
		}
		g2, err := Load(ctx, in, o)
		if err != nil {
			return nil, fmt.Errorf("at batch %d: %w", b, err)
		}
		if _, err := Analyze(ctx, g2, o); err != nil {
			return nil, fmt.Errorf("at batch %d: %w", b, err)
		}
		e, err := memory.Compute(g2, memory.Options{DType: graph.DType(mo.DType)})
		if err != nil {
			return nil, err
		}
		cache[b] = e
		return e, nil
	}
	search := func(need func(*memory.Estimate) int64) (*int64, error) {
		e, err := at(1)
		if err != nil {
			return nil, err
		}
		if need(e) < 0 {
			return nil, nil
		}
		var zero int64
		if need(e) > capacity {
			return &zero, nil
		}
		lo, hi := int64(1), int64(2) // lo fits; hi is to try
		const most = 1 << 24
		for {
			e, err := at(hi)
			if err != nil {
				return nil, err
			}
			v := need(e)
			if v < 0 {
				return nil, nil
			}
			if v > capacity {
				break
			}
			lo = hi
			if hi >= most {
				return &lo, nil
			}
			hi *= 2
		}
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			e, err := at(mid)
			if err != nil {
				return nil, err
			}
			if v := need(e); v >= 0 && v <= capacity {
				lo = mid
			} else {
				hi = mid
			}
		}
		return &lo, nil
	}
	name, _, err := GPUBytes(mo.GPU)
	if err != nil {
		name = mo.GPU
	}
	mb := &stats.MaxBatch{GPU: name, GPUBytes: capacity, Training: map[string]*int64{}}
	if mb.Inference, err = search((*memory.Estimate).InferenceTotal); err != nil {
		return nil, err
	}
	want := mo.Optimizer
	if want == "adamw" {
		want = "adam"
	}
	for _, o := range []string{"sgd", "sgd_momentum", "adam"} {
		if want != "" && o != want {
			continue
		}
		if mb.Training[o], err = search(func(e *memory.Estimate) int64 { return e.Peak(o) }); err != nil {
			return nil, err
		}
	}
	return mb, nil
}
