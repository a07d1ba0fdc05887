"""The image-folder example runs end to end (tiny settings; `make demo` runs the full one)."""
import os
import sys

import pytest

pytest.importorskip("PIL")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))


def test_image_classifier_example_runs(tmp_path, capsys):
    import image_classifier_from_folder as ex
    out = ex.main(["--quiet", "--epochs", "1", "--per-class", "6", "--out", str(tmp_path)])
    assert 0.0 <= out["accuracy"] <= 1.0 and len(out["history"]["loss"]) == 1
    assert sorted(os.listdir(tmp_path / "shapes")) == ["circle", "square", "triangle"]
    assert "validation accuracy" in capsys.readouterr().out
