"""The Colab badge and setup cell: the same current version in every notebook, harmless in Jupyter."""
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import sync_setup_cell as sync  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_the_current_badge_and_setup_cell(path):
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source == sync.badge_cell(path.name).source, "run: python tools/sync_setup_cell.py"
    first_code = next(c for c in cells if c.cell_type == "code")
    assert first_code.source == sync.setup_cell().source, "run: python tools/sync_setup_cell.py"
    assert "nbval-ignore-output" in first_code.metadata.get("tags", [])
    assert path.name in cells[0].source and sync.REPO_URL.split("github.com/")[1] in cells[0].source


def test_the_setup_cell_never_imports_keras_or_tensorflow():
    source = sync.setup_cell().source
    assert "import tensorflow" not in source and "import keras" not in source
    assert source.count(sync.REPO_URL) == 1


def run_cell(tmp_path, pretend_colab, path_dirs=""):
    """Run the setup cell in a fresh IPython shell; return what it printed."""
    cell = tmp_path.parent / f"{tmp_path.name}-cell.py"
    cell.write_text(sync.setup_cell().source)
    driver = textwrap.dedent(f"""
        import os, sys, types
        if {pretend_colab}:
            sys.modules["google.colab"] = types.ModuleType("google.colab")
        from IPython.testing.globalipapp import start_ipython
        shell = start_ipython()
        result = shell.run_cell(open({str(cell)!r}).read())
        sys.exit(0 if result.success else 1)
    """)
    env = {"PATH": path_dirs or "/usr/bin:/bin", "HOME": str(tmp_path.parent)}
    done = subprocess.run([sys.executable, "-c", driver], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_in_plain_jupyter_the_cell_does_nothing(tmp_path):
    output = run_cell(tmp_path, pretend_colab=False)
    assert "Not on Colab: no setup needed." in output
    assert list(tmp_path.iterdir()) == []  # nothing fetched or written


def test_on_colab_without_a_gpu_it_warns(tmp_path):
    (tmp_path / "workshop.py").write_text("")  # the repository is already there: no clone
    output = run_cell(tmp_path, pretend_colab=True, path_dirs=str(Path(sys.executable).parent) + ":/bin")
    assert "WARNING: no GPU" in output
    assert "Installing" not in output  # the venv has everything: nothing to install


def test_sync_is_idempotent_and_updates_old_cells(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("import workshop")])
    path = tmp_path / "09-demo.ipynb"
    nbformat.write(notebook, path)
    assert sync.sync(path) is True
    assert sync.sync(path) is False
    cells = nbformat.read(path, as_version=4).cells
    assert [c.metadata.get("workshop") for c in cells] == ["colab-badge", None, "colab-setup", None]
    cells[2].source = "old version"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert not sync.is_current(path)
    assert sync.sync(path) is True and sync.is_current(path)
