//go:build unix

package progress

import (
	"os"

	"golang.org/x/sys/unix"
)

// termWidth asks the terminal behind f for its width in columns.
func termWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
