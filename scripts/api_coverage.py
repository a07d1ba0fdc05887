"""How much of the TF2 API that real programs use resolves in gradtape, by area.

    python scripts/api_coverage.py [path/to/api-usage.md] [--missing N]

Reads the ranked symbol table of ``api-usage.md`` (TF symbols with the number of public TF2 programs
that use each), resolves every symbol on ``gradtape`` and prints a markdown table per area (symbols
present, share of uses covered) and, with ``--missing N``, the N most-used symbols that do not resolve.
A symbol counts as present when it resolves to an object; the tests, not this script, check that
the objects are right.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import warnings

import gradtape

DEFAULT = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "api-usage.md")
_ROW = re.compile(r"\|\s*(\d+)\s*\|\s*`(tf\.[^`]+)`\s*\|\s*(\d+)\s*\|")
_PREPROCESSING = {"CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
                  "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
                  "RandomTranslation", "RandomZoom", "Rescaling", "Resizing", "StringLookup", "TextVectorization"}


def resolves(symbol: str) -> bool:
    obj = gradtape
    for part in symbol.split(".")[1:]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = getattr(obj, part)
        except Exception:
            return False
    return True


def area(symbol: str) -> str:
    parts = symbol.split(".")
    if len(parts) == 2 or parts[1][:1].isupper():      # tf.cond, tf.RaggedTensor.from_row_lengths
        return "tf (top level)"
    if parts[1] == "keras":
        if len(parts) == 3:
            return "tf.keras (Model, Sequential, Input, ...)"
        if parts[2] == "layers" and parts[3] in _PREPROCESSING:
            return "tf.keras.layers (preprocessing)"
        return "tf.keras." + parts[2]
    if parts[1] == "experimental" and len(parts) > 3:
        return "tf.experimental." + parts[2]
    return "tf." + parts[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=DEFAULT)
    ap.add_argument("--missing", type=int, default=0)
    args = ap.parse_args()
    rows = [(int(m.group(1)), m.group(2), int(m.group(3)))
            for m in map(_ROW.match, open(args.path, encoding="utf-8")) if m]
    by_area = collections.defaultdict(lambda: [0, 0, 0, 0])
    missing = []
    for rank, symbol, files in rows:
        ok = resolves(symbol)
        a = by_area[area(symbol)]
        a[0] += 1
        a[1] += ok
        a[2] += files
        a[3] += files if ok else 0
        if not ok:
            missing.append((rank, symbol, files))
    total = [sum(v[i] for v in by_area.values()) for i in range(4)]
    print(f"{total[1]} of {total[0]} symbols resolve; {100 * total[3] / total[2]:.1f}% of uses.\n")
    print("| area | symbols | present | uses (files) | uses covered |")
    print("|---|---|---|---|---|")
    for name, (n, ok, uses, covered) in sorted(by_area.items(), key=lambda kv: -kv[1][2]):
        print(f"| {name} | {n} | {ok} | {uses} | {100 * covered / uses:.0f}% |")
    if args.missing:
        print("\nMost-used symbols that do not resolve:")
        for rank, symbol, files in missing[:args.missing]:
            print(f"- {rank}. `{symbol}` ({files} files)")


if __name__ == "__main__":
    main()
