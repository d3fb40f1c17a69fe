#!/bin/sh
# Compares layerinfo with Python's onnx package on ResNet-50 and VGG-16
# with their weights embedded (~100 MB and ~550 MB), whole process: wall
# time and peak resident memory, median of several runs, in one run.
#
#   bench/onnx.sh            # RUNS=5 by default; REF=../shared/reference/onnx
#
# Python does onnx.load + onnx.shape_inference.infer_shapes (Debian's
# python3-onnx, installed with apt-get when missing). layerinfo does the
# whole report: shapes, parameters and FLOPs of every node.
set -eu
cd "$(dirname "$0")/.."
REF=${REF:-../shared/reference/onnx}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# (a) Python with onnx: the first python3 that imports it, else Debian's.
. bench/pyonnx.sh

# (b) The models, weights filled with zeros by bench/onnxgen, and the tools.
go build -o "$WORK/layerinfo" ./cmd/layerinfo
go build -o "$WORK/runstat" ./bench/runstat
go run ./bench/onnxgen -o "$WORK/resnet50.onnx" "$REF/torchvision__resnet50__preserve.onnx"
go run ./bench/onnxgen -o "$WORK/vgg16.onnx" "$REF/torchvision__vgg16__preserve.onnx"

# (c) Both, in turn, RUNS times each after a warm-up.
printf '\n%-10s %-10s %12s %12s %10s\n' model tool "wall median" "(min-max)" "peak MiB"
for m in resnet50 vgg16; do
	f="$WORK/$m.onnx"
	if [ -n "$PY" ]; then
		"$WORK/runstat" -n "$RUNS" -- "$WORK/layerinfo" "$f" --- \
			"$PY" -c "import onnx; m=onnx.load('$f'); onnx.shape_inference.infer_shapes(m)" >"$WORK/out"
	else
		"$WORK/runstat" -n "$RUNS" -- "$WORK/layerinfo" "$f" >"$WORK/out"
	fi
	awk -v m="$m" '
		{ tool = ($1 == 0) ? "layerinfo" : "python"; w[$1] = $2; p[$1] = $5
		  printf "%-10s %-10s %11.4fs %5.3f-%.3fs %10.1f\n", m, tool, $2, $3, $4, $5 }
		END { if (1 in w) printf "%-10s layerinfo is %.0fx faster, with %.1f%% (1/%.0f) of the peak memory\n", m, w[1]/w[0], 100*p[0]/p[1], p[1]/p[0] }
	' "$WORK/out"
done
