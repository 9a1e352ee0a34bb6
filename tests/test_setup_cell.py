"""The notebook tops: the Colab badge and bootstrap cell from one setting, and setup()'s Colab work."""
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import nbformat
import pytest

import workshop
from tools import sync_setup_cell as sync
from workshop import ROOT, profiles


def code_lines(cell):
    """The lines of a code cell that are not blank."""
    return [line for line in cell.source.splitlines() if line.strip()]


@pytest.mark.parametrize("path", workshop.NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_the_current_badge_and_bootstrap_cell(path):
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source == sync.badge_cell(path.name).source, "run: python tools/sync_setup_cell.py"
    first_code = next(c for c in cells if c.cell_type == "code")
    assert first_code.source == sync.setup_cell().source, "run: python tools/sync_setup_cell.py"


@pytest.mark.parametrize("path", workshop.NOTEBOOKS, ids=lambda p: p.stem)
def test_at_most_six_code_lines_before_the_lesson(path):
    """The bootstrap and setup lines; the profile's choices after setup() (`EPOCHS = settings.epochs(...)`, at
    most five, one line each) are the notebook's settings, the one visible place test_lesson_truth requires."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    setup = next(i for i, c in enumerate(code) if "workshop.setup(" in c.source)
    lines = [line for c in code[:setup + 1] for line in code_lines(c) if not line.lstrip().startswith("#")]
    choices = [line for line in lines if re.match(r"[A-Z_]+ = settings\.(pick|epochs)\(.*\)", line)]
    assert len(lines) - len(choices) <= 6 and len(choices) <= 5


def test_the_readme_links_point_at_the_repository():
    text = (ROOT / "README.md").read_text()
    assert sync.readme_synced(text) == text, "run: python tools/sync_setup_cell.py"
    assert "repository:" in text and "_config.yml" in text  # the README names the one setting


def test_the_bootstrap_cell_is_short_and_comes_from_the_one_setting(tmp_path, monkeypatch):
    source = sync.setup_cell().source
    assert len(code_lines(sync.setup_cell())) <= 4
    assert "import tensorflow" not in source and "import keras" not in source
    (tmp_path / "_config.yml").write_text("title: A lesson\nrepository: someone/their-fork\n")
    monkeypatch.setattr(sync, "ROOT", tmp_path)
    monkeypatch.setattr(sync.repository, "__defaults__", (tmp_path / "_config.yml",))
    assert "https://github.com/someone/their-fork their-fork" in sync.setup_cell().source
    assert "github/someone/their-fork/blob/main/notebooks/01-x.ipynb" in sync.badge_cell("01-x.ipynb").source
    readme = "[![Open In Colab](x.svg)](https://colab.research.google.com/github/a/b/blob/main/notebooks/01-x.ipynb)"
    assert sync.readme_synced(readme).endswith("github/someone/their-fork/blob/main/notebooks/01-x.ipynb)")


def run_cell(folder, pretend_colab):
    """Run the bootstrap cell in a fresh IPython shell in `folder` (git is a fake); return the final cwd."""
    fake_bin = folder.parent / "bin"
    fake_bin.mkdir(exist_ok=True)
    (fake_bin / "git").write_text('#!/bin/sh\nfor last; do :; done\nmkdir -p "$last/notebooks"\n'
                                  'echo "$@" >> "$last/../git-calls"\n')
    (fake_bin / "git").chmod(0o755)
    driver = textwrap.dedent(f"""
        import os, sys, types
        if {pretend_colab}:
            sys.modules["google.colab"] = types.ModuleType("google.colab")
        from IPython.testing.globalipapp import start_ipython
        shell = start_ipython()
        result = shell.run_cell({sync.setup_cell().source!r})
        print("CWD=" + os.getcwd())
        sys.exit(0 if result.success else 1)
    """)
    env = {"PATH": f"{fake_bin}:/usr/bin:/bin", "HOME": str(folder.parent)}
    done = subprocess.run([sys.executable, "-c", driver], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(done.stdout.split("CWD=")[-1].strip())


def test_in_plain_jupyter_the_cell_does_nothing(tmp_path):
    assert run_cell(tmp_path, pretend_colab=False) == tmp_path
    assert list(tmp_path.iterdir()) == []  # nothing fetched or written


def test_on_colab_it_clones_once_and_moves_into_the_notebooks(tmp_path):
    name = sync.repository().split("/")[1]
    assert run_cell(tmp_path, pretend_colab=True) == tmp_path / name / "notebooks"
    assert run_cell(tmp_path, pretend_colab=True) == tmp_path / name / "notebooks"  # after a restart
    assert len((tmp_path / "git-calls").read_text().splitlines()) == 1  # cloned only once
    (tmp_path / name / "notebooks" / "workshop").mkdir()
    (tmp_path / name / "notebooks" / "workshop" / "__init__.py").touch()
    assert run_cell(tmp_path / name / "notebooks", pretend_colab=True) == tmp_path / name / "notebooks"


def test_setup_installs_what_colab_lacks_and_warns_without_a_gpu(monkeypatch, capsys):
    import importlib.util
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "ipywidgets" else real(name))
    monkeypatch.setattr(profiles.subprocess, "run", lambda args, **kwargs: calls.append(args))
    monkeypatch.setattr(profiles, "gpu_name", lambda: None)
    profiles.prepare_colab()
    output = capsys.readouterr().out
    assert "Colab: installing ipywidgets" in output and "WARNING: no GPU" in output
    assert calls and calls[0][-1] == "ipywidgets"


def test_setup_does_no_colab_work_elsewhere(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(profiles.subprocess, "run", lambda *args, **kwargs: pytest.fail("ran a command"))
    profiles.prepare_colab()
    assert capsys.readouterr().out == ""


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
    assert sync.sync(path, check=True) is True and sync.sync(path) is True and sync.sync(path, check=True) is False
