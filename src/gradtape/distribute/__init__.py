"""``tf.distribute``: data-parallel training over processes and machines.

* ``get_strategy()`` -- the default strategy (one replica, no-op scope), as TF.
* ``OneDeviceStrategy(device)`` -- one replica on that device.
* ``MirroredStrategy(devices)`` -- one replica per local device (the GPUs by default, else the CPU;
  several logical CPUs, see ``tf.config.set_logical_device_configuration``, or GPUs when named).
  ``run`` calls the function once per replica, each in its own thread under ``tf.device`` of its
  device; the replicas take turns (replica 0, 1, ... between collectives), so the order of every
  operation -- and so every float sum -- is deterministic. Variables created under ``scope()`` are
  stored once (on the first replica's device; the other replicas read copies), and
  ``optimizer.apply_gradients`` inside ``run`` (and Keras ``fit``) sums the replicas' gradients
  first, then applies the step once. ``reduce``/``gather``/``experimental_local_results`` take the
  per-replica results of ``run``.
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
        return tuple(getattr(self._strategy, "_devices", (self._strategy._device,)))

    @property
    def parameter_devices(self) -> tuple:
        return tuple(getattr(self._strategy, "_devices", (self._strategy._device,)))

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


class PerReplica:
    """Values that differ between the replicas of a local ``MirroredStrategy`` (what ``run``
    returns and a distributed dataset yields; TF's ``PerReplica`` DistributedValues)."""

    def __init__(self, values: tuple):
        self.values = tuple(values)

    def __repr__(self) -> str:
        return "PerReplica:{" + ", ".join(f"\n  {i}: {v!r}" for i, v in enumerate(self.values)) + "\n}"


def _select(x: Any, i: int) -> Any:
    """Replica ``i``'s part of ``x`` (PerReplica values anywhere in a nest)."""
    if isinstance(x, PerReplica):
        return x.values[i]
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_select(v, i) for v in x)
    if isinstance(x, tuple):
        return type(x)(*[_select(v, i) for v in x])
    if isinstance(x, dict):
        return {k: _select(v, i) for k, v in x.items()}
    return x


def _regroup(outs: list) -> Any:
    """The replicas' results of ``run`` as one nest with PerReplica leaves (one replica: as is)."""
    if len(outs) == 1:
        return outs[0]
    first = outs[0]
    if isinstance(first, (list, tuple)) and not hasattr(first, "_fields"):
        return type(first)(_regroup([o[k] for o in outs]) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: _regroup([o[k] for o in outs]) for k in first}
    if first is None:
        return None
    return PerReplica(outs)


class _ReplicaGroup:
    """Runs one function per local replica, each in its own thread, taking turns: replica 0 runs
    until it reaches a collective (or ends), then replica 1, ...; the last one to reach a collective
    combines the deposited values and replica 0 resumes. Execution is thus sequential and
    deterministic, and a collective sees every replica's value."""

    def __init__(self, n: int):
        self.n = n
        self.cond = threading.Condition()
        self.turn = 0
        self.deposits: list = [None] * n
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.done: set = set()

    def _wait_turn(self, i: int) -> None:
        while self.turn != i and self.error is None:
            self.cond.wait()
        if self.error is not None and self.turn != i:
            raise RuntimeError("another replica of this MirroredStrategy failed") from self.error

    def collective(self, i: int, value: Any, combine: Callable[[list], Any]) -> Any:
        """Deposit replica ``i``'s ``value``; every replica gets ``combine(values in replica order)``."""
        with self.cond:
            if self.done:
                raise RuntimeError(f"Replica {i} entered a cross-replica collective after replica(s) "
                                   f"{sorted(self.done)} returned: every replica must make the same "
                                   "collective calls (all_reduce, apply_gradients, reduce) in the same order.")
            self.deposits[i] = value
            if i == self.n - 1:
                self.result = combine(list(self.deposits))
                self.deposits = [None] * self.n
                self.turn = 0
            else:
                self.turn = i + 1
            self.cond.notify_all()
            result = self.result if i == self.n - 1 else None
            self._wait_turn(i)
            return self.result if result is None else result

    def run(self, fns: List[Callable[[], Any]]) -> list:
        outs: list = [None] * self.n

        def body(i: int) -> None:
            try:
                with self.cond:
                    self._wait_turn(i)
                outs[i] = fns[i]()
            except BaseException as err:  # noqa: BLE001 -- re-raised in the caller's thread
                with self.cond:
                    if self.error is None:
                        self.error = err
                    self.cond.notify_all()
                return
            with self.cond:
                self.done.add(i)
                waiting = [j for j, d in enumerate(self.deposits) if d is not None]
                if waiting and self.error is None:
                    self.error = RuntimeError(
                        f"Replica {i} returned while replica(s) {waiting} wait in a cross-replica collective: "
                        "every replica must make the same collective calls in the same order.")
                self.turn = i + 1
                self.cond.notify_all()

        threads = [threading.Thread(target=body, args=(i,), name=f"replica-{i}", daemon=True)
                   for i in range(self.n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.error is not None:
            raise self.error
        return outs


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

    One replica per device in ``devices`` (default: every GPU, else the CPU, as TF). For several
    replicas on a machine without GPUs, split the CPU into logical devices first
    (``tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)``)
    and name them: ``MirroredStrategy(["/cpu:0", "/cpu:1"])``. Logical CPUs share the host's
    memory and NumPy, so they give the semantics of several replicas, not a speed-up.

    ``run(fn, args)`` calls ``fn`` once per replica (in a thread under ``tf.device`` of the
    replica's device, replicas taking turns) and returns PerReplica results; ``reduce`` combines
    them. Variables created under ``scope()`` are stored once, on the first replica's device;
    ``apply_gradients`` in a replica sums the gradients of all replicas, then updates the variables
    once. ``cross_device_ops`` is accepted and unused (the sum is taken in replica order)."""

    def __init__(self, devices: Optional[List[str]] = None, cross_device_ops: Any = None):
        from .. import config
        if devices is None:
            devs = [d.name for d in config.list_logical_devices("GPU")] or ["/device:CPU:0"]
        else:
            devs = [devices] if isinstance(devices, str) else list(devices)
        if not devs:
            raise ValueError("MirroredStrategy needs at least one device.")
        known = {d.name.lower().replace("/device:", "") for d in config.list_logical_devices()}
        resolved = []
        for d in devs:
            parsed = config._parse(d)
            if parsed is None:
                raise ValueError(f"MirroredStrategy: {d!r} does not name a device.")
            if f"{parsed[0]}:{parsed[1]}".lower() not in known:
                raise ValueError(f"MirroredStrategy: device {d!r} does not exist on this machine (logical "
                                 f"devices: {sorted(known)}). Split the CPU with tf.config."
                                 "set_logical_device_configuration to get several CPU devices.")
            resolved.append(f"/job:localhost/replica:0/task:0/device:{parsed[0]}:{parsed[1]}")
        if len(set(resolved)) != len(resolved):
            raise ValueError(f"MirroredStrategy: duplicate devices in {devs}.")
        super().__init__(resolved[0])
        self._devices = tuple(resolved)
        self._group: Optional[_ReplicaGroup] = None

    @property
    def num_replicas_in_sync(self) -> int:
        return len(self._devices)

    @property
    def _local(self) -> bool:
        return len(self._devices) > 1

    def _run_replicas(self, make: Callable[[int], Callable[[], Any]]) -> list:
        from .. import config
        if not self._local:
            with config.device(self._devices[0]), ReplicaContext(self, 0):
                return [make(0)()]
        if self._group is not None:
            raise RuntimeError("MirroredStrategy.run was called inside strategy.run (nested replicas).")
        group = self._group = _ReplicaGroup(len(self._devices))
        scopes = list(_LOCAL.scopes)

        def in_replica(i: int) -> Callable[[], Any]:
            fn = make(i)

            def call() -> Any:
                _LOCAL.scopes[:] = scopes          # the caller's strategy scope, in this thread
                with config.device(self._devices[i]), ReplicaContext(self, i):
                    return fn()
            return call
        try:
            return group.run([in_replica(i) for i in range(len(self._devices))])
        finally:
            self._group = None

    def run(self, fn: Callable, args: tuple = (), kwargs: Optional[dict] = None, options: Any = None) -> Any:
        """Call ``fn`` on every replica with its part of PerReplica ``args``; PerReplica results."""
        kwargs = kwargs or {}

        def make(i: int) -> Callable[[], Any]:
            def call() -> Any:
                with self.scope():
                    return fn(*_select(tuple(args), i), **_select(kwargs, i))
            return call
        return _regroup(self._run_replicas(make))

    def _combine(self, arrays_per_replica: list, op: str) -> list:
        """Element-wise SUM/MEAN of the replicas' lists of arrays, added in replica order on the
        first replica's device."""
        from .. import devices as _devices
        out = []
        for parts in zip(*arrays_per_replica):
            target = _devices.device_of(parts[0])
            acc = parts[0]
            for p in parts[1:]:
                acc = acc + _devices.to_device(p, target)
            if op == "MEAN":
                acc = (acc / len(parts)).astype(acc.dtype) if acc.dtype.kind in "fc" else acc // len(parts)
            out.append(acc)
        return out

    def _all_reduce_list(self, arrays: List[Any], op: str) -> List[Any]:
        if not self._local:
            return [np.array(a) for a in arrays]
        ctx = _LOCAL.replica[-1] if _LOCAL.replica else None
        if self._group is None or ctx is None or ctx._strategy is not self:
            raise RuntimeError("A cross-replica all-reduce must run inside strategy.run (in a replica).")
        return self._group.collective(ctx._id, list(arrays), lambda parts: self._combine(parts, op))

    def _gather_np(self, a: Any, axis: int) -> Any:
        ctx = _LOCAL.replica[-1] if _LOCAL.replica else None
        if not self._local or self._group is None or ctx is None:
            return np.array(a)
        return self._group.collective(ctx._id, a, lambda parts: np.concatenate(
            [np.asarray(_host(p)) for p in parts], axis=axis))

    def experimental_local_results(self, value: Any) -> tuple:
        if isinstance(value, PerReplica):
            return value.values
        if self._local and isinstance(value, (list, tuple, dict)):
            return tuple(_select(value, i) for i in range(len(self._devices)))
        return (value,)

    def reduce(self, reduce_op: Any, value: Any, axis: Optional[int] = None) -> Tensor:
        """Combine PerReplica ``value`` over the replicas (in replica order); with ``axis``, also
        over that axis (MEAN divides by the global number of elements along it, as TF). A value that
        is not per-replica is returned for MEAN and refused for SUM, as TF."""
        op = _check_op(reduce_op)
        if not self._local:
            return _local_reduce(nest.map_structure(lambda v: _select(v, 0), value)
                                 if isinstance(value, PerReplica) else value, op, axis)
        from ..dispatch import convert_to_tensor
        from ..ops.reduction import reduce_sum
        from ..ops.math import cast

        def one(v: Any) -> Tensor:
            if not isinstance(v, PerReplica):
                if op == "MEAN":
                    return _local_reduce(v, op, axis)
                raise ValueError(f"A non-DistributedValues value {v!r:.60} cannot be reduced with the given "
                                 "reduce op ReduceOp.SUM.")
            parts = [convert_to_tensor(p) for p in v.values]
            with _on_first_device(self):
                if axis is None:
                    total = parts[0]
                    for p in parts[1:]:
                        total = total + p
                    if op == "MEAN":
                        total = total / len(parts) if total.dtype.is_floating else total // len(parts)
                    return total
                sums = [reduce_sum(p, axis=axis) for p in parts]
                total = sums[0]
                for p in sums[1:]:
                    total = total + p
                if op == "MEAN":
                    count = sum(int(p.shape[axis]) for p in parts)
                    total = total / cast(count, total.dtype) if total.dtype.is_floating else total // count
                return total
        if isinstance(value, PerReplica):
            return one(value)
        return nest.map_structure(one, value) if not isinstance(value, (list, tuple, dict)) else \
            type(value)(one(v) for v in value) if isinstance(value, (list, tuple)) else \
            {k: one(v) for k, v in value.items()}

    def gather(self, value: Any, axis: int) -> Any:
        """Concatenate the replicas' values along ``axis`` (sizes may differ along it)."""
        if not self._local:
            return super().gather(nest.map_structure(lambda v: _select(v, 0), value)
                                  if isinstance(value, PerReplica) else value, axis)
        from ..ops.shape import concat
        if isinstance(value, PerReplica):
            with _on_first_device(self):
                return concat(list(value.values), axis)
        raise ValueError("MirroredStrategy.gather takes the PerReplica result of strategy.run.")

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """Split each global batch of ``dataset`` between the local replicas: PerReplica elements."""
        if not self._local:
            return _DistributedDataset(dataset, 0, 1)
        return _LocalDistributedDataset(dataset, len(self._devices))

    def distribute_datasets_from_function(self, dataset_fn: Callable, options: Any = None) -> Any:
        """Call ``dataset_fn(InputContext)`` once per replica; elements are PerReplica."""
        if not self._local:
            return dataset_fn(InputContext(1, 0, 1))
        n = len(self._devices)
        return _ZippedReplicas([dataset_fn(InputContext(n, i, n)) for i in range(n)])

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_distribute_values_from_function(self, value_fn: Callable) -> Any:
        from types import SimpleNamespace
        vals = [value_fn(SimpleNamespace(replica_id_in_sync_group=i, num_replicas_in_sync=len(self._devices)))
                for i in range(len(self._devices))]
        return vals[0] if len(vals) == 1 else PerReplica(vals)

    def _keras_train_step(self, model: Any, batch: Any) -> Any:
        """Keras ``fit``'s step: the global batch split between the local replicas, each running
        ``train_step`` on its slice; the gradients are summed before the single optimizer step."""
        if not self._local:
            return super()._keras_train_step(model, batch)
        n = len(self._devices)
        slices = [nest.map_structure(lambda x: None if x is None else _DistributedDataset((), i, n)._slice(x),
                                     batch) for i in range(n)]

        def make(i: int) -> Callable[[], Any]:
            def call() -> Any:
                with self.scope():
                    return model.train_step(slices[i])
            return call
        logs = self._run_replicas(make)
        from ..keras.models import Model
        if type(model).train_step is Model.train_step:     # metrics hold every replica's updates now
            return model.get_metrics_result()
        return logs[0]

    def __repr__(self) -> str:
        return f"<MirroredStrategy devices={list(self._devices)}>"


def _host(v: Any) -> Any:
    from ..devices import to_host
    return to_host(v)


@contextlib.contextmanager
def _on_first_device(strategy: "MirroredStrategy") -> Iterator[None]:
    """Cross-replica results live on the first replica's device."""
    from .. import config
    with config.device(strategy._devices[0]):
        yield


class _LocalDistributedDataset:
    """A dataset of global batches, yielding PerReplica slices (replica ``i`` of ``n`` gets the
    ``i``-th of ``n`` near-equal contiguous slices, as TF's rebatching)."""

    def __init__(self, dataset: Any, n: int):
        self._dataset = dataset
        self._n = n

    def __iter__(self) -> Iterator[Any]:
        for element in self._dataset:
            parts = [nest.map_structure(_DistributedDataset((), i, self._n)._slice, element) for i in range(self._n)]
            yield _regroup(parts)

    @property
    def element_spec(self) -> Any:
        return getattr(self._dataset, "element_spec", None)


class _ZippedReplicas:
    def __init__(self, datasets: list):
        self._datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for parts in zip(*self._datasets):
            yield _regroup(list(parts))


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
        if ctx._strategy.num_replicas_in_sync > 1:
            return ctx
    return None


def _applies_update() -> bool:
    """False in replicas 1.. of a local MirroredStrategy: they share the variables with replica 0,
    which applies the (summed) update once."""
    if _LOCAL.replica:
        ctx = _LOCAL.replica[-1]
        if isinstance(ctx._strategy, MirroredStrategy) and ctx._strategy._local:
            return ctx._id == 0
    return True


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
