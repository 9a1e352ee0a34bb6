"""The benchmark tools run end to end in their quick modes (not timing or accuracy tests).

Both run in the structural profile: the tiny copies of the photos (2 per class folder) and VGG16 with
random weights, so that every line of every recipe runs, fast.
"""
import os
import subprocess
import sys

import pytest

import workshop

pytestmark = pytest.mark.skipif(
    not os.environ.get("WORKSHOP_MIRROR") and not (workshop.DATA / "presidential_doggy_door").is_dir(),
    reason="needs the photos or WORKSHOP_MIRROR")


def run_tool(*args):
    """Run a tool of tools/ in the structural profile; return its stdout (it must succeed)."""
    result = subprocess.run([sys.executable, *args], cwd=workshop.ROOT, capture_output=True, text=True,
                            timeout=600, env=dict(os.environ, WORKSHOP_PROFILE="structural"))
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_benchmark_quick_mode_prints_the_ratio():
    output = run_tool("tools/benchmark_bo.py", "--quick")
    assert "Ratio (seed / notebooks):" in output
    for phase in ("seed: frozen base", "seed: fine-tuning", "notebooks: frozen base", "notebooks: fine-tuning"):
        assert phase in output


def test_compare_recipes_quick_mode_measures_every_recipe():
    output = run_tool("tools/compare_recipes.py", "--profile", "structural", "--quick")
    assert "Structural profile: random weights and a few photos" in output
    means = output.split("Means over the seeds")[1]
    for recipe in ("cached (1 augmented copy)", "end-to-end (fresh augmentation)", "photos only (no augmentation)"):
        assert recipe in means


def test_the_timing_command_times_each_notebook_and_its_slowest_cells():
    """tools/time_lesson.py on a small notebook: one line per notebook with its seconds, then the total."""
    import nbformat
    setup = ("import sys, time\nsys.path.insert(0, %r)\nimport workshop\nsettings = workshop.setup()\n"
             "print(settings.profile, settings.weights, settings.epochs(full=20, offline=10))"
             % str(workshop.ROOT / "notebooks"))
    path = workshop.OUTPUT / "tests" / "07-timed.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup),
                                                   nbformat.v4.new_code_cell("time.sleep(1.5)")]), path)
    try:
        output = run_tool("tools/time_lesson.py", str(path), "--cells", "2")  # the setup cell (Keras import) may be slower
    finally:
        path.unlink()
    assert "in the 'timing' profile on" in output and " cores" in output
    line = next(line for line in output.splitlines() if "07-timed.ipynb" in line)
    assert "slowest cells: " in line and "2 s `time.sleep(1.5)`" in line
    assert "total" in output.splitlines()[-1]
