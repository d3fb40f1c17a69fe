package hf

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/layerinfo/layerinfo/graph"
)

// Options tune decoding. The zero value builds the class the
// configuration names, with symbolic batch and sequence sizes.
type Options struct {
	// Class is the model class to build ("BertForMaskedLM",
	// "LlamaModel"); empty means the configuration's architectures[0],
	// or the family's default class when it has none.
	Class string
	// ModelType, when set, is the model_type to build ("bert", "gpt2"),
	// for a configuration without one or to override it. Without it, a
	// configuration lacking model_type is read by its class, then by its
	// path as transformers' AutoConfig does ("bert-base-uncased/…",
	// "bert_config.json"), then by the keys only one family has (Google's
	// BERT type_vocab_size, GPT-2's n_embd/n_layer/n_head).
	ModelType string
	// Batch and Context, when positive, fix the batch size and the
	// sequence length of the inputs; they also set the KV-cache and FLOPs
	// estimates. Otherwise the shapes are symbolic ("batch", "seq").
	Batch   int64
	Context int64
}

// Supported lists the supported model types.
func Supported() []string {
	return sortedKeys(families())
}

// Classes lists the classes supported for a model type.
func Classes(modelType string) []string {
	f, ok := families()[modelType]
	if !ok {
		return nil
	}
	out := make([]string, len(f.suffixes))
	for i, s := range f.suffixes {
		out[i] = f.prefix + s
	}
	return out
}

// Decode reads a transformers config.json and builds the layer graph of
// the model class it describes, with every parameter tensor named and
// shaped as in the PyTorch state dict.
func Decode(name string, data []byte, opt Options) (*graph.Graph, error) {
	c, err := parseConfig(name, data)
	if err != nil {
		return nil, err
	}
	fams := families()
	archs := c.strs("architectures")
	if err := c.err(); err != nil {
		return nil, err
	}
	mt, typeNote, typeAsk, err := resolveType(name, c, fams, archs, opt)
	if err != nil {
		return nil, err
	}
	f := fams[mt]
	suffix, note, classAsk, err := resolveClass(f, mt, archs, opt.Class)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b := newBuilder(name, c, opt)
	b.arch.ModelType = mt
	b.arch.Class = f.prefix + suffix
	for _, n := range []string{typeNote, note} {
		if n != "" {
			b.g.Notes = append(b.g.Notes, n)
		}
	}
	for _, a := range []graph.Ask{typeAsk, classAsk} {
		if a.Option != "" {
			b.g.AddAsk(a)
		}
	}
	if err := f.build(b, suffix); err != nil {
		return nil, err
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	b.g.Notes = append(b.g.Notes, c.defaultNotes(filepath.Base(name), f.prefix+"Config")...)
	b.finish()
	b.g.Name = b.arch.Class
	if err := b.g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: internal error building %s: %w", name, b.arch.Class, err)
	}
	return b.g, nil
}

// typeFromClass guesses the model type from a class name when
// model_type is missing.
func typeFromClass(fams map[string]family, archs []string, class string) string {
	names := archs
	if class != "" {
		names = append([]string{class}, names...)
	}
	best, bestLen := "", 0
	for _, cls := range names {
		for mt, f := range fams {
			if !strings.HasPrefix(cls, f.prefix) || len(f.prefix) <= bestLen {
				continue
			}
			for _, s := range f.suffixes {
				if cls == f.prefix+s {
					best, bestLen = mt, len(f.prefix)
				}
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// resolveClass picks the class suffix: the option, else architectures[0],
// else the family's default (with an ask for the class).
func resolveClass(f family, mt string, archs []string, class string) (suffix, note string, ask graph.Ask, err error) {
	supported := func() string {
		names := make([]string, len(f.suffixes))
		for i, s := range f.suffixes {
			names[i] = f.prefix + s
		}
		return strings.Join(names, ", ")
	}
	match := func(cls string) (string, bool) {
		for _, s := range f.suffixes {
			if cls == f.prefix+s {
				return s, true
			}
		}
		return "", false
	}
	if class != "" {
		if s, ok := match(class); ok {
			return s, "", graph.Ask{}, nil
		}
		return "", "", graph.Ask{}, fmt.Errorf("class %s is not a %s class layerinfo knows; choose one of %s", class, mt, supported())
	}
	if len(archs) > 0 {
		if s, ok := match(archs[0]); ok {
			return s, "", graph.Ask{}, nil
		}
		// Same head, another family's prefix (a fine-tune that kept its
		// parent's class name): keep the head.
		for _, s := range f.suffixes {
			if strings.HasSuffix(archs[0], s) && s != "Model" {
				return s, fmt.Sprintf("architectures names %s; built %s%s, the %s class with the same head", archs[0], f.prefix, s, mt), graph.Ask{}, nil
			}
		}
		return f.def, fmt.Sprintf("architectures names %s, which layerinfo does not know; built the default %s%s (the classes it builds: %s)", archs[0], f.prefix, f.def, supported()), graph.Ask{What: "another class", Option: "class", Value: "NAME"}, nil
	}
	return f.def, "", graph.Ask{}, nil
}

// finish completes the architecture summary.
func (b *builder) finish() {
	a := b.arch
	if b.opt.Context > 0 {
		a.Context, a.ContextFrom, a.ContextOption = b.opt.Context, "the context option", "context"
	}
	if a.Context <= 0 {
		a.Context, a.ContextFrom = 2048, "default"
	}
	a.Batch, a.BatchFrom = 1, "default"
	if b.opt.Batch > 0 {
		a.Batch, a.BatchFrom = b.opt.Batch, "the batch option"
	}
	if a.MoELayers > 0 {
		a.InactiveWhy = fmt.Sprintf("%d MoE layers * %s = %d", a.MoELayers, paren(a.InactiveWhy), a.InactiveParams)
	}
}

func paren(s string) string {
	if strings.ContainsAny(s, "+-*") {
		return "(" + s + ")"
	}
	return s
}
