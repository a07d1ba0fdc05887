"""Rank 1 fails before a collective; rank 0 must not wait forever."""
import numpy as np

import gradtape as tf

strategy = tf.distribute.MultiWorkerMirroredStrategy()
if strategy.cluster_resolver.task_id == 1:
    raise RuntimeError("simulated failure on rank 1")
strategy.reduce("SUM", tf.constant(np.ones(3, np.float32)), axis=None)
print("rank 0 finished", flush=True)
