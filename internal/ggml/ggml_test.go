package ggml

import "testing"

// TestLayouts derives the layouts of the common quantizations from the
// block structs of ggml-common.h (ggml_half is 2 bytes, QK_K is 256) and
// compares them with the table.
func TestLayouts(t *testing.T) {
	const h, qk = 2, 256
	cases := []struct {
		t          Type
		name       string
		blck, size int64
	}{
		{TypeQ8_0, "Q8_0", 32, h + 32},                  // d, qs[32]
		{TypeQ6_K, "Q6_K", qk, qk/2 + qk/4 + qk/16 + h}, // ql, qh, scales, d
		{TypeQ5_K, "Q5_K", qk, 2*h + 12 + qk/8 + qk/2},  // d, dmin, scales[12], qh, qs
		{TypeQ5_0, "Q5_0", 32, h + 4 + 32/2},            // d, qh[4], qs
		{TypeQ4_K, "Q4_K", qk, 2*h + 12 + qk/2},         // d, dmin, scales[12], qs
		{TypeQ4_0, "Q4_0", 32, h + 32/2},                // d, qs
		{TypeQ3_K, "Q3_K", qk, qk/8 + qk/4 + 12 + h},    // hmask, qs, scales[12], d
		{TypeQ2_K, "Q2_K", qk, qk/16 + qk/4 + 2*h},      // scales, qs, d, dmin
		{TypeF32, "F32", 1, 4},
		{TypeBF16, "BF16", 1, 2},
	}
	for _, c := range cases {
		ti, ok := c.t.Info()
		if !ok || ti.Name != c.name || ti.BlockSize != c.blck || ti.TypeSize != c.size {
			t.Errorf("%d: %+v, want %s, %d elements in %d bytes", c.t, ti, c.name, c.blck, c.size)
		}
		if c.t.String() != c.name {
			t.Errorf("%d: String %q, want %q", c.t, c.t.String(), c.name)
		}
	}
	for _, u := range []Type{4, 5, 43, 1 << 31} {
		if _, ok := u.Info(); ok {
			t.Errorf("type %d should be unknown", u)
		}
	}
	if ti, _ := TypeQ4_0_4_4.Info(); !ti.Removed || ti.TypeSize != 18 {
		t.Errorf("Q4_0_4_4: %+v", ti)
	}
}
