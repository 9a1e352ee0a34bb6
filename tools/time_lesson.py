"""Time the full profile's work on this machine, without its weights.

Usage: python tools/time_lesson.py [notebooks/NN-name.ipynb ...] [--profile timing|offline] [--cells N] [--record]
       python tools/time_lesson.py --backends tensorflow,jax [--profile offline] [notebooks ...]
       python tools/time_lesson.py --baseline REV [--profile offline] [notebooks ...]
The `timing` profile runs the full profile's exact work (VGG16, InceptionV3 and MobileNetV2 at the
lesson's image sizes, epochs, photos and augmented copies) with random weights (weights=None):
speed does not depend on the weights, so no download is needed. It prints each notebook's time
(kernel start and imports included) and its slowest cells; the notebooks are not changed.
Photos come from data/ or WORKSHOP_MIRROR, as in the notebooks. With --record (all notebooks only),
the seconds go into docs/runtimes.json, from which the episodes' front matter and the instructor
notes' schedule take their run times. With --backends, the same notebooks run once per Keras backend, one
after the other, each in its own environment (.venv, .venv-jax, .venv-torch: made first if missing), and a
table gives each backend's seconds and its ratio to the first backend's. With --baseline REV (a git revision),
each notebook runs as it was at REV (its whole tree, helper included) and as it is now, one after the other on
the same machine, and a table gives both times and their ratio: the measure of a change to a recipe.
"""
import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

import run
import workshop
from tools.build_episodes import RUNTIMES  # where the episodes read them


def cpu():
    """The CPU's name, its core count and whether it has AVX-512 (these machines differ in speed)."""
    name, flags = platform.processor() or platform.machine(), ""
    if Path("/proc/cpuinfo").exists():
        info = Path("/proc/cpuinfo").read_text()
        name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), name)
        flags = " with AVX-512" if " avx512f" in info else " without AVX-512"
    return f"{name}, {os.cpu_count()} cores{flags}"


def cell_seconds(cell):
    """How long a code cell ran, from the timestamps nbclient records."""
    stamps = cell.metadata.get("execution", {})
    start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()


def main(argv=None):
    """Execute the notebooks in a profile, one after another; print the seconds of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--profile", default="timing", choices=["timing", "offline", "full"],
                        help="timing (default): the full profile's work with random weights; full: with its weights")
    parser.add_argument("--cells", type=int, default=3, help="how many of each notebook's slowest cells to list")
    parser.add_argument("--record", action="store_true", help="write the seconds into docs/runtimes.json")
    parser.add_argument("--backends", help="compare Keras backends, e.g. tensorflow,jax (the first is the baseline)")
    parser.add_argument("--baseline", metavar="REV", help="also time the notebooks as they were at git revision REV")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # how --backends gets each run's seconds
    args = parser.parse_args(argv)
    if args.backends:
        return compare_backends(args.backends.split(","), args)
    if args.record and args.notebooks:
        parser.error("--record times the whole lesson: give no notebooks")
    os.environ["WORKSHOP_PROFILE"] = args.profile
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = [p.resolve() for p in args.notebooks] or workshop.NOTEBOOKS
    if args.baseline:
        return compare_with_baseline(args.baseline, paths)
    print(f"Timing {len(paths)} notebook(s) in the {args.profile!r} profile on {cpu()}")
    print(f"Keras backend: {run.backend()}; Python {platform.python_version()}")
    total, seconds_of = 0.0, {}
    for path in paths:
        seconds, notebook = timed(path)
        total += seconds
        seconds_of[path.stem] = round(seconds)
        slowest = sorted(((cell_seconds(c), c.source.strip().splitlines()[0][:60]) for c in notebook.cells
                          if c.cell_type == "code" and c.source.strip()), reverse=True)[:args.cells]
        print(f"  {path.name:32s} {seconds:6.0f} s   slowest cells: "
              + "; ".join(f"{s:.0f} s `{first}`" for s, first in slowest))
    print(f"  {'total':32s} {total:6.0f} s ({total / 60:.1f} min)")
    if args.json:
        args.json.write_text(json.dumps(seconds_of))
    if args.record:
        kind = "gpu" if workshop.profiles.gpu_name() else "cpu"  # the schedule's columns: full/offline x CPU/GPU
        record(f"{'offline' if args.profile == 'offline' else 'full'}_{kind}", seconds_of)


def compare_backends(backends, args):
    """Time the notebooks once per backend, each in its own environment; print seconds and ratios."""
    import subprocess
    import tempfile
    seconds = {}
    for backend in backends:
        env = {**os.environ, "KERAS_BACKEND": backend}
        subprocess.run([sys.executable, run.__file__, "setup"], env=env, check=True)
        python = run.venv_python(backend)
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "seconds.json"
            subprocess.run([str(python), __file__, "--profile", args.profile, "--cells", str(args.cells),
                            "--json", str(out), *map(str, args.notebooks)], env=env, check=True)
            seconds[backend] = json.loads(out.read_text())
        seconds[backend]["total"] = sum(seconds[backend].values())
    first, others = backends[0], backends[1:]
    print(f"\nSeconds per notebook ({args.profile!r} profile, {cpu()}), and the ratio to {first}:")
    print(f"  {'notebook':32s}" + "".join(f"{b:>12s}" for b in backends)
          + "".join(f"{b + '/' + first:>20s}" for b in others))
    for name in seconds[first]:
        print(f"  {name:32s}" + "".join(f"{seconds[b][name]:12d}" for b in backends)
              + "".join(f"{seconds[b][name] / max(seconds[first][name], 1):20.1f}" for b in others))


def compare_with_baseline(rev, paths, root=workshop.ROOT):
    """Run each notebook as it was at git revision `rev` (its tree unpacked apart, so its own helper runs) and as
    it is now, alternately; print both times and now/before. Return {notebook: (before, now)} in seconds."""
    import subprocess
    import tempfile
    print(f"Timing {len(paths)} notebook(s) at {rev} and now, in the {workshop.files.profile()!r} "
          f"profile on {cpu()}")
    seconds = {}
    with tempfile.TemporaryDirectory() as scratch:
        tree = subprocess.run(["git", "archive", rev], cwd=root, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", scratch], input=tree, check=True)
        print(f"  {'notebook':32s}{'at ' + rev:>14s}{'now':>9s}{'now/before':>12s}")
        for path in paths:
            before = Path(scratch) / path.relative_to(root)
            seconds[path.name] = [timed(before)[0] if before.exists() else float("nan"), timed(path)[0]]
            old, new = seconds[path.name]
            print(f"  {path.name:32s}{old:12.0f} s{new:7.0f} s{new / old:12.2f}")
        old, new = (sum(times) for times in zip(*seconds.values()))
        print(f"  {'total':32s}{old:12.0f} s{new:7.0f} s{new / old:12.2f}")
    return seconds


def timed(path):
    """(seconds, the executed notebook): a notebook run in its own folder, kernel start included."""
    start = time.perf_counter()
    notebook = workshop.execute_notebook(path, timeout=1800)
    return time.perf_counter() - start, notebook


def record(key, seconds_of):
    """Keep one profile's measured seconds per notebook, with the machine and versions, in docs/runtimes.json."""
    from importlib import metadata
    runtimes = json.loads(RUNTIMES.read_text()) if RUNTIMES.exists() else {}
    keras = metadata.version("keras")
    runtimes[key] = {"machine": cpu(), "date": datetime.now().date().isoformat(),
                     "software": f"Python {platform.python_version()}, Keras {keras}, backend {run.backend()}",
                     "seconds": seconds_of}
    RUNTIMES.write_text(json.dumps(runtimes, indent=2) + "\n")
    print(f"Recorded in {RUNTIMES.relative_to(workshop.ROOT)} as {key!r}")


if __name__ == "__main__":
    main()
