"""Execute every notebook in order and write the outputs back (the workshop's main job).

Usage: python tools/run_notebooks.py [notebooks/NN-name.ipynb ...]
The profile comes from WORKSHOP_PROFILE (default: full); offline also needs WORKSHOP_MIRROR.
TensorFlow's C++ log lines are removed from the stored outputs (they differ on every machine).
Afterwards the episodes and figures of these notebooks are rebuilt (tools/build_episodes.py).
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError

import workshop
from tools.build_episodes import clean_stderr  # the one log-line filter

# The helper's own errors (a missing file, a bad photo): their message is the whole story, no traceback.
WORKSHOP_ERRORS = {error.__name__ for error in (workshop.WorkshopError, *workshop.WorkshopError.__subclasses__())}


def without_log_lines(notebook):
    """The notebook with TensorFlow's log lines removed from stderr outputs (and outputs left empty)."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]:
            output.text = clean_stderr(output.text)
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and not o.text)]
    return notebook


def execute(path, timeout=1800):
    """Run one notebook top to bottom in its own folder and save it with its outputs."""
    nbformat.write(without_log_lines(workshop.execute_notebook(path, timeout)), path)


def main(paths):
    """Execute the given notebooks (default: all, in order) and report the time each took."""
    print(f"Executing {len(paths)} notebook(s) in the {workshop.files.profile()!r} profile")
    for path in paths:
        start = time.perf_counter()
        try:
            execute(path)
        except CellExecutionError as error:
            if error.ename not in WORKSHOP_ERRORS:
                raise
            sys.exit(f"{path.name} stopped ({error.ename}, the notebook was not saved):\n{error.evalue}")
        print(f"  {path.name}: {time.perf_counter() - start:.0f} s")
    # The lesson website (_episodes/, fig/) is rebuilt from exactly what just ran.
    from tools import build_episodes
    build_episodes.main([str(path) for path in paths])


if __name__ == "__main__":
    main([Path(p).resolve() for p in sys.argv[1:]] or workshop.NOTEBOOKS)
