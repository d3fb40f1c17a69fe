//go:build unix

package pycode

import "syscall"

// mkfifo makes a named pipe, for the test that refuses to open one.
func mkfifo(path string) bool { return syscall.Mkfifo(path, 0o644) == nil }
