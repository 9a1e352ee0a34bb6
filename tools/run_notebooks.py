"""Execute every notebook in order and write the outputs back (the workshop's main job).

Usage: python tools/run_notebooks.py [notebooks/NN-name.ipynb ...]
The profile comes from WORKSHOP_PROFILE (default: full); offline also needs WORKSHOP_MIRROR.
Afterwards the episodes and figures of these notebooks are rebuilt (tools/build_episodes.py).
"""
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks"))
import workshop  # noqa: E402  (notebooks/workshop.py: executes notebooks the same way everywhere)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def execute(path, timeout=1800):
    """Run one notebook top to bottom in its own folder and save it with its outputs."""
    nbformat.write(workshop.execute_notebook(path, timeout), path)


def main(paths):
    """Execute the given notebooks (default: all, in order) and report the time each took."""
    profile = os.environ.get("WORKSHOP_PROFILE", "full")
    print(f"Executing {len(paths)} notebook(s) in the {profile!r} profile")
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"  {path.relative_to(ROOT)}: {time.perf_counter() - start:.0f} s")
    # The lesson website (_episodes/, fig/) is rebuilt from exactly what just ran.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build_episodes  # tools/build_episodes.py, beside this file
    build_episodes.main([str(path) for path in paths])


if __name__ == "__main__":
    main([Path(p).resolve() for p in sys.argv[1:]] or NOTEBOOKS)
