package main

import (
	"testing"

	"github.com/layerinfo/layerinfo/stats"
)

func TestParseCount(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"25000000", 25_000_000, false},
		{"25_000_000", 25_000_000, false},
		{"25,000,000", 25_000_000, false},
		{"25M", 25_000_000, false},
		{"4.1G", 4_100_000_000, false},
		{"4.1B", 4_100_000_000, false},
		{"1.5k", 1500, false},
		{"1.5K", 1500, false},
		{"2T", 2_000_000_000_000, false},
		{"0.000001M", 1, false},
		{"1P", 1_000_000_000_000_000, false},
		{"0", 0, false},
		{"1.5", 0, true},        // not a whole number
		{"0.0000001M", 0, true}, // a tenth of one
		{"25m", 0, true},        // milli is not a count
		{"8GiB", 0, true},       // bytes are not a count
		{"", 0, true},
		{"M", 0, true},
		{"-5", 0, true},
		{"1e9", 0, true},
		{"1.2.3M", 0, true},
		{"9999999P", 0, true}, // past int64
		{"9223372036854775807", 9223372036854775807, false},
	} {
		got, err := parseCount(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("parseCount(%q) = %d, %v; want %d (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestBreach(t *testing.T) {
	n := int64(100)
	if s := breach("m", "params", "max-params", "100", &n, 100); s != "" {
		t.Errorf("at the budget: %q", s)
	}
	if s := breach("m", "params", "max-params", "99", &n, 99); s != "layerinfo: m: over budget: params 100 > --max-params 99 (99) by 1, +1.01%" {
		t.Errorf("over: %q", s)
	}
	if s := breach("m", "FLOPs", "max-flops", "1G", nil, 1e9); s != "layerinfo: m: over budget: FLOPs unknown, cannot be shown within --max-flops 1G" {
		t.Errorf("unknown: %q", s)
	}
}

func TestMemoryBudgets(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	m := &stats.Memory{WeightsBytes: 100, InferencePeakBytes: i64(300),
		TrainingPeakBytes: stats.TrainingPeaks{SGD: i64(1000), SGDMomentum: i64(1100), Adam: i64(1200)}}
	setInput(m, 20)
	f := memoryFigures(m)
	if *f[0] != 420 || *f[1] != 1200 {
		t.Errorf("figures %d, %d; want 100+20+300 = 420 and Adam's 1200", *f[0], *f[1])
	}
	m.Optimizer = "sgd"
	if f := memoryFigures(m); *f[1] != 1000 {
		t.Errorf("sgd: %d", *f[1])
	}
	m.InferencePeakBytes = nil
	if f := memoryFigures(m); f[0] != nil {
		t.Error("an unknown peak gave a figure")
	}
	if f := memoryFigures(nil); f[0] != nil || f[1] != nil {
		t.Error("no estimate gave figures")
	}
	if s := breachBytes("m", "training memory", "max-training-memory", "1000", i64(1000), 1000); s != "" {
		t.Errorf("at the budget: %q", s)
	}
	if s := breachBytes("m", "training memory", "max-training-memory", "1KiB", i64(1536), 1024); s != "layerinfo: m: over budget: training memory 1,536 bytes (1 KiB) > --max-training-memory 1KiB (1,024 bytes) by 512 bytes, +50.00%" {
		t.Errorf("over: %q", s)
	}
}

// setInput sets the estimate's input bytes, a count or one that may be
// unknown (the field's type is the memory estimate's to choose).
func setInput(m *stats.Memory, n int64) {
	switch p := any(&m.InputBytes).(type) {
	case *int64:
		*p = n
	case **int64:
		*p = &n
	}
}
