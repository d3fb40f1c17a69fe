# Sourced by bench/onnx.sh and bench/scale.sh: sets PY to the first
# python3 that imports onnx, installing Debian's python3-onnx with apt-get
# when none does; PY stays empty (and the caller times layerinfo alone)
# when that cannot be done.
PY=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "installing Debian's python3-onnx (apt-get install -y python3-onnx)" >&2
	if apt-get install -y python3-onnx >/dev/null 2>&1 && /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
		PY=/usr/bin/python3
	else
		echo "apt-get install -y python3-onnx failed (not root, or no network): timing layerinfo alone" >&2
	fi
fi
if [ -n "$PY" ]; then
	echo "python: $("$PY" -c 'import sys, onnx; print(sys.version.split()[0], "onnx", onnx.__version__)')"
fi
