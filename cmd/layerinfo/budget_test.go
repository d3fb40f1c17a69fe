package main

import "testing"

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
