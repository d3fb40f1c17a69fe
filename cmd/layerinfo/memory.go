package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/layerinfo/layerinfo"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// memoryFlags are the options of the memory estimate (issue 13): any of
// them adds the memory section to the table, --explain and the JSON.
type memoryFlags struct {
	on        *bool
	dtype     *string
	optimizer *string
	gpu       *string
}

func addMemoryFlags(fs *flag.FlagSet) *memoryFlags {
	return &memoryFlags{
		on:        fs.Bool("memory", false, "add the GPU memory estimate (PyTorch on CUDA): weights, inference peak, training-step peaks for SGD, SGD+momentum and Adam/AdamW, per layer the activation and saved-for-backward bytes (the batch is --input-shape's first axis, --batch for a transformer config)"),
		dtype:     fs.String("dtype", "", "memory estimate: the precision, `TYPE` float32 (default), float16 or bfloat16 (training in mixed precision); implies --memory"),
		optimizer: fs.String("optimizer", "", "memory estimate: the optimizer whose training peak to print, `NAME` sgd, sgd-momentum, adam or adamw (default: all); implies --memory"),
		gpu:       fs.String("gpu", "", "memory estimate: the largest batch that fits for inference and training on a GPU of `SIZE` (24GiB) or a card: A100-40GB, A100-80GB, H100-80GB, RTX-4090, L4, T4; implies --memory"),
	}
}

// asked reports whether a memory option was given.
func (m *memoryFlags) asked() bool {
	return *m.on || *m.dtype != "" || *m.optimizer != "" || *m.gpu != ""
}

// check refuses values that do not parse, before the model is read.
func (m *memoryFlags) check(output string) error {
	if !m.asked() {
		return nil
	}
	if output != "table" && output != "json" {
		return fmt.Errorf("the memory estimate (--memory, --dtype, --optimizer, --gpu) is printed by the table, --explain and json, not -o %s", output)
	}
	switch *m.dtype {
	case "", "float32", "float16", "bfloat16":
	case "fp32":
		*m.dtype = "float32"
	case "fp16", "half":
		*m.dtype = "float16"
	case "bf16":
		*m.dtype = "bfloat16"
	default:
		return fmt.Errorf("--dtype %q: float32, float16 or bfloat16", *m.dtype)
	}
	switch strings.ReplaceAll(strings.ToLower(*m.optimizer), "_", "-") {
	case "", "sgd", "sgd-momentum", "momentum", "adam", "adamw":
	default:
		return fmt.Errorf("--optimizer %q: sgd, sgd-momentum, adam or adamw", *m.optimizer)
	}
	if *m.gpu != "" {
		if _, _, err := layerinfo.GPUBytes(*m.gpu); err != nil {
			return fmt.Errorf("--gpu: %v", err)
		}
	}
	return nil
}

// apply adds the memory section to r (the estimate of g at its batch and,
// with --gpu, the largest batches).
func (m *memoryFlags) apply(ctx context.Context, in layerinfo.Input, opt layerinfo.Options, g *graph.Graph, r *stats.Report) error {
	if !m.asked() {
		return nil
	}
	mo := layerinfo.MemoryOptions{DType: *m.dtype, GPU: *m.gpu, Optimizer: m.optimizerName()}
	if _, err := layerinfo.EstimateMemory(g, r, mo); err != nil {
		return err
	}
	r.Memory.Optimizer = mo.Optimizer
	if mo.GPU != "" {
		_, capacity, err := layerinfo.GPUBytes(mo.GPU)
		if err != nil {
			return err
		}
		mb, err := layerinfo.MaxBatch(ctx, in, opt, g, mo, capacity)
		if err != nil {
			return fmt.Errorf("--gpu: %w", err)
		}
		r.Memory.MaxBatch = mb
	}
	return nil
}

// optimizerName is --optimizer as the report names it: sgd,
// sgd_momentum or adam (adamw is adam in memory), "" for all.
func (m *memoryFlags) optimizerName() string {
	switch strings.ReplaceAll(strings.ToLower(*m.optimizer), "_", "-") {
	case "sgd":
		return "sgd"
	case "sgd-momentum", "momentum":
		return "sgd_momentum"
	case "adam", "adamw":
		return "adam"
	}
	return ""
}

// section writes the memory section under the table or --explain.
func memorySection(w io.Writer, r *stats.Report, output string, explain bool) error {
	if r.Memory == nil || output != "table" {
		return nil
	}
	if explain {
		return render.MemoryExplain(w, r.Memory)
	}
	return render.MemorySection(w, r.Memory)
}
