package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/layerinfo/layerinfo/internal/budget"
	"github.com/layerinfo/layerinfo/stats"
)

// exitBudget is the status of a model over a budget.
const exitBudget = 3

// budgetFlags are --max-params, --max-trainable-params and --max-flops:
// limits that fail a CI build (exit 3) when the model passes them.
type budgetFlags struct {
	text   [3]*string
	limits [3]*int64 // nil: no budget
	// Memory budgets, in bytes, on the memory estimate (which they
	// turn on): inference (weights + input + peak) and a training step.
	memText   [2]*string
	memLimits [2]*int64
}

var memoryBudgetNames = [2]string{"max-inference-memory", "max-training-memory"}

var budgetNames = [3]string{"max-params", "max-trainable-params", "max-flops"}

func addBudgetFlags(fs *flag.FlagSet) *budgetFlags {
	b := &budgetFlags{}
	b.text[0] = fs.String("max-params", "", "budget: exit 3 when the model has more parameters than `COUNT` (25M, 1.5G, 25000000)")
	b.text[1] = fs.String("max-trainable-params", "", "budget: exit 3 when the model has more trainable parameters than `COUNT`")
	b.text[2] = fs.String("max-flops", "", "budget: exit 3 when the model's FLOPs pass `COUNT` (4.1G)")
	return b
}

// addMemoryBudgetFlags adds the memory budgets (the main command only:
// they need the memory estimate).
func (b *budgetFlags) addMemoryBudgetFlags(fs *flag.FlagSet) {
	b.memText[0] = fs.String("max-inference-memory", "", "budget: exit 3 when the memory estimate's inference (weights + input + peak) passes `SIZE` (8GiB); implies --memory")
	b.memText[1] = fs.String("max-training-memory", "", "budget: exit 3 when the memory estimate's training-step peak (--optimizer's, else the largest) passes `SIZE` (24GiB); implies --memory")
}

// wantsMemory reports whether a memory budget was given.
func (b *budgetFlags) wantsMemory() bool {
	for _, t := range b.memText {
		if t != nil && *t != "" {
			return true
		}
	}
	return false
}

// parse reads the budgets given.
func (b *budgetFlags) parse() error {
	for i, t := range b.text {
		if *t == "" {
			continue
		}
		n, err := parseCount(*t)
		if err != nil {
			return fmt.Errorf("--%s: %v", budgetNames[i], err)
		}
		b.limits[i] = &n
	}
	for i, t := range b.memText {
		if t == nil || *t == "" {
			continue
		}
		n, err := budget.Parse(*t)
		if err != nil {
			return fmt.Errorf("--%s: %v", memoryBudgetNames[i], err)
		}
		b.memLimits[i] = &n
	}
	return nil
}

// check prints one line on stderr per budget r passes (the figure, the
// budget, by how much) and returns exitBudget if there is one. A figure
// that is unknown cannot be shown within its budget: that is a breach too,
// said as such.
func (b *budgetFlags) check(r *stats.Report, stderr io.Writer) int {
	t := &r.Totals
	figures := [3]*int64{}
	if !t.ParamsUnknown {
		figures[0], figures[1] = &t.Params, &t.TrainableParams
	}
	figures[2] = t.FLOPs
	labels := [3]string{"params", "trainable params", "FLOPs"}
	code := exitOK
	for i, lim := range b.limits {
		if lim == nil {
			continue
		}
		if line := breach(r.Model.Path, labels[i], budgetNames[i], *b.text[i], figures[i], *lim); line != "" {
			fmt.Fprintln(stderr, line)
			code = exitBudget
		}
	}
	mem := memoryFigures(r.Memory)
	for i, lim := range b.memLimits {
		if lim == nil {
			continue
		}
		if line := breachBytes(r.Model.Path, []string{"inference memory", "training memory"}[i], memoryBudgetNames[i], *b.memText[i], mem[i], *lim); line != "" {
			fmt.Fprintln(stderr, line)
			code = exitBudget
		}
	}
	return code
}

// memoryFigures are the inference figure (weights + input + peak, as
// --gpu fits it) and the training step's peak (the optimizer asked for,
// else the largest of them), nil when unknown or not estimated.
func memoryFigures(m *stats.Memory) [2]*int64 {
	var out [2]*int64
	if m == nil {
		return out
	}
	w, in, peak := known(m.WeightsBytes), known(m.InputBytes), known(m.InferencePeakBytes)
	if w != nil && in != nil && peak != nil {
		v := *w + *in + *peak
		out[0] = &v
	}
	t := m.TrainingPeakBytes
	switch m.Optimizer {
	case "sgd":
		out[1] = t.SGD
	case "sgd_momentum":
		out[1] = t.SGDMomentum
	case "adam", "adamw":
		out[1] = t.Adam
	default:
		if t.SGD != nil && t.SGDMomentum != nil && t.Adam != nil {
			v := max(*t.SGD, *t.SGDMomentum, *t.Adam)
			out[1] = &v
		}
	}
	return out
}

// breachBytes is breach for a size in bytes.
func breachBytes(path, label, flagName, given string, figure *int64, limit int64) string {
	if figure == nil {
		return fmt.Sprintf("layerinfo: %s: over budget: %s unknown, cannot be shown within --%s %s", path, label, flagName, given)
	}
	if *figure <= limit {
		return ""
	}
	over := *figure - limit
	return fmt.Sprintf("layerinfo: %s: over budget: %s %s bytes (%s) > --%s %s (%s bytes) by %s bytes, +%.2f%%", path, label, stats.Thousands(*figure), budget.Size(*figure), flagName, given, stats.Thousands(limit), stats.Thousands(over), float64(over)*100/float64(limit))
}

// breach is the line for a figure over its budget, "" when within it.
func breach(path, label, flagName, given string, figure *int64, limit int64) string {
	if figure == nil {
		return fmt.Sprintf("layerinfo: %s: over budget: %s unknown, cannot be shown within --%s %s", path, label, flagName, given)
	}
	if *figure <= limit {
		return ""
	}
	over := *figure - limit
	pct := ""
	if limit > 0 {
		pct = fmt.Sprintf(", +%.2f%%", float64(over)*100/float64(limit))
	}
	return fmt.Sprintf("layerinfo: %s: over budget: %s %s > --%s %s (%s) by %s%s", path, label, stats.Thousands(*figure), flagName, given, stats.Thousands(limit), stats.Thousands(over), pct)
}

// parseCount reads a count with an optional SI suffix: k or K (10^3), M
// (10^6), G or B (10^9), T (10^12), P (10^15); a decimal fraction is
// allowed when the result is a whole number (4.1G, 1.5k), and "_" or ","
// may group digits (25_000_000).
func parseCount(s string) (int64, error) {
	t := strings.NewReplacer("_", "", ",", "").Replace(strings.TrimSpace(s))
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mult = 1e3
		case 'M':
			mult = 1e6
		case 'G', 'B':
			mult = 1e9
		case 'T':
			mult = 1e12
		case 'P':
			mult = 1e15
		}
		if mult != 1 {
			t = t[:n-1]
		}
	}
	bad := fmt.Errorf("%q is not a count (want e.g. 25M, 4.1G, 25000000)", s)
	if t == "" || strings.ContainsAny(t, "eE+-xX") {
		return 0, bad
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return n * mult, nil
	}
	// A decimal fraction: exact in integers (4.1G = 41 * 10^8).
	whole, frac, ok := strings.Cut(t, ".")
	if !ok || strings.Contains(frac, ".") {
		return 0, bad
	}
	digits := whole + frac
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || digits == "" {
		return 0, bad
	}
	den := int64(1)
	for range frac {
		if den > math.MaxInt64/10 {
			return 0, bad
		}
		den *= 10
	}
	// n * mult / den without overflow where it fits.
	if mult >= den && mult%den == 0 {
		m := mult / den
		if n > math.MaxInt64/m {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return n * m, nil
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if (n*mult)%den != 0 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n * mult / den, nil
}

// known is a byte count of the memory estimate, nil when unknown: it
// takes a count (int64) or one that may be unknown (*int64), so that the
// estimate's fields may become unknown without a change here.
func known[T int64 | *int64](v T) *int64 {
	switch v := any(v).(type) {
	case int64:
		return &v
	case *int64:
		return v
	}
	return nil
}
