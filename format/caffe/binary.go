package caffe

import (
	"context"
	"fmt"

	"github.com/layerinfo/layerinfo/format"
	"github.com/layerinfo/layerinfo/graph"
)

// DecodeModel reads a caffemodel.
func DecodeModel(ctx context.Context, in format.Input, opt Options) (*graph.Graph, error) {
	return nil, fmt.Errorf("%s: caffemodel files are not read yet", in.Name)
}
