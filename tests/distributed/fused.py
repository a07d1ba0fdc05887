"""Run by tests/test_distribute.py under mpiexec: fused all-reduce over several buffers and dtypes."""
import numpy as np

from gradtape.distribute import _mpi

comm = _mpi.world()
r, n = comm.Get_rank(), comm.Get_size()
arrays = [np.arange(6, dtype=np.float32).reshape(2, 3) + r, np.float32(2.0) * np.ones(()), np.arange(3) * (r + 1),
          np.full((5,), r, np.float64)]
out = _mpi.fused_allreduce(comm, arrays, fusion_bytes=16)       # forces several buffers
expect = [np.arange(6, dtype=np.float32).reshape(2, 3) * n + n * (n - 1) / 2, np.float32(2.0 * n) * np.ones(()),
          np.arange(3) * n * (n + 1) // 2, np.full((5,), n * (n - 1) / 2)]
for a, o, e in zip(arrays, out, expect):
    assert o.shape == np.shape(a) and o.dtype == np.asarray(a).dtype, (o.shape, o.dtype)
    np.testing.assert_array_equal(o, e)
if r == 0:
    print("fused ok", flush=True)
