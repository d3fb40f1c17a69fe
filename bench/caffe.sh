#!/bin/sh
# Times layerinfo on a 240 MB caffemodel (a VGG-like net of format/caffe's
# own, bench_test.go's bigNet, written with all its blob data: about the size of
# AlexNet's caffemodel, 233 MB), whole process, several runs: median
# wall time and peak memory. Then the in-process benchmark (open, decode,
# infer; the blob data is skipped by length, never read).
# Needs Go and GNU time (apt-get install -y time).
#
# Measured 2026-11-29 on the 2-core shared machine (load average ~20, so
# times are high and noisy), 240,810,458 bytes, 60,202,192 params: the CLI
# 257 ms median wall (process start included), 13.0 MiB peak RSS;
# BenchmarkCaffemodel240MB 0.86 ms/op (open, decode, infer),
# 259 KB/op, 1,837 allocs/op.
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
tmp=${TMPDIR:-/tmp}/layerinfo-bench
mkdir -p "$tmp"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
go build -o "$tmp/layerinfo" ./cmd/layerinfo
LAYERINFO_CAFFEMODEL_OUT="$tmp/big.caffemodel" go test -count=1 -run TestWriteBigCaffemodel ./format/caffe >/dev/null
ls -l "$tmp/big.caffemodel"
"$tmp/layerinfo" "$tmp/big.caffemodel" | grep "Total params"

median() { sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

measure() { # label, command...: median wall ms and peak MiB over $runs runs
	label=$1; shift
	"$@" >/dev/null 2>&1 # warm-up
	i=0; : >"$tmp/wall"; : >"$tmp/peak"
	while [ $i -lt "$runs" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f "%M" -o "$tmp/one" "$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$tmp/wall"
		cat "$tmp/one" >>"$tmp/peak"
		i=$((i + 1))
	done
	printf "%-36s median wall %8.1f ms   median peak %7.1f MiB   (%d runs)\n" "$label" \
		"$(median <"$tmp/wall" | awk '{print $1/1000}')" "$(median <"$tmp/peak" | awk '{print $1/1024}')" "$runs"
}
measure "layerinfo big.caffemodel (240 MB)" "$tmp/layerinfo" "$tmp/big.caffemodel"
rm -f "$tmp/big.caffemodel"
go test -count=1 -run XXX -bench Caffemodel240MB -benchmem -benchtime 20x ./format/caffe | grep Benchmark
