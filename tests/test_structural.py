"""Structural runs: every notebook executes in the full profile's code path on Keras 3.

The lesson's real architectures are built with random weights (weights=None) and one
epoch, so every line runs offline. These runs prove the code works; their outputs
are never shown as predictions and are not compared.
"""
from pathlib import Path

import pytest
import workshop  # notebooks/workshop.py (conftest.py puts notebooks/ on the path)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def execute_structural(path, monkeypatch):
    """Run a copy of a notebook in the structural profile; return it with its outputs."""
    monkeypatch.setenv("WORKSHOP_PROFILE", "structural")
    return workshop.execute_notebook(path, timeout=600)


def stdout_of(notebook):
    """All printed text of a notebook, in order."""
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_the_lessons_real_architectures(path, monkeypatch):
    text = stdout_of(execute_structural(path, monkeypatch))
    assert "Profile: structural" in text
    assert "mobilenet_0.25" not in text.lower()  # the stand-in must not appear here


def test_vgg16_parameter_counts():
    import keras
    assert keras.applications.VGG16(weights=None).count_params() == 138_357_544
    assert keras.applications.VGG16(weights=None, include_top=False).count_params() == 14_714_688
