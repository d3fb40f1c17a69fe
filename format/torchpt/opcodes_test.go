package torchpt

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// TestOpcodes decodes a pickle that uses the rarer opcodes and the
// non-tensor allow-listed callables.
func TestOpcodes(t *testing.T) {
	entries := []struct{ key, val string }{
		{"a", "I42\n"},
		{"b", "L12345678901234567890L\n"},
		{"c", "F1.5\n"},
		{"d", "U\x03abc"},
		{"e", "C\x02\x00\x01"},
		{"f", "\x8f(K\x01K\x02\x90"},
		{"g", "(K\x01\x91"},
		{"h", "(K\x01K\x02l"},
		{"i", "(\x8c\x01kK\x01d"},
		{"j", "N2\x86"},
		{"k", "(K\x091N"},
		{"l", "cbuiltins\nset\n]K\x03a\x85R"},
		{"m", "c_codecs\nencode\nX\x02\x00\x00\x00\xc3\xa9X\x06\x00\x00\x00latin1\x86R"},
		{"n", "ctorch\nSize\nK\x02K\x03\x86\x85R"},
		{"o", "ctorch\ndevice\n\x8c\x04cudaK\x01\x86R"},
		{"p", "ctorch._utils\n_rebuild_meta_tensor_no_storage\n(ctorch\nbfloat16\nK\x02K\x03\x86K\x03K\x01\x86\x89tR"},
		{"q", "J\xff\xff\xff\xff"},
		{"r", "\x8a\x00"},
		{"s", "B\x01\x00\x00\x00z"},
		{"t", "K\x07p0\n0g0\n"},
		{"u", "\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\xff"},
		{"v", "ccollections\nOrderedDict\n]\x8c\x01xK\x05\x86a\x85R"},
		{"w", "I01\n"},
		{"x", "\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi"},
		{"y", "(K\x01K\x02K\x03K\x04t"},
		{"z", "\x8c\x01z\x94h\x01\x86"},
	}
	var sb strings.Builder
	sb.WriteString("\x80\x02}(")
	for _, e := range entries {
		sb.WriteString("\x8c\x01" + e.key + e.val)
	}
	sb.WriteString("u.")
	f, err := Decode(bytesReader(torchZip(t, "archive", []byte(sb.String()), nil, nil)))
	if err != nil {
		t.Fatal(err)
	}
	root := f.Root.(*Dict)
	want := map[string]string{
		"a": "42", "b": "12345678901234567890", "c": "1.5", "d": "abc", "e": "[0 1]", "f": "&{[1 2]}",
		"g": "&{[1]}", "h": "&{[1 2]}", "j": "[<nil> <nil>]", "k": "<nil>", "l": "&{[3]}", "m": "[233]",
		"n": "[2 3]", "o": "cuda:1", "q": "-1", "r": "0", "s": "[122]", "t": "7",
		"u": "-18446744073709551616", "w": "true", "x": "hi", "y": "[1 2 3 4]", "z": "[z z]",
	}
	for k, w := range want {
		v, ok := root.Get(k)
		if got := fmt.Sprint(v); !ok || got != w {
			t.Errorf("%s = %s (%T), want %s", k, got, v, w)
		}
	}
	if v, _ := root.Get("b"); fmt.Sprintf("%T", v) != fmt.Sprintf("%T", new(big.Int)) {
		t.Errorf("b is %T", v)
	}
	i, _ := root.Get("i")
	if v, ok := i.(*Dict).Get("k"); !ok || v != int64(1) {
		t.Errorf("i = %v", i)
	}
	od, _ := root.Get("v")
	if d := od.(*Dict); !d.Ordered || len(d.Keys) != 1 {
		t.Errorf("v = %v", od)
	}
	if len(f.Tensors) != 1 || f.Tensors[0].Name != "p" || f.Tensors[0].DType != "BF16" || f.Tensors[0].Storage != nil ||
		f.Tensors[0].Bytes != 12 {
		t.Errorf("meta tensor: %+v", f.Tensors)
	}
}

// TestRebuilders covers the other tensor rebuild functions torch emits.
func TestRebuilders(t *testing.T) {
	p := newPickler()
	p.WriteString("}(")
	pid := func(cls, key string, numel int64) {
		p.WriteString("(")
		p.tuple([]any{"storage", pGlob{"torch", cls}, key, "cpu", numel})
		p.WriteString("Q")
	}
	// Quantized: _rebuild_qtensor(storage, offset, size, stride, qparams, grad, hooks).
	p.save("q")
	p.global("torch._utils", "_rebuild_qtensor")
	pid("QInt8Storage", "0", 4)
	p.save(int64(0))
	p.save(pTuple{int64(4)})
	p.save(pTuple{int64(1)})
	p.save(pTuple{pGlob{"torch", "per_tensor_affine"}, 0.1, int64(0)})
	p.save(false)
	p.save(&pOrderedDict{})
	p.WriteString("tR")
	// Parameter subclass path: _rebuild_from_type_v2(func, type, args, state).
	p.save("sub")
	p.global("torch._tensor", "_rebuild_from_type_v2")
	p.WriteString("(")
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.global("torch.nn.parameter", "Parameter")
	pid("FloatStorage", "1", 6)
	p.save(int64(0))
	p.save(pTuple{int64(2), int64(3)})
	p.save(pTuple{int64(3), int64(1)})
	p.save(true)
	p.save(&pOrderedDict{})
	p.WriteString("t")
	p.save(&pDict{})
	p.WriteString("tR")
	// _rebuild_parameter_with_state(data, requires_grad, hooks, state).
	p.save("pws")
	p.global("torch._utils", "_rebuild_parameter_with_state")
	p.WriteString("(")
	p.save(tensor("DoubleStorage", "2", 5))
	p.save(true)
	p.save(&pOrderedDict{})
	p.save(&pDict{keys: []any{"x"}, vals: []any{int64(1)}})
	p.WriteString("tR")
	// Old-style _rebuild_tensor(storage, offset, size, stride) with a
	// storage shared with "sub" at an offset.
	p.save("old")
	p.global("torch._utils", "_rebuild_tensor")
	pid("FloatStorage", "1", 6)
	p.save(int64(3))
	p.save(pTuple{int64(3)})
	p.save(pTuple{int64(1)})
	p.WriteString("tR")
	p.WriteString("u.")
	sizes := map[string]int64{"0": 4, "1": 24, "2": 40}
	f, err := Decode(bytesReader(torchZip(t, "archive", p.Bytes(), []string{"0", "1", "2"}, sizes)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 4 {
		t.Fatalf("%d tensors", len(f.Tensors))
	}
	q, sub, pws, old := f.Tensors[0], f.Tensors[1], f.Tensors[2], f.Tensors[3]
	if !q.Quantized || q.DType != "QI8" || q.Bytes != 4 {
		t.Errorf("q %+v", q)
	}
	if !sub.Parameter || !sub.RequiresGrad || sub.DType != "F32" || sub.Bytes != 24 {
		t.Errorf("sub %+v", sub)
	}
	if !pws.Parameter || pws.DType != "F64" || pws.Bytes != 40 {
		t.Errorf("pws %+v", pws)
	}
	if old.Storage != sub.Storage || old.StorageOffset != 3 || old.Bytes != 12 {
		t.Errorf("old %+v", old)
	}
	if f.StorageBytes() != 4+24+40 {
		t.Errorf("StorageBytes %d", f.StorageBytes())
	}
}

// TestStorageMismatch: one key used with two dtypes is rejected.
func TestStorageMismatch(t *testing.T) {
	a := tensor("FloatStorage", "0", 4)
	b := tensor("HalfStorage", "0", 4)
	_, err := Decode(bytesReader(torchZip(t, "archive", dumps(pList{a, b}), []string{"0"}, map[string]int64{"0": 16})))
	checkErr(t, "mismatch", err, `storage "0" is used as F32×4 and F16×4`)
}
