#!/bin/sh
# Opens a ~100 MB Keras-2-like .h5 file (300 layers, 600 float32 weight
# datasets, model_config and weight_names attributes) and walks every
# header: internal/hdf5 (BenchmarkOpen100MB) against h5py doing the same
# walk (every group's members, every dataset's shape and dtype, every
# attribute's value) on the same file, in one run. Neither reads the data.
#
#   bench/hdf5.sh            # RUNS=20 by default
#
# Needs Debian's python3-h5py (installed with apt-get when missing); without
# it the Go benchmark runs alone on a Go-written file.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3
if ! "$PY" -c 'import h5py' 2>/dev/null; then
	echo "installing Debian's python3-h5py (apt-get install -y python3-h5py)" >&2
	apt-get install -y python3-h5py >/dev/null 2>&1 || true
fi
if "$PY" -c 'import h5py' 2>/dev/null; then
	echo "python: $("$PY" -c 'import sys, h5py; print(sys.version.split()[0], "h5py", h5py.__version__, "HDF5", h5py.version.hdf5_version)')"
	# The file the Go benchmark writes itself (benchH5py in bench_test.go).
	"$PY" - "$WORK/big.h5" <<'EOF'
import sys, json, h5py, numpy as np
n = 300
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": "dense_%d" % i, "units": 325}} for i in range(n)]}}).encode()
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([("dense_%d" % i).encode() for i in range(n)])
    for i in range(n):
        name = "dense_%d" % i
        g = mw.create_group(name)
        g.attrs["weight_names"] = np.array([(name + "/kernel:0").encode(), (name + "/bias:0").encode()])
        g.create_dataset(name + "/kernel:0", data=np.zeros((256, 325), dtype=np.float32))
        g.create_dataset(name + "/bias:0", data=np.zeros((325,), dtype=np.float32))
EOF
	ls -l "$WORK/big.h5" | awk '{printf "file: %.1f MB\n", $5/1e6}'
	HDF5_BENCH_FILE="$WORK/big.h5"
	export HDF5_BENCH_FILE
else
	echo "h5py unavailable: the Go benchmark writes its own file; no comparison" >&2
fi

go_line=$(go test -run XXX -bench Open100MB -benchtime "${RUNS}x" ./internal/hdf5 | grep '^BenchmarkOpen100MB')
echo "internal/hdf5: $go_line"
go_ms=$(echo "$go_line" | awk '{for (i=1;i<NF;i++) if ($(i+1)=="ms/open") print $i}')
go_cpu=$(echo "$go_line" | awk '{for (i=1;i<NF;i++) if ($(i+1)=="cpu-ms/open") print $i}')

if [ -n "${HDF5_BENCH_FILE:-}" ]; then
	"$PY" - "$HDF5_BENCH_FILE" "$RUNS" "$go_ms" "$go_cpu" <<'EOF'
import sys, time, h5py
path, runs, go_ms, go_cpu = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])

def walk(g, n):
    n[0] += 1
    for k, v in g.attrs.items():
        pass
    for name in g:
        obj = g[name]
        if isinstance(obj, h5py.Group):
            walk(obj, n)
        elif isinstance(obj, h5py.Dataset):
            obj.shape, obj.dtype
            for k, v in obj.attrs.items():
                pass
            n[0] += 1

wall, cpu = [], []
for _ in range(runs):
    t0, c0 = time.perf_counter(), time.process_time()
    n = [0]
    with h5py.File(path, "r") as f:
        walk(f, n)
    wall.append((time.perf_counter() - t0) * 1000)
    cpu.append((time.process_time() - c0) * 1000)
wall.sort(); cpu.sort()
w, c = wall[len(wall) // 2], cpu[len(cpu) // 2]
print("h5py: %d objects, median %.1f ms/open, %.1f cpu-ms/open" % (n[0], w, c))
print("internal/hdf5 / h5py: %.2fx the time, %.2fx the CPU" % (go_ms / w, go_cpu / c))
EOF
fi
uptime
