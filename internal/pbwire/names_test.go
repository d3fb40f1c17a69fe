package pbwire

import (
	"hash/maphash"
	"strconv"
	"testing"
)

// TestNames interns many strings through growth and finds each by its
// id, and none that was not interned.
func TestNames(t *testing.T) {
	for _, hint := range []int{0, 10, 1000} {
		n := newNames(hint)
		const k = 20000
		for i := range k {
			s := "v" + strconv.Itoa(i)
			h := maphash.String(namesSeed, s)
			id, slot := n.find(h, func(x string) bool { return x == s })
			if id != -1 {
				t.Fatalf("%s found before it was added", s)
			}
			if got := n.add(s, h, slot); got != int32(i) {
				t.Fatalf("%s: id %d, want %d", s, got, i)
			}
		}
		if 4*len(n.List) > 3*len(n.slots) {
			t.Errorf("%d names in %d slots", len(n.List), len(n.slots))
		}
		for i := range k {
			s := "v" + strconv.Itoa(i)
			if id := n.ID(s); id != int32(i) || n.List[id] != s {
				t.Fatalf("ID(%s) = %d, want %d", s, id, i)
			}
		}
		for _, s := range []string{"", "v", "v20000", "w1"} {
			if id := n.ID(s); id != -1 {
				t.Errorf("ID(%q) = %d, want -1", s, id)
			}
		}
	}
	var none *Names
	if none.ID("x") != -1 {
		t.Error("a nil table has ids")
	}
}
