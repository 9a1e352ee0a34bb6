"""The committed notebooks: executed for real, in order, in the offline profile, claims stored."""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def code_cells(path):
    """The code cells of a notebook file."""
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_the_six_lessons_are_there():
    assert len(NOTEBOOKS) >= 2
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, len(NOTEBOOKS) + 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_come_from_one_real_run_in_order(path):
    counts = [c.execution_count for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), "run the notebook top to bottom: bash run.sh lesson"
    errors = [o for c in code_cells(path) for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_output_says_which_profile_ran(path):
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code_cells(path)[:2]]
    assert any(t.startswith("Profile: offline") for t in texts), texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_checked_cell_has_a_stored_output(path):
    checked = [c for c in code_cells(path) if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 2, "each notebook checks at least two of the lesson's claims"
    assert all(c.outputs for c in checked)
