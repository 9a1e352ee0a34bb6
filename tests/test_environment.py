"""requirements.txt, environment.yml and the other requirements files install the same pins.

environment.yml takes its packages from requirements.txt itself (conda provides Python and pip only), so
conda and pip users get the same versions and the same per-machine TensorFlow (tests/test_platforms.py).
"""
import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from test_platforms import PYTHONS, requirement_lines  # the one parser of requirement files

ROOT = Path(__file__).resolve().parent.parent


def requirements(name):
    """{package: Requirement} of a requirements file (a package may appear once per marker)."""
    found = {}
    for line in requirement_lines(ROOT / name):
        requirement = Requirement(line)
        found[f"{requirement.name.lower()}; {requirement.marker}" if requirement.marker else requirement.name.lower()] = requirement
    return found


def test_environment_installs_requirements_txt():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
    assert pip == [["-r requirements.txt"]], "environment.yml must install requirements.txt, nothing else, with pip"
    assert sorted(conda) == ["pip", "python=3.12"]


def test_environment_python_is_supported_everywhere():
    """The Python environment.yml pins is one that every supported machine has wheels for (test_platforms)."""
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in spec["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python.split("=")[1] in PYTHONS


def test_tensorflow_per_machine_and_keras_are_pinned():
    pins = requirements("requirements.txt")
    assert [str(r) for key, r in pins.items() if key.startswith("tensorflow")] == [
        'tensorflow-cpu==2.21.0; sys_platform == "win32" or (sys_platform == "linux" and platform_machine == "x86_64")',
        'tensorflow==2.21.0; sys_platform == "darwin" or (sys_platform == "linux" and platform_machine == "aarch64")']
    assert str(pins["keras"].specifier) == "==3.15.1"


def test_the_gpu_switch_still_works():
    """.github/workflows/gpu-full-profile.yml makes the GPU list with one sed: it must still change one line."""
    workflow = (ROOT / ".github" / "workflows" / "gpu-full-profile.yml").read_text()
    pattern, replacement = re.search(r"sed 's/(.+?)/(.+?)/' requirements.txt", workflow).groups()
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    gpu = [re.sub(pattern, replacement, line) for line in lines]
    changed = [line for before, line in zip(lines, gpu) if line != before]
    assert len(changed) == 1 and changed[0].startswith("tensorflow[and-cuda]==2.21.0 ;"), changed
    gpu_requirement = Requirement(changed[0])
    assert gpu_requirement.marker.evaluate({"sys_platform": "linux", "platform_machine": "x86_64"})


def test_other_requirements_files_use_the_same_pins():
    """requirements-*.txt (other Keras backends) pin every package they share with requirements.txt alike."""
    main = {key: str(r.specifier) for key, r in requirements("requirements.txt").items()}
    for path in sorted(ROOT.glob("requirements-*.txt")):
        if path.name == "requirements-gpu.txt":
            continue
        other = {key: str(r.specifier) for key, r in requirements(path.name).items()}
        assert not any(key.startswith("tensorflow") for key in other), path.name
        shared = set(main) & set(other)
        assert {k: other[k] for k in shared} == {k: main[k] for k in shared}, path.name
        assert set(main) - set(other) == {k for k in main if k.startswith("tensorflow")}, path.name
