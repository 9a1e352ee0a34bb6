"""Test-wide settings: notebooks run in the offline profile unless WORKSHOP_PROFILE says otherwise."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "notebooks"))  # `import workshop` in the tests
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


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """The helper's project folders (data/, output/, .keras/) in tmp_path, no mirror, the network off."""
    from workshop import files, profiles
    for name, path in [("ROOT", tmp_path), ("DATA", tmp_path / "data"), ("OUTPUT", tmp_path / "output"),
                       ("KERAS_HOME", tmp_path / ".keras")]:
        monkeypatch.setattr(files, name, path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))  # setup() checks Keras uses this cache
    monkeypatch.setattr(files, "online", lambda *args, **kwargs: False)
    monkeypatch.setitem(profiles._chosen, "profile", None)
    monkeypatch.delenv("WORKSHOP_MIRROR", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def jax_python():
    """The Python of .venv-jax: Keras on JAX without TensorFlow, made as a learner's `KERAS_BACKEND=jax bash run.sh
    lab` makes it (run.py, requirements-jax.txt; seconds with uv, which the test environment has)."""
    import subprocess
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "setup"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(ROOT))  # run.py: the one place that names each backend's environment
    import run
    return run.venv_python("jax")
