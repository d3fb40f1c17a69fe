//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package childtest

import "os"

func peakKiB(*os.ProcessState) int64 { return 0 }
