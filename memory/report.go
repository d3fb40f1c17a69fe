package memory

import (
	"fmt"
	"strconv"

	"github.com/layerinfo/layerinfo/stats"
)

// Peak is the training peak of the named optimizer (sgd, sgd_momentum,
// adam; adamw is adam), -1 when unknown or not an optimizer's name.
func (e *Estimate) Peak(name string) int64 {
	if name == "adamw" {
		name = "adam"
	}
	for _, o := range e.Optimizers {
		if o.Name == name {
			return o.Peak
		}
	}
	return -1
}

// InferenceTotal is what an inference pass needs in all: the weights at
// the precision, the input and the peak of activations; -1 when unknown.
func (e *Estimate) InferenceTotal() int64 {
	if e.InferencePeak < 0 || e.InputBytes < 0 {
		return -1
	}
	return Round(e.WeightsBytes) + e.InputBytes + e.InferencePeak
}

func known(v int64) *int64 {
	if v < 0 {
		return nil
	}
	return &v
}

// Section is the report's memory section for the estimate, with its
// arithmetic and assumptions, one line each.
func (e *Estimate) Section() *stats.Memory {
	m := &stats.Memory{
		DType:              string(e.DType),
		Mixed:              e.Mixed(),
		WeightsBytes:       e.WeightsBytes,
		InputBytes:         known(e.InputBytes),
		InferencePeakBytes: known(e.InferencePeak),
		SavedBytes:         known(e.SavedBytes),
		GradientBytes:      e.GradBytes,
		TrainingPeakBytes: stats.TrainingPeaks{
			SGD: known(e.Peak("sgd")), SGDMomentum: known(e.Peak("sgd_momentum")), Adam: known(e.Peak("adam")),
		},
		Unknown: e.Unknown,
		Notes:   e.Notes,
		Layers:  make([]stats.LayerMemory, len(e.Layers)),
	}
	if e.Batch > 0 {
		m.Batch = &e.Batch
	}
	for i, L := range e.Layers {
		m.Layers[i] = stats.LayerMemory{ActivationBytes: known(L.Activation), SavedBytes: known(L.Saved)}
	}
	m.Explain = e.explain()
	return m
}

// Sep writes n with thousands separators (1,234,567).
func Sep(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

func (e *Estimate) explain() []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, fmt.Sprintf(format, args...)) }
	bytesPer := "4"
	if e.Mixed() {
		bytesPer = "2"
	}
	add("weights: %s parameters (%s trainable) in %d tensors; at %s: %s bytes (floating-point %s bytes each)",
		Sep(e.Params), Sep(e.Trainable), e.ParamAllocs, e.DType, Sep(e.WeightsBytes), bytesPer)
	add("input: %s bytes; batch %d", Sep(e.InputBytes), e.Batch)
	if e.InferencePeak >= 0 {
		add("inference peak: %s bytes at %s = the activations alive at once when each tensor is freed after its last use (topological order; in a torch.onnx export a module's input when the module returns, as its caller holds it), weights and input not included, plus a running convolution's cuDNN workspace", Sep(e.InferencePeak), e.InferenceAt)
	}
	if e.SavedBytes >= 0 {
		add("kept for backward at the end of the forward: %s bytes (each layer's rule in its row: saved_bytes; the input not included)", Sep(e.SavedBytes))
		add("backward peak: %s bytes at %s = tensors still kept + gradients of activations alive + the weights' gradients made so far (+ workspace)", Sep(e.BackwardPeak), e.BackwardAt)
	}
	w := e.WeightsAlloc
	for _, o := range e.Optimizers {
		if o.Peak < 0 {
			continue
		}
		state := int64(o.StateSlots) * e.StateSlotBytes
		base := fmt.Sprintf("weights %s + input %s", Sep(w), Sep(e.InputBytes))
		if state > 0 {
			base += fmt.Sprintf(" + state %d×%s", o.StateSlots, Sep(e.StateSlotBytes))
		}
		switch o.Phase {
		case "forward":
			add("%s: %s bytes in the forward = %s + half weight copies %s + activations %s", o.Name, Sep(o.Peak), base, Sep(e.CastBytes), Sep(e.ForwardPeak))
		case "backward":
			casts := ""
			if e.CastBytes > 0 {
				casts = " + half weight copies " + Sep(e.CastBytes)
			}
			add("%s: %s bytes in the backward = %s%s + backward peak %s", o.Name, Sep(o.Peak), base, casts, Sep(e.BackwardPeak))
		case "step":
			tmp := ""
			if o.TempSlots > 0 {
				tmp = fmt.Sprintf(" + step temporaries %d×%s", o.TempSlots, Sep(e.StateSlotBytes))
			}
			add("%s: %s bytes in the optimizer step = %s + gradients %s%s + outputs", o.Name, Sep(o.Peak), base, Sep(e.GradBytes), tmp)
		}
	}
	add("assumptions (PyTorch on CUDA): the caching allocator rounds every tensor up to 512 bytes; gradients are set to None before the forward (zero_grad's default) and exist from the backward on; optimizer state (momentum 1, Adam/AdamW 2 fp32 tensors per parameter) exists from the first step on; foreach Adam's step makes sqrt(v) for a while; layers that PyTorch models run in place (ReLU, ReLU6, SiLU, Hardswish, `out += x`) are taken in place when their input dies there; a dense convolution with a kernel larger than 1 uses a cuDNN workspace of its input plus output size while it runs; fused attention kernels are not modelled (attention counts as its operators); the CUDA context and fragmentation are not counted")
	if e.Mixed() {
		add("mixed precision (torch.autocast): activations in %s; fp32 weights, gradients and optimizer state; half copies of convolution and matmul weights live through the forward and backward", e.DType)
	}
	for _, u := range e.Unknown {
		add("unknown: %s", u)
	}
	return l
}
