"""requirements.txt and environment.yml pin the same packages at the same versions."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def pins(lines, separator):
    """{name: version} for lines like name==1.2 (pip) or name=1.2 (conda)."""
    found = {}
    for line in lines:
        match = re.fullmatch(rf"\s*([A-Za-z0-9_.\-\[\]]+){separator}([\w.]+)\s*", line)
        if match:
            found[match[1].lower()] = match[2]
    return found


def test_requirements_and_environment_agree():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines(), "==")
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = pins([d for d in spec["dependencies"] if isinstance(d, str)], "=")
    pip = pins(next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict)), "==")
    assert conda.pop("python") == "3.11"
    assert not set(conda) & set(pip)
    assert {**conda, **pip} == requirements


def test_cpu_tensorflow_is_pinned():
    requirements = (ROOT / "requirements.txt").read_text()
    assert "tensorflow-cpu==2.21.0" in requirements and "keras==3.15.1" in requirements
