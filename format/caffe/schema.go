package caffe

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/layerinfo/layerinfo/internal/spell"
)

// The part of caffe.proto layerinfo reads, with field numbers for the
// binary reader and names for the text checks, written by hand (not
// generated: a prototxt's errors need its own positions, and the
// schema is small) from BVLC Caffe's src/caffe/proto/caffe.proto and the
// SSD fork's (weiliu89/caffe), which keeps BVLC's numbers and adds
// Normalize, Permute, PriorBox, DetectionOutput, AnnotatedData and the
// transformer's resize/distort/expand parameters. Fields of other forks
// that zoo files carry are known by name: pooling's ceil_mode, Interp
// (DeepLab, PSPNet), Upsample (SegNet). A field of number 0 is known by
// name only (a fork's field whose number differs between forks): the
// text reader accepts it, the binary reader does not look for it.
//
// Kinds: i integer, u unsigned, f float, b bool, s string, e:Enum enum,
// m:Message message (m alone: a message whose fields are not checked),
// x a blob's data (accepted in text, skipped unread in binary).
var protoText = map[string]string{
	"NetParameter":    "name=1:s input=3:s input_shape=8:m:BlobShape input_dim=4:i force_backward=5:b state=6:m:NetState debug_info=7:b layer=100:m:LayerParameter layers=2:m:V1LayerParameter",
	"BlobShape":       "dim=1:i",
	"BlobProto":       "shape=7:m:BlobShape data=5:x diff=6:x double_data=8:x double_diff=9:x num=1:i channels=2:i height=3:i width=4:i",
	"NetState":        "phase=1:e:Phase level=2:i stage=3:s",
	"NetStateRule":    "phase=1:e:Phase min_level=2:i max_level=3:i stage=4:s not_stage=5:s",
	"ParamSpec":       "name=1:s share_mode=2:e:DimCheckMode lr_mult=3:f decay_mult=4:f",
	"FillerParameter": "type=1:s value=2:f min=3:f max=4:f mean=5:f std=6:f sparse=7:i variance_norm=8:e:VarianceNorm",
	"LayerParameter": "name=1:s type=2:s bottom=3:s top=4:s phase=10:e:Phase loss_weight=5:f param=6:m:ParamSpec blobs=7:m:BlobProto propagate_down=11:b include=8:m:NetStateRule exclude=9:m:NetStateRule " +
		"transform_param=100:m:TransformationParameter loss_param=101:m:LossParameter accuracy_param=102:m:AccuracyParameter argmax_param=103:m:ArgMaxParameter " +
		"batch_norm_param=139:m:BatchNormParameter bias_param=141:m:BiasParameter clip_param=148:m:ClipParameter concat_param=104:m:ConcatParameter contrastive_loss_param=105:m " +
		"convolution_param=106:m:ConvolutionParameter crop_param=144:m:CropParameter data_param=107:m:DataParameter dropout_param=108:m:DropoutParameter " +
		"dummy_data_param=109:m:DummyDataParameter eltwise_param=110:m:EltwiseParameter elu_param=140:m:ELUParameter embed_param=137:m:EmbedParameter " +
		"exp_param=111:m:ExpParameter flatten_param=135:m:FlattenParameter hdf5_data_param=112:m:HDF5DataParameter hdf5_output_param=113:m " +
		"hinge_loss_param=114:m image_data_param=115:m:ImageDataParameter infogain_loss_param=116:m inner_product_param=117:m:InnerProductParameter " +
		"input_param=143:m:InputParameter log_param=134:m:ExpParameter lrn_param=118:m:LRNParameter memory_data_param=119:m:MemoryDataParameter " +
		"mvn_param=120:m:MVNParameter parameter_param=145:m:ParameterParameter pooling_param=121:m:PoolingParameter power_param=122:m:PowerParameter " +
		"prelu_param=131:m:PReLUParameter python_param=130:m recurrent_param=146:m:RecurrentParameter reduction_param=136:m:ReductionParameter " +
		"relu_param=123:m:ReLUParameter reshape_param=133:m:ReshapeParameter scale_param=142:m:ScaleParameter sigmoid_param=124:m softmax_param=125:m:SoftmaxParameter " +
		"spp_param=132:m:SPPParameter slice_param=126:m:SliceParameter swish_param=147:m tanh_param=127:m threshold_param=128:m tile_param=138:m:TileParameter " +
		"window_data_param=129:m:WindowDataParameter video_data_param=207:m " +
		// The SSD fork (weiliu89/caffe).
		"annotated_data_param=200:m multibox_loss_param=201:m permute_param=202:m:PermuteParameter prior_box_param=203:m:PriorBoxParameter " +
		"detection_output_param=204:m:DetectionOutputParameter detection_evaluate_param=205:m norm_param=206:m:NormalizeParameter " +
		// DeepLab/PSPNet's Interp and SegNet's Upsample (text only).
		"interp_param=0:m:InterpParameter upsample_param=0:m:UpsampleParameter",
	"V1LayerParameter": "bottom=2:s top=3:s name=4:s include=32:m:NetStateRule exclude=33:m:NetStateRule type=5:e:V1LayerType blobs=6:m:BlobProto param=1001:s blob_share_mode=1002:e:DimCheckMode " +
		"blobs_lr=7:f weight_decay=8:f loss_weight=35:f accuracy_param=27:m:AccuracyParameter argmax_param=23:m:ArgMaxParameter concat_param=9:m:ConcatParameter " +
		"contrastive_loss_param=40:m convolution_param=10:m:ConvolutionParameter data_param=11:m:DataParameter dropout_param=12:m:DropoutParameter " +
		"dummy_data_param=26:m:DummyDataParameter eltwise_param=24:m:EltwiseParameter exp_param=41:m:ExpParameter hdf5_data_param=13:m:HDF5DataParameter " +
		"hdf5_output_param=14:m hinge_loss_param=29:m image_data_param=15:m:ImageDataParameter infogain_loss_param=16:m inner_product_param=17:m:InnerProductParameter " +
		"lrn_param=18:m:LRNParameter memory_data_param=22:m:MemoryDataParameter mvn_param=34:m:MVNParameter pooling_param=19:m:PoolingParameter power_param=21:m:PowerParameter " +
		"relu_param=30:m:ReLUParameter sigmoid_param=38:m softmax_param=39:m:SoftmaxParameter slice_param=31:m:SliceParameter tanh_param=37:m threshold_param=25:m " +
		"window_data_param=20:m:WindowDataParameter transform_param=36:m:TransformationParameter loss_param=42:m:LossParameter layer=1:m",
	"TransformationParameter": "scale=1:f mirror=2:b crop_size=3:u mean_file=4:s mean_value=5:f force_color=6:b force_gray=7:b crop_h=11:u crop_w=12:u resize_param=8:m:ResizeParameter noise_param=9:m distort_param=13:m expand_param=14:m emit_constraint=10:m",
	"ResizeParameter":         "prob=1:f resize_mode=2:e height=3:u width=4:u pad_mode=5:e pad_value=6:f interp_mode=7:e height_scale=8:u width_scale=9:u",
	"LossParameter":           "ignore_label=1:i normalization=3:e:NormalizationMode normalize=2:b",
	"AccuracyParameter":       "top_k=1:u axis=2:i ignore_label=3:i",
	"ArgMaxParameter":         "out_max_val=1:b top_k=2:u axis=3:i",
	"BatchNormParameter":      "use_global_stats=1:b moving_average_fraction=2:f eps=3:f",
	"BiasParameter":           "axis=1:i num_axes=2:i filler=3:m:FillerParameter",
	"ClipParameter":           "min=1:f max=2:f",
	"ConcatParameter":         "axis=2:i concat_dim=1:u",
	"ConvolutionParameter": "num_output=1:u bias_term=2:b pad=3:u kernel_size=4:u stride=6:u dilation=18:u pad_h=9:u pad_w=10:u kernel_h=11:u kernel_w=12:u stride_h=13:u stride_w=14:u " +
		"group=5:u weight_filler=7:m:FillerParameter bias_filler=8:m:FillerParameter engine=15:e:Engine axis=16:i force_nd_im2col=17:b",
	"CropParameter":         "axis=1:i offset=2:u",
	"DataParameter":         "source=1:s batch_size=4:u rand_skip=7:u backend=8:e:DB scale=2:f mean_file=3:s crop_size=5:u mirror=6:b force_encoded_color=9:b prefetch=10:u",
	"DropoutParameter":      "dropout_ratio=1:f scale_train=0:b",
	"DummyDataParameter":    "data_filler=1:m:FillerParameter shape=6:m:BlobShape num=2:u channels=3:u height=4:u width=5:u",
	"EltwiseParameter":      "operation=1:e:EltwiseOp coeff=2:f stable_prod_grad=3:b",
	"ELUParameter":          "alpha=1:f",
	"EmbedParameter":        "num_output=1:u input_dim=2:u bias_term=3:b weight_filler=4:m:FillerParameter bias_filler=5:m:FillerParameter",
	"ExpParameter":          "base=1:f scale=2:f shift=3:f",
	"FlattenParameter":      "axis=1:i end_axis=2:i",
	"HDF5DataParameter":     "source=1:s batch_size=2:u shuffle=3:b",
	"ImageDataParameter":    "source=1:s batch_size=4:u rand_skip=7:u shuffle=8:b new_height=9:u new_width=10:u is_color=11:b scale=2:f mean_file=3:s crop_size=5:u mirror=6:b root_folder=12:s",
	"InnerProductParameter": "num_output=1:u bias_term=2:b weight_filler=3:m:FillerParameter bias_filler=4:m:FillerParameter axis=5:i transpose=6:b",
	"InputParameter":        "shape=1:m:BlobShape",
	"LRNParameter":          "local_size=1:u alpha=2:f beta=3:f norm_region=4:e:NormRegion k=5:f engine=6:e:Engine",
	"MemoryDataParameter":   "batch_size=1:u channels=2:u height=3:u width=4:u",
	"MVNParameter":          "normalize_variance=1:b across_channels=2:b eps=3:f",
	"ParameterParameter":    "shape=1:m:BlobShape",
	"PoolingParameter": "pool=1:e:PoolMethod pad=4:u pad_h=9:u pad_w=10:u kernel_size=2:u kernel_h=5:u kernel_w=6:u stride=3:u stride_h=7:u stride_w=8:u engine=11:e:Engine " +
		"global_pooling=12:b round_mode=13:e:RoundMode ceil_mode=0:b",
	"PowerParameter":      "power=1:f scale=2:f shift=3:f",
	"PReLUParameter":      "filler=1:m:FillerParameter channel_shared=2:b",
	"RecurrentParameter":  "num_output=1:u weight_filler=2:m:FillerParameter bias_filler=3:m:FillerParameter debug_info=4:b expose_hidden=5:b",
	"ReductionParameter":  "operation=1:e:ReductionOp axis=2:i coeff=3:f",
	"ReLUParameter":       "negative_slope=1:f engine=2:e:Engine",
	"ReshapeParameter":    "shape=1:m:BlobShape axis=2:i num_axes=3:i",
	"ScaleParameter":      "axis=1:i num_axes=2:i filler=3:m:FillerParameter bias_term=4:b bias_filler=5:m:FillerParameter",
	"SoftmaxParameter":    "engine=1:e:Engine axis=2:i",
	"SPPParameter":        "pyramid_height=1:u pool=2:e:PoolMethod engine=6:e:Engine",
	"SliceParameter":      "axis=3:i slice_point=2:u slice_dim=1:u",
	"TileParameter":       "axis=1:i tiles=2:i",
	"WindowDataParameter": "source=1:s scale=2:f mean_file=3:s batch_size=4:u crop_size=5:u mirror=6:b fg_threshold=7:f bg_threshold=8:f fg_fraction=9:f context_pad=10:u crop_mode=11:s cache_images=12:b root_folder=13:s",
	// SSD fork.
	"NormalizeParameter":       "across_spatial=1:b scale_filler=2:m:FillerParameter channel_shared=3:b eps=4:f",
	"PermuteParameter":         "order=1:u",
	"PriorBoxParameter":        "min_size=1:f max_size=2:f aspect_ratio=3:f flip=4:b clip=5:b variance=6:f img_size=7:u img_h=8:u img_w=9:u step=10:f step_h=11:f step_w=12:f offset=13:f",
	"DetectionOutputParameter": "num_classes=1:u share_location=2:b background_label_id=3:i nms_param=4:m save_output_param=5:m code_type=6:e:CodeType keep_top_k=7:i variance_encoded_in_target=8:b confidence_threshold=9:f visualize=10:b visualize_threshold=11:f save_file=12:s",
	// Forks, text only.
	"InterpParameter":   "height=0:i width=0:i zoom_factor=0:i shrink_factor=0:i pad_beg=0:i pad_end=0:i",
	"UpsampleParameter": "scale=0:u scale_h=0:u scale_w=0:u pad_out_h=0:b pad_out_w=0:b upsample_h=0:u upsample_w=0:u",
}

// enumText lists the enums' values as NAME=number.
var enumText = map[string]string{
	"Phase":             "TRAIN=0 TEST=1",
	"PoolMethod":        "MAX=0 AVE=1 STOCHASTIC=2",
	"RoundMode":         "CEIL=0 FLOOR=1",
	"EltwiseOp":         "PROD=0 SUM=1 MAX=2",
	"NormRegion":        "ACROSS_CHANNELS=0 WITHIN_CHANNEL=1",
	"Engine":            "DEFAULT=0 CAFFE=1 CUDNN=2",
	"DB":                "LEVELDB=0 LMDB=1",
	"DimCheckMode":      "STRICT=0 PERMISSIVE=1",
	"VarianceNorm":      "FAN_IN=0 FAN_OUT=1 AVERAGE=2",
	"NormalizationMode": "FULL=0 VALID=1 BATCH_SIZE=2 NONE=3",
	"ReductionOp":       "SUM=1 ASUM=2 SUMSQ=3 MEAN=4",
	"CodeType":          "CORNER=1 CENTER_SIZE=2 CORNER_SIZE=3",
	"V1LayerType": "NONE=0 ABSVAL=35 ACCURACY=1 ARGMAX=30 BNLL=2 CONCAT=3 CONTRASTIVE_LOSS=37 CONVOLUTION=4 DATA=5 DECONVOLUTION=39 DROPOUT=6 DUMMY_DATA=32 " +
		"EUCLIDEAN_LOSS=7 ELTWISE=25 EXP=38 FLATTEN=8 HDF5_DATA=9 HDF5_OUTPUT=10 HINGE_LOSS=28 IM2COL=11 IMAGE_DATA=12 INFOGAIN_LOSS=13 INNER_PRODUCT=14 " +
		"LRN=15 MEMORY_DATA=29 MULTINOMIAL_LOGISTIC_LOSS=16 MVN=34 POOLING=17 POWER=26 RELU=18 SIGMOID=19 SIGMOID_CROSS_ENTROPY_LOSS=27 SILENCE=36 " +
		"SOFTMAX=20 SOFTMAX_LOSS=21 SPLIT=22 SLICE=33 TANH=23 WINDOW_DATA=24 THRESHOLD=31",
}

type kind byte

type fieldDef struct {
	name string
	num  int32
	kind kind   // 'i', 'u', 'f', 'b', 's', 'e', 'm', 'x'
	typ  string // the message or enum type
}

type msgDef struct {
	byName map[string]*fieldDef
	byNum  map[int32]*fieldDef
	names  []string
}

type enumVal struct {
	name string
	num  int32
}

// The schema is built from protoText and enumText on first use, not at
// start-up: a run that reads no Caffe file does not pay for it.
var loadSchema = sync.OnceValues(func() (map[string]*msgDef, map[string][]enumVal) {
	schema := map[string]*msgDef{}
	enums := map[string][]enumVal{}
	for typ, text := range protoText {
		d := &msgDef{byName: map[string]*fieldDef{}, byNum: map[int32]*fieldDef{}}
		for _, f := range strings.Fields(text) {
			name, rest, _ := strings.Cut(f, "=")
			num, k, _ := strings.Cut(rest, ":")
			k, sub, _ := strings.Cut(k, ":")
			n, err := strconv.Atoi(num)
			if err != nil || k == "" {
				panic("caffe schema: " + typ + "." + f)
			}
			fd := &fieldDef{name: name, num: int32(n), kind: kind(k[0]), typ: sub}
			d.byName[name] = fd
			if n > 0 {
				d.byNum[int32(n)] = fd
			}
			d.names = append(d.names, name)
		}
		schema[typ] = d
	}
	for typ, text := range enumText {
		for _, f := range strings.Fields(text) {
			name, num, _ := strings.Cut(f, "=")
			n, _ := strconv.Atoi(num)
			enums[typ] = append(enums[typ], enumVal{name, int32(n)})
		}
	}
	return schema, enums
})

func schemaDefs() map[string]*msgDef { s, _ := loadSchema(); return s }
func enumDefs() map[string][]enumVal { _, e := loadSchema(); return e }

// subType is the type of message field name of a message of type typ.
func subType(typ, name string) string {
	if d := schemaDefs()[typ]; d != nil {
		if f := d.byName[name]; f != nil && f.kind == 'm' {
			return f.typ
		}
	}
	return ""
}

func enumValues(typ, name string) []enumVal {
	if d := schemaDefs()[typ]; d != nil {
		if f := d.byName[name]; f != nil && f.kind == 'e' {
			return enumDefs()[f.typ]
		}
	}
	return nil
}

func enumName(typ string, n int64) string {
	for _, e := range enumDefs()[typ] {
		if int64(e.num) == n {
			return e.name
		}
	}
	return strconv.FormatInt(n, 10)
}

func nearest(name string, candidates []string) string { return spell.Nearest(name, candidates) }

// check walks the tree and refuses a field of a known message that the
// schema does not have when it looks like a misspelling of one it has
// (did you mean …); a field that resembles none is a fork's, kept as a
// note and otherwise ignored. A scalar given where the schema wants a
// message, or the reverse, is an error.
func check(m *message, notes *[]string) error {
	d := schemaDefs()[m.typ]
	for i := range m.fields {
		v := &m.fields[i]
		if d != nil {
			f := d.byName[v.name]
			if f == nil {
				if s := nearest(v.name, d.names); s != "" {
					return &fieldError{v.pos, fmt.Sprintf("%s has no field %s; did you mean %s?", m.typ, v.name, s)}
				}
				if len(*notes) < 20 {
					*notes = append(*notes, fmt.Sprintf("line %d: field %s is not in caffe.proto's %s (a fork's field?): ignored", v.pos.Line, v.name, m.typ))
				}
				continue
			}
			if f.kind == 'm' && v.msg == nil {
				return &fieldError{v.pos, fmt.Sprintf("field %s of %s is a message: write %s { … }", v.name, m.typ, v.name)}
			}
			if f.kind != 'm' && v.msg != nil {
				return &fieldError{v.pos, fmt.Sprintf("field %s of %s is a value, not a message: write %s: VALUE", v.name, m.typ, v.name)}
			}
		}
		if v.msg != nil {
			if err := check(v.msg, notes); err != nil {
				return err
			}
		}
	}
	return nil
}
