// Package checkpoint turns the tensor lists of checkpoint files
// (safetensors, sharded safetensors, GGUF, PyTorch .pt/.bin) into a graph:
// one node per module (the tensor name without its last component), each
// holding its tensors as parameters. Checkpoints store weights, not the
// computation, so there are no shapes to infer and FLOPs are unknown; the
// point is exact counts and bytes by dtype, from the headers alone.
//
// Rows keep the file's order: a module appears where its first tensor is
// (the safetensors header's key order, GGUF's tensor order, the pickle's
// dict order, which for a state_dict is the model's definition order).
//
// Trainability is not recorded in state dicts: tensors named like
// BatchNorm running statistics and integer tensors count as
// non-trainable, everything else as trainable. A pickled nn.Module
// (torch.save(model)) says it: buffers and frozen parameters are not
// trainable. Tensors sharing a PyTorch storage (tied weights) count once.
//
// A torch checkpoint's optimizer state, LR schedulers and other entries
// are not the model's tensors: they are reported in notes, not counted.
package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op"
)

// Tensor is one tensor as a checkpoint describes it.
type Tensor struct {
	Name  string
	Shape []int64
	DType graph.DType
	Bytes int64  // stored bytes (block quantized types are not elements × bits)
	Tie   string // tensors with the same non-empty Tie and shape are one tensor (a shared storage)
	Train Train  // whether an optimizer trains it, when the file says
	// Module is the class of the module holding the tensor ("Linear"),
	// when the file says (a pickled nn.Module).
	Module string
}

// Train says whether a tensor is trained.
type Train int8

const (
	Guess        Train = iota // not recorded: guessed from the name and dtype
	Trainable                 // a parameter with requires_grad
	NotTrainable              // a buffer, or a frozen parameter
)

// Build makes the graph of a checkpoint's tensors.
func Build(path, format string, tensors []Tensor, notes []string) (*graph.Graph, error) {
	g := &graph.Graph{Path: path, Format: format, Notes: notes}
	type module struct {
		name string
		ts   []Tensor
	}
	var mods []*module
	byName := map[string]*module{}
	for _, t := range tensors {
		m := moduleOf(t.Name)
		if byName[m] == nil {
			byName[m] = &module{name: m}
			mods = append(mods, byName[m])
		}
		byName[m].ts = append(byName[m].ts, t)
	}
	tied := map[string]*graph.Param{}
	seen := map[string]bool{}
	for _, m := range mods {
		var ins []*graph.Value
		for _, t := range m.ts {
			shape := graph.S(t.Shape...)
			key := ""
			if t.Tie != "" {
				key = t.Tie + "|" + shape.String()
			}
			p := tied[key]
			if p == nil || key == "" {
				p = &graph.Param{Name: t.Name, Role: lastPart(t.Name), Shape: shape, DType: t.DType, Trainable: trainable(t), Bytes: t.Bytes}
				if key != "" {
					tied[key] = p
				}
			}
			ins = append(ins, &graph.Value{Name: t.Name, Shape: shape, DType: t.DType, Param: p})
		}
		name := m.name
		if name == "" || seen[name] {
			name = fmt.Sprintf("%s#%d", name, len(g.Nodes))
		}
		seen[name] = true
		typ := m.ts[0].Module
		for _, t := range m.ts {
			if t.Module != typ {
				typ = ""
			}
		}
		if typ == "" {
			typ = "tensors"
		}
		g.NewNode(name, typ, op.Weights{}, ins, 0, graph.Pos{File: path, Path: m.name})
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: internal error: %v", path, err)
	}
	return g, nil
}

// moduleOf is a tensor's module: "model.layers.0.mlp.up_proj.weight" →
// "model.layers.0.mlp.up_proj".
func moduleOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// trainable guesses what an optimizer would train: not running statistics,
// not integer tensors.
func trainable(t Tensor) bool {
	switch t.Train {
	case Trainable:
		return true
	case NotTrainable:
		return false
	}
	switch lastPart(t.Name) {
	case "running_mean", "running_var", "num_batches_tracked":
		return false
	}
	return t.DType.IsFloat() || t.DType == ""
}

// configNote mentions a config.json beside a checkpoint, which describes
// the architecture the tensors belong to.
func configNote(path string) []string {
	if path == "" || path == "<stdin>" {
		return nil
	}
	cfg := filepath.Join(filepath.Dir(path), "config.json")
	if _, err := os.Stat(cfg); err == nil {
		return []string{fmt.Sprintf("%s describes the architecture: run layerinfo on it for the layer graph, FLOPs and memory", cfg)}
	}
	return nil
}

var errNoDir = errors.New("a sharded checkpoint index must be read from a file, next to its shards")
