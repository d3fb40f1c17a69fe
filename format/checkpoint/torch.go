package checkpoint

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/format/safetensors"
	"github.com/layerinfo/layerinfo/internal/fileio"
	"github.com/layerinfo/layerinfo/stats"

	"github.com/layerinfo/layerinfo/format/torchpt"
	"github.com/layerinfo/layerinfo/graph"
)

// Torch reads a torch.save checkpoint's pickle (never its tensor data).
// The model's tensors are told apart from an optimizer's state, LR
// schedulers and the other entries of a training checkpoint (see
// torchpt.Contents); those are described in notes and not counted.
//
// Classes outside torchpt's allow-list (argparse.Namespace, the user's
// nn.Module subclass of torch.save(model)) are kept as inert values:
// nothing in the pickle is ever called.
func Torch(name string, r io.ReaderAt, size int64, opt Options) (*graph.Graph, error) {
	f, err := (&torchpt.Decoder{Name: name, AllowUnknownGlobals: true, Budget: opt.Budget}).Decode(r, size)
	if err != nil {
		return nil, err
	}
	c := f.Contents()
	if c.Unplain != "" && len(c.Model) == 0 {
		return nil, fmt.Errorf("%s holds a pickled module (torch.save(model) of %s) whose state is not plain data: %s; "+
			"save its state_dict instead: torch.save(model.state_dict(), %q)", name, moduleClass(f), c.Unplain, "model.pt")
	}
	if len(c.Model) == 0 {
		what := "no tensors"
		if len(f.Tensors) > 0 {
			what = "no model tensors"
		}
		return nil, fmt.Errorf("%s in %s: it holds %s", what, name, c.Summary())
	}
	ts := make([]Tensor, 0, len(c.Model))
	for _, t := range c.Model {
		tie := ""
		if t.Storage != nil {
			tie = fmt.Sprintf("%s@%d", t.Storage.Key, t.StorageOffset)
		}
		train := Guess
		if c.Module != "" {
			train = NotTrainable
			if t.Parameter && t.RequiresGrad && !t.Buffer {
				train = Trainable
			}
		}
		ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType), Bytes: t.Bytes, Tie: tie, Train: train, Module: t.Module})
	}
	notes := append(configNote(name, opt.Dir), torchNotes(f, c)...)
	return Build(name, "torch", ts, notes, opt.Budget)
}

func moduleClass(f *torchpt.File) string {
	if o, ok := f.Root.(*torchpt.Object); ok {
		return o.Class.String()
	}
	for _, g := range f.Unknown {
		return g.String()
	}
	return "a module"
}

// torchNotes says where the model's tensors come from and what else the
// checkpoint holds.
func torchNotes(f *torchpt.File, c *torchpt.Contents) []string {
	var notes []string
	for _, g := range f.Unknown {
		if strings.HasPrefix(g.Module, "__torch__") {
			notes = append(notes, "a TorchScript archive (torch.jit.save): its modules' tensors are read; trainability is guessed from the names")
			break
		}
	}
	switch {
	case c.Module != "":
		n := fmt.Sprintf("a pickled module (torch.save(model)) of class %s, read as its state_dict: parameters with requires_grad are trainable, buffers and frozen parameters are not", c.Module)
		if c.NonPersistent > 0 {
			n += fmt.Sprintf("; %s left out, as state_dict does", plural(c.NonPersistent, "non-persistent buffer"))
		}
		notes = append(notes, n)
	case len(c.Sources) == 1 && c.Sources[0].Path != "":
		notes = append(notes, fmt.Sprintf("the model is the %s %q (%s)", c.Sources[0].What, c.Sources[0].Path, plural(c.Sources[0].Tensors, "tensor")))
	case len(c.Sources) > 1:
		var parts []string
		for _, s := range c.Sources {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", s.What, quote(s.Path), size(s)))
		}
		notes = append(notes, "the file holds several models, all counted, each name starting with its key: "+strings.Join(parts, ", "))
	}
	if c.Unplain != "" {
		notes = append(notes, "a pickled module whose state is not plain data is left out: "+c.Unplain)
	}
	for _, p := range c.Copies {
		notes = append(notes, fmt.Sprintf("%s: %s, an EMA or averaged copy (%s), not counted", quote(p.Path), p.What, size(p)))
	}
	for _, o := range c.Optimizers {
		notes = append(notes, fmt.Sprintf("optimizer state %s (%s): %s, not counted", quote(o.Path), o.Describe(), size(o.Part)))
	}
	for _, s := range c.Schedulers {
		notes = append(notes, fmt.Sprintf("%s: %s, not counted", quote(s.Path), s.What))
	}
	if len(c.Other) > 0 {
		var parts []string
		for _, p := range c.Other {
			s := p.Path + " " + p.What
			if p.Path == "" {
				s = p.What
			}
			if p.Tensors > 0 && !(p.Tensors == 1 && strings.HasPrefix(p.What, "tensor ")) {
				s += " (" + size(p) + ")"
			} else if p.Tensors == 1 {
				s += " (" + plural64(p.Elements, "element") + ")"
			}
			parts = append(parts, s)
		}
		const max = 12
		if len(parts) > max {
			parts = append(parts[:max], fmt.Sprintf("and %d more", len(parts)-max))
		}
		notes = append(notes, "other entries, not counted: "+strings.Join(parts, ", "))
	}
	for _, g := range f.Unknown {
		if dangerous(g) {
			notes = append(notes, fmt.Sprintf("warning: the pickle calls %s, which torch.load(weights_only=False) would run; layerinfo never runs anything", g))
		}
	}
	return notes
}

// dangerous names the callables a pickle uses to run code.
func dangerous(g torchpt.Global) bool {
	mod, _, _ := strings.Cut(g.Module, ".")
	switch mod {
	case "os", "posix", "nt", "subprocess", "sys", "runpy", "importlib", "shutil", "socket", "pty", "webbrowser", "ctypes", "code", "commands":
		return true
	case "builtins", "__builtin__":
		switch g.Name {
		case "eval", "exec", "compile", "getattr", "__import__", "open", "execfile", "input", "breakpoint":
			return true
		}
	case "pickle", "_pickle", "cPickle", "marshal", "dill":
		return true
	}
	return false
}

func quote(path string) string {
	if path == "" {
		return "(the whole file)"
	}
	return strconv.Quote(path)
}

// size is "12 tensors, 120 elements".
func size(p torchpt.Part) string {
	return plural(p.Tensors, "tensor") + ", " + plural64(p.Elements, "element")
}

func plural(n int, what string) string { return plural64(int64(n), what) }

func plural64(n int64, what string) string {
	if n != 1 {
		what += "s"
	}
	return thousands(n) + " " + what
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n int64) string { return stats.Thousands(n) }

// torchIndex reads the torch.save shards of a pytorch_model.bin.index.json
// from opt.Dir: each shard's state dict, checked against the weight_map.
func torchIndex(name string, ix *safetensors.Index, opt Options) (*graph.Graph, error) {
	shards := ix.Shards()
	if opt.Dir == nil {
		return nil, fmt.Errorf("%s: %s cannot be read: the index was %w", name, fileio.Shards(len(shards)), fileio.ErrNoDir)
	}
	var ts []Tensor
	found := map[string]bool{}
	for _, shard := range shards {
		path := filepath.Join(filepath.Dir(name), shard)
		d := &torchpt.Decoder{Name: path, AllowUnknownGlobals: true, Budget: opt.Budget}
		f, err := fileio.OpenIn(opt.Dir, filepath.ToSlash(shard), path, d.Decode)
		if err != nil {
			shardErr(shard, err)
			return nil, fmt.Errorf("%s: shard %s: %w", name, shard, err)
		}
		c := f.Contents()
		for _, t := range c.Model {
			if want, ok := ix.WeightMap[t.Name]; !ok {
				return nil, fmt.Errorf("%s: shard %s holds tensor %q, which is not in the weight_map", name, shard, t.Name)
			} else if want != shard {
				return nil, fmt.Errorf("%s: shard %s holds tensor %q, which the weight_map assigns to %s", name, shard, t.Name, want)
			}
			found[t.Name] = true
			tie := ""
			if t.Storage != nil {
				tie = fmt.Sprintf("%s:%s@%d", shard, t.Storage.Key, t.StorageOffset)
			}
			ts = append(ts, Tensor{Name: t.Name, Shape: t.Shape, DType: dtypeName(t.DType), Bytes: t.Bytes, Tie: tie})
		}
	}
	var missing []string
	for t := range ix.WeightMap {
		if !found[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%s: tensor %q is not in its shard %s (%d weight_map tensors missing)", name, missing[0], ix.WeightMap[missing[0]], len(missing))
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no tensors in %s: its weight_map is empty", name)
	}
	notes := append(configNote(name, opt.Dir), fmt.Sprintf("%d torch.save shards", len(shards)))
	return Build(name, "torch", ts, notes, opt.Budget)
}
