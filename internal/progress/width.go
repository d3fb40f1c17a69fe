package progress

import (
	"io"
	"os"
	"strconv"
)

// Width is the width in columns of the terminal w writes to, 0 when w is
// not a terminal (a pipe or a file gets whole lines). $COLUMNS, when set
// to a number, overrides what the terminal says.
func Width(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !IsTerminal(f) {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return termWidth(f)
}
