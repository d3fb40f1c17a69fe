//go:build !linux

package budget

// Resident is the heap's size where the resident size is not at hand.
func Resident() int64 { return Heap() }
