package render_test

import (
	"fmt"
	"log"
	"os"

	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/render"
	"github.com/layerinfo/layerinfo/stats"
)

// mlp is the report of a two-layer perceptron, 784 → 100 → 10, with an
// open batch axis (layerinfo.Analyze makes such reports from files).
// Parameters: 784*100+100 = 78,500 and 100*10+10 = 1,010; FLOPs 2 per
// multiply-add: 2*784*100 = 156,800 and 2*100*10 = 2,000.
func mlp() *stats.Report {
	shape := func(dims ...graph.Dim) *stats.Shape { s := stats.Shape(dims); return &s }
	n := func(v int64) *int64 { return &v }
	return &stats.Report{
		SchemaVersion: stats.SchemaVersion,
		Model:         stats.Model{Path: "mlp.yaml", Format: "spec"},
		Layers: []stats.Layer{
			{Name: "in", Type: "Input", Inputs: []string{}, OutputShapes: []*stats.Shape{shape(graph.Unknown(), graph.D(784))}, FLOPs: n(0)},
			{Name: "hidden", Type: "Dense", Inputs: []string{"in"}, OutputShapes: []*stats.Shape{shape(graph.Unknown(), graph.D(100))},
				Params: 78500, TrainableParams: 78500, FLOPs: n(156800)},
			{Name: "out", Type: "Dense", Inputs: []string{"hidden"}, OutputShapes: []*stats.Shape{shape(graph.Unknown(), graph.D(10))},
				Params: 1010, TrainableParams: 1010, FLOPs: n(2000)},
		},
		Totals: stats.Totals{Params: 79510, TrainableParams: 79510, FLOPs: n(158800), ParamBytes: n(318040)},
	}
}

func ExampleTable() {
	if err := render.Table(os.Stdout, mlp()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// mlp.yaml (spec)
	// N is the batch size (None: the model leaves it open).
	//
	// #  name    type   output  params    FLOPs
	// -  ------  -----  ------  ------  -------
	// 0  in      Input  Nx784        0        0
	// 1  hidden  Dense  Nx100   78,500  156,800
	// 2  out     Dense  Nx10     1,010    2,000
	//
	// Total params:                            79,510
	//   trainable:                             79,510
	//   non-trainable:                              0
	// Param memory:        310.59 KiB (318,040 bytes)
	// FLOPs (per example):                    158,800
}

func ExampleCSV() {
	if err := render.CSV(os.Stdout, mlp()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// index,name,type,output_shapes,params,trainable_params,non_trainable_params,flops
	// 0,in,Input,?x784,0,0,0,0
	// 1,hidden,Dense,?x100,78500,78500,0,156800
	// 2,out,Dense,?x10,1010,1010,0,2000
}

func ExampleMarkdown() {
	if err := render.Markdown(os.Stdout, mlp()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// **mlp.yaml** (spec)
	//
	// N is the batch size (None: the model leaves it open).
	//
	// | # | name | type | output | params | FLOPs |
	// |--:|---|---|---|--:|--:|
	// | 0 | in | Input | Nx784 | 0 | 0 |
	// | 1 | hidden | Dense | Nx100 | 78,500 | 156,800 |
	// | 2 | out | Dense | Nx10 | 1,010 | 2,000 |
	//
	// - Total params: 79,510
	//   - trainable: 79,510
	//   - non-trainable: 0
	// - Param memory: 310.59 KiB (318,040 bytes)
	// - FLOPs (per example): 158,800
}

// LayerRows is the model the tabular renderers share: a new one picks
// its columns and writes Text (for people) or Plain (for programs).
func ExampleLayerRows() {
	rows := render.LayerRows(mlp()).Select("name", "params", "flops")
	for _, row := range rows.Rows {
		fmt.Printf("%s: %s params, %s FLOPs\n", row[0].Text, row[1].Text, row[2].Plain)
	}
	// Output:
	// in: 0 params, 0 FLOPs
	// hidden: 78,500 params, 156800 FLOPs
	// out: 1,010 params, 2000 FLOPs
}
