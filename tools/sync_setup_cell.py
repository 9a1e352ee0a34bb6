"""Write the "Open in Colab" badge and the Colab bootstrap cell into every notebook (and the README's badges).

Usage: python tools/sync_setup_cell.py [notebooks/NN-name.ipynb ...] [--check]
Both come from ONE setting, the repository's address on GitHub: `repository: owner/name` in
_config.yml (the lesson website reads it too). Set it there when the lesson is published or forked,
then run this tool and execute the notebooks again (bash run.sh lesson).
The badge becomes a notebook's first cell, the bootstrap cell its first code cell (after the title);
running the tool again replaces them in place (found by their metadata "workshop" mark).
--check only reports what is out of date (exit 1), changing nothing.
"""
import argparse
import re
import sys
from pathlib import Path

import nbformat

from workshop import NOTEBOOKS, ROOT

FALLBACK_REPOSITORY = "carpentries-incubator/pretrained-transfer-learning"  # an assumption until published
BRANCH = "main"
BADGE_MARK, SETUP_MARK = "colab-badge", "colab-setup"
COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/notebooks/")
BOOTSTRAP = '''\
import os, sys  # on Colab: fetch the lesson's files once (elsewhere this cell does nothing)
if "google.colab" in sys.modules and not os.path.exists("workshop/__init__.py"):
    !test -d {name} || git clone --quiet --depth 1 https://github.com/{repository} {name}
    %cd {name}/notebooks'''


def repository(config=ROOT / "_config.yml"):
    """owner/name from `repository:` in _config.yml (the one setting), else the fallback."""
    text = config.read_text() if config.exists() else ""
    found = re.search(r"""^repository:\s*["']?([\w.-]+/[\w.-]+)""", text, re.MULTILINE)
    return found[1] if found else FALLBACK_REPOSITORY


def colab_link(name):
    """The address that opens a notebook of this repository on Colab."""
    return f"https://colab.research.google.com/github/{repository()}/blob/{BRANCH}/notebooks/{name}"


def badge_cell(name):
    """The markdown cell with the "Open in Colab" badge of a notebook."""
    source = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_link(name)})"
    return nbformat.v4.new_markdown_cell(source, metadata={"workshop": BADGE_MARK})


def setup_cell():
    """The Colab bootstrap code cell (prints nothing outside Colab; nbval ignores its output)."""
    source = BOOTSTRAP.format(repository=repository(), name=repository().split("/")[1])
    return nbformat.v4.new_code_cell(source, metadata={"workshop": SETUP_MARK, "tags": ["nbval-ignore-output"]})


def synced(notebook, name):
    """The notebook's cells with the current badge first and the bootstrap cell after the title."""
    cells = [c for c in notebook.cells if c.metadata.get("workshop") not in (BADGE_MARK, SETUP_MARK)]
    old = {c.metadata.get("workshop"): c for c in notebook.cells if c.metadata.get("workshop")}
    new = {BADGE_MARK: badge_cell(name), SETUP_MARK: setup_cell()}
    for mark, cell in new.items():
        if mark in old and old[mark].source == cell.source:
            new[mark] = old[mark]  # unchanged: keep its id and stored output
    after_title = 1 if cells and cells[0].cell_type == "markdown" else 0
    return [new[BADGE_MARK], *cells[:after_title], new[SETUP_MARK], *cells[after_title:]]


def readme_synced(text):
    """The README with every Colab link pointing at this repository."""
    return COLAB_LINK.sub(colab_link(""), text)


def sync(path, check=False):
    """Insert or update the two cells in one notebook file; return True if it was (or, checking, is) stale."""
    notebook = nbformat.read(path, as_version=4)
    cells = synced(notebook, path.name)
    if [c.source for c in cells] == [c.source for c in notebook.cells]:
        return False
    if not check:
        notebook.cells = cells
        nbformat.write(notebook, path)
    return True


def main(argv=None):
    """Sync (or --check) the given notebooks, default all of them and the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="report out-of-date files only")
    args = parser.parse_args(argv)
    stale = [path.name for path in args.notebooks or NOTEBOOKS if sync(path, args.check)]
    readme = ROOT / "README.md"
    if not args.notebooks and readme_synced(readme.read_text()) != readme.read_text():
        stale.append(readme.name)
        if not args.check:
            readme.write_text(readme_synced(readme.read_text()))
    if args.check and stale:
        sys.exit("Out of date (run python tools/sync_setup_cell.py): " + ", ".join(stale))
    for name in stale:
        print(f"  updated {name}" + (": execute it again (bash run.sh lesson)" if name.endswith(".ipynb") else ""))


if __name__ == "__main__":
    main()
