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
