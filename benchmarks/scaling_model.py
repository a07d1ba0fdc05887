"""Alpha-beta model of data-parallel step time from bench_scaling.py's measurements.

    python benchmarks/scaling_model.py benchmarks/results/scaling_1rank.json benchmarks/results/scaling_2ranks.json

Per step (weak scaling, fixed per-replica batch b, gradients of S bytes, n workers):
    T(n) = T_c + g*S + T_ring(n, S),   T_ring(n, S) = 2(n-1)*alpha + 2(n-1)/n * S * beta
T_c: measured compute per step (forward, backward, Adam; all-reduce skipped); g: measured cost per
byte of packing/unpacking the fused buffer (the 1-rank all-reduce of 100 MB, which only copies);
beta = 1/bandwidth; alpha = the per-message latency of the network (an assumption, stated).
The all-reduce is not overlapped with the backward pass (gradtape reduces after backward), so the
model adds the terms. Efficiency E(n) = T_c / T(n); throughput = n*b / T(n).
"""
import json
import sys

NETS = {"10 Gb/s (TCP, alpha=50 us)": (50e-6, 8 / 10e9), "100 Gb/s (RDMA, alpha=5 us)": (5e-6, 8 / 100e9)}
WORKERS = (2, 4, 8, 16, 32, 64)


def main(one: str, two: str) -> None:
    r1, r2 = json.load(open(one)), json.load(open(two))
    g = r1["allreduce"][str(100 << 20)] / (100 << 20)
    print(f"pack/unpack cost g = {g * 1e9:.3f} ns/B (1 rank, 100 MB)")
    ar = r2["allreduce"]
    beta_shm = (ar[str(100 << 20)] - ar[str(10 << 20)]) / ((100 << 20) - (10 << 20))
    print(f"2 ranks, shared memory: alpha ~ {ar['1024'] * 1e3:.2f} ms (1 KB), beta ~ {beta_shm * 1e9:.2f} ns/B "
          f"({1 / beta_shm / 1e9:.2f} GB/s)")
    for kind in ("mlp", "cnn"):
        m1, m2 = r1[kind], r2[kind]
        tc, s, b = m1["compute_s"], m1["grad_bytes"], m1["batch_per_replica"]
        print(f"\n{kind}: T_c = {tc * 1e3:.1f} ms, S = {s / 1e6:.3f} MB, b = {b}; measured: 1 rank "
              f"{m1['samples_per_s']:.0f} samples/s, 2 ranks {m2['samples_per_s']:.0f} samples/s "
              f"(speed-up {m2['samples_per_s'] / m1['samples_per_s']:.2f})")
        print("| network | " + " | ".join(f"n={n}" for n in WORKERS) + " |")
        print("|---|" + "---|" * len(WORKERS))
        for name, (alpha, beta) in NETS.items():
            cells = []
            for n in WORKERS:
                t = tc + g * s + 2 * (n - 1) * alpha + 2 * (n - 1) / n * s * beta
                cells.append(f"{t * 1e3:.1f} ms, E={tc / t:.2f}, {n * b / t:.0f}/s")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
