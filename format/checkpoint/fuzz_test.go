package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/infer"
	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// zipPickle lays a pickle out as torch.save's zip archive, deflated.
func zipPickle(pkl []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "archive/data.pkl", Method: zip.Deflate})
	w.Write(pkl)
	zw.Close()
	return buf.Bytes()
}

// amplifiers are small inputs that make a reader build much more than
// their size unless it charges what it builds: tuples of DUPs kept in the
// memo, a list grown by APPENDS, a deflated pickle, a safetensors header
// of many metadata entries and long shapes, a GGUF array.
func amplifiers() [][]byte {
	dups := "(N" + strings.Repeat("2", 1023)
	var memo, appends strings.Builder
	memo.WriteString("\x80\x02")
	appends.WriteString("\x80\x02]")
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&memo, "%str%s0", dups, string(binary.LittleEndian.AppendUint32(nil, uint32(i))))
		appends.WriteString(dups + "e")
	}
	memo.WriteString("N.")
	appends.WriteString(".")
	var md strings.Builder
	md.WriteString(`{"__metadata__":{`)
	for i := 0; i < 512; i++ {
		if i > 0 {
			md.WriteByte(',')
		}
		fmt.Fprintf(&md, `"%d":""`, i)
	}
	md.WriteString(`},"a":{"dtype":"U8","shape":[` + strings.Repeat("1,", 70) + `1],"data_offsets":[0,1]}}`)
	st := append(binary.LittleEndian.AppendUint64(nil, uint64(md.Len())), md.String()...)
	arr := newGGUF(0, 1)
	arr.str("a")
	arr.b = binary.LittleEndian.AppendUint32(arr.b, 9) // array
	arr.b = binary.LittleEndian.AppendUint32(arr.b, 0) // of uint8
	arr.b = binary.LittleEndian.AppendUint64(arr.b, 1000)
	arr.b = append(arr.b, make([]byte, 1000)...)
	return [][]byte{zipPickle([]byte(memo.String())), zipPickle([]byte(appends.String())), zipPickle(make([]byte, 1<<16)), st, arr.b}
}

// FuzzDecode feeds bytes to the three checkpoint formats and, when one
// accepts them, builds and infers the graph: no panic anywhere, and no
// more allocated than four times the run's budget (64 MiB here) whatever
// the input amplifies.
func FuzzDecode(f *testing.F) {
	for _, b := range amplifiers() {
		f.Add(b)
	}
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
	const limit = 64 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		opt := Options{Budget: budget.New(limit)}
		before := allocated()
		for _, dec := range []func() error{
			func() error { g, err := GGUF("f", r, int64(len(data)), opt); return use(g, err) },
			func() error { g, err := Safetensors("f", r, int64(len(data)), opt); return use(g, err) },
			func() error { g, err := Torch("f", r, int64(len(data)), opt); return use(g, err) },
		} {
			if err := dec(); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
		}
		if n := allocated() - before; n > 4*limit {
			t.Fatalf("%d bytes of input allocated %d bytes", len(data), n)
		}
	})
}

// allocated is the bytes allocated on the heap so far (runtime/metrics:
// unlike runtime.ReadMemStats, no stop of the world).
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
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
