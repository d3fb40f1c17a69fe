#!/bin/sh
# Times layerinfo on a Llama-2-7B-shaped safetensors checkpoint (13.5 GB,
# written sparse by bench/stgen: the data is a hole, the header is real),
# whole process, several runs, and prints the median wall time and peak
# memory. Needs Go and GNU time (apt-get install -y time).
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
tmp=${TMPDIR:-/tmp}/layerinfo-bench
mkdir -p "$tmp"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
go build -o "$tmp/layerinfo" ./cmd/layerinfo
go run ./bench/stgen -o "$tmp/llama7b.safetensors"
"$tmp/layerinfo" "$tmp/llama7b.safetensors" | grep "Total params"

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
measure "layerinfo llama-7b.safetensors" "$tmp/layerinfo" "$tmp/llama7b.safetensors"
