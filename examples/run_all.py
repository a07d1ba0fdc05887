"""Run the flagship demo (a CNN on scikit-learn's 8x8 digits) and then every example program.

Used by `make demo`. Each example is a module with a `main()`; figures and weights go to `out/`.
"""
import importlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

EXAMPLES = ["digits_cnn", "seed_000_autodiff", "seed_001_gradients_function", "seed_002_derivatives",
            "seed_003_linear_regression", "seed_004_basics", "explain_numpy_roundtrip",
            "text_classifier_from_folder", "image_classifier_from_folder", "transformer_text_classifier"]


def main() -> int:
    failures = []
    for name in EXAMPLES:
        if not os.path.exists(os.path.join(HERE, name + ".py")):
            print(f"== {name}: not present, skipped")
            continue
        print(f"\n== {name} " + "=" * max(0, 60 - len(name)))
        t0 = time.perf_counter()
        try:
            importlib.import_module(name).main()
        except Exception as exc:  # keep going, report at the end
            failures.append((name, exc))
            print(f"!! {name} failed: {type(exc).__name__}: {exc}")
        print(f"== {name} took {time.perf_counter() - t0:.1f} s")
    if failures:
        print(f"\n{len(failures)} example(s) failed: {[n for n, _ in failures]}")
        return 1
    print("\nAll examples ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
