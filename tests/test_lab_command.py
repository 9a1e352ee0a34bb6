"""The launcher: `bash run.sh lab` and `py run.py lab`, the learners' one setup command (macOS and Linux; Windows),
really open JupyterLab on notebooks/ (also as root), with any Python 3.11-3.13 they find; the environment is
installed with uv or pip, again only when its requirements change; `test fast` picks the changed notebooks."""
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

import run

ROOT = run.ROOT
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


@pytest.mark.slow
def test_run_sh_lab_serves_the_notebooks(tmp_path):
    # A python3.13 that exists but fails to run (a pyenv shim for a version that is not installed) is passed over.
    shim = tmp_path / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "PYTHON"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env['PATH']}"
    serves_the_notebooks(["bash", "run.sh"], env)


@pytest.mark.slow
def test_run_py_lab_serves_the_notebooks():
    """The Windows command, `py run.py lab`, here with the Python that made .venv."""
    serves_the_notebooks([getattr(sys, "_base_executable", sys.executable), "run.py"])


def test_run_sh_names_the_pythons_it_accepts():
    done = subprocess.run(["bash", "run.sh", "lab"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHON="/nonexistent/python3.12"))
    assert done.returncode == 1
    assert "Python 3.11, 3.12 or 3.13" in done.stderr and "PYTHON=/path/to/python3.13 bash run.sh lab" in done.stderr


def test_setup_installs_with_pip_when_uv_cannot(monkeypatch, capsys):
    """run.py installs with uv (seconds) and falls back to pip, which reads the machine's pip settings."""
    calls = []
    monkeypatch.setattr(run.subprocess, "run", lambda command, **kwargs: calls.append(command) or
                        subprocess.CompletedProcess(command, int(command[0] == "false")))
    monkeypatch.setattr(run, "uv_for", lambda python: ["false"])  # a uv that fails
    assert run.install(Path(sys.executable), [ROOT / "requirements.txt"])
    assert calls[0][:3] == ["false", "pip", "install"] and calls[1][1:4] == ["-m", "pip", "install"]
    assert "--compile-bytecode" in calls[0]  # else, under PYTHONDONTWRITEBYTECODE=1, TensorFlow imports twice as slowly
    assert calls[0][-2:] == calls[1][-2:] == ["-e", str(ROOT)]  # the project itself, editable: `import workshop`
    assert "trying pip instead" in capsys.readouterr().err
    monkeypatch.setattr(run, "uv_for", lambda python: None)  # no uv at all: pip only
    calls.clear()
    assert run.install(Path(sys.executable), [ROOT / "requirements.txt"]) and len(calls) == 1 and calls[0][1:4] == ["-m", "pip", "install"]


def test_setup_installs_again_only_what_changed(tmp_path, monkeypatch):
    for name in ("requirements.txt", "requirements-dev.txt", "pyproject.toml"):
        (tmp_path / name).write_text(f"# {name}\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "DEV", tmp_path / "requirements-dev.txt")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.delenv("REQUIREMENTS", raising=False)
    installed = []
    monkeypatch.setattr(run, "install", lambda python, files: installed.append([f.name for f in files]) or True)
    run.setup(), run.setup(), run.setup(dev=True), run.setup(dev=True), run.setup()  # lab needs no test tools
    (tmp_path / "pyproject.toml").write_text("# changed\n")
    run.setup()
    assert installed == [["requirements.txt"], ["requirements.txt", "requirements-dev.txt"], ["requirements.txt"]]


def test_fast_tier_runs_the_quick_tests_and_the_changed_notebooks(tmp_path, monkeypatch, capsys):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q", str(tmp_path)], check=True)
    (tmp_path / "notebooks").mkdir()
    for name in ("01-same", "02-edited", "03-deleted"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
    subprocess.run(git + ["add", "."], cwd=tmp_path, check=True)
    subprocess.run(git + ["commit", "-qm", "notebooks"], cwd=tmp_path, check=True)
    (tmp_path / "notebooks" / "02-edited.ipynb").write_text("{ }")
    (tmp_path / "notebooks" / "03-deleted.ipynb").unlink()
    (tmp_path / "notebooks" / "04-new.ipynb").write_text("{}")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    assert run.changed_notebooks() == ["notebooks/02-edited.ipynb", "notebooks/04-new.ipynb"]
    calls = []
    monkeypatch.setattr(run, "setup", lambda dev: Path(sys.executable))
    monkeypatch.setattr(run.subprocess, "call", lambda command, **kwargs: calls.append(command) or 5)
    with pytest.raises(SystemExit) as stop:
        run.test(["fast", "-x"])
    assert calls == [[sys.executable, "-m", "pytest", "-m", "not slow", "tests", "notebooks/02-edited.ipynb",
                      "notebooks/04-new.ipynb", "-x"]]
    assert stop.value.code == 5 and "collected no tests -- that is a broken test setup" in capsys.readouterr().err


def test_lesson_refuses_another_backend():
    """The stored outputs and the pages come from TensorFlow: `lesson` on JAX stops before writing anything."""
    done = subprocess.run(["bash", "run.sh", "lesson"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "KERAS_BACKEND": "jax"})
    assert done.returncode == 2 and "KERAS_BACKEND=jax bash run.sh test notebooks" in done.stderr, done.stderr
