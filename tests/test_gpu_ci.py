"""The GPU workflow runs what docs/gpu-ci.md (and so the README) says (its package switch: tests/test_platforms.py)."""
import re

import yaml

from workshop import ROOT
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
