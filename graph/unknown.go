package graph

import "fmt"

// UnknownError is returned by an op that cannot work out its outputs but
// whose node should not stop the analysis: an operator layerinfo does not
// know (an ONNX custom domain), or one whose input shapes are unknown
// because of such an operator. Inference then leaves the outputs unknown
// (nil shapes), keeps the reason as a note, still counts the parameters
// the node consumes, and goes on with the rest of the graph; the node's
// FLOPs are unknown, never a silent zero.
type UnknownError struct {
	Reason string
}

func (e *UnknownError) Error() string { return e.Reason }

// Unknownf makes an UnknownError.
func Unknownf(format string, args ...any) error {
	return &UnknownError{Reason: fmt.Sprintf(format, args...)}
}
