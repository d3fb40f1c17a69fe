#!/bin/sh
# Graph-scale speed (issue 15): layerinfo against Python onnx's own shape
# inference on the same generated 100,000-node ONNX graph, whole process,
# pair by pair in one run, and layerinfo alone on the other generated
# shapes. Prints wall time and peak resident memory (medians) and, for
# the pair, the ratios.
#
#   bench/scale.sh            # N=100000 nodes, RUNS=5
#
# The graph (bench/graphgen -kind onnx-dag) repeats the residual block
# x → Conv(1×1) → Relu → MatMul → Add(·, x) on a 1×8×16×16 input; every
# initializer declares its shape and holds no data (weights absent).
# Python does onnx.load + onnx.shape_inference.infer_shapes (Debian's
# python3-onnx, installed with apt-get when missing); layerinfo prints the
# whole table: shapes, parameters and FLOPs of every node.
set -eu
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. bench/pyonnx.sh

go build -o "$WORK/layerinfo" ./cmd/layerinfo
go build -o "$WORK/runstat" ./bench/runstat
go build -o "$WORK/graphgen" ./bench/graphgen
for k in onnx-dag onnx-chain spec lasagne safetensors; do
	case $k in
	onnx-*) ext=onnx ;; spec) ext=yaml ;; lasagne) ext=py ;; *) ext=$k ;;
	esac
	"$WORK/graphgen" -kind "$k" -n "$N" -o "$WORK/$k.$ext"
done
echo "$N nodes; each figure the median of $RUNS runs after a warm-up"

f="$WORK/onnx-dag.onnx"
printf '\n%-12s %-10s %12s %14s %10s\n' model tool "wall median" "(min-max)" "peak MiB"
if [ -n "$PY" ]; then
	"$WORK/runstat" -n "$RUNS" -- "$WORK/layerinfo" "$f" --- \
		"$PY" -c "import onnx; m=onnx.load('$f'); onnx.shape_inference.infer_shapes(m)" >"$WORK/out"
else
	"$WORK/runstat" -n "$RUNS" -- "$WORK/layerinfo" "$f" >"$WORK/out"
fi
awk '
	{ tool = ($1 == 0) ? "layerinfo" : "python"; w[$1] = $2; p[$1] = $5
	  printf "%-12s %-10s %11.4fs %6.3f-%.3fs %10.1f\n", "onnx-dag", tool, $2, $3, $4, $5 }
	END { if (1 in w) printf "layerinfo is %.1fx faster than onnx.load + infer_shapes, with 1/%.1f of its peak memory\n", w[1]/w[0], p[1]/p[0] }
' "$WORK/out"

for m in onnx-chain.onnx spec.yaml lasagne.py safetensors.safetensors; do
	"$WORK/runstat" -n "$RUNS" -- "$WORK/layerinfo" "$WORK/$m" >"$WORK/out"
	awk -v m="${m%%.*}" -v n="$N" '{ printf "%-12s %-10s %11.4fs %6.3f-%.3fs %10.1f   %.2f µs and %.2f KiB per node\n", m, "layerinfo", $2, $3, $4, $5, $2*1e6/n, $5*1024/n }' "$WORK/out"
done
