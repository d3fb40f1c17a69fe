package onnx

// Field numbers of the messages read, from onnx/onnx.proto.
const (
	// ModelProto
	modelIRVersion       = 1
	modelProducerName    = 2
	modelProducerVersion = 3
	modelDomain          = 4
	modelModelVersion    = 5
	modelGraph           = 7
	modelOpsetImport     = 8
	modelMetadataProps   = 14
	modelFunctions       = 25

	// GraphProto
	graphNode              = 1
	graphName              = 2
	graphInitializer       = 5
	graphInput             = 11
	graphOutput            = 12
	graphValueInfo         = 13
	graphSparseInitializer = 15

	// NodeProto
	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDomain    = 7
	nodeOverload  = 8

	// AttributeProto
	attrName          = 1
	attrF             = 2
	attrI             = 3
	attrS             = 4
	attrT             = 5
	attrG             = 6
	attrFloats        = 7
	attrInts          = 8
	attrStrings       = 9
	attrTensors       = 10
	attrGraphs        = 11
	attrType          = 20
	attrRefAttrName   = 21
	attrSparseTensor  = 22
	attrSparseTensors = 23

	// TensorProto (payload fields are the DataField constants)
	tensorDims         = 1
	tensorDataType     = 2
	tensorName         = 8
	tensorExternalData = 13
	tensorDataLocation = 14

	// SparseTensorProto
	sparseValues  = 1
	sparseIndices = 2
	sparseDims    = 3

	// ValueInfoProto
	valueInfoName = 1
	valueInfoType = 2

	// TypeProto and its members
	typeTensor       = 1
	typeSequence     = 4
	typeMap          = 5
	typeOpaque       = 7
	typeSparseTensor = 8
	typeOptional     = 9
	tensorTypeElem   = 1 // Tensor, SparseTensor: elem_type; Sequence, Optional: elem_type (a TypeProto)
	tensorTypeShape  = 2
	mapValueType     = 2
	shapeDim         = 1
	dimValue         = 1
	dimParam         = 2

	// FunctionProto
	funcName           = 1
	funcInput          = 4
	funcOutput         = 5
	funcAttribute      = 6
	funcNode           = 7
	funcOpsetImport    = 9
	funcDomain         = 10
	funcAttributeProto = 11
	funcOverload       = 13

	// OperatorSetIdProto, StringStringEntryProto
	opsetDomain  = 1
	opsetVersion = 2
	entryKey     = 1
	entryValue   = 2
)
