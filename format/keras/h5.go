package keras

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/internal/hdf5"
	"github.com/layerinfo/layerinfo/op"
)

// maxWeightsPerLayer caps the weights one layer group may list.
const maxWeightsPerLayer = 1 << 16

// h5File is an open Keras HDF5 file with the name messages use.
type h5File struct {
	name  string // "model.h5", "model.keras: model.weights.h5"
	entry string // the archive member, for OffsetError
	f     *hdf5.File
	b     *budget.Budget
}

// wrap turns an HDF5 error into an OffsetError naming the file.
func (h *h5File) wrap(path string, err error) error {
	if err == nil {
		return nil
	}
	var he *hdf5.Error
	if errors.As(err, &he) {
		return &graph.OffsetError{File: h.name, Entry: h.entry, Offset: he.Offset, Path: path, Msg: he.Msg, Err: he.Err}
	}
	var be *budget.Error
	if errors.As(err, &be) {
		return err
	}
	return &graph.OffsetError{File: h.name, Entry: h.entry, Offset: -1, Path: path, Err: err}
}

// DecodeH5 reads a Keras HDF5 file: a whole model (model.save, Keras 2's
// legacy format: the model_config attribute and the model_weights
// group) or weights only (save_weights: layer groups at the root).
func DecodeH5(name string, r io.ReaderAt, size int64, b *budget.Budget) (*graph.Graph, error) {
	loadTables()
	f, err := hdf5.Open(r, size, hdf5.Options{Budget: b})
	h := &h5File{name: name, f: f, b: b}
	if err != nil {
		return nil, h.wrap("", err)
	}
	root := f.Root()
	cfg, err := root.Attr("model_config")
	if err != nil {
		return nil, h.wrap("/", err)
	}
	if cfg == nil {
		return h.weightsOnly(root)
	}
	text, ok := cfg.Value.(string)
	if !ok {
		return nil, &graph.OffsetError{File: name, Offset: -1, Path: "/", Msg: fmt.Sprintf("the model_config attribute is %s, not a JSON string", cfg.DType)}
	}
	w := &h5Weights{h: h}
	if mw, err := root.Group("model_weights"); err == nil {
		w.g = mw
	} else {
		w.g = root // some writers put the layer groups at the root
	}
	g, err := decodeJSON(name+": model_config", []byte(text), b, w)
	if err != nil {
		return nil, err
	}
	if w.err != nil {
		return nil, w.err
	}
	g.Path = name
	if tc, _ := root.Attr("training_config"); tc != nil {
		if _, err := root.Group("optimizer_weights"); err == nil {
			g.Notes = append(g.Notes, "the file's optimizer_weights (optimizer state) are not model parameters and are not counted")
		}
	}
	return g, nil
}

// h5Weights gives each layer the datasets its group lists in
// weight_names (Keras 2: model_weights/<layer>/<weight name>).
type h5Weights struct {
	h   *h5File
	g   *hdf5.Group
	err error
}

func (w *h5Weights) layerWeights(chain []pathElem) ([]fileWeight, bool) {
	if w.err != nil {
		return nil, false
	}
	top := chain[0].l.name
	lg, err := w.g.Group(top)
	if err != nil {
		return nil, false
	}
	ws, err := w.h.groupWeights(lg)
	if err != nil {
		w.err = err
		return nil, false
	}
	if len(chain) == 1 {
		return ws, true
	}
	// A layer of a nested model: the weights of the nested model's
	// group whose names are in the layer's scope. None found is not
	// "no weights" (TensorFlow may have named the variables otherwise):
	// the config's then stand.
	inner := chain[len(chain)-1].l.name
	var out []fileWeight
	for _, fw := range ws {
		parts := strings.Split(fw.name, "/")
		for _, p := range parts[:len(parts)-1] {
			if p == inner {
				out = append(out, fw)
				break
			}
		}
	}
	return out, len(out) > 0
}

// groupWeights reads a layer group's weight_names and the shapes of the
// datasets they name.
func (h *h5File) groupWeights(lg *hdf5.Group) ([]fileWeight, error) {
	a, err := lg.Attr("weight_names")
	if err != nil {
		return nil, h.wrap(lg.Path(), err)
	}
	if a == nil {
		return nil, nil
	}
	var names []string
	switch v := a.Value.(type) {
	case []string:
		names = v
	case string:
		names = []string{v}
	}
	if len(names) > maxWeightsPerLayer {
		return nil, &graph.OffsetError{File: h.name, Offset: -1, Path: lg.Path(), Msg: fmt.Sprintf("%d weight names is more than %d", len(names), maxWeightsPerLayer)}
	}
	out := make([]fileWeight, 0, len(names))
	for _, wn := range names {
		ds, err := lg.Dataset(wn)
		if err != nil {
			return nil, h.wrap(lg.Path()+"/"+wn, err)
		}
		out = append(out, weightOf(trimSuffix(wn, ":0"), ds))
	}
	return out, nil
}

func trimSuffix(s, suf string) string { return strings.TrimSuffix(s, suf) }

// weightOf describes a dataset as a weight, its trainability guessed
// from its name (Keras lists a layer's trainable weights first, then the
// statistics).
func weightOf(name string, ds *hdf5.Dataset) fileWeight {
	role := name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		role = name[i+1:]
	}
	s := make(graph.Shape, len(ds.Shape))
	for i, d := range ds.Shape {
		s[i] = graph.D(d)
	}
	return fileWeight{name: name, role: role, shape: s, dtype: h5DType(ds.DType), trainable: trainableName(role)}
}

// trainableName guesses from a weight's name whether an optimizer
// trains it: not a moving statistic nor a counter.
func trainableName(role string) bool {
	switch role {
	case "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev", "running_mean", "running_std",
		"count", "mean", "variance", "seed_generator_state", "iteration", "iterations":
		return false
	}
	return true
}

func h5DType(s string) graph.DType {
	s = strings.TrimLeft(s, "<>|=")
	switch s {
	case "float32", "f4":
		return graph.Float32
	case "float16", "f2":
		return graph.Float16
	case "float64", "f8":
		return graph.Float64
	case "int64", "i8":
		return graph.Int64
	case "int32", "i4":
		return graph.Int32
	case "uint8", "u1":
		return graph.Uint8
	case "bool":
		return graph.Bool
	}
	return graph.DType(s)
}

// weightsOnly is a save_weights file: the layers (layer_names) in model
// order with their weights, without the architecture.
func (h *h5File) weightsOnly(root *hdf5.Group) (*graph.Graph, error) {
	g := &graph.Graph{Format: "keras", Path: h.name, Prints: graph.Printed{Which: "total", Label: "Total params"}}
	a, err := root.Attr("layer_names")
	if err != nil {
		return nil, h.wrap("/", err)
	}
	base := root
	if a == nil {
		// A whole-model file without model_config (Keras 1), or weights
		// saved in a model_weights group.
		if mw, err := root.Group("model_weights"); err == nil {
			base = mw
			if a, err = mw.Attr("layer_names"); err != nil {
				return nil, h.wrap("/model_weights", err)
			}
		}
	}
	if a == nil {
		if layers, err := root.Group("layers"); err == nil {
			return h.weights3Only(g, layers)
		}
		return nil, &graph.OffsetError{File: h.name, Offset: -1, Path: "/", Msg: "an HDF5 file without Keras's model_config or layer_names attributes: not a Keras model or weights file"}
	}
	var names []string
	switch v := a.Value.(type) {
	case []string:
		names = v
	case string:
		names = []string{v}
	}
	if len(names) > maxLayers {
		return nil, &graph.OffsetError{File: h.name, Offset: -1, Path: "/", Msg: fmt.Sprintf("%d layers is more than %d", len(names), maxLayers)}
	}
	seen := map[string]bool{}
	for _, ln := range names {
		if seen[ln] {
			return nil, &graph.OffsetError{File: h.name, Offset: -1, Path: "/", Msg: fmt.Sprintf("layer_names lists %s twice", ln)}
		}
		seen[ln] = true
		if err := h.b.Charge(layerCost, "a Keras layer"); err != nil {
			return nil, err
		}
		lg, err := base.Group(ln)
		if err != nil {
			return nil, h.wrap(base.Path()+"/"+ln, err)
		}
		ws, err := h.groupWeights(lg)
		if err != nil {
			return nil, err
		}
		var ins []*graph.Value
		for _, w := range ws {
			p := &graph.Param{Name: w.name, Role: w.role, Shape: w.shape, DType: w.dtype, Trainable: w.trainable}
			ins = append(ins, &graph.Value{Name: w.name, Shape: w.shape, DType: w.dtype, Param: p})
		}
		n := g.NewNode(ln, "weights", op.Weights{}, ins, 0, graph.Pos{File: h.name, Path: lg.Path()})
		_ = n
	}
	g.Notes = append(g.Notes, "weights only (save_weights): the file has no architecture, so there are no shapes or FLOPs; moving statistics are counted as non-trainable by their names. Run layerinfo on the model's JSON or a full model file for the rest")
	return g, nil
}

// kerasWeights gives each layer the variables of its group in a Keras 3
// model.weights.h5: layers/<snake_case class>[_N]/vars/0, 1, … (and the
// groups of its sub-layers), found by the vars group's name attribute
// or by class and position.
type kerasWeights struct {
	h      *h5File
	layers *hdf5.Group
	err    error
	byName map[*hdf5.Group]map[string]string // a layers group → layer name → member
}

func (w *kerasWeights) layerWeights(chain []pathElem) ([]fileWeight, bool) {
	if w.err != nil {
		return nil, false
	}
	g := w.layers
	for i, pe := range chain {
		member, ok := w.member(g, pe)
		if !ok {
			return nil, false
		}
		lg, err := g.Group(member)
		if err != nil {
			w.err = w.h.wrap(g.Path()+"/"+member, err)
			return nil, false
		}
		if i == len(chain)-1 {
			var out []fileWeight
			if err := w.collect(lg, pe.l.name, &out, 0); err != nil {
				w.err = err
				return nil, false
			}
			return out, true
		}
		if g, err = lg.Group("layers"); err != nil {
			return nil, false
		}
	}
	return nil, false
}

// member finds a layer's group in a layers group.
func (w *kerasWeights) member(g *hdf5.Group, pe pathElem) (string, bool) {
	if w.byName == nil {
		w.byName = map[*hdf5.Group]map[string]string{}
	}
	names, ok := w.byName[g]
	if !ok {
		names = map[string]string{}
		ms, err := g.Members()
		if err != nil {
			w.err = w.h.wrap(g.Path(), err)
			return "", false
		}
		for _, m := range ms {
			if m.Kind != hdf5.KindGroup {
				continue
			}
			vg, err := g.Group(m.Name + "/vars")
			if err != nil {
				continue
			}
			if a, err := vg.Attr("name"); err == nil && a != nil {
				if s, ok := a.Value.(string); ok {
					names[s] = m.Name
				}
			}
		}
		w.byName[g] = names
	}
	if m, ok := names[pe.l.name]; ok {
		return m, true
	}
	// Older files (before 3.6 or so) have no names: the class in
	// snake case, numbered in model.layers order.
	snake := snakeCase(pe.l.class)
	k := 0
	for _, o := range pe.m.layers {
		if o == pe.l {
			break
		}
		if snakeCase(o.class) == snake {
			k++
		}
	}
	if k > 0 {
		snake += "_" + strconv.Itoa(k)
	}
	if _, err := g.Group(snake); err != nil {
		return "", false
	}
	return snake, true
}

// collect lists the variables under a layer's group: its vars/0, 1, …
// then its sub-layers' (cell, forward_layer, …), depth first.
func (w *kerasWeights) collect(g *hdf5.Group, layer string, out *[]fileWeight, depth int) error {
	if depth > 16 {
		return nil
	}
	ms, err := g.Members()
	if err != nil {
		return w.h.wrap(g.Path(), err)
	}
	for _, m := range ms {
		if m.Name != "vars" || m.Kind != hdf5.KindGroup {
			continue
		}
		vg, err := g.Group("vars")
		if err != nil {
			return w.h.wrap(g.Path()+"/vars", err)
		}
		vs, err := vg.Members()
		if err != nil {
			return w.h.wrap(vg.Path(), err)
		}
		if len(vs) > maxWeightsPerLayer {
			return &graph.OffsetError{File: w.h.name, Entry: w.h.entry, Offset: -1, Path: vg.Path(), Msg: fmt.Sprintf("%d variables is more than %d", len(vs), maxWeightsPerLayer)}
		}
		sort.SliceStable(vs, func(i, j int) bool { return numLess(vs[i].Name, vs[j].Name) })
		for _, v := range vs {
			if v.Kind != hdf5.KindDataset {
				continue
			}
			ds, err := vg.Dataset(v.Name)
			if err != nil {
				return w.h.wrap(vg.Path()+"/"+v.Name, err)
			}
			fw := weightOf(v.Name, ds)
			fw.name, fw.role, fw.trainable = "", "var"+v.Name, true
			*out = append(*out, fw)
		}
	}
	for _, m := range ms {
		if m.Name == "vars" || m.Kind != hdf5.KindGroup {
			continue
		}
		sub, err := g.Group(m.Name)
		if err != nil {
			return w.h.wrap(g.Path()+"/"+m.Name, err)
		}
		if err := w.collect(sub, layer, out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// numLess orders "2" before "10".
func numLess(a, b string) bool {
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if err1 == nil && err2 == nil {
		return x < y
	}
	return a < b
}

var (
	snake1 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`) })
	snake2 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([a-z])([A-Z])`) })
)

// snakeCase is Keras's to_snake_case: Conv2D → conv2d, ReLU → re_lu,
// BatchNormalization → batch_normalization.
func snakeCase(s string) string {
	s = snake1().ReplaceAllString(s, "${1}_${2}")
	return strings.ToLower(snake2().ReplaceAllString(s, "${1}_${2}"))
}

// weights3Only is a Keras 3 weights file (save_weights("x.weights.h5"),
// the layout of a .keras archive's model.weights.h5): layers/<class>[_N]
// groups, each with its numbered variables, nested models' inside. Its
// variables have no names: a batch normalization's last two (the moving
// statistics) and a Normalization's are counted non-trainable by their
// layer's class, every other as trainable.
func (h *h5File) weights3Only(g *graph.Graph, layers *hdf5.Group) (*graph.Graph, error) {
	kw := &kerasWeights{h: h, layers: layers}
	used := map[string]bool{}
	var walk func(grp *hdf5.Group, prefix string, depth int) error
	walk = func(grp *hdf5.Group, prefix string, depth int) error {
		if depth > 16 {
			return nil
		}
		ms, err := grp.Members()
		if err != nil {
			return h.wrap(grp.Path(), err)
		}
		for _, m := range ms {
			if m.Kind != hdf5.KindGroup {
				continue
			}
			lg, err := grp.Group(m.Name)
			if err != nil {
				return h.wrap(grp.Path()+"/"+m.Name, err)
			}
			name := m.Name
			if vg, err := lg.Group("vars"); err == nil {
				if a, err := vg.Attr("name"); err == nil && a != nil {
					if s, ok := a.Value.(string); ok && s != "" {
						name = s
					}
				}
			}
			if sub, err := lg.Group("layers"); err == nil {
				if err := walk(sub, prefix+name+"/", depth+1); err != nil {
					return err
				}
				continue
			}
			if err := h.b.Charge(layerCost, "a Keras layer"); err != nil {
				return err
			}
			var ws []fileWeight
			if err := kw.collect(lg, name, &ws, 0); err != nil {
				return err
			}
			class := strings.TrimRight(m.Name, "0123456789")
			class = strings.TrimSuffix(class, "_")
			var ins []*graph.Value
			for i, w := range ws {
				train := true
				switch {
				case class == "batch_normalization" && i >= len(ws)-2,
					class == "normalization":
					train = false
				}
				pn := fmt.Sprintf("%s%s/%d", prefix, name, i)
				p := &graph.Param{Name: pn, Role: strconv.Itoa(i), Shape: w.shape, DType: w.dtype, Trainable: train}
				ins = append(ins, &graph.Value{Name: pn, Shape: w.shape, DType: w.dtype, Param: p})
			}
			nodeName := prefix + name
			for k := 2; used[nodeName]; k++ {
				nodeName = fmt.Sprintf("%s%s#%d", prefix, name, k)
			}
			used[nodeName] = true
			g.NewNode(nodeName, class, op.Weights{}, ins, 0, graph.Pos{File: h.name, Path: lg.Path()})
		}
		return nil
	}
	if err := walk(layers, "", 0); err != nil {
		return nil, err
	}
	g.Notes = append(g.Notes, "Keras 3 weights only (save_weights): the file has no architecture, so there are no shapes or FLOPs, and its variables have no names: a batch normalization's moving statistics and a Normalization's are counted non-trainable by the layer's class, every other variable as trainable")
	return g, nil
}
