"""benchmarks/bench_gpu.py computes the same step three ways: gradtape on the CPU, written by hand
(NumPy here, CuPy on a GPU) and gradtape on the GPU (the stand-in GPU here). Checked on the small
workloads; on a real GPU (``make gpu-check``) on all three."""
import importlib.util
from pathlib import Path

from gpu_standin import USE_CUPY, installed

_spec = importlib.util.spec_from_file_location(
    "bench_gpu", Path(__file__).parent.parent / "benchmarks" / "bench_gpu.py")
bench_gpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_gpu)


def test_by_hand_and_gpu_steps_equal_the_cpu_step(capsys):
    names = ["mlp", "digits_cnn", "large_cnn"] if USE_CUPY else ["mlp", "digits_cnn"]
    with installed(1):
        bench_gpu.check(names, gpu=True)
    assert capsys.readouterr().out.count(": ok") == len(names)


def test_without_a_gpu_the_benchmark_says_so(capsys):
    if USE_CUPY:
        return
    assert bench_gpu.main(["--workloads", "mlp"]) == 2
    assert "no GPU" in capsys.readouterr().out
