"""Test-wide settings: notebooks run in the offline profile unless WORKSHOP_PROFILE says otherwise."""
import os
import re
import subprocess
import sys

from pathlib import Path

import pytest

from workshop.files import OUTPUT, ROOT  # `import workshop`, `tools` and `run`: the editable install (run.py setup)

os.environ.setdefault("WORKSHOP_PROFILE", "offline")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keras reads KERAS_HOME once, at import: tests that build models use the project's cache.
os.environ.setdefault("KERAS_HOME", str(ROOT / ".keras"))


def pytest_collection_modifyitems(config, items):
    """In the runs with random weights and tiny photo folders (structural, timing), do not compare the
    cells tagged `real-run`: their claims hold for real ImageNet weights and the full photo folders only."""
    if os.environ["WORKSHOP_PROFILE"] not in ("structural", "timing"):
        return
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is not None and "real-run" in cell.get("metadata", {}).get("tags", []):
            item.options["check"] = False  # nbval's options: a defaultdict, changed in place


def worker_group(nodeid):
    """`bash run.sh test` runs two pytest-xdist workers; each group of tests runs in order on one of them. A test
    file is a group (nbval needs a notebook's cells in one kernel). The notebooks are one group (notebook 4 reads
    what notebook 3 saved in output/), and the tests that use .venv-jax another (it is built once)."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return "notebooks"
    return "jax" if path.endswith("test_jax_backend.py") or "every_backend" in nodeid else path


@pytest.hookimpl(optionalhook=True)  # called by pytest-xdist only
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return worker_group(nodeid)
    return ByGroup(config, log)


@pytest.fixture(scope="session")
def shared():
    """The read-only mirror of weights and photos beside the checkout (../shared, or WORKSHOP_TEST_MIRROR); a test
    that asks for it is skipped without it."""
    mirror = Path(os.environ.get("WORKSHOP_TEST_MIRROR") or ROOT.parent / "shared")
    if not (mirror / "keras" / "models").is_dir():
        pytest.skip(f"needs the mirror {mirror} (../shared beside the checkout, or WORKSHOP_TEST_MIRROR)")
    return mirror


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """The helper's project folders (data/, output/, .keras/) in tmp_path, no mirror, the network off."""
    from workshop import files, profiles
    for name, path in [("ROOT", tmp_path), ("DATA", tmp_path / "data"), ("OUTPUT", tmp_path / "output"),
                       ("KERAS_HOME", tmp_path / ".keras")]:
        monkeypatch.setattr(files, name, path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))  # setup() checks Keras uses this cache
    monkeypatch.setattr(files, "online", lambda *args, **kwargs: False)
    monkeypatch.setenv("WORKSHOP_PROFILE", os.environ["WORKSHOP_PROFILE"])  # setup() sets it: undone after
    monkeypatch.delenv("WORKSHOP_MIRROR", raising=False)
    yield tmp_path
    profiles.restore_keras_applications()  # what setup() replaced in keras.applications


@pytest.fixture
def nbval():
    """nbval(notebook, profile, python=..., backend=..., expect=0): run a notebook under nbval in a new pytest process,
    in a profile and an environment (its Python, its Keras backend; `env` instead of this process's variables, `cwd`
    and pytest `args` for a project laid out elsewhere); check the exit code (and with 0, that cells passed and none
    failed); return the report."""
    def run(path, profile, python=sys.executable, backend=None, expect=0, timeout=900, env=None, cwd=ROOT, args=()):
        env = {**(os.environ if env is None else env), "WORKSHOP_PROFILE": profile,
               **({"KERAS_BACKEND": backend} if backend else {})}
        done = subprocess.run([str(python), "-m", "pytest", str(path), "-q", "-rA", "--no-header", *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=timeout)
        report = done.stdout + done.stderr
        assert done.returncode == expect and "plugin exception" not in report, report[-4000:]
        assert expect or (re.search(r"\d+ passed", report) and " failed" not in report), report[-2000:]
        return report
    return run


@pytest.fixture
def notebook_file():
    """notebook_file(name, *cells): a throwaway notebook of code cells (sources, or nbformat cells) in output/tests/,
    inside the project so that its pytest settings and this file apply; deleted after the test."""
    import nbformat
    made = []

    def write(name, *cells):
        path = OUTPUT / "tests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cells = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
        made.append(path)
        return path
    yield write
    for path in made:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def jax_python():
    """The Python of .venv-jax: Keras on JAX without TensorFlow, made as a learner's `KERAS_BACKEND=jax bash run.sh
    lab` makes it (run.py, requirements-jax.txt; seconds with uv, which the test environment has)."""
    import run  # the one place that names each backend's environment
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "setup"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return run.venv_python("jax")
