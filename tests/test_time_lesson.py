"""The timing command (`bash run.sh timing`, tools/time_lesson.py) on a small notebook: what it prints."""
import os
import subprocess
import sys

import pytest

import workshop


@pytest.mark.slow
def test_the_timing_command_times_each_notebook_and_its_slowest_cells(notebook_file):
    """One line per notebook with its seconds and slowest cells, then the total."""
    path = notebook_file("07-timed.ipynb", "import time\nimport workshop\nsettings = workshop.setup()\n"
                         "print(settings.profile, settings.epochs(full=20, offline=10))",
                         "time.sleep(1.5)")
    env = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}  # run.py's default backend
    done = subprocess.run([sys.executable, "tools/time_lesson.py", str(path), "--cells", "2"], cwd=workshop.ROOT,
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout
    assert "in the 'timing' profile on" in output and " cores" in output and "Keras backend: tensorflow;" in output
    line = next(line for line in output.splitlines() if "07-timed.ipynb" in line)
    assert "slowest cells: " in line and "2 s `time.sleep(1.5)`" in line  # the setup cell (Keras import) may be slower
    assert "total" in output.splitlines()[-1]


@pytest.mark.slow
def test_a_recipe_change_is_timed_against_its_baseline_side_by_side(tmp_path):
    """--baseline REV runs the notebook as it was at REV and as it is now: both times and their ratio."""
    import nbformat
    from tools import time_lesson
    path = tmp_path / "notebooks" / "07-timed.ipynb"
    path.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time; time.sleep(0.2)")]), path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "baseline"]):
        subprocess.run(git + command, check=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time; time.sleep(2.5)")]), path)
    before, now = time_lesson.compare_with_baseline("HEAD", [path], root=tmp_path)["07-timed.ipynb"]
    assert now - before > 1.5  # the slower recipe is measured as slower, in the same run
