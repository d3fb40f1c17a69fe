package torchpt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerinfo/layerinfo/graph"
)

func contiguous(size ...int64) []int64 {
	st := make([]int64, len(size))
	s := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		st[i] = s
		s *= size[i]
	}
	return st
}

func numel(size []int64) int64 {
	n := int64(1)
	for _, d := range size {
		n *= d
	}
	return n
}

func tensor(storage, key string, size ...int64) pTensor {
	return pTensor{storage: storage, key: key, location: "cpu", numel: numel(size), size: size, stride: contiguous(size...)}
}

// tinyLM is a state_dict with tied embedding/lm_head weights, mixed
// dtypes, a Parameter, a float8 tensor (rebuild_tensor_v3), a view at a
// storage offset, and the _metadata state torch attaches.
func tinyLM() (*pOrderedDict, []string, map[string]int64) {
	emb := tensor("HalfStorage", "0", 100, 16)
	head := emb // tied: same storage key
	f8 := pTensor{storage: "UntypedStorage", dtype: "float8_e4m3fn", key: "4", location: "cuda:0", numel: 64, size: []int64{8, 8}, stride: []int64{8, 1}}
	view := pTensor{storage: "FloatStorage", key: "5", location: "cpu", numel: 30, offset: 10, size: []int64{4, 5}, stride: []int64{5, 1}}
	norm := tensor("BFloat16Storage", "1", 16)
	norm.param, norm.grad = true, true
	sd := &pOrderedDict{
		keys: []string{"embed.weight", "layers.0.norm.weight", "layers.0.steps", "layers.0.mask", "layers.0.q.weight", "layers.0.view", "lm_head.weight"},
		vals: []any{emb, norm, tensor("LongStorage", "2", 3), tensor("BoolStorage", "3", 2, 3), f8, view, head},
		state: &pDict{keys: []any{"_metadata"}, vals: []any{&pOrderedDict{
			keys: []string{"", "layers"},
			vals: []any{&pDict{keys: []any{"version"}, vals: []any{1}}, &pDict{keys: []any{"version"}, vals: []any{1}}},
		}}},
	}
	keys := []string{"0", "1", "2", "3", "4", "5"}
	sizes := map[string]int64{"0": 1600 * 2, "1": 16 * 2, "2": 3 * 8, "3": 6, "4": 64, "5": 30 * 4}
	return sd, keys, sizes
}

func TestStateDict(t *testing.T) {
	sd, keys, sizes := tinyLM()
	buf := torchZip(t, "archive", dumps(sd), keys, sizes)
	f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "zip" || f.Archive != "archive" || f.ByteOrder != "little" || f.Version != "3" {
		t.Errorf("format %q archive %q byteorder %q version %q", f.Format, f.Archive, f.ByteOrder, f.Version)
	}
	want := []struct {
		name, dtype string
		shape       []int64
		bytes       int64
	}{
		{"embed.weight", "F16", []int64{100, 16}, 1600 * 2},
		{"layers.0.norm.weight", "BF16", []int64{16}, 16 * 2},
		{"layers.0.steps", "I64", []int64{3}, 3 * 8},
		{"layers.0.mask", "BOOL", []int64{2, 3}, 6},
		{"layers.0.q.weight", "F8_E4M3", []int64{8, 8}, 64},
		{"layers.0.view", "F32", []int64{4, 5}, 20 * 4},
		{"lm_head.weight", "F16", []int64{100, 16}, 1600 * 2},
	}
	if len(f.Tensors) != len(want) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want))
	}
	var wantElems, wantBytes int64
	for i, w := range want {
		got := f.Tensors[i]
		wantElems += numel(w.shape)
		wantBytes += w.bytes
		if got.Name != w.name || got.DType != w.dtype || fmt.Sprint(got.Shape) != fmt.Sprint(w.shape) || got.Bytes != w.bytes {
			t.Errorf("tensor %d: %s %s %v %d bytes; want %s %s %v %d", i, got.Name, got.DType, got.Shape, got.Bytes, w.name, w.dtype, w.shape, w.bytes)
		}
	}
	if f.Elements() != wantElems {
		t.Errorf("Elements %d, want %d", f.Elements(), wantElems)
	}
	// The tied lm_head shares storage "0": unique bytes count it once.
	var storageBytes int64
	for _, k := range keys {
		storageBytes += sizes[k]
	}
	if f.StorageBytes() != storageBytes || len(f.Storages) != len(keys) {
		t.Errorf("StorageBytes %d over %d storages, want %d over %d", f.StorageBytes(), len(f.Storages), storageBytes, len(keys))
	}
	if f.Tensors[0].Storage != f.Tensors[6].Storage || f.Tensors[0].Storage.Key != "0" {
		t.Error("tied weights do not share a storage")
	}
	norm := f.Tensors[1]
	if !norm.Parameter || !norm.RequiresGrad {
		t.Errorf("norm: parameter %v requires_grad %v", norm.Parameter, norm.RequiresGrad)
	}
	q := f.Tensors[4]
	if q.Storage.DType != "U8" || q.Storage.Location != "cuda:0" || q.Storage.Bytes != 64 {
		t.Errorf("float8 storage %+v", q.Storage)
	}
	if v := f.Tensors[5]; v.StorageOffset != 10 || fmt.Sprint(v.Stride) != "[5 1]" {
		t.Errorf("view offset %d stride %v", v.StorageOffset, v.Stride)
	}
	for _, s := range f.Storages {
		if s.Offset <= 0 || s.Entry != "archive/data/"+s.Key {
			t.Errorf("storage %s: entry %q offset %d", s.Key, s.Entry, s.Offset)
		}
	}
	root := f.Root.(*Dict)
	if !root.Ordered || root.State == nil {
		t.Errorf("state_dict: ordered %v state %v", root.Ordered, root.State)
	}
	md, _ := root.State.(*Dict).Get("_metadata")
	if d, ok := md.(*Dict); !ok || len(d.Keys) != 2 {
		t.Errorf("_metadata = %v", md)
	}
}

func TestCheckpointDict(t *testing.T) {
	sd, keys, sizes := tinyLM()
	expAvg := tensor("FloatStorage", "6", 100, 16)
	ckpt := &pDict{
		keys: []any{"epoch", "model", "optimizer", "best_loss", "args"},
		vals: []any{
			int64(3), sd,
			&pDict{keys: []any{"state", "param_groups"}, vals: []any{
				&pDict{keys: []any{0}, vals: []any{&pDict{keys: []any{"step", "exp_avg"}, vals: []any{100000, expAvg}}}},
				pList{&pDict{keys: []any{"lr", "betas", "params"}, vals: []any{1e-3, pTuple{0.9, 0.999}, pList{0, 1}}}},
			}},
			0.25,
			pList{"--lr", int64(-5), int64(1 << 40), nil, true},
		},
	}
	keys = append(keys, "6")
	sizes["6"] = 1600 * 4
	buf := torchZip(t, "ckpt", dumps(ckpt), keys, sizes)
	f, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Keys(), " "); got != "epoch model optimizer best_loss args" {
		t.Errorf("Keys() = %q", got)
	}
	names := make([]string, len(f.Tensors))
	for i, tn := range f.Tensors {
		names[i] = tn.Name
	}
	if names[0] != "model.embed.weight" || names[len(names)-1] != "optimizer.state.0.exp_avg" || len(names) != 8 {
		t.Errorf("names %v", names)
	}
	root := f.Root.(*Dict)
	if v, _ := root.Get("epoch"); v != int64(3) {
		t.Errorf("epoch %v", v)
	}
	if v, _ := root.Get("best_loss"); v != 0.25 {
		t.Errorf("best_loss %v", v)
	}
	args, _ := root.Get("args")
	if l := args.(*List); fmt.Sprint(l.Items) != "[--lr -5 1099511627776 <nil> true]" {
		t.Errorf("args %v", l.Items)
	}
}

// TestFixtures reads files written by real torch.save (see
// testdata/gen_fixtures.py); expectations come from the module
// definitions there.
func TestFixtures(t *testing.T) {
	type tt struct {
		name, dtype string
		shape       []int64
	}
	seq := []tt{{"0.weight", "F32", []int64{3, 4}}, {"0.bias", "F32", []int64{3}}, {"2.weight", "F32", []int64{2, 3}}}
	for _, file := range []string{"testdata/seq_state_dict.pt", "testdata/seq_legacy.pt"} {
		f, err := Open(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Tensors) != 3 || f.StorageBytes() != (12+3+6)*4 {
			t.Errorf("%s: %d tensors %d bytes", file, len(f.Tensors), f.StorageBytes())
		}
		for i, w := range seq {
			if g := f.Tensors[i]; g.Name != w.name || g.DType != w.dtype || fmt.Sprint(g.Shape) != fmt.Sprint(w.shape) {
				t.Errorf("%s: %+v, want %v", file, g, w)
			}
		}
	}
	f, err := Open("testdata/checkpoint.pt")
	if err != nil {
		t.Fatal(err)
	}
	want := []tt{
		{"model.steps", "I64", []int64{5}},
		{"model.mask", "BOOL", []int64{2, 3}},
		{"model.embed.weight", "F32", []int64{10, 4}},
		{"model.norm.weight", "BF16", []int64{4}},
		{"model.norm.bias", "BF16", []int64{4}},
		{"model.proj.weight", "F16", []int64{6, 4}},
		{"model.proj.bias", "F16", []int64{6}},
		{"model.head.weight", "F32", []int64{10, 4}},
		{"optimizer.state.0.step", "F32", []int64{}},
		{"optimizer.state.0.exp_avg", "F32", []int64{10, 4}},
		{"optimizer.state.0.exp_avg_sq", "F32", []int64{10, 4}},
		{"view", "F32", []int64{4, 3}},
	}
	if len(f.Tensors) != len(want) {
		t.Fatalf("checkpoint: %d tensors", len(f.Tensors))
	}
	for i, w := range want {
		if g := f.Tensors[i]; g.Name != w.name || g.DType != w.dtype || fmt.Sprint(g.Shape) != fmt.Sprint(w.shape) {
			t.Errorf("checkpoint: %s %s %v, want %v", g.Name, g.DType, g.Shape, w)
		}
	}
	emb, head := f.Tensors[2], f.Tensors[7]
	if emb.Storage != head.Storage {
		t.Error("tied embed/head do not share storage")
	}
	// Unique storages: steps 5×8, mask 6, embed 40×4, norm 2×4×2, proj
	// 24×2+6×2, step 4, exp_avg(_sq) 2×160, view 12×4.
	if want := int64(40 + 6 + 160 + 16 + 48 + 12 + 4 + 320 + 48); f.StorageBytes() != want || len(f.Storages) != 11 {
		t.Errorf("StorageBytes %d over %d storages, want %d over 11", f.StorageBytes(), len(f.Storages), want)
	}
	if v := f.Tensors[11]; fmt.Sprint(v.Stride) != "[1 4]" {
		t.Errorf("transposed view stride %v", v.Stride)
	}
	if got := strings.Join(f.Keys(), " "); got != "epoch model optimizer view names" {
		t.Errorf("keys %q", got)
	}
}

func checkErr(t *testing.T, name string, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", name)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not contain %q", name, err, w)
		}
	}
}

func TestForbiddenGlobals(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, pkl []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, torchZip(t, "archive", pkl, nil, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// os.system("echo pwned") as GLOBAL + REDUCE, right after PROTO.
	p := write("model.pt", []byte("\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."))
	_, err := Open(p)
	checkErr(t, "os.system", err, p+": data.pkl offset 2: global os.system is not allowed")

	// builtins.eval by STACK_GLOBAL (protocol 4), after a FRAME.
	pkl := []byte("\x80\x04\x95\x20\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x031+1\x94\x85\x94R\x94.")
	p = write("eval.pt", pkl)
	_, err = Open(p)
	checkErr(t, "builtins.eval", err, p+": data.pkl offset 29: global builtins.eval is not allowed")

	// Hidden inside a state dict.
	sd := &pOrderedDict{keys: []string{"w"}, vals: []any{pRaw("cposix\nsystem\n")}}
	pkl = dumps(sd)
	p = write("nested.pt", pkl)
	_, err = Open(p)
	checkErr(t, "nested", err, fmt.Sprintf("data.pkl offset %d: global posix.system is not allowed", bytes.Index(pkl, []byte("cposix"))))

	// An allow-listed marker is not callable.
	p = write("call.pt", []byte("\x80\x02ctorch\nFloatStorage\n)R."))
	_, err = Open(p)
	checkErr(t, "call", err, "data.pkl offset 23: torch.FloatStorage: is not callable")
}

func TestAllowUnknownGlobals(t *testing.T) {
	// {"args": argparse.Namespace(lr=0.1), "w": tensor} with NEWOBJ + BUILD.
	p := newPickler()
	p.WriteString("}")
	p.put()
	p.WriteString("(")
	p.save("args")
	p.global("argparse", "Namespace")
	p.WriteString(")\x81") // EMPTY_TUPLE NEWOBJ
	p.put()
	p.save(&pDict{keys: []any{"lr"}, vals: []any{0.1}})
	p.WriteString("b")
	p.save("w")
	p.save(tensor("FloatStorage", "0", 2, 2))
	p.WriteString("u.")
	buf := torchZip(t, "archive", p.Bytes(), []string{"0"}, map[string]int64{"0": 16})
	_, err := Decode(bytes.NewReader(buf), int64(len(buf)))
	checkErr(t, "strict", err, "global argparse.Namespace is not allowed")
	d := Decoder{AllowUnknownGlobals: true}
	f, err := d.Decode(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 1 || f.Tensors[0].Name != "w" || f.Tensors[0].Bytes != 16 {
		t.Errorf("tensors %+v", f.Tensors)
	}
	args, _ := f.Root.(*Dict).Get("args")
	if o, ok := args.(*Object); !ok || o.Class.String() != "argparse.Namespace" || o.State == nil {
		t.Errorf("args = %#v", args)
	}
}

func TestHostile(t *testing.T) {
	sd, keys, sizes := tinyLM()
	good := torchZip(t, "archive", dumps(sd), keys, sizes)
	decode := func(b []byte) error {
		_, err := Decode(bytes.NewReader(b), int64(len(b)))
		return err
	}
	checkErr(t, "truncated zip", decode(good[:len(good)/2]), "torchpt: not a valid zip archive (truncated file?)")
	checkErr(t, "empty", decode(nil), "not a PyTorch checkpoint")
	checkErr(t, "hdf5", decode([]byte("\x89HDF\r\n\x1a\n\x00\x00")), "not a PyTorch checkpoint: an HDF5 file (Keras .h5 weights or model)")
	checkErr(t, "bare pickle", decode(dumps(sd)), "a bare pickle")

	short := map[string]int64{}
	for k, v := range sizes {
		short[k] = v
	}
	short["0"] = 100
	checkErr(t, "short storage", decode(torchZip(t, "archive", dumps(sd), keys, short)),
		`storage "0": record archive/data/0 holds 100 bytes, but F16×1600 needs 3200`)
	checkErr(t, "missing storage", decode(torchZip(t, "archive", dumps(sd), keys[1:], sizes)),
		`storage "0": record archive/data/0 is missing`)
	d := Decoder{SkipSizeCheck: true}
	if _, err := d.Decode(bytes.NewReader(torchZip(t, "archive", dumps(sd), nil, nil)), 0); err == nil {
		t.Error("size 0 accepted")
	}
	hdrOnly := torchZip(t, "archive", dumps(sd), nil, nil)
	if _, err := d.Decode(bytes.NewReader(hdrOnly), int64(len(hdrOnly))); err != nil {
		t.Errorf("SkipSizeCheck: %v", err)
	}

	bad := tensor("FloatStorage", "0", 4, 4)
	bad.numel = 10 // the view needs 16 elements
	checkErr(t, "view past storage", decode(torchZip(t, "archive", dumps(bad), []string{"0"}, map[string]int64{"0": 40})),
		`view (offset 0, size [4 4], stride [4 1]) of F32 needs 16 elements, but storage "0" holds 40 bytes`)
	huge := tensor("FloatStorage", "0", 1<<40, 1<<40)
	checkErr(t, "overflowing shape", decode(torchZip(t, "archive", dumps(huge), []string{"0"}, map[string]int64{"0": 4})),
		"overflows int64")
	unknown := tensor("FloatStorage", "0", 4)
	unknown.storage = "Float128Storage"
	checkErr(t, "unknown storage", decode(torchZip(t, "archive", dumps(unknown), nil, nil)), "global torch.Float128Storage is not allowed")

	pickles := []struct {
		name string
		pkl  string
		want string
	}{
		{"no stop", "\x80\x02]q\x00", "data.pkl offset 5: truncated pickle: no STOP opcode"},
		{"truncated string", "\x80\x02X\xff\x00\x00\x00abc", "data.pkl offset 2: truncated pickle: string of 255 bytes, 3 left"},
		{"memo miss", "\x80\x02h\x07.", "data.pkl offset 2: pickle memo key 7 not found"},
		{"underflow", "\x80\x02R.", "data.pkl offset 2: pickle stack underflow"},
		{"mark missing", "\x80\x02t.", "pickle MARK missing"},
		{"long4", "\x80\x02\x8b\x00\x00\x00\x40.", "LONG4 of 1073741824 bytes exceeds limit"},
		{"deep marks", "\x80\x02" + strings.Repeat("(", 5000) + ".", "pickle MARKs nested deeper than 4096"},
		{"bad opcode", "\x80\x02\xff.", "data.pkl offset 2: unsupported pickle opcode 0xff"},
		{"protocol 9", "\x80\x09.", "unsupported pickle protocol 9"},
		{"stack left", "\x80\x02NN.", "pickle stack not empty at STOP"},
		{"trailing", "\x80\x02N.xyz", "data.pkl offset 4: 3 bytes after the pickle's STOP"},
		{"append to int", "\x80\x02K\x01Na.", "APPEND to int"},
		{"setitem on list", "\x80\x02]NNs.", "SETITEM on list"},
		{"bad pid", "\x80\x02NQ.", "persistent id is a None"},
		{"text persid", "\x80\x02P0\n.", "unsupported pickle opcode 0x50"},
		{"newobj_ex kwargs", "\x80\x02ccollections\nOrderedDict\n)}K\x01K\x01s\x92.", "NEWOBJ_EX with keyword arguments"},
	}
	for _, c := range pickles {
		err := decode(torchZip(t, "archive", []byte(c.pkl), nil, nil))
		checkErr(t, c.name, err, c.want)
		var e *graph.OffsetError
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%s: error is not a *graph.OffsetError", c.name)
		}
	}
	// A DAG whose size doubles at each level must not blow up the walk.
	var sb strings.Builder
	sb.WriteString(string(dumps(tensor("FloatStorage", "0", 1))[:len(dumps(tensor("FloatStorage", "0", 1)))-1]))
	sb.WriteString("r\x00\x01\x00\x000") // memo[256] = tensor; POP
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&sb, "j%sj%s\x86r%s0", le32(256+i), le32(256+i), le32(257+i)) // (x, x), memoized, POP
	}
	fmt.Fprintf(&sb, "j%s.", le32(256+40))
	checkErr(t, "exponential dag", decode(torchZip(t, "archive", []byte(sb.String()), []string{"0"}, map[string]int64{"0": 4})), "is reachable by more than 64 paths")
}

func le32(i int) string { return string([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)}) }

func TestCycles(t *testing.T) {
	// A list holding itself and no tensor decodes; one holding a tensor
	// too fails on depth instead of looping.
	f, err := Decode(bytesReader(torchZip(t, "archive", []byte("\x80\x02]q\x00h\x00a."), nil, nil)))
	if err != nil || len(f.Tensors) != 0 {
		t.Errorf("self-referencing list: %v", err)
	}
	p := newPickler()
	p.WriteString("]")
	p.put()
	p.WriteString("(")
	p.save(tensor("FloatStorage", "0", 2))
	p.get(0)
	p.WriteString("e.")
	_, err = Decode(bytesReader(torchZip(t, "archive", p.Bytes(), []string{"0"}, map[string]int64{"0": 8})))
	checkErr(t, "cycle with tensor", err, "more than 64")
}

func bytesReader(b []byte) (*bytes.Reader, int64) { return bytes.NewReader(b), int64(len(b)) }

func TestLegacy(t *testing.T) {
	b, err := os.ReadFile("testdata/seq_legacy.pt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode(bytes.NewReader(b[:len(b)-1]), int64(len(b)-1))
	checkErr(t, "truncated legacy", err, "extend past end of file")
	d := Decoder{SkipSizeCheck: true}
	if _, err := d.Decode(bytes.NewReader(b[:637]), 637); err != nil {
		t.Errorf("legacy header only: %v", err)
	}
	bad := append([]byte(nil), b...)
	bad[13] ^= 1 // corrupt the magic number
	_, err = Decode(bytes.NewReader(bad), int64(len(bad)))
	checkErr(t, "legacy magic", err, "a bare pickle")
}

func FuzzDecode(f *testing.F) {
	sd, keys, sizes := tinyLM()
	f.Add(torchZip(f, "archive", dumps(sd), keys, sizes))
	f.Add(dumps(sd))
	// Training checkpoints: Adam state and a numpy scalar, a pickled module.
	msd, msizes := mlpStateDict()
	f.Add(torchZip(f, "archive", dumps(&pDict{keys: []any{"model", "optimizer", "best"}, vals: []any{msd, adamState(msizes), npFloat64(0.5)}}), keysOf(msizes), msizes))
	f.Add(dumps(&pDict{keys: []any{"net", "epoch"}, vals: []any{linearModule("0", "1", 4, 8), 3}}))
	for _, name := range []string{"testdata/seq_state_dict.pt", "testdata/seq_legacy.pt", "testdata/checkpoint.pt",
		"testdata/train_adam.pt", "testdata/lightning.ckpt", "testdata/module.pt", "testdata/scheduler.pt", "testdata/ema.pt"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x80\x02]q\x00h\x00a."))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The input as a whole file, and as the data.pkl of a zip (zip CRCs
		// would otherwise stop most mutations of the pickle).
		for _, d := range []Decoder{{}, {AllowUnknownGlobals: true, SkipSizeCheck: true}} {
			file, err := d.Decode(bytes.NewReader(data), int64(len(data)))
			check(t, file, err)
			zipped := torchZip(t, "archive", data, nil, nil)
			file, err = d.Decode(bytes.NewReader(zipped), int64(len(zipped)))
			check(t, file, err)
			if err == nil {
				file.Contents().Summary()
			}
		}
	})
}

func check(t *testing.T, f *File, err error) {
	if err != nil {
		var e *graph.OffsetError
		if !errors.As(err, &e) {
			t.Fatalf("error %q is not a *graph.OffsetError", err)
		}
		return
	}
	for _, tn := range f.Tensors {
		if tn.Elements < 0 || tn.Bytes < 0 || tn.Bytes != tn.Elements*tn.ElemSize {
			t.Fatalf("inconsistent tensor %+v", tn)
		}
	}
}
