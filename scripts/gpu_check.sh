#!/usr/bin/env bash
# One-command GPU check (`make gpu-check`): on a machine with an NVIDIA GPU, install CuPy into the
# venv, run the op database and the training/placement/mirrored tests on the real GPU (the same
# tests as CI, with the CuPy backend instead of the stand-in), then benchmark the MLP, the digits
# CNN and a larger CNN step on the GPU vs the CPU vs CuPy by hand. Without a GPU it stops, saying so.
set -euo pipefail
PY="${PY:-.venv/bin/python}"
OUT="${GPU_CHECK_OUT:-gpu-check.log}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q "^GPU "; then
    echo "gpu-check: no NVIDIA GPU on this machine (nvidia-smi lists none)." >&2
    echo "gpu-check: run it on a machine with an NVIDIA GPU and a CUDA 12 driver; CI covers the same" >&2
    echo "           tests on a stand-in GPU backend (tests/gpu_standin.py)." >&2
    exit 2
fi
nvidia-smi -L
if [ ! -x "$PY" ]; then
    echo "gpu-check: no venv at $PY: run 'make test' (or set PY=/path/to/python)." >&2
    exit 2
fi
if ! "$PY" -c "import cupy" 2>/dev/null; then
    echo "gpu-check: installing cupy-cuda12x into $("$PY" -c 'import sys; print(sys.prefix)')"
    "$PY" -m pip install -q cupy-cuda12x
fi
"$PY" - <<'PYEOF'
import cupy, gradtape as tf
n = cupy.cuda.runtime.getDeviceCount()
gpus = tf.config.list_physical_devices("GPU")
print(f"CuPy {cupy.__version__}: {n} CUDA device(s); gradtape lists {[d.name for d in gpus]}")
assert gpus, "gradtape does not see the GPU through CuPy"
PYEOF
{
    echo "== placement, training and MirroredStrategy tests on the GPU (CuPy backend)"
    GRADTAPE_TEST_BACKEND=cupy "$PY" -m pytest -q -p no:cacheprovider \
        tests/test_device_placement.py tests/test_device_training.py tests/test_mirrored_local.py \
        tests/test_device_ops.py tests/test_bench_gpu.py -rfs 2>&1 | tail -40
    echo "== benchmarks/bench_gpu.py --check"
    "$PY" benchmarks/bench_gpu.py --check
    echo "== benchmarks/bench_gpu.py"
    "$PY" benchmarks/bench_gpu.py --repeat 5 --steps 20
} 2>&1 | tee "$OUT"
echo "gpu-check: done; log in $OUT"
