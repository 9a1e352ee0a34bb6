"""Every laptop: the pinned requirements install on every supported machine and Python, from wheels alone, and
every way in (each backend's file, requirements-dev.txt, environment.yml, the GPU switch) installs the same pins.

The supported machines and Pythons are run.py's (MACHINES, OLDEST..NEWEST); which TensorFlow package each machine
gets is requirements.txt's markers. The resolutions ask PyPI with uv (`uv pip compile --python-platform ...
--python-version ... --only-binary :all:`): unlike `pip install --dry-run --platform`, uv evaluates the markers
(ours and every dependency's) for the target machine, and checks that each package has a wheel for its tags. One
resolution per machine x Python, of all the requirement files together: their shared pins are equal (checked
below), so if the union installs, each file does. They run at once (threads; they wait on the network). Without
PyPI they are skipped, except in CI (CI=true), where they fail.
"""
import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import run

ROOT = run.ROOT
PYTHONS = [f"3.{minor}" for minor in range(run.OLDEST[1], run.NEWEST[1] + 1)]
TARGETS = [(machine, python) for machine in run.MACHINES for python in PYTHONS]
BACKEND_FILES = [ROOT / requirements for _, requirements, _ in run.BACKENDS.values()]
INDEX = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")  # an index mirroring PyPI will do
MACOS = "12.0"  # the oldest macOS we promise (TensorFlow 2.21's wheel says macOS 12); uv reads it from the environment


def pins(path):
    """{package (with its marker, if any): Requirement} of a requirements file."""
    found = {}
    for line in run.requirement_lines(path):
        requirement = Requirement(line)
        found[requirement.name.lower() + (f"; {requirement.marker}" if requirement.marker else "")] = requirement
    return found


def tensorflow_on(machine, python):
    """The TensorFlow packages requirements.txt's markers choose on a machine (system, machine) and Python."""
    system, processor = machine
    environment = {"sys_platform": {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}[system],
                   "platform_machine": processor, "platform_system": system, "os_name": "nt" if system == "Windows" else "posix",
                   "python_version": python, "python_full_version": python + ".0"}
    return [r.name for r in pins(ROOT / "requirements.txt").values()
            if r.name.startswith("tensorflow") and (r.marker is None or r.marker.evaluate(environment))]


def test_each_supported_machine_gets_exactly_one_tensorflow():
    assert all(len(tensorflow_on(*target)) == 1 for target in TARGETS), {t: tensorflow_on(*t) for t in TARGETS}


def test_every_pin_is_exact_and_only_tensorflow_depends_on_the_machine():
    for path in BACKEND_FILES + [run.DEV]:
        for key, requirement in pins(path).items():
            assert str(requirement.specifier).startswith("=="), f"{path.name}: not pinned: {requirement}"
            assert requirement.marker is None or requirement.name.startswith("tensorflow"), f"{path.name}: {key}"


def test_every_file_uses_the_same_pins():
    """The other backends' files are requirements.txt with their backend instead of TensorFlow; the test tools
    are in requirements-dev.txt only."""
    main = {key: str(r) for key, r in pins(ROOT / "requirements.txt").items() if not key.startswith("tensorflow")}
    for path in BACKEND_FILES[1:]:
        other = {key: str(r) for key, r in pins(path).items()}
        assert {key: other.get(key) for key in main} == main, path.name
        assert len(set(other) - set(main)) <= 2 and not any(key.startswith("tensorflow") for key in other), path.name
    dev = pins(run.DEV)
    assert {"pytest", "nbval", "uv"} <= set(dev) and not set(dev) & {k for p in BACKEND_FILES for k in pins(p)}


def test_environment_yml_installs_requirements_txt_on_a_supported_python():
    """conda takes Python and pip from environment.yml, and every package from requirements.txt itself."""
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    assert [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)] == [["-r requirements.txt"]]
    assert sorted(conda)[0] == "pip" and sorted(conda)[1].split("=")[1] in PYTHONS and len(conda) == 2, conda


def test_the_gpu_switch_still_works():
    """.github/workflows/gpu-full-profile.yml makes the GPU list with one sed: it must still change one line."""
    workflow = (ROOT / ".github" / "workflows" / "gpu-full-profile.yml").read_text()
    pattern, replacement = re.search(r"sed 's/(.+?)/(.+?)/' requirements.txt", workflow).groups()
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    changed = [new for new in (re.sub(pattern, replacement, line) for line in lines) if new not in lines]
    assert len(changed) == 1 and changed[0].startswith("tensorflow[and-cuda]=="), changed
    assert Requirement(changed[0]).marker.evaluate({"sys_platform": "linux", "platform_machine": "x86_64"})


def test_run_py_advises_where_it_cannot_install():
    assert all(run.problem(*machine, version=tuple(map(int, python.split(".")))) is None for machine, python in TARGETS)
    assert "Intel" in run.problem("Darwin", "x86_64", (3, 12)) and "Colab" in run.problem("Darwin", "x86_64", (3, 12))
    for version, words in [((3, 14), "newer"), ((3, 10), "too old")]:
        said = run.problem("Linux", "x86_64", version)
        assert "Python %d.%d" % version in said and words in said and "PYTHON=" in said and "Colab" in said


# ---- online: resolve every machine x Python against PyPI --------------------------------------
def resolve(files, platform_tag, python, uv):
    """None when the requirement files install together from wheels on (uv's platform, python), else why not."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "PIP_"))}
    env.update(MACOSX_DEPLOYMENT_TARGET=MACOS, UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")))
    # --python: this interpreter only runs uv; the target's Python is --python-version (never downloaded).
    done = subprocess.run([uv, "pip", "compile", "--no-config", "--quiet", "--no-header", "--color", "never",
                           "--no-python-downloads", "--python", sys.executable, "--native-tls", "--index-url", INDEX,
                           "--only-binary", ":all:", "--python-platform", platform_tag, "--python-version", python,
                           *map(str, files)], capture_output=True, text=True, env=env, timeout=300)
    if done.returncode == 0:
        return None
    message = re.sub(r"\{[^{}]*\}", "", done.stderr.strip())  # uv writes a marker as name{marker}==version
    causes = re.findall(r"(\S+ has no (?:usable )?wheels(?: with a matching [a-zA-Z ]*?tag(?: \(e\.g\., `[^`]+`\))?)?)", message)
    causes += re.findall(r"(there is no version of \S+)", message) + re.findall(r"hint: (.*)", message)
    return "; ".join(dict.fromkeys(causes)) or message[-1500:]


# Cases that must fail, each for its reason: they prove that the check can fail, and keep run.py's advice true
# (when TensorFlow gets wheels there, this says so, and run.py's message must change).
# Each reason is a regular expression: uv words the Python one in two ways (seen with the same uv version).
MUST_FAIL = {("x86_64-apple-darwin", "3.12"): r"tensorflow==2\.21\.0 has no wheels",  # an Intel Mac
             ("x86_64-manylinux_2_28", "3.14"):
                 r"tensorflow-cpu==2\.21\.0 has no wheels.*(with a matching Python ABI tag|You require CPython 3\.14)"}


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory):
    """{(platform, python[, 'cpu-only']): None or the problem}: every file together per target; requirements.txt
    for MUST_FAIL; and per machine, tensorflow-cpu alone (where the markers choose tensorflow, it must not install)."""
    try:
        import uv
        uv, why = uv.find_uv_bin(), None
        with urllib.request.urlopen(f"{INDEX}/pip/", timeout=15):
            pass
    except (ImportError, FileNotFoundError):
        why = "uv is missing (requirements-dev.txt has it)"
    except OSError:
        why = f"the package index ({INDEX}) is unreachable: cannot check the pins for other machines"
    if why:
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(why)
    cpu_only = tmp_path_factory.mktemp("cpu") / "requirements.txt"
    cpu_only.write_text("tensorflow-cpu==2.21.0\n")
    jobs = {(run.MACHINES[m], p): BACKEND_FILES + [run.DEV] for m, p in TARGETS}
    jobs.update({key: [ROOT / "requirements.txt"] for key in MUST_FAIL})
    jobs.update({(run.MACHINES[m], "3.12", "cpu-only"): [cpu_only] for m in run.MACHINES})
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {key: pool.submit(resolve, files, *key[:2], uv) for key, files in jobs.items()}
    return {key: future.result() for key, future in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("machine, python", TARGETS, ids=[f"{m[0]}-{m[1]}-{p}" for m, p in TARGETS])
def test_pins_install_from_wheels(resolutions, machine, python):
    problem = resolutions[(run.MACHINES[machine], python)]
    assert problem is None, f"the requirement files do not install on {machine} with Python {python}: {problem}"


@pytest.mark.slow
def test_tensorflow_cpu_is_chosen_exactly_where_it_has_wheels(resolutions):
    """The smaller CPU-only package wherever it exists; tensorflow (CPU there too) only where it does not."""
    for machine in run.MACHINES:
        installs = resolutions[(run.MACHINES[machine], "3.12", "cpu-only")] is None
        assert installs == (tensorflow_on(machine, "3.12") == ["tensorflow-cpu"]), (machine, installs)


@pytest.mark.slow
@pytest.mark.parametrize("case", MUST_FAIL)
def test_the_unsupported_cases_fail_for_their_reason(resolutions, case):
    problem = resolutions[case]
    assert problem and re.search(MUST_FAIL[case], problem), f"{case}: expected a failure naming {MUST_FAIL[case]!r}, got {problem!r}"
