//go:build unix

// Command runstat times whole processes: it runs each command several
// times, in turn (A B A B …, after one warm-up run of each), and prints
// for each the median, minimum and maximum wall time and the median peak
// resident memory (the kernel's rusage maxrss of the finished process).
//
//	runstat [-n runs] -- CMD ARGS... [--- CMD ARGS...]...
//
// Output, one line per command in the order given:
//
//	<index> wall_median_s wall_min_s wall_max_s peak_median_MiB
//
// Commands' standard output and error are discarded.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("n", 5, "counted runs of each command")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: runstat [-n runs] -- CMD ARGS... [--- CMD ARGS...]...")
		flag.PrintDefaults()
	}
	flag.Parse()
	var cmds [][]string
	cur := []string{}
	for _, a := range flag.Args() {
		if a == "---" {
			cmds, cur = append(cmds, cur), []string{}
			continue
		}
		cur = append(cur, a)
	}
	cmds = append(cmds, cur)
	for _, c := range cmds {
		if len(c) == 0 || *runs < 1 {
			flag.Usage()
			os.Exit(2)
		}
	}
	walls := make([][]float64, len(cmds))
	peaks := make([][]float64, len(cmds))
	for r := -1; r < *runs; r++ {
		for i, c := range cmds {
			w, p, err := run(c)
			if err != nil {
				fmt.Fprintf(os.Stderr, "runstat: %v: %v\n", c, err)
				os.Exit(1)
			}
			if r >= 0 { // the first round warms up
				walls[i] = append(walls[i], w)
				peaks[i] = append(peaks[i], p)
			}
		}
	}
	for i := range cmds {
		sort.Float64s(walls[i])
		sort.Float64s(peaks[i])
		fmt.Printf("%d %.4f %.4f %.4f %.1f\n", i, median(walls[i]), walls[i][0], walls[i][len(walls[i])-1], median(peaks[i]))
	}
}

// run runs a command to completion: its wall time in seconds and its peak
// resident memory in MiB.
func run(c []string) (float64, float64, error) {
	cmd := exec.Command(c[0], c[1:]...)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, err
	}
	wall := time.Since(start).Seconds()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return wall, 0, nil
	}
	return wall, float64(ru.Maxrss) / 1024, nil // maxrss is in KiB on Linux
}

func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
