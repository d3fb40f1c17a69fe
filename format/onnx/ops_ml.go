package onnx

import (
	"fmt"

	"github.com/layerinfo/layerinfo/calc"
	"github.com/layerinfo/layerinfo/graph"
	"github.com/layerinfo/layerinfo/op/tensor"
)

// The ai.onnx.ml operators (scikit-learn and other classic models, as
// sklearn-onnx and onnxmltools export them). Their fitted values are
// attributes, not initializers: they are counted as the node's
// parameters — a linear model's coefficients and intercepts, an SVM's
// support vectors, coefficients and rho (and Platt's prob_a/prob_b), a
// tree ensemble's split thresholds and leaf weights (and base values) as
// trainable; a Scaler's offset and scale and an Imputer's values, which
// are statistics of the data, as non-trainable. The trees' structure
// (node ids, features, modes) is not counted.
//
// Shapes follow ONNX's inference for these operators (defs/traditionalml):
// a classifier's labels (N) and scores (N, E), E the number of classes
// (2 for a binary linear model with one intercept); a regressor's (N,
// targets).

func init() {
	register("ai.onnx.ml", map[string]maker{
		"LinearClassifier":       mlMaker(mlLinearClassifier),
		"LinearRegressor":        mlMaker(mlLinearRegressor),
		"SVMClassifier":          mlMaker(mlSVMClassifier),
		"SVMRegressor":           mlMaker(mlSVMRegressor),
		"TreeEnsembleClassifier": mlMaker(mlTreeClassifier),
		"TreeEnsembleRegressor":  mlMaker(mlTreeRegressor),
		"TreeEnsemble":           mlMaker(mlTreeEnsemble),
		"Scaler":                 mlMaker(mlScaler),
		"Normalizer":             mlMaker(mlNormalizer),
		"Binarizer":              mlMaker(mlSame),
		"Imputer":                mlMaker(mlImputer),
		"LabelEncoder":           mlMaker(mlLabelEncoder),
		"CategoryMapper":         mlMaker(mlCategoryMapper),
		"OneHotEncoder":          mlMaker(mlOneHot),
		"ArrayFeatureExtractor":  func(_ *builder, nd *Node, _ int64) (graph.Op, int) { return &mlOp{nd: nd, kind: mlArrayFeature}, 2 },
		"FeatureVectorizer":      mlMaker(mlFeatureVectorizer),
		"DictVectorizer":         mlMaker(mlDictVectorizer),
		"ZipMap":                 mlMaker(mlZipMap),
		"CastMap":                mlMaker(mlCastMap),
	})
}

type mlKind int

const (
	mlLinearClassifier mlKind = iota
	mlLinearRegressor
	mlSVMClassifier
	mlSVMRegressor
	mlTreeClassifier
	mlTreeRegressor
	mlTreeEnsemble
	mlScaler
	mlNormalizer
	mlSame
	mlImputer
	mlLabelEncoder
	mlCategoryMapper
	mlOneHot
	mlArrayFeature
	mlFeatureVectorizer
	mlDictVectorizer
	mlZipMap
	mlCastMap
)

func mlMaker(k mlKind) maker {
	return func(_ *builder, nd *Node, _ int64) (graph.Op, int) { return &mlOp{nd: nd, kind: k}, 1 }
}

// mlOp infers an ai.onnx.ml node from its attributes.
type mlOp struct {
	nd   *Node
	kind mlKind
}

// attrLen is how many values an attribute holds (a list's length, a
// tensor's elements), 0 when absent.
func (m *mlOp) attrLen(name string) int64 {
	a := m.nd.Attr(name)
	if a == nil {
		return 0
	}
	switch {
	case a.T != nil:
		n, _ := a.T.NumElements()
		return n
	case len(a.Floats) > 0:
		return int64(len(a.Floats))
	case len(a.Ints) > 0:
		return int64(len(a.Ints))
	case len(a.Strings) > 0:
		return int64(len(a.Strings))
	}
	return 0
}

// params counts the values of the named attributes (the first of each
// group that is present: a list or its _as_tensor form).
func (m *mlOp) params(n *graph.Node, trainable bool, names ...string) error {
	for _, name := range names {
		k := m.attrLen(name)
		if k == 0 {
			k = m.attrLen(name + "_as_tensor")
		}
		if k == 0 {
			continue
		}
		if _, err := n.Param(name, graph.S(k), trainable); err != nil {
			return err
		}
	}
	return nil
}

// batch is the examples' axis of a [N, C] or [C] input, and C.
func batchFeatures(x graph.Shape) (graph.Dim, graph.Dim, error) {
	switch len(x) {
	case 1:
		return graph.D(1), x[0], nil
	case 2:
		return x[0], x[1], nil
	}
	return graph.Dim{}, graph.Dim{}, fmt.Errorf("the input %s is not [N, C] or [C]", fmtDims(x))
}

// labelType is a classifier's label type: string or int64.
func (m *mlOp) labelType() graph.DType {
	if len(m.nd.attrStrings("classlabels_strings")) > 0 {
		return "string"
	}
	return graph.Int64
}

// classes is the number of class labels.
func (m *mlOp) classes() int64 {
	return max(m.attrLen("classlabels_strings"), m.attrLen("classlabels_ints"), m.attrLen("classlabels_int64s"))
}

func (m *mlOp) Infer(n *graph.Node) error {
	x := n.In(0)
	noFLOPs(n)
	switch m.kind {
	case mlLinearClassifier:
		b, c, err := batchFeatures(x)
		if err != nil {
			return err
		}
		e := m.attrLen("intercepts")
		if e == 1 && m.classes() == 2 {
			e = 2 // binary: one score and its complement
		}
		if e == 0 {
			e = m.classes()
		}
		setOut(n, 0, graph.Shape{b}, m.labelType())
		setOut(n, 1, graph.Shape{b, graph.D(e)}, graph.Float32)
		rows := m.attrLen("coefficients")
		if c.Known() && c.Size > 0 {
			rows /= c.Size
		}
		n.FLOPs = tensor.FlopsDims(&b, c.Expr(), calc.N(rows))
		n.Why("scores (N, %d classes); FLOPs 2·N·C·%d", e, rows)
		return m.params(n, true, "coefficients", "intercepts")
	case mlLinearRegressor:
		b, c, err := batchFeatures(x)
		if err != nil {
			return err
		}
		t := m.nd.attrInt("targets", 1)
		if t < 1 {
			return fmt.Errorf("targets %d is not positive", t)
		}
		setOut(n, 0, graph.Shape{b, graph.D(t)}, graph.Float32)
		n.FLOPs = tensor.FlopsDims(&b, c.Expr(), calc.N(t))
		return m.params(n, true, "coefficients", "intercepts")
	case mlSVMClassifier, mlSVMRegressor:
		b, c, err := batchFeatures(x)
		if err != nil {
			return err
		}
		sv := int64(0)
		if c.Known() && c.Size > 0 {
			sv = m.attrLen("support_vectors") / c.Size
		}
		if m.kind == mlSVMRegressor {
			setOut(n, 0, graph.Shape{b, graph.D(1)}, graph.Float32)
		} else {
			setOut(n, 0, graph.Shape{b}, m.labelType())
			// Scores: one per class with probabilities or a linear
			// kernel; otherwise one-vs-one votes, which runtimes lay
			// out differently: unknown.
			e := graph.Unknown()
			if m.attrLen("prob_a") > 0 || sv == 0 {
				e = graph.D(m.classes())
			}
			setOut(n, 1, graph.Shape{b, e}, graph.Float32)
		}
		// The kernel against each support vector (or the linear
		// coefficients), a multiply-add per feature.
		rows := sv
		if sv == 0 && c.Known() && c.Size > 0 {
			rows = m.attrLen("coefficients") / c.Size
		}
		n.FLOPs = tensor.FlopsDims(&b, c.Expr(), calc.N(rows))
		return m.params(n, true, "support_vectors", "coefficients", "rho", "prob_a", "prob_b")
	case mlTreeClassifier:
		b, _, err := batchFeatures(x)
		if err != nil {
			return err
		}
		setOut(n, 0, graph.Shape{b}, m.labelType())
		setOut(n, 1, graph.Shape{b, graph.D(m.classes())}, graph.Float32)
		return m.params(n, true, "nodes_values", "class_weights", "base_values")
	case mlTreeRegressor:
		b, _, err := batchFeatures(x)
		if err != nil {
			return err
		}
		t := m.nd.attrInt("n_targets", 1)
		if t < 1 {
			return fmt.Errorf("n_targets %d is not positive", t)
		}
		setOut(n, 0, graph.Shape{b, graph.D(t)}, graph.Float32)
		return m.params(n, true, "nodes_values", "target_weights", "base_values")
	case mlTreeEnsemble:
		if len(x) != 2 {
			return fmt.Errorf("the input %s is not [N, F]", fmtDims(x))
		}
		t := m.nd.attrInt("n_targets", 1)
		if t < 1 {
			return fmt.Errorf("n_targets %d is not positive", t)
		}
		setOut(n, 0, graph.Shape{x[0], graph.D(t)}, "")
		return m.params(n, true, "nodes_splits", "leaf_weights")
	case mlScaler, mlNormalizer:
		setOut(n, 0, x.Clone(), graph.Float32)
		otherOps(n, 2, x)
		if m.kind == mlScaler {
			return m.params(n, false, "offset", "scale")
		}
		return nil
	case mlSame:
		setOut(n, 0, x.Clone(), "")
		otherOps(n, 1, x)
		return nil
	case mlImputer:
		setOut(n, 0, x.Clone(), "")
		otherOps(n, 1, x)
		return m.params(n, false, "imputed_value_floats", "imputed_value_int64s")
	case mlLabelEncoder:
		dt := graph.DType("")
		switch {
		case m.attrLen("values_strings") > 0:
			dt = "string"
		case m.attrLen("values_int64s") > 0:
			dt = graph.Int64
		case m.attrLen("values_floats") > 0:
			dt = graph.Float32
		case m.nd.Attr("values_tensor") != nil && m.nd.Attr("values_tensor").T != nil:
			dt = dtypeOf(m.nd.Attr("values_tensor").T.DataType)
		}
		setOut(n, 0, x.Clone(), dt)
		return nil
	case mlCategoryMapper:
		dt := graph.DType("string")
		if n.Inputs[0].DType == "string" {
			dt = graph.Int64
		}
		setOut(n, 0, x.Clone(), dt)
		return nil
	case mlOneHot:
		k := max(m.attrLen("cats_int64s"), m.attrLen("cats_strings"))
		setOut(n, 0, append(x.Clone(), graph.D(k)), graph.Float32)
		return nil
	case mlArrayFeature:
		if len(x) < 2 {
			return graph.Unknownf("a 1-D input: ONNX leaves the output's shape open")
		}
		k := n.In(1).Numel()
		out := x[:len(x)-1].Clone()
		setOut(n, 0, append(out, graph.DimOf(k)), "")
		return nil
	case mlFeatureVectorizer:
		dims := m.nd.attrInts("inputdimensions")
		b := graph.D(1)
		if len(x) == 2 {
			b = x[0]
		}
		sum := int64(0)
		for _, d := range dims {
			if d < 0 || d > 1<<40 {
				return fmt.Errorf("inputdimensions %v are not sizes", dims)
			}
			sum += d
		}
		setOut(n, 0, graph.Shape{b, graph.D(sum)}, graph.Float32)
		return nil
	case mlDictVectorizer:
		return graph.Unknownf("a map turned into a tensor of %d values: runtimes lay it out as [%d] or [1, %d]", max(m.attrLen("string_vocabulary"), m.attrLen("int64_vocabulary")), max(m.attrLen("string_vocabulary"), m.attrLen("int64_vocabulary")), max(m.attrLen("string_vocabulary"), m.attrLen("int64_vocabulary")))
	case mlZipMap:
		return graph.Unknownf("a sequence of maps (class → score), one per example: no tensor shape")
	case mlCastMap:
		return graph.Unknownf("a map turned into a tensor: its length depends on the data")
	}
	return fmt.Errorf("unknown ai.onnx.ml operator")
}
