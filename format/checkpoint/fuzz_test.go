package checkpoint

import (
	"bytes"
	"github.com/layerinfo/layerinfo/graph"
	"os"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/stats"
)

// FuzzDecode feeds bytes to the three checkpoint formats and, when one
// accepts them, builds and infers the graph: no panic anywhere.
func FuzzDecode(f *testing.F) {
	for _, p := range []string{"../torchpt/testdata/checkpoint.pt", "../torchpt/testdata/seq_state_dict.pt",
		"../torchpt/testdata/train_adam.pt", "../torchpt/testdata/lightning.ckpt", "../torchpt/testdata/module.pt",
		"../torchpt/testdata/scheduler.pt", "../torchpt/testdata/ema.pt", "../torchpt/testdata/module_custom.pt"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("GGUF\x03\x00\x00\x00"))
	vocab := newGGUF(0, 2)
	vocab.kvStr("general.architecture", "llama")
	vocab.kvU32("general.file_type", 15)
	f.Add(vocab.b)
	f.Add([]byte("\x1e\x00\x00\x00\x00\x00\x00\x00{\"__metadata__\":{\"format\":\"pt\"}}"))
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for _, dec := range []func() error{
			func() error { g, err := GGUF("f", r, int64(len(data)), Options{}); return use(g, err) },
			func() error { g, err := Safetensors("f", r, int64(len(data)), Options{}); return use(g, err) },
			func() error { g, err := Torch("f", r, int64(len(data)), Options{}); return use(g, err) },
		} {
			if err := dec(); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
		}
	})
}

func use(g *graph.Graph, err error) error {
	if err != nil {
		return err
	}
	gg := g
	if err := infer.Run(gg, infer.Options{}); err != nil {
		return err
	}
	stats.Build(gg)
	return nil
}
