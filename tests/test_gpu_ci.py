"""The GPU workflow runs what docs/gpu-ci.md (and so the README) says, and its package switch works."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "gpu-full-profile.yml"


def run_lines():
    """Every command line of the workflow's steps."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["full-profile"]["steps"]
    return [line.strip() for step in steps for line in step.get("run", "").splitlines() if line.strip()]


def documented_commands():
    """The commands of docs/gpu-ci.md's first bash block."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "docs" / "gpu-ci.md").read_text(), re.DOTALL)[1]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_the_workflow_runs_the_documented_commands():
    lines = run_lines()
    for command in documented_commands():
        assert command in lines, f"docs/gpu-ci.md says `{command}`, the workflow does not run it"


def test_the_full_profile_test_command_is_the_readmes():
    readme = (ROOT / "README.md").read_text()
    assert "bash run.sh test" in readme
    assert any(line.endswith("bash run.sh test") and "WORKSHOP_PROFILE=full" in line for line in run_lines())


@pytest.mark.skipif(shutil.which("sed") is None, reason="needs sed")
def test_the_gpu_package_switch_replaces_every_cpu_tensorflow_line(tmp_path):
    """The workflow's sed line turns requirements.txt into the GPU variant: tensorflow[and-cuda], same version."""
    sed = next(line for line in run_lines() if line.startswith("sed "))
    command = sed.split(" > ")[0]
    done = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, check=True)
    gpu = "\n".join(line for line in done.stdout.splitlines() if not line.lstrip().startswith("#"))
    assert "tensorflow-cpu" not in gpu, "a tensorflow-cpu line survived the switch"
    versions = set(re.findall(r"tensorflow(?:\[and-cuda\])?==([\d.]+)", gpu))
    assert "tensorflow[and-cuda]==" in gpu and len(versions) == 1
