"""`bash run.sh lab` and `python run.py lab`, the learners' one setup command (macOS and Linux; Windows),
really open JupyterLab on notebooks/ (also as root), with any Python 3.11-3.13 they find."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").exists(), reason="needs run.sh's .venv")


def free_port():
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serves_the_notebooks(command, env=None):
    """Start a lab command; assert JupyterLab lists notebooks/ within a minute; stop it."""
    port, token = free_port(), "lab-test"
    lab = subprocess.Popen(command + ["lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                                      f"--IdentityProvider.token={token}"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env)
    try:
        listing = None
        for _ in range(120):  # JupyterLab starts in a few seconds; give a slow machine a minute
            if lab.poll() is not None:
                pytest.fail(f"{' '.join(command)} lab stopped:\n" + lab.stdout.read()[-2000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=2) as reply:
                    listing = json.load(reply)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within a minute"
        names = {item["name"] for item in listing["content"]}
        assert {"01-pretrained-inference.ipynb", "06-mobilenetv2.ipynb", "workshop"} <= names
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)


def test_run_sh_lab_serves_the_notebooks(tmp_path):
    # A python3.13 that exists but fails to run (a pyenv shim for a version that is not installed) is passed over.
    shim = tmp_path / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "PYTHON"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env['PATH']}"
    serves_the_notebooks(["bash", "run.sh"], env)


def test_run_py_lab_serves_the_notebooks():
    """The Windows command, `py run.py lab`, here with the Python that made .venv."""
    serves_the_notebooks([getattr(sys, "_base_executable", sys.executable), "run.py"])


def test_run_sh_names_the_pythons_it_accepts():
    done = subprocess.run(["bash", "run.sh", "lab"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHON="/nonexistent/python3.12"))
    assert done.returncode == 1
    assert "Python 3.11, 3.12 or 3.13" in done.stderr and "PYTHON=/path/to/python3.13 bash run.sh lab" in done.stderr


def test_setup_installs_with_pip_when_uv_cannot(tmp_path, monkeypatch, capsys):
    """run.py installs with uv (seconds) and falls back to pip, which reads the machine's pip settings."""
    sys.path.insert(0, str(ROOT))
    import run
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install\n")
    calls = []
    real_run = subprocess.run

    def recording_run(command, *args, **kwargs):
        calls.append(command)
        return real_run(command, *args, **kwargs)
    monkeypatch.setattr(run.subprocess, "run", recording_run)
    monkeypatch.setattr(run, "uv_for", lambda python, requirements: ["false"])  # a uv that fails
    assert run.install(Path(sys.executable), requirements)
    assert calls[0][:3] == ["false", "pip", "install"] and calls[1][1:4] == ["-m", "pip", "install"]
    assert "--compile-bytecode" in calls[0]  # else, under PYTHONDONTWRITEBYTECODE=1, TensorFlow imports twice as slowly
    assert "trying pip instead" in capsys.readouterr().err
    monkeypatch.setattr(run, "uv_for", lambda python, requirements: None)  # no uv at all: pip only
    calls.clear()
    assert run.install(Path(sys.executable), requirements) and len(calls) == 1 and calls[0][1:4] == ["-m", "pip", "install"]


def test_lesson_refuses_another_backend():
    """The stored outputs and the pages come from TensorFlow: `lesson` on JAX stops before writing anything."""
    done = subprocess.run(["bash", "run.sh", "lesson"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KERAS_BACKEND": "jax"})
    assert done.returncode == 2 and "KERAS_BACKEND=jax bash run.sh test notebooks" in done.stderr, done.stderr
