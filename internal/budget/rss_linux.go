//go:build linux

package budget

import (
	"os"
	"strconv"
	"strings"
)

// Resident is the process's resident memory in bytes, read from
// /proc/self/statm: unlike the runtime's heap statistics it can be read
// while another goroutine is in the middle of one huge allocation.
func Resident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return Heap()
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return Heap()
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Heap()
	}
	return pages * int64(os.Getpagesize())
}
