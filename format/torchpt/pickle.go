package torchpt

import "github.com/layerinfo/layerinfo/internal/pickle"

// The values of a checkpoint's unpickled object (File.Root) are those the
// restricted pickle machine makes (internal/pickle), *Tensor and *Storage.
type (
	Global = pickle.Global // a module.name reference, never resolved or called
	Tuple  = pickle.Tuple
	List   = pickle.List
	Set    = pickle.Set // a set or frozenset
	Dict   = pickle.Dict
	Object = pickle.Object // an inert instance of a class outside the allow-list
)

// torchName names the values this package adds to the pickle's, for the
// pickle machine's messages; "" for others.
func torchName(v any) string {
	switch v.(type) {
	case *Tensor:
		return "tensor"
	case *Storage:
		return "storage"
	}
	return ""
}

// typeName names a value in messages ("tensor", "tuple").
func typeName(v any) string {
	if s := torchName(v); s != "" {
		return s
	}
	return pickle.TypeName(v)
}

// build applies BUILD's state to a tensor: a Parameter's Python state,
// which nothing here keeps.
func build(target, _ any) bool {
	_, ok := target.(*Tensor)
	return ok
}
