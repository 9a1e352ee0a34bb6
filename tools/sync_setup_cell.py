"""Put the current "Open in Colab" badge and Colab setup cell into every notebook.

Usage: python tools/sync_setup_cell.py [notebooks/NN-name.ipynb ...] [--check]
The two cells are kept here, in ONE place. The badge becomes the notebook's first cell;
the setup cell its first code cell (right after the title cell). Running the tool
again replaces them in place (they are found by their metadata "workshop" mark).
A notebook that changed must be executed again (bash run.sh lesson).
--check only reports notebooks that are out of date (exit 1), changing nothing.
"""
import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# The project's public home. Change it here (and in README.md) when you fork the lesson,
# then run this tool so every notebook's badge and Colab cell point at your copy.
REPO_URL = "https://github.com/carpentries-incubator/pretrained-transfer-learning"
BRANCH = "main"
BADGE_MARK, SETUP_MARK = "colab-badge", "colab-setup"

BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "({colab}/github/{repo}/blob/{branch}/notebooks/{name})")

SETUP_CELL = '''\
# Colab setup (the same cell in every notebook; in Jupyter on your own computer it does nothing).
# On Google Colab it fetches the workshop's files, installs what is missing and checks for a GPU.
import importlib.util
import os
import shutil
import subprocess
import sys

REPO_URL = "{repo_url}"  # the project's public home (change it in a fork)
ON_COLAB = "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ

if not ON_COLAB:
    print("Not on Colab: no setup needed.")
else:
    if not os.path.exists("workshop.py"):  # a lone notebook: fetch the helper module and the registry
        if not os.path.isdir("/content/workshop"):
            subprocess.run(["git", "clone", "--quiet", "--depth", "1", REPO_URL, "/content/workshop"], check=True)
        %cd /content/workshop/notebooks
    needed = {{"tensorflow": "tensorflow", "keras": "keras", "PIL": "pillow", "scipy": "scipy",
              "matplotlib": "matplotlib", "h5py": "h5py", "ipywidgets": "ipywidgets"}}
    missing = [package for module, package in needed.items() if importlib.util.find_spec(module) is None]
    if missing:
        print("Installing", ", ".join(missing))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    has_gpu = shutil.which("nvidia-smi") is not None and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0
    if has_gpu:
        print("Colab is ready, with a GPU.")
    else:
        print("WARNING: no GPU. The full profile will be very slow. Choose Runtime > Change runtime type"
              " > T4 GPU, then run this cell again.")
'''


def badge_cell(name):
    """The markdown cell with the "Open in Colab" badge of a notebook."""
    repo = REPO_URL.removeprefix("https://github.com/")
    source = BADGE.format(colab="https://colab.research.google.com", repo=repo, branch=BRANCH, name=name)
    return nbformat.v4.new_markdown_cell(source, metadata={"workshop": BADGE_MARK})


def setup_cell():
    """The Colab setup code cell (its output is not compared by nbval)."""
    return nbformat.v4.new_code_cell(SETUP_CELL.format(repo_url=REPO_URL).rstrip("\n"),
                                     metadata={"workshop": SETUP_MARK, "tags": ["nbval-ignore-output"]})


def synced(notebook, name):
    """The notebook's cells with the current badge first and the setup cell as first code cell."""
    cells = [c for c in notebook.cells if c.metadata.get("workshop") not in (BADGE_MARK, SETUP_MARK)]
    old = {c.metadata.get("workshop"): c for c in notebook.cells if c.metadata.get("workshop")}
    setup = setup_cell()
    if SETUP_MARK in old and old[SETUP_MARK].source == setup.source:
        setup = old[SETUP_MARK]  # unchanged: keep its id and stored output
    badge = badge_cell(name)
    if BADGE_MARK in old and old[BADGE_MARK].source == badge.source:
        badge = old[BADGE_MARK]
    after_title = 1 if cells and cells[0].cell_type == "markdown" else 0
    return [badge, *cells[:after_title], setup, *cells[after_title:]]


def is_current(path):
    """True if a notebook already has the current badge and setup cell in place."""
    notebook = nbformat.read(path, as_version=4)
    return [c.source for c in synced(notebook, path.name)] == [c.source for c in notebook.cells]


def sync(path):
    """Insert or update the two cells in one notebook file; return True if it changed."""
    notebook = nbformat.read(path, as_version=4)
    cells = synced(notebook, path.name)
    if [c.source for c in cells] == [c.source for c in notebook.cells]:
        return False
    notebook.cells = cells
    nbformat.write(notebook, path)
    return True


def main(argv=None):
    """Sync (or --check) the given notebooks, default all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="report out-of-date notebooks only")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks or NOTEBOOKS:
        if args.check:
            stale += [] if is_current(path) else [path]
        elif sync(path):
            print(f"  updated {path.name}: execute it again (bash run.sh lesson)")
    if stale:
        sys.exit("Out of date (run python tools/sync_setup_cell.py): " + ", ".join(p.name for p in stale))


if __name__ == "__main__":
    main()
