"""Structural runs: every notebook runs the full profile's code path on Keras 3, under nbval.

The lesson's real architectures are built with random weights (weights=None), one epoch and a
tiny copy of each photo folder (2 photos per class), so every line runs offline and fast. Each
notebook runs under nbval in the `structural` profile, in its own pytest process: the checked
cells that hold with random weights (shapes, class names, VGG16's architecture) are compared
with the stored outputs, and those tagged `real-run` (claims that need real weights and the full
photo folders) are not -- the profile branch of conftest.py, the one the GPU runner's full profile
also goes through. No output of these runs is ever shown as a prediction.
"""
import nbformat
import pytest

import workshop


def snapshot():
    """The files under notebooks/ (besides caches) and fig/, with their modification times."""
    found = {}
    for folder in (workshop.ROOT / "notebooks", workshop.ROOT / "fig"):
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
                found[path] = path.stat().st_mtime_ns
    return found


def checked_cells(path, real_run):
    """How many code cells are compared by nbval, with or without the `real-run` tag."""
    cells = nbformat.read(path, as_version=4).cells
    return sum("nbval-check-output" in c.metadata.get("tags", []) and
               ("real-run" in c.metadata.get("tags", [])) == real_run for c in cells)


@pytest.mark.slow
@pytest.mark.parametrize("path", workshop.NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_the_lessons_real_architectures(path, nbval):
    before = snapshot()
    nbval(path, "structural")
    after = snapshot()
    new = sorted(str(p.relative_to(workshop.ROOT)) for p in after if p not in before)
    changed_figures = sorted(p.name for p in after if p.parent.name == "fig" and before.get(p, 0) != after[p])
    assert new == [] and changed_figures == [], "save into workshop.OUTPUT, not beside the notebooks or in fig/"


@pytest.mark.slow
def test_the_real_run_claims_are_not_compared_with_random_weights(nbval, notebook_file):
    """The profile branch really skips `real-run` cells and only them: a claim that random weights break fails
    in the structural run without the tag and passes with it (nbval's own options are changed, not replaced)."""
    claim = 'print("profile:", settings.profile)'  # stored from a real run, false in the structural run
    for tags, expected in [(["nbval-check-output", "real-run"], 0), (["nbval-check-output"], 1)]:
        cells = [nbformat.v4.new_code_cell("import workshop\nsettings = workshop.setup()",
                                           metadata={"tags": ["nbval-ignore-output"]}),
                 nbformat.v4.new_code_cell(claim, metadata={"tags": tags})]
        cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="profile: offline\n")]
        cells[0].execution_count, cells[1].execution_count = 1, 2  # as stored by a real run
        nbval(notebook_file(f"claim-{len(tags)}.ipynb", *cells), "structural", expect=expected)


def test_every_notebook_checks_some_claims_with_random_weights_too():
    """The structural run compares something in each notebook (not only skips): shapes, names, architecture."""
    assert all(checked_cells(path, real_run=False) >= 1 for path in workshop.NOTEBOOKS)


@pytest.mark.slow
def test_vgg16_parameter_counts():
    import keras
    assert keras.applications.VGG16(weights=None).count_params() == 138_357_544
    assert keras.applications.VGG16(weights=None, include_top=False).count_params() == 14_714_688
