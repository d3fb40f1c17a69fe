//go:build linux || darwin || freebsd || netbsd || openbsd

package childtest

import (
	"os"
	"runtime"
	"syscall"
)

func peakKiB(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) / 1024 // bytes there
	}
	return int64(ru.Maxrss) // KiB
}
