package torchpt

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"unicode/utf8"
)

// Storage is one serialized storage (the bytes behind one or more tensors).
// Tensors that share a storage (tied weights, views) point to the same
// *Storage, so callers can count its bytes once.
type Storage struct {
	Key      string // storage key: the zip record is <archive>/data/<Key>
	DType    string // element type of the storage; "U8" for an UntypedStorage
	ElemSize int64  // bytes per element
	Numel    int64  // elements, as recorded in the persistent id
	Bytes    int64  // Numel*ElemSize
	Location string // device at save time, e.g. "cpu", "cuda:0"
	Entry    string // zip record name, "" for the legacy format
	Offset   int64  // file offset of the storage bytes, or -1 if unknown (compressed)
}

// Tensor is one tensor of the checkpoint.
type Tensor struct {
	Name          string  // dotted path from the root object, e.g. "model.fc.weight"
	DType         string  // "F32", "BF16", "I64", "F8_E4M3", "QI8", ...
	ElemSize      int64   // bytes per element
	Shape         []int64 // outermost first
	Stride        []int64 // in elements
	StorageOffset int64   // in elements
	Elements      int64
	Bytes         int64    // Elements*ElemSize: the size of a contiguous copy
	Storage       *Storage // nil for meta tensors
	RequiresGrad  bool
	Parameter     bool // saved as torch.nn.Parameter
	Quantized     bool
	// Buffer and Module are set by File.Contents for the tensors of a
	// pickled nn.Module: a registered buffer (not a parameter), and the
	// class name of the module holding the tensor ("Linear").
	Buffer bool
	Module string
}

// dtypeInfo maps torch dtype attribute names (torch.float32 is pickled as
// the global torch.float32) to a dtype name and element size.
func dtypeInfo(name string) (string, int64, bool) {
	switch name {
	case "float32", "float":
		return "F32", 4, true
	case "float64", "double":
		return "F64", 8, true
	case "float16", "half":
		return "F16", 2, true
	case "bfloat16":
		return "BF16", 2, true
	case "int64", "long":
		return "I64", 8, true
	case "int32", "int":
		return "I32", 4, true
	case "int16", "short":
		return "I16", 2, true
	case "int8":
		return "I8", 1, true
	case "uint8":
		return "U8", 1, true
	case "uint16":
		return "U16", 2, true
	case "uint32":
		return "U32", 4, true
	case "uint64":
		return "U64", 8, true
	case "bool":
		return "BOOL", 1, true
	case "complex32", "chalf":
		return "C32", 4, true
	case "complex64", "cfloat":
		return "C64", 8, true
	case "complex128", "cdouble":
		return "C128", 16, true
	case "float8_e4m3fn":
		return "F8_E4M3", 1, true
	case "float8_e5m2":
		return "F8_E5M2", 1, true
	case "float8_e4m3fnuz":
		return "F8_E4M3FNUZ", 1, true
	case "float8_e5m2fnuz":
		return "F8_E5M2FNUZ", 1, true
	case "float8_e8m0fnu":
		return "F8_E8M0", 1, true
	case "float4_e2m1fn_x2":
		return "F4_X2", 1, true
	case "qint8":
		return "QI8", 1, true
	case "quint8":
		return "QU8", 1, true
	case "qint32":
		return "QI32", 4, true
	case "quint4x2":
		return "QU4X2", 1, true
	case "quint2x4":
		return "QU2X4", 1, true
	case "bits8", "bits1x8", "bits2x4", "bits4x2":
		return "B8", 1, true
	case "bits16":
		return "B16", 2, true
	}
	return "", 0, false
}

// storageInfo maps the legacy storage classes (torch.FloatStorage, ...),
// which torch.save uses as dtype markers in persistent ids, to a dtype.
func storageInfo(class string) (string, int64, bool) {
	switch class {
	case "FloatStorage":
		return dtypeInfo("float32")
	case "DoubleStorage":
		return dtypeInfo("float64")
	case "HalfStorage":
		return dtypeInfo("float16")
	case "BFloat16Storage":
		return dtypeInfo("bfloat16")
	case "LongStorage":
		return dtypeInfo("int64")
	case "IntStorage":
		return dtypeInfo("int32")
	case "ShortStorage":
		return dtypeInfo("int16")
	case "CharStorage":
		return dtypeInfo("int8")
	case "ByteStorage", "UntypedStorage":
		return dtypeInfo("uint8")
	case "BoolStorage":
		return dtypeInfo("bool")
	case "ComplexFloatStorage":
		return dtypeInfo("complex64")
	case "ComplexDoubleStorage":
		return dtypeInfo("complex128")
	case "QInt8Storage":
		return dtypeInfo("qint8")
	case "QUInt8Storage":
		return dtypeInfo("quint8")
	case "QInt32Storage":
		return dtypeInfo("qint32")
	case "QUInt4x2Storage":
		return dtypeInfo("quint4x2")
	case "QUInt2x4Storage":
		return dtypeInfo("quint2x4")
	}
	return "", 0, false
}

// allowed reports whether a global is on the allow-list.
func allowed(g Global) bool {
	switch g.Module {
	case "collections":
		return g.Name == "OrderedDict"
	case "torch._utils":
		switch g.Name {
		case "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
			"_rebuild_parameter", "_rebuild_parameter_with_state", "_rebuild_qtensor",
			"_rebuild_meta_tensor_no_storage", "_rebuild_device_tensor_from_cpu_tensor":
			return true
		}
	case "torch._tensor":
		return g.Name == "_rebuild_from_type_v2"
	case "torch":
		switch g.Name {
		case "Size", "device", "Tensor", "per_tensor_affine", "per_channel_affine",
			"per_channel_affine_float_qparams", "per_tensor_symmetric", "per_channel_symmetric":
			return true
		}
		if _, _, ok := storageInfo(g.Name); ok {
			return true
		}
		_, _, ok := dtypeInfo(g.Name)
		return ok
	case "torch.cuda": // legacy format: storages saved from the GPU
		_, _, ok := storageInfo(g.Name)
		return ok
	case "torch.nn.parameter":
		return g.Name == "Parameter"
	case "builtins", "__builtin__":
		return g.Name == "set" || g.Name == "frozenset"
	case "_codecs":
		return g.Name == "encode"
	case "numpy", "numpy.core.multiarray", "numpy._core.multiarray":
		// NumPy scalars and arrays (a best accuracy saved as np.float64):
		// kept as inert *Object values, never built.
		return isNumpy(g)
	}
	return false
}

// isNumpy reports whether g is one of the callables NumPy pickles its
// scalars, arrays and dtypes with (numpy._core in NumPy 2).
func isNumpy(g Global) bool {
	switch g.Module {
	case "numpy":
		return g.Name == "dtype" || g.Name == "ndarray"
	case "numpy.core.multiarray", "numpy._core.multiarray":
		return g.Name == "scalar" || g.Name == "_reconstruct"
	}
	return false
}

// call applies an allow-listed callable to its arguments. It builds inert
// values only.
func (s *session) call(g Global, args Tuple) (any, error) {
	if !allowed(g) {
		if s.lenient {
			s.unknown(g)
			return &Object{Class: g, Args: args}, nil
		}
		return nil, errors.New("not allowed")
	}
	if isNumpy(g) {
		return &Object{Class: g, Args: args}, nil
	}
	switch g.String() {
	case "collections.OrderedDict":
		d := &Dict{Ordered: true}
		if len(args) == 0 {
			return d, nil
		}
		if len(args) == 1 {
			if l, ok := args[0].(*List); ok {
				for _, it := range l.Items {
					if kv, ok := it.(Tuple); ok && len(kv) == 2 {
						d.Put(kv[0], kv[1])
						continue
					}
					return nil, errors.New("items must be (key, value) pairs")
				}
				return d, nil
			}
		}
		return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3":
		want := map[string]int{"_rebuild_tensor": 4, "_rebuild_tensor_v2": 6, "_rebuild_tensor_v3": 7}[g.Name]
		if len(args) < want || len(args) > want+1 {
			return nil, fmt.Errorf("%d arguments, want %d", len(args), want)
		}
		st, ok := args[0].(*Storage)
		if !ok {
			return nil, fmt.Errorf("argument 0 is a %s, not a storage", typeName(args[0]))
		}
		t := &Tensor{Storage: st, DType: st.DType, ElemSize: st.ElemSize}
		if g.Name == "_rebuild_tensor_v3" {
			dg, ok := args[6].(Global)
			dt, size, ok2 := dtypeInfo(dg.Name)
			if !ok || !ok2 || dg.Module != "torch" {
				return nil, fmt.Errorf("argument 6 is a %s, not a torch dtype", typeName(args[6]))
			}
			t.DType, t.ElemSize = dt, size
		}
		if g.Name != "_rebuild_tensor" {
			t.RequiresGrad, _ = args[4].(bool)
		}
		return t, s.view(t, args[1], args[2], args[3])
	case "torch._utils._rebuild_qtensor":
		if len(args) != 7 {
			return nil, fmt.Errorf("%d arguments, want 7", len(args))
		}
		st, ok := args[0].(*Storage)
		if !ok {
			return nil, fmt.Errorf("argument 0 is a %s, not a storage", typeName(args[0]))
		}
		t := &Tensor{Storage: st, DType: st.DType, ElemSize: st.ElemSize, Quantized: true}
		t.RequiresGrad, _ = args[5].(bool)
		return t, s.view(t, args[1], args[2], args[3])
	case "torch._utils._rebuild_meta_tensor_no_storage":
		if len(args) != 4 {
			return nil, fmt.Errorf("%d arguments, want 4", len(args))
		}
		dg, ok := args[0].(Global)
		dt, size, ok2 := dtypeInfo(dg.Name)
		if !ok || !ok2 {
			return nil, fmt.Errorf("argument 0 is a %s, not a torch dtype", typeName(args[0]))
		}
		t := &Tensor{DType: dt, ElemSize: size}
		t.RequiresGrad, _ = args[3].(bool)
		return t, s.view(t, int64(0), args[1], args[2])
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
		"torch._utils._rebuild_device_tensor_from_cpu_tensor":
		if len(args) < 3 {
			return nil, fmt.Errorf("%d arguments", len(args))
		}
		t, ok := args[0].(*Tensor)
		if !ok {
			return nil, fmt.Errorf("argument 0 is a %s, not a tensor", typeName(args[0]))
		}
		if g.Name != "_rebuild_device_tensor_from_cpu_tensor" {
			c := *t
			c.Parameter = true
			c.RequiresGrad, _ = args[1].(bool)
			t = &c
		}
		return t, nil
	case "torch._tensor._rebuild_from_type_v2":
		if len(args) != 4 {
			return nil, fmt.Errorf("%d arguments, want 4", len(args))
		}
		fn, ok := args[0].(Global)
		inner, ok2 := args[2].(Tuple)
		if !ok || !ok2 {
			return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
		}
		v, err := s.call(fn, inner)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		if t, ok := v.(*Tensor); ok && args[1] == (Global{Module: "torch.nn.parameter", Name: "Parameter"}) {
			c := *t
			c.Parameter = true
			v = &c
		}
		return v, nil
	case "torch.Size":
		if len(args) == 1 {
			if t, ok := args[0].(Tuple); ok {
				return t, nil
			}
		}
		return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
	case "torch.device":
		if len(args) >= 1 {
			if s, ok := args[0].(string); ok {
				if len(args) == 2 {
					if i, ok := args[1].(int64); ok {
						return fmt.Sprintf("%s:%d", s, i), nil
					}
				}
				return s, nil
			}
		}
		return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
	case "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset":
		if len(args) == 0 {
			return &Set{}, nil
		}
		if l, ok := args[0].(*List); ok && len(args) == 1 {
			return &Set{Items: append([]any(nil), l.Items...)}, nil
		}
		return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
	case "_codecs.encode":
		// Protocol 2 pickles bytes as _codecs.encode(str, "latin1").
		if len(args) == 2 {
			str, ok1 := args[0].(string)
			enc, ok2 := args[1].(string)
			if ok1 && ok2 && (enc == "latin1" || enc == "latin-1") {
				b := make([]byte, 0, len(str))
				for _, r := range str {
					if r > 0xff || r == utf8.RuneError {
						return nil, errors.New("string is not latin-1")
					}
					b = append(b, byte(r))
				}
				return b, nil
			}
			if ok1 && ok2 && (enc == "utf-8" || enc == "utf8") {
				return []byte(str), nil
			}
		}
		return nil, fmt.Errorf("unsupported arguments %s", argTypes(args))
	}
	return nil, errors.New("is not callable")
}

// view fills the shape, stride and offset of t and checks that the view
// fits inside its storage.
func (s *session) view(t *Tensor, offset, size, stride any) error {
	off, ok := offset.(int64)
	if !ok || off < 0 {
		return fmt.Errorf("storage offset is %s, not a non-negative int", brief(offset))
	}
	t.StorageOffset = off
	var err error
	if t.Shape, err = ints(size, "size"); err != nil {
		return err
	}
	if t.Stride, err = ints(stride, "stride"); err != nil {
		return err
	}
	if len(t.Stride) != len(t.Shape) {
		return fmt.Errorf("size has %d dimensions but stride %d", len(t.Shape), len(t.Stride))
	}
	t.Elements = 1
	span := int64(1) // elements from the first to one past the last
	for i, n := range t.Shape {
		hi, lo := bits.Mul64(uint64(t.Elements), uint64(n))
		if hi != 0 || lo > math.MaxInt64 {
			return fmt.Errorf("size %v: element count overflows int64", t.Shape)
		}
		t.Elements = int64(lo)
		if n > 0 {
			hi, lo := bits.Mul64(uint64(n-1), uint64(t.Stride[i]))
			if hi != 0 || lo > math.MaxInt64-uint64(span) {
				return fmt.Errorf("size %v stride %v: extent overflows int64", t.Shape, t.Stride)
			}
			span += int64(lo)
		}
	}
	hi, lo := bits.Mul64(uint64(t.Elements), uint64(t.ElemSize))
	if hi != 0 || lo > math.MaxInt64 {
		return fmt.Errorf("size %v: byte size overflows int64", t.Shape)
	}
	t.Bytes = int64(lo)
	if t.Storage == nil || t.Elements == 0 {
		return nil
	}
	if span > math.MaxInt64-off {
		return fmt.Errorf("storage offset %d: extent overflows int64", off)
	}
	hi, need := bits.Mul64(uint64(off+span), uint64(t.ElemSize))
	if hi != 0 || need > uint64(t.Storage.Bytes) {
		return fmt.Errorf("view (offset %d, size %v, stride %v) of %s needs %d elements, but storage %q holds %d bytes",
			off, t.Shape, t.Stride, t.DType, off+span, t.Storage.Key, t.Storage.Bytes)
	}
	return nil
}

// ints converts a tuple of non-negative ints.
func ints(v any, what string) ([]int64, error) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a tuple", what, typeName(v))
	}
	if len(t) > maxDims {
		return nil, fmt.Errorf("%s has %d dimensions, over %d", what, len(t), maxDims)
	}
	out := make([]int64, len(t))
	for i, e := range t {
		n, ok := e.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s[%d] is %s, not a non-negative int", what, i, brief(e))
		}
		out[i] = n
	}
	return out, nil
}

func argTypes(args Tuple) string {
	s := "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += typeName(a)
	}
	return s + ")"
}

// persistentLoad resolves a persistent id
// ('storage', storage_type, key, location, numel) of the zip format, or
// its legacy form with a sixth view_metadata element.
func (s *session) persistentLoad(pid any) (any, error) {
	// The legacy format pickles nn.Module classes as persistent ids
	// ("module", class, source file, source); the class stands for itself
	// (its source is never looked at).
	if t, ok := pid.(Tuple); ok && len(t) == 4 && t[0] == "module" {
		if cls, ok := t[1].(Global); ok {
			return cls, nil
		}
	}
	t, ok := pid.(Tuple)
	if !ok || len(t) < 5 || len(t) > 6 {
		return nil, fmt.Errorf("persistent id is a %s, not a ('storage', type, key, location, numel) tuple", typeName(pid))
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id tag %s is not 'storage'", brief(t[0]))
	}
	cls, ok := t[1].(Global)
	if !ok {
		return nil, fmt.Errorf("storage type is a %s, not a class", typeName(t[1]))
	}
	dt, size, ok := storageInfo(cls.Name)
	if !ok || (cls.Module != "torch" && cls.Module != "torch.cuda") {
		return nil, fmt.Errorf("unknown storage type %s", cls)
	}
	key, ok := t[2].(string)
	if !ok {
		return nil, fmt.Errorf("storage key is a %s, not a str", typeName(t[2]))
	}
	loc, _ := t[3].(string)
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Errorf("storage %s: numel %s is not a non-negative int", brief(key), brief(t[4]))
	}
	if len(t) == 6 && t[5] != nil {
		return nil, fmt.Errorf("storage %q: legacy storage views are not supported", key)
	}
	if st, ok := s.storages[key]; ok {
		if st.DType != dt || st.Numel != numel {
			return nil, fmt.Errorf("storage %q is used as %s×%d and %s×%d", key, st.DType, st.Numel, dt, numel)
		}
		return st, nil
	}
	hi, lo := bits.Mul64(uint64(numel), uint64(size))
	if hi != 0 || lo > math.MaxInt64 {
		return nil, fmt.Errorf("storage %q: byte size overflows int64", key)
	}
	if len(s.storages) >= s.maxStorages {
		return nil, fmt.Errorf("more than %d storages", s.maxStorages)
	}
	st := &Storage{Key: key, DType: dt, ElemSize: size, Numel: numel, Bytes: int64(lo), Location: loc, Offset: -1}
	s.storages[key] = st
	s.order = append(s.order, st)
	return st, nil
}
