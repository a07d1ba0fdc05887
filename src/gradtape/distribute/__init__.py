"""``tf.distribute``: data-parallel training over processes and machines.

* ``get_strategy()`` -- the default strategy (one replica, no-op scope), as TF.
* ``OneDeviceStrategy(device)`` and ``MirroredStrategy()`` -- one replica on this process's device.
  gradtape computes on one device per process, so a MirroredStrategy over several local devices
  raises NotImplementedError: run one process per device under ``MultiWorkerMirroredStrategy``.
* ``MultiWorkerMirroredStrategy()`` -- one replica per MPI process (``mpiexec -n 4 python train.py``,
  on one machine or across hosts), through mpi4py (the 'distributed' extra: ``pip install
  gradtape[distributed]``, which brings MPICH from PyPI). Variables created under ``scope()`` are
  broadcast from rank 0; ``run`` calls the function on this rank's replica; ``reduce``/``gather``/
  ``ReplicaContext.all_reduce`` are MPI collectives; ``optimizer.apply_gradients`` inside ``run``
  (and Keras ``fit`` under ``scope()``) sums the gradients over the replicas first, packed into a
  few large buffers per dtype (as Horovod's tensor fusion), not one message per variable.

A rank that raises an uncaught exception calls ``MPI_Abort``, so the other ranks stop with an
error instead of waiting forever in a collective.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, List, Optional

import numpy as np

from .. import nest
from ..tensor import Tensor
from ..variable import Variable

__all__ = ["ReduceOp", "Strategy", "OneDeviceStrategy", "MirroredStrategy", "MultiWorkerMirroredStrategy",
           "ReplicaContext", "InputContext", "InputOptions", "get_strategy", "has_strategy",
           "get_replica_context", "in_cross_replica_context", "experimental_set_strategy",
           "CrossDeviceOps", "NcclAllReduce", "HierarchicalCopyAllReduce", "ReductionToOneDevice",
           "experimental", "cluster_resolver"]

FUSION_BYTES = 64 * 1024 * 1024      # Horovod's default fusion threshold


class ReduceOp:
    """How values from the replicas are combined (``tf.distribute.ReduceOp``)."""
    SUM = "SUM"
    MEAN = "MEAN"


def _check_op(op: Any) -> str:
    op = getattr(op, "value", op)
    if isinstance(op, str) and op.upper() in ("SUM", "MEAN"):
        return op.upper()
    raise ValueError(f"reduce_op must be tf.distribute.ReduceOp.SUM or MEAN, got {op!r}")


class _Local(threading.local):
    def __init__(self) -> None:
        self.scopes: List["Strategy"] = []
        self.replica: List["ReplicaContext"] = []


_LOCAL = _Local()


class InputContext:
    """What an input function needs to build its shard (``tf.distribute.InputContext``)."""

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0, num_replicas_in_sync: int = 1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible by "
                             f"`num_replicas_in_sync` {self.num_replicas_in_sync}")
        return global_batch_size // self.num_replicas_in_sync


class InputOptions:
    """Accepted for signature compatibility; gradtape's input pipelines run on the host."""

    def __init__(self, **kwargs: Any):
        self.__dict__.update(kwargs)


class CrossDeviceOps:
    """Accepted for MirroredStrategy's ``cross_device_ops``; the reduction is always exact summation."""


class NcclAllReduce(CrossDeviceOps):
    def __init__(self, num_packs: int = 1):
        self.num_packs = num_packs


class HierarchicalCopyAllReduce(NcclAllReduce):
    pass


class ReductionToOneDevice(CrossDeviceOps):
    def __init__(self, reduce_to_device: Any = None, accumulation_fn: Any = None):
        pass


def _np(value: Any) -> np.ndarray:
    """``value`` as a host array for the collective; under ``function`` a traced value read here
    makes the function run eagerly (a value sent over MPI cannot be baked into a plan)."""
    from .._host import host_array
    return host_array(value)


def _local_reduce(value: Any, op: str, axis: Optional[int]) -> Any:
    """``reduce`` with a single replica: the value itself, or reduced along ``axis`` with ops (so it
    stays part of a compiled function's plan)."""
    from ..dispatch import convert_to_tensor
    from ..ops.reduction import reduce_mean, reduce_sum

    def one(v: Any) -> Tensor:
        t = convert_to_tensor(v)
        if axis is None:
            return t
        return reduce_sum(t, axis=axis) if op == "SUM" else reduce_mean(t, axis=axis)
    return nest.pack_sequence_as(value, [one(v) for v in nest.flatten(value)])


class ReplicaContext:
    """The context a function passed to ``strategy.run`` runs in (``tf.distribute.ReplicaContext``)."""

    def __init__(self, strategy: "Strategy", replica_id_in_sync_group: int = 0):
        self._strategy = strategy
        self._id = replica_id_in_sync_group

    @property
    def strategy(self) -> "Strategy":
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        return Tensor(np.int32(self._id))

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """Sum (or average) ``value`` (a nest of tensors) over all replicas; every replica gets the result."""
        op = _check_op(reduce_op)
        if self._strategy.num_replicas_in_sync == 1:
            return _local_reduce(value, op, None)
        flat = nest.flatten(value)
        out = self._strategy._all_reduce_list([_np(v) for v in flat], op)
        return nest.pack_sequence_as(value, [Tensor(o) for o in out])

    def all_gather(self, value: Any, axis: int, options: Any = None) -> Any:
        flat = nest.flatten(value)
        return nest.pack_sequence_as(value, [Tensor(self._strategy._gather_np(_np(v), axis)) for v in flat])

    def __enter__(self) -> "ReplicaContext":
        _LOCAL.replica.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _LOCAL.replica.pop()


class _Extended:
    def __init__(self, strategy: "Strategy"):
        self._strategy = strategy

    @property
    def worker_devices(self) -> tuple:
        return (self._strategy._device,)

    @property
    def parameter_devices(self) -> tuple:
        return (self._strategy._device,)

    @property
    def should_checkpoint(self) -> bool:
        return self._strategy._rank == 0

    @property
    def should_save_summary(self) -> bool:
        return self._strategy._rank == 0

    @property
    def task_id(self) -> int:
        return self._strategy._rank

    @property
    def _in_multi_worker_mode(self) -> bool:
        return self._strategy._size > 1


class _DistributedDataset:
    """Each element of ``dataset`` is a global batch; iteration yields this replica's rows of it
    (TF's rebatching of a distributed dataset: replica ``i`` of ``n`` gets the ``i``-th of ``n``
    near-equal contiguous slices)."""

    def __init__(self, dataset: Any, rank: int, size: int):
        self._dataset = dataset
        self._rank = rank
        self._size = size

    def __iter__(self) -> Iterator[Any]:
        for element in self._dataset:
            yield nest.map_structure(self._slice, element) if self._size > 1 else element

    def _slice(self, x: Any) -> Any:
        a = _np(x)
        if a.ndim == 0:
            raise ValueError("experimental_distribute_dataset needs batched elements (rank >= 1) to split the "
                             "global batch between replicas; call dataset.batch(global_batch_size) first.")
        n = a.shape[0]
        lo, hi = self._rank * n // self._size, (self._rank + 1) * n // self._size
        return Tensor(np.array(a[lo:hi]))

    @property
    def element_spec(self) -> Any:
        return getattr(self._dataset, "element_spec", None)


class Strategy:
    """Base of the distribution strategies (``tf.distribute.Strategy``); one replica per process."""

    _rank = 0
    _size = 1

    def __init__(self, device: str = "/job:localhost/replica:0/task:0/device:CPU:0"):
        self._device = device
        self.extended = _Extended(self)

    # --- basic properties ----------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self) -> int:
        return self._size

    @property
    def cluster_resolver(self) -> Any:
        return None

    # --- scope -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self) -> Iterator["Strategy"]:
        """Variables created inside are this strategy's (mirrored: the same value on every replica)."""
        current = _LOCAL.scopes[-1] if _LOCAL.scopes else None
        if current is not None and current is not self and not isinstance(current, _DefaultStrategy) \
                and not isinstance(self, _DefaultStrategy):
            raise ValueError("Mixing different tf.distribute.Strategy objects: a scope of "
                             f"{type(self).__name__} was entered inside the scope of {type(current).__name__}.")
        _LOCAL.scopes.append(self)
        try:
            yield self
        finally:
            _LOCAL.scopes.pop()

    def _on_variable_created(self, v: Variable) -> None:
        """Called for each Variable created under ``scope()``."""

    # --- running ---------------------------------------------------------------------------------
    def run(self, fn: Callable, args: tuple = (), kwargs: Optional[dict] = None, options: Any = None) -> Any:
        """Call ``fn(*args, **kwargs)`` on this process's replica, in a replica context."""
        with self.scope(), ReplicaContext(self, self._rank):
            return fn(*args, **(kwargs or {}))

    def reduce(self, reduce_op: Any, value: Any, axis: Optional[int] = None) -> Tensor:
        """Combine the per-replica ``value`` over all replicas; with ``axis``, also over that axis
        (MEAN divides by the global number of elements along ``axis``, as TF)."""
        op = _check_op(reduce_op)
        if self.num_replicas_in_sync == 1:
            return _local_reduce(value, op, axis)
        flat = nest.flatten(value)
        outs = []
        for v in flat:
            a = _np(v)
            if axis is None:
                (s,) = self._all_reduce_list([a], op)
                outs.append(Tensor(s))
                continue
            s = a.sum(axis=axis)
            if op == "SUM":
                (r,) = self._all_reduce_list([np.asarray(s)], "SUM")
            else:
                r, cnt = self._all_reduce_list([np.asarray(s), np.asarray(a.shape[axis], dtype=np.float64)], "SUM")
                r = np.asarray(r / cnt).astype(a.dtype) if a.dtype.kind == "f" else r // cnt.astype(a.dtype)
            outs.append(Tensor(np.asarray(r)))
        return nest.pack_sequence_as(value, outs)

    def gather(self, value: Any, axis: int) -> Any:
        """Concatenate the replicas' values along ``axis`` (sizes may differ along it)."""
        flat = nest.flatten(value)
        return nest.pack_sequence_as(value, [Tensor(self._gather_np(_np(v), axis)) for v in flat])

    def experimental_local_results(self, value: Any) -> tuple:
        return (value,)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """Split each global batch of ``dataset`` between the replicas; this process gets its slice."""
        return _DistributedDataset(dataset, self._rank, self._size)

    def distribute_datasets_from_function(self, dataset_fn: Callable, options: Any = None) -> Any:
        """Call ``dataset_fn(InputContext)`` for this process's input pipeline (it shards itself)."""
        return dataset_fn(InputContext(self._size, self._rank, self._size))

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_distribute_values_from_function(self, value_fn: Callable) -> Any:
        from types import SimpleNamespace
        return value_fn(SimpleNamespace(replica_id_in_sync_group=self._rank, num_replicas_in_sync=self._size))

    def _keras_train_step(self, model: Any, batch: Any) -> Any:
        """Keras ``fit``'s step under this strategy: this replica's slice of the global batch, in a
        replica context (so the gradients are all-reduced before the optimizer step)."""
        if self._size > 1 and not model.__dict__.get("_gt_dist_warned") and (
                getattr(getattr(model, "compiled_metrics", None), "_raw", None)
                or getattr(getattr(model, "compiled_metrics", None), "_weighted_raw", None)):
            import warnings
            warnings.warn("Under MultiWorkerMirroredStrategy, fit's loss is averaged over all workers, but the "
                          "other metrics are computed on this worker's share of each batch (TF aggregates them "
                          "over the workers): evaluate on one worker for global metrics.", stacklevel=3)
            object.__setattr__(model, "_gt_dist_warned", True)
        if self._size > 1:
            batch = nest.map_structure(lambda x: None if x is None else _DistributedDataset(
                (), self._rank, self._size)._slice(x), batch)
        with self.scope(), ReplicaContext(self, self._rank):
            return model.train_step(batch)

    # --- collectives (one replica: identities) ---------------------------------------------------
    def _all_reduce_list(self, arrays: List[np.ndarray], op: str) -> List[np.ndarray]:
        return [np.array(a) for a in arrays]

    def _gather_np(self, a: np.ndarray, axis: int) -> np.ndarray:
        return np.array(a)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} num_replicas_in_sync={self.num_replicas_in_sync}>"


class _DefaultStrategy(Strategy):
    """The strategy in effect outside any ``scope()``: one replica, no synchronization."""


class OneDeviceStrategy(Strategy):
    """All computation on one device (``tf.distribute.OneDeviceStrategy``)."""

    def __init__(self, device: str):
        from .. import config
        if config._parse(device) is None:
            raise ValueError("OneDeviceStrategy needs a device, e.g. '/cpu:0' or '/gpu:0'.")
        with config.device(device):
            resolved = config.current_device()
        super().__init__(resolved)

    def run(self, fn: Callable, args: tuple = (), kwargs: Optional[dict] = None, options: Any = None) -> Any:
        from .. import config
        with config.device(self._device):
            return super().run(fn, args, kwargs, options)


class MirroredStrategy(Strategy):
    """Synchronous training on this process's devices (``tf.distribute.MirroredStrategy``).

    gradtape runs one replica per process: ``devices`` may name one device (default: the CPU, as TF
    on a machine without GPUs). Several local devices raise NotImplementedError -- start one process
    per device with ``MultiWorkerMirroredStrategy`` under ``mpiexec`` instead."""

    def __init__(self, devices: Optional[List[str]] = None, cross_device_ops: Any = None):
        from .. import config
        if devices is None:
            devs = [d.name for d in config.list_logical_devices("GPU")] or ["/device:CPU:0"]
        else:
            devs = list(devices)
        if len(devs) != 1:
            raise NotImplementedError(
                f"MirroredStrategy over {len(devs)} local devices {devs} is not supported: gradtape runs one "
                "replica per process. Use tf.distribute.MultiWorkerMirroredStrategy and start one process per "
                "device with `mpiexec -n N python train.py`.")
        with config.device(devs[0]):
            resolved = config.current_device()
        super().__init__(resolved)


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data parallelism over MPI processes (``tf.distribute.MultiWorkerMirroredStrategy``).

    Launch with ``mpiexec -n N python train.py`` (add ``-f hosts`` for several machines). Without
    mpiexec it runs as one worker. ``cluster_resolver`` and ``communication_options`` are accepted
    but unused: MPI provides the cluster."""

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None):
        from . import _mpi
        self._comm = _mpi.world()
        self._rank = self._comm.Get_rank()
        self._size = self._comm.Get_size()
        super().__init__(f"/job:worker/replica:0/task:{self._rank}/device:CPU:0")

    @property
    def cluster_resolver(self) -> Any:
        from types import SimpleNamespace
        return SimpleNamespace(task_type="worker", task_id=self._rank, num_accelerators=lambda: {})

    def _on_variable_created(self, v: Variable) -> None:
        if self._size > 1:
            a = np.array(v._value, order="C")
            self._comm.Bcast(a, root=0)
            v._value = a[()] if a.ndim == 0 else a      # stored as Variable.__init__ stores it

    def _all_reduce_list(self, arrays: List[np.ndarray], op: str) -> List[np.ndarray]:
        from . import _mpi
        out = _mpi.fused_allreduce(self._comm, arrays)
        if op == "MEAN":
            out = [(o / self._size).astype(o.dtype) if o.dtype.kind in "fc" else o // self._size for o in out]
        return out

    def _gather_np(self, a: np.ndarray, axis: int) -> np.ndarray:
        parts = self._comm.allgather(np.array(a, order="C"))
        return np.concatenate(parts, axis=axis)


_DEFAULT = _DefaultStrategy()


def get_strategy() -> Strategy:
    """The strategy whose ``scope()`` is innermost, else the default strategy."""
    return _LOCAL.scopes[-1] if _LOCAL.scopes else _DEFAULT


def has_strategy() -> bool:
    """True inside a non-default strategy's ``scope()``."""
    return bool(_LOCAL.scopes) and not isinstance(_LOCAL.scopes[-1], _DefaultStrategy)


def get_replica_context() -> Optional[ReplicaContext]:
    """The replica context inside ``strategy.run``; the default one outside any scope; None in a
    cross-replica context (inside ``scope()`` but outside ``run``), as TF."""
    if _LOCAL.replica:
        return _LOCAL.replica[-1]
    if has_strategy():
        return None
    return ReplicaContext(_DEFAULT, 0)


def in_cross_replica_context() -> bool:
    return not _LOCAL.replica and has_strategy()


def experimental_set_strategy(strategy: Optional[Strategy]) -> None:
    """Make ``strategy`` the current one for this thread (None: back to the default)."""
    _LOCAL.scopes[:] = [] if strategy is None else [strategy]


def _current_sync_context() -> Optional[ReplicaContext]:
    """The replica context of a multi-replica strategy, if code runs in one (else None)."""
    if _LOCAL.replica:
        ctx = _LOCAL.replica[-1]
        if ctx._strategy._size > 1:
            return ctx
    return None


def _aggregate_gradients(grads: list, variables: list) -> list:
    """Inside a multi-replica replica context: the gradients summed over the replicas (fused
    buffers), as TF's ``apply_gradients`` does before updating mirrored variables."""
    ctx = _current_sync_context()
    if ctx is None:
        return grads
    from ..dispatch import convert_to_tensor
    idx = [i for i, g in enumerate(grads) if g is not None]
    arrays = []
    for i in idx:
        g = grads[i]
        arrays.append(_np(g if isinstance(g, (Tensor, Variable)) else convert_to_tensor(g)))
    summed = ctx._strategy._all_reduce_list(arrays, "SUM")
    out = list(grads)
    for i, s in zip(idx, summed):
        out[i] = Tensor(s)
    return out


def _variable_created(v: Variable) -> None:
    if _LOCAL.scopes:
        _LOCAL.scopes[-1]._on_variable_created(v)


class _Namespace:
    def __init__(self, **kw: Any):
        self.__dict__.update(kw)


experimental = _Namespace(MultiWorkerMirroredStrategy=MultiWorkerMirroredStrategy,
                          CommunicationOptions=InputOptions, CommunicationImplementation=_Namespace(
                              AUTO="AUTO", RING="RING", NCCL="NCCL"))
cluster_resolver = _Namespace()

from .. import variable as _variable_module  # noqa: E402

_variable_module._CREATION_HOOKS.append(_variable_created)
