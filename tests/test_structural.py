"""Structural runs: every notebook executes in the full profile's code path on Keras 3.

The lesson's real architectures are built with random weights (weights=None), one epoch and a
tiny copy of each photo folder (2 photos per class), so every line runs offline and fast. These
runs prove the code works; their outputs are never shown as predictions and are not compared.
"""
import pytest

import workshop  # notebooks/workshop/ (conftest.py puts notebooks/ on the path)


def snapshot():
    """The files under notebooks/ (besides caches) and fig/, with their modification times."""
    found = {}
    for folder in (workshop.ROOT / "notebooks", workshop.ROOT / "fig"):
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
                found[path] = path.stat().st_mtime_ns
    return found


def stdout_of(notebook):
    """All printed text of a notebook, in order."""
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream")


@pytest.mark.parametrize("path", workshop.NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_the_lessons_real_architectures(path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "structural")
    before = snapshot()
    text = stdout_of(workshop.execute_notebook(path, timeout=600))
    assert "Profile: structural" in text
    assert "mobilenet_0.25" not in text.lower()  # the stand-in must not appear here
    after = snapshot()
    new = sorted(str(p.relative_to(workshop.ROOT)) for p in after if p not in before)
    changed_figures = sorted(p.name for p in after if p.parent.name == "fig" and before.get(p, 0) != after[p])
    assert new == [] and changed_figures == [], "save into workshop.OUTPUT, not beside the notebooks or in fig/"


def test_vgg16_parameter_counts():
    import keras
    assert keras.applications.VGG16(weights=None).count_params() == 138_357_544
    assert keras.applications.VGG16(weights=None, include_top=False).count_params() == 14_714_688
