"""Load gradtape-written Keras-layout files with real Keras 3 and compare predictions with gradtape's.

Run after make_gradtape_files.py:
  TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/check_gradtape_files.py [DIR]

Writes the outcome of every file into tests/data/keras_files/gradtape_to_keras.json.
"""
import json
import os
import sys
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import keras  # noqa: E402
import make_keras_files as mk  # noqa: E402  (registers TwoDense)


def main(directory):
    preds = json.load(open(os.path.join(directory, "predictions.json")))
    ref = json.load(open(os.path.join(mk.OUT, "predictions.json")))
    results = {"keras_version": keras.__version__}
    for name in ["cnn", "two_inputs", "two_dense", "lstm"]:
        x = ref[name]["x"]
        x = [np.asarray(t, "float32") for t in x] if name == "two_inputs" else np.asarray(x, "float32")
        want = np.asarray(preds[name], "float32")
        files = [name + ".keras", name + ".weights.h5", name + ".legacy.h5"] + ([name + ".h5"] if name != "two_dense" else [])
        for fn in files:
            path = os.path.join(directory, fn)
            try:
                if fn.endswith(".keras") or fn == name + ".h5":
                    model = keras.models.load_model(path)
                else:
                    built, _ = mk.models()
                    model = built[name]
                    if fn.endswith(".legacy.h5"):
                        from keras.src.legacy.saving import legacy_h5_format
                        import h5py
                        with h5py.File(path, "r") as f:
                            legacy_h5_format.load_weights_from_hdf5_group(f, model)
                    else:
                        model.load_weights(path)
                got = np.asarray(model.predict(x, verbose=0))
                err = float(np.max(np.abs(got - want)))
                results[fn] = {"ok": bool(err < 1e-5), "max_abs_diff": err,
                               "optimizer": type(getattr(model, "optimizer", None)).__name__}
            except Exception as e:  # record, keep checking the rest
                results[fn] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:500]}
                traceback.print_exc()
    out = os.path.join(mk.OUT, "gradtape_to_keras.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    bad = [k for k, v in results.items() if isinstance(v, dict) and not v["ok"]]
    print(f"{len(results) - 1 - len(bad)} files loaded in Keras with matching predictions; failures: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradtape_keras_files"))
