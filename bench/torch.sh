#!/bin/sh
# Compares layerinfo with torchinfo on torchvision's ResNet-50 at
# 1x3x224x224, whole process: wall time and peak resident memory, median
# of several runs, in one run. When torchinfo cannot be installed (it is
# on PyPI only, which this machine may not reach) the Python side does
# what torchinfo.summary does without its printing: build the model,
# hook every module, one forward pass recording each output shape and
# parameter count; the script says which ran.
#
#   bench/torch.sh           # RUNS=5 by default; REF=../shared/reference/torchcode
#
# layerinfo reads torchvision's own resnet.py (../shared/reference/
# torchcode/torchvision, run as written) and traces forward on shapes:
# every row's shape, parameters and FLOPs. torchinfo builds the model
# with Debian's python3-torch and python3-torchvision and runs a real
# forward pass (torchinfo.summary). Debian's packages are installed with
# apt-get when missing, torchinfo with pip in a virtual environment that
# sees them; when that cannot be done the script says so and times
# layerinfo alone.
set -eu
cd "$(dirname "$0")/.."
REF=${REF:-../shared/reference/torchcode}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# (a) Python with torch, torchvision and torchinfo (or hooks alone).
PY=""
HOOKS=""
ok() { "$1" -c 'import torch, torchvision, torchinfo' 2>/dev/null; }
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && ok "$p"; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
		echo "installing Debian's python3-torch and python3-torchvision (apt-get install -y)" >&2
		apt-get install -y python3-torch python3-torchvision >/dev/null 2>&1 || true
	fi
	if /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
		echo "installing torchinfo (pip, in a virtual environment over Debian's packages)" >&2
		if /usr/bin/python3 -m venv --system-site-packages "$WORK/venv" >/dev/null 2>&1 &&
			"$WORK/venv/bin/pip" install -q torchinfo >/dev/null 2>&1 && ok "$WORK/venv/bin/python"; then
			PY=$WORK/venv/bin/python
		fi
	fi
fi
if [ -z "$PY" ] && /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
	echo "torchinfo is not available (pip could not install it): timing torchinfo's work without it, forward hooks on every module and one forward pass" >&2
	PY=/usr/bin/python3
	HOOKS=1
fi
if [ -z "$PY" ]; then
	echo "torch and torchvision are not available (python3-torch not installed, or no network): timing layerinfo alone" >&2
else
	echo "python: $("$PY" -c 'import sys, torch, torchvision; print(sys.version.split()[0], "torch", torch.__version__, "torchvision", torchvision.__version__)')${HOOKS:+, forward hooks (no torchinfo)}"
fi

# (b) The tools.
go build -o "$WORK/layerinfo" ./cmd/layerinfo
go build -o "$WORK/runstat" ./bench/runstat
if [ -z "$HOOKS" ]; then
	cat >"$WORK/ti.py" <<'PY'
import torch, torchvision, torchinfo
m = torchvision.models.resnet50()
torchinfo.summary(m, input_size=(1, 3, 224, 224), verbose=1, depth=10)
PY
else
	cat >"$WORK/ti.py" <<'PY'
import torch, torchvision
m = torchvision.models.resnet50().eval()
rows = []
def hook(mod, inp, out):
    rows.append((mod.__class__.__name__, tuple(out.shape), sum(p.numel() for p in mod.parameters(recurse=False))))
for mod in m.modules():
    mod.register_forward_hook(hook)
with torch.no_grad():
    m(torch.zeros(1, 3, 224, 224))
for r in rows:
    print(*r)
print(sum(p.numel() for p in m.parameters()))
PY
fi

# (c) Both, in turn, RUNS times each after a warm-up.
LI="$WORK/layerinfo $REF/torchvision/resnet.py --entry resnet50() --input-shape 1x3x224x224"
printf '\n%-10s %-10s %12s %12s %10s\n' model tool "wall median" "(min-max)" "peak MiB"
if [ -n "$PY" ]; then
	"$WORK/runstat" -n "$RUNS" -- $LI --- "$PY" "$WORK/ti.py" >"$WORK/out"
else
	"$WORK/runstat" -n "$RUNS" -- $LI >"$WORK/out"
fi
awk -v m=resnet50 -v h="$HOOKS" '
	{ tool = ($1 == 0) ? "layerinfo" : (h ? "hooks" : "torchinfo"); w[$1] = $2; p[$1] = $5
	  printf "%-10s %-10s %11.4fs %5.3f-%.3fs %10.1f\n", m, tool, $2, $3, $4, $5 }
	END { if (1 in w) printf "%-10s layerinfo is %.0fx faster, with %.1f%% (1/%.0f) of the peak memory\n", m, w[1]/w[0], 100*p[0]/p[1], p[1]/p[0] }
' "$WORK/out"
