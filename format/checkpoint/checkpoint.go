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
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/internal/uniq"
	"github.com/layerinfo/layerinfo/op"
	"github.com/layerinfo/layerinfo/stats"
)

// Options are what a checkpoint reader needs beyond the file: the run's
// memory budget and the model's directory.
type Options struct {
	// Budget is charged for what a header declares (tensors, strings,
	// the decompressed pickle, the values a pickle builds) and for the
	// graph and report rows of every tensor, before they are made; nil
	// charges each request against the default limit only.
	Budget *budget.Budget
	// Dir is the directory holding the file (fileio.Dir), from which an
	// index's shards and a config.json beside the checkpoint are read;
	// nil (standard input, bytes in memory) reads none.
	Dir fs.FS
}

// RowCost is the memory one tensor costs from the checkpoint's graph to
// the printed report (graph.Value and graph.Param, the module's node, its
// stats row and text), beyond its name: a header of a million one-element
// tensors in 250,000 modules peaks at 1.0 GB resident for the table and
// 1.7 GB for --json (about 330 bytes a tensor stay live after Load; the
// rest is the report and its rendering).
const RowCost = 1 << 10

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

// Build makes the graph of a checkpoint's tensors, charging b for it and
// for the report it makes (RowCost a tensor, and its name).
func Build(path, format string, tensors []Tensor, notes []string, b *budget.Budget) (*graph.Graph, error) {
	return build(path, format, tensors, notes, b, RowCost)
}

// build is Build charging rowCost a tensor: 0 when the decoder reserved
// RowCost with each tensor of the header.
func build(path, format string, tensors []Tensor, notes []string, b *budget.Budget, rowCost int64) (*graph.Graph, error) {
	n := budget.Items(int64(len(tensors)), rowCost)
	for i := range tensors {
		n += 2 * int64(len(tensors[i].Name))
	}
	if err := b.Charge(n, fmt.Sprintf("the graph and report of %s tensors", stats.Thousands(int64(len(tensors))))); err != nil {
		return nil, err
	}
	g := &graph.Graph{Path: path, Format: format, Notes: notes}
	// Modules in order of their first tensor; a module's tensors are
	// start[m]:start[m+1] of order.
	mods := uniq.New(len(tensors))
	modOf := make([]int32, len(tensors))
	rank := 0
	for i := range tensors {
		m, _ := mods.Add(moduleOf(tensors[i].Name))
		modOf[i] = int32(m)
		rank += len(tensors[i].Shape)
	}
	start := make([]int32, mods.Len()+1)
	for _, m := range modOf {
		start[m+1]++
	}
	for m := 1; m < len(start); m++ {
		start[m] += start[m-1]
	}
	order := make([]int32, len(tensors))
	next := slices.Clone(start[:len(start)-1])
	for i, m := range modOf {
		order[next[m]] = int32(i)
		next[m]++
	}
	// The graph's values, parameters, shapes and input lists are cut
	// from one block each.
	dims := make([]graph.Dim, rank)
	params := make([]graph.Param, len(tensors))
	values := make([]graph.Value, len(tensors))
	inputs := make([]*graph.Value, len(tensors))
	g.Nodes = make([]*graph.Node, 0, mods.Len())
	tied := map[string]*graph.Param{}
	// Module names are distinct; a name made for a module without one
	// ("#N" after it) may meet another: made holds those names.
	var made map[string]bool
	for m := range mods.Len() {
		ts := order[start[m]:start[m+1]]
		ins := inputs[start[m]:start[m+1]:start[m+1]]
		for k, i := range ts {
			t := &tensors[i]
			shape := graph.Shape(dims[:len(t.Shape):len(t.Shape)])
			dims = dims[len(t.Shape):]
			for j, n := range t.Shape {
				if n < 0 {
					shape[j] = graph.Unknown()
				} else {
					shape[j] = graph.D(n)
				}
			}
			key := ""
			if t.Tie != "" {
				key = t.Tie + "|" + shape.String()
			}
			var p *graph.Param
			if key != "" {
				p = tied[key]
			}
			if p == nil {
				p = &params[i]
				*p = graph.Param{Name: t.Name, Role: lastPart(t.Name), Shape: shape, DType: t.DType, Trainable: trainable(t), Bytes: t.Bytes}
				if key != "" {
					tied[key] = p
				}
			}
			v := &values[i]
			*v = graph.Value{Name: t.Name, Shape: shape, DType: t.DType, Param: p}
			ins[k] = v
		}
		modName := mods.Key(m)
		name := modName
		if name == "" || made[name] {
			name = fmt.Sprintf("%s#%d", name, len(g.Nodes))
			if made == nil {
				made = map[string]bool{}
			}
			made[name] = true
		}
		typ := tensors[ts[0]].Module
		for _, i := range ts {
			if tensors[i].Module != typ {
				typ = ""
			}
		}
		if typ == "" {
			typ = "tensors"
		}
		g.NewNode(name, typ, op.Weights{}, ins, 0, graph.Pos{File: path, Path: modName})
	}
	// Module names are distinct, so only a made name can be a node's
	// name twice; then Validate says which.
	if made != nil {
		if err := g.Validate(); err != nil {
			return nil, fmt.Errorf("%s: internal error: %w", path, err)
		}
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
func trainable(t *Tensor) bool {
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
// the architecture the tensors belong to: a regular file in the model's
// directory.
func configNote(path string, dir fs.FS) []string {
	if dir == nil {
		return nil
	}
	if _, err := fileio.Stat(dir, "config.json"); err == nil {
		cfg := filepath.Join(filepath.Dir(path), "config.json")
		return []string{fmt.Sprintf("%s describes the architecture: run layerinfo on it for the layer graph, FLOPs and memory", cfg)}
	}
	return nil
}

// shardErr names the shard an error of a shard's decoder comes from:
// the budget's error is reported alone, without the messages around it.
func shardErr(shard string, err error) {
	var be *budget.Error
	if errors.As(err, &be) {
		be.Where = strings.TrimSpace(shard + " " + be.Where)
	}
}
