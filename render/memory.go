package render

import (
	"fmt"
	"io"
	"strconv"

	"github.com/layerinfo/layerinfo/stats"
)

// MemorySection writes the report's memory section (stats.Memory) as
// text, under the table: the weights, the inference peak and each
// optimizer's training peak, the largest batches for a GPU, and with
// explain the arithmetic and the assumptions. Unknown figures are "?".
// Sizes are in MiB or GiB (1024²/1024³ bytes) with the exact bytes.
func MemorySection(w io.Writer, m *stats.Memory) error { return memorySection(w, m, false) }

// MemoryExplain is MemorySection with the arithmetic and assumptions.
func MemoryExplain(w io.Writer, m *stats.Memory) error { return memorySection(w, m, true) }

func memorySection(w io.Writer, m *stats.Memory, explain bool) error {
	if m == nil {
		return nil
	}
	ew := &memWriter{w: w}
	batch := "?"
	if m.Batch != nil {
		batch = strconv.FormatInt(*m.Batch, 10)
	}
	prec := m.DType
	if m.Mixed {
		prec += ", training in mixed precision"
	}
	ew.printf("\nMemory (batch %s, %s; PyTorch on CUDA):\n", batch, prec)
	ew.printf("  %-34s %s\n", "weights:", memBytes(&m.WeightsBytes))
	ew.printf("  %-34s %s\n", "input:", memBytes(m.InputBytes))
	ew.printf("  %-34s %s\n", "inference peak (activations):", memBytes(m.InferencePeakBytes))
	ew.printf("  %-34s %s\n", "kept for backward:", memBytes(m.SavedBytes))
	opts := []struct {
		key, label string
		v          *int64
	}{
		{"sgd", "SGD", m.TrainingPeakBytes.SGD},
		{"sgd_momentum", "SGD + momentum", m.TrainingPeakBytes.SGDMomentum},
		{"adam", "Adam/AdamW", m.TrainingPeakBytes.Adam},
	}
	for _, o := range opts {
		if m.Optimizer == "" || m.Optimizer == o.key {
			ew.printf("  %-34s %s\n", "training step, "+o.label+":", memBytes(o.v))
		}
	}
	if mb := m.MaxBatch; mb != nil {
		ew.printf("  largest batch that fits %s (%s bytes):\n", mb.GPU, groupDigits(mb.GPUBytes))
		ew.printf("    %-32s %s\n", "inference:", batchOf(mb.Inference))
		for _, o := range opts {
			if v, ok := mb.Training[o.key]; ok {
				ew.printf("    %-32s %s\n", "training, "+o.label+":", batchOf(v))
			}
		}
	}
	for _, n := range m.Notes {
		ew.printf("  note: %s\n", n)
	}
	if explain {
		for _, l := range m.Explain {
			ew.printf("  %s\n", l)
		}
	} else {
		for _, u := range m.Unknown {
			ew.printf("  unknown: %s\n", u)
		}
	}
	return ew.err
}

// memWriter prints lines, keeping the first error.
type memWriter struct {
	w   io.Writer
	err error
}

func (m *memWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func batchOf(v *int64) string {
	switch {
	case v == nil:
		return "?"
	case *v == 0:
		return "none (batch 1 does not fit)"
	}
	return strconv.FormatInt(*v, 10)
}

// memBytes is a size with its unit and exact bytes: "2.87 GiB (3,077,175,296 bytes)".
func memBytes(v *int64) string {
	if v == nil {
		return "?"
	}
	b := *v
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB (%s bytes)", float64(b)/(1<<30), groupDigits(b))
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB (%s bytes)", float64(b)/(1<<20), groupDigits(b))
	}
	return groupDigits(b) + " bytes"
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && s[0] != '-' && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// layerMemory writes row i's activation_bytes and saved_bytes (null when
// unknown).
func (j *jsonWriter) layerMemory(m *stats.Memory, i int) {
	var a, s *int64
	if i < len(m.Layers) {
		a, s = m.Layers[i].ActivationBytes, m.Layers[i].SavedBytes
	}
	j.key("activation_bytes")
	j.intPtr(a)
	j.key("saved_bytes")
	j.intPtr(s)
}
