package keras

import (
	"errors"
	"fmt"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/internal/budget"
)

// DecodeJSON reads a Keras model's JSON (model.to_json(), a .keras
// archive's config.json, an .h5's model_config, a TF.js model.json) into
// a graph. file names the text in positions ("model.json",
// "model.h5: model_config").
func DecodeJSON(file string, src []byte, b *budget.Budget) (*graph.Graph, error) {
	loadTables()
	return decodeJSON(file, src, b, nil)
}

func decodeJSON(file string, src []byte, b *budget.Budget, w weightSource) (*graph.Graph, error) {
	loadTables()
	s := &source{file: file, src: src}
	v, err := parseJSON(src, b)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			line, col := lineCol(src, se.off)
			return nil, &graph.Error{Pos: graph.Pos{File: file, Line: line, Col: col}, Msg: "JSON: " + se.msg}
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if w == nil {
		if m := v.get("weightsManifest"); m != nil && m.k == jArr {
			w = manifestWeights(m)
		}
	}
	d := &decoder{src: s, b: b, weights: w}
	root, version := d.modelObject(v)
	if root == nil {
		return nil, d.errAt(v, nil, "not a Keras model: no class_name Sequential, Functional or Model at the top (nor a TF.js modelTopology)")
	}
	d.keras2 = root.get("module") == nil
	d.resetAfter = !d.keras2 || resetAfterDefault(version)
	m, err := d.parseModel(root, true, "")
	if err != nil {
		return nil, err
	}
	if w != nil {
		d.attachWeights(m, nil)
	}
	g, err := d.graphOf(m, false)
	if err != nil {
		return nil, err
	}
	g.Format = "keras"
	g.Path = file
	if i := strings.Index(file, ": "); i > 0 {
		g.Path = file[:i]
	}
	g.Prints = graph.Printed{Which: "total", Label: "Total params"}
	g.Notes = append(g.Notes, d.notes...)
	return g, nil
}

// modelObject finds the model in a parsed file: the object itself, a
// TF.js model.json's modelTopology.model_config, or an object with
// model_config; and the Keras version it names.
func (d *decoder) modelObject(v *value) (*value, string) {
	version := ""
	for depth := 0; depth < 4 && v != nil && v.k == jObj; depth++ {
		if kv := v.get("keras_version"); kv != nil && kv.k == jStr {
			version = kv.s
		}
		if isModel(v) {
			return v, version
		}
		switch {
		case v.get("modelTopology") != nil:
			v = v.get("modelTopology")
		case v.get("model_config") != nil:
			v = v.get("model_config")
		default:
			return nil, version
		}
	}
	return nil, version
}

// resetAfterDefault is GRU's reset_after when a Keras 2 config omits it:
// the key came with Keras 2.1 (default False until TF 2 made it True,
// and always written since), and TF.js's default is False.
func resetAfterDefault(version string) bool {
	switch {
	case strings.HasPrefix(version, "tfjs"), strings.HasPrefix(version, "1."),
		strings.HasPrefix(version, "2.0"), strings.HasPrefix(version, "2.1."), strings.HasPrefix(version, "2.2."):
		return false
	}
	return true
}

// attachWeights gives each layer of m (and of its nested models) the
// file's weights for it.
func (d *decoder) attachWeights(m *model, path []pathElem) {
	for _, l := range m.layers {
		p := append(append([]pathElem(nil), path...), pathElem{l, m})
		if l.model != nil {
			d.attachWeights(l.model, p)
			continue
		}
		ws, ok := d.weights.layerWeights(p)
		if ok {
			l.fileWeights, l.hasWeights = ws, true
		}
	}
}

// tfjsWeights is a TF.js model.json's weightsManifest: every weight's
// name ("dense_Dense1/kernel") and shape, grouped by the layer its name
// starts with.
type tfjsWeights map[string][]fileWeight

func manifestWeights(m *value) tfjsWeights {
	w := tfjsWeights{}
	for _, group := range m.arr {
		ws := group.get("weights")
		if ws == nil || ws.k != jArr {
			continue
		}
		for _, e := range ws.arr {
			name, shape := e.get("name"), e.get("shape")
			if name == nil || name.k != jStr || shape == nil || shape.k != jArr || len(shape.arr) > 32 {
				continue
			}
			s := make(graph.Shape, len(shape.arr))
			ok := true
			for i, d := range shape.arr {
				n, isInt := d.int()
				if !isInt || n < 0 {
					ok = false
					break
				}
				s[i] = graph.D(n)
			}
			if !ok {
				continue
			}
			layer, role := name.s, name.s
			if i := strings.IndexByte(name.s, '/'); i > 0 {
				layer = name.s[:i]
			}
			if i := strings.LastIndexByte(name.s, '/'); i >= 0 {
				role = name.s[i+1:]
			}
			dt := graph.Float32
			if t := e.get("dtype"); t != nil && t.k == jStr {
				dt = h5DType(t.s)
			}
			w[layer] = append(w[layer], fileWeight{name: name.s, role: role, shape: s, dtype: dt, trainable: trainableName(role)})
		}
	}
	return w
}

func (w tfjsWeights) layerWeights(chain []pathElem) ([]fileWeight, bool) {
	ws, ok := w[chain[len(chain)-1].l.name]
	if !ok && len(chain) == 1 && weightless[chain[0].l.class] {
		return nil, true
	}
	return ws, ok
}
