"""Each Keras optimizer takes five steps on the same quadratic, as a user comparing them would."""
import numpy as np
import tensorflow as tf

RESULTS = {}
target = np.array([1.0, -2.0, 0.5], np.float32)


def run(opt, steps=5):
    v = tf.Variable([0.3, 0.2, -0.1])
    out = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((v - target) ** 2 * [1.0, 2.0, 3.0])
        opt.apply_gradients([(tape.gradient(loss, v), v)])
        out.append(v.numpy().copy())
    return out


O = tf.keras.optimizers
RESULTS["sgd"] = run(O.SGD(learning_rate=0.05))
RESULTS["momentum"] = run(O.SGD(learning_rate=0.05, momentum=0.9))
RESULTS["nesterov"] = run(O.SGD(learning_rate=0.05, momentum=0.9, nesterov=True))
RESULTS["adam"] = run(O.Adam(learning_rate=0.1))
RESULTS["amsgrad"] = run(O.Adam(learning_rate=0.1, amsgrad=True))
RESULTS["adamw"] = run(O.AdamW(learning_rate=0.1, weight_decay=0.01))
RESULTS["rmsprop"] = run(O.RMSprop(learning_rate=0.01))
RESULTS["rmsprop_centered"] = run(O.RMSprop(learning_rate=0.01, momentum=0.5, centered=True))
RESULTS["adagrad"] = run(O.Adagrad(learning_rate=0.1))
RESULTS["adadelta"] = run(O.Adadelta(learning_rate=1.0))
RESULTS["adamax"] = run(O.Adamax(learning_rate=0.1))
RESULTS["nadam"] = run(O.Nadam(learning_rate=0.1))
RESULTS["clipnorm"] = run(O.SGD(learning_rate=0.1, clipnorm=1.0))
RESULTS["clipvalue"] = run(O.SGD(learning_rate=0.1, clipvalue=0.5))
RESULTS["global_clipnorm"] = run(O.SGD(learning_rate=0.1, global_clipnorm=1.0))
sched = O.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)
RESULTS["schedule_values"] = [sched(s) for s in range(6)]
RESULTS["sgd_schedule"] = run(O.SGD(learning_rate=sched))
pw = O.schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])
RESULTS["piecewise"] = [pw(s) for s in range(6)]
cos = O.schedules.CosineDecay(0.1, decay_steps=10)
RESULTS["cosine"] = [cos(s) for s in range(0, 12, 2)]
inv = O.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
RESULTS["inverse_time"] = [inv(s) for s in range(4)]
poly = O.schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.01, power=2.0)
RESULTS["polynomial"] = [poly(s) for s in range(6)]
