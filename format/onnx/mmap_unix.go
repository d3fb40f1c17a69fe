//go:build unix

package onnx

import (
	"math"
	"os"
	"syscall"
)

func mmap(f *os.File, size int64) ([]byte, error) {
	if size > math.MaxInt {
		return nil, syscall.EFBIG
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

func munmap(b []byte) error { return syscall.Munmap(b) }
