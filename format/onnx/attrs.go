package onnx

// Attribute accessors for building ops. They read whichever value field
// the attribute has, so that a file with a mistyped attribute yields an
// odd value (caught by the op) rather than a crash.

func (n *Node) attrInt(name string, def int64) int64 {
	a := n.Attr(name)
	switch {
	case a == nil:
		return def
	case a.Type == AttrFloat:
		return int64(a.F)
	case a.Type == AttrInts && len(a.Ints) == 1:
		return a.Ints[0]
	}
	return a.I
}

func (n *Node) attrInts(name string) []int64 {
	a := n.Attr(name)
	if a == nil {
		return nil
	}
	if a.Ints == nil && a.Type == AttrInt {
		return []int64{a.I}
	}
	if a.Ints == nil {
		return []int64{}
	}
	return a.Ints
}

func (n *Node) attrFloats(name string) []float64 {
	a := n.Attr(name)
	if a == nil {
		return nil
	}
	out := make([]float64, len(a.Floats))
	for i, f := range a.Floats {
		out[i] = float64(f)
	}
	return out
}

func (n *Node) attrString(name, def string) string {
	a := n.Attr(name)
	if a == nil {
		return def
	}
	return a.S
}

// optInt is an int attribute as a pointer, nil when absent.
func (n *Node) optInt(name string) *int64 {
	if a := n.Attr(name); a != nil {
		v := n.attrInt(name, 0)
		return &v
	}
	return nil
}
