//go:build !unix

package progress

import "os"

// termWidth is unknown here; Width falls back to $COLUMNS.
func termWidth(*os.File) int { return 0 }
