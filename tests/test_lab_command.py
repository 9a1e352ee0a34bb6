"""`bash run.sh lab`, the learners' one setup command, really opens JupyterLab on notebooks/ (also as root)."""
import json
import os
import signal
import socket
import subprocess
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


def test_run_sh_lab_serves_the_notebooks():
    port, token = free_port(), "lab-test"
    lab = subprocess.Popen(["bash", "run.sh", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                            f"--IdentityProvider.token={token}"], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        listing = None
        for _ in range(120):  # JupyterLab starts in a few seconds; give a slow machine a minute
            if lab.poll() is not None:
                pytest.fail("run.sh lab stopped:\n" + lab.stdout.read()[-2000:])
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
