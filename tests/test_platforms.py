"""Every laptop: the pinned requirements install on every supported machine and Python, from wheels alone.

Supported: Linux x86-64 and aarch64, macOS on Apple Silicon, Windows x86-64; Python 3.11, 3.12, 3.13.
The resolution tests ask PyPI, with uv (`uv pip compile --python-platform ... --python-version ...
--only-binary :all:`, pinned in requirements.txt): unlike `pip install --dry-run --platform`, uv evaluates
the environment markers (ours and every dependency's) for the target machine, not for the machine it
runs on, and it checks that each package has a wheel for the target's tags. All resolutions run at once
(threads; they wait on the network). Without PyPI they are skipped, except in CI (CI=true), where they fail.

By hand, e.g. for another file: python tests/test_platforms.py requirements.txt [requirements-jax.txt]
"""
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ["3.11", "3.12", "3.13"]
# name: (uv's --python-platform, the target's environment markers, run.py's MACHINES key)
MACHINES = {
    "Linux x86-64": ("x86_64-manylinux_2_28", {"sys_platform": "linux", "platform_machine": "x86_64",
                                               "platform_system": "Linux", "os_name": "posix"}, ("Linux", "x86_64")),
    "Linux aarch64": ("aarch64-manylinux_2_28", {"sys_platform": "linux", "platform_machine": "aarch64",
                                                 "platform_system": "Linux", "os_name": "posix"}, ("Linux", "aarch64")),
    "macOS arm64": ("aarch64-apple-darwin", {"sys_platform": "darwin", "platform_machine": "arm64",
                                             "platform_system": "Darwin", "os_name": "posix"}, ("Darwin", "arm64")),
    "Windows amd64": ("x86_64-pc-windows-msvc", {"sys_platform": "win32", "platform_machine": "AMD64",
                                                 "platform_system": "Windows", "os_name": "nt"}, ("Windows", "amd64")),
}
TARGETS = [(machine, python) for machine in MACHINES for python in PYTHONS]
# Where learners' pip looks; an index that mirrors PyPI can stand in for it.
INDEX = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
# The oldest macOS we promise (TensorFlow 2.21's wheel says macOS 12); uv reads it from this variable.
MACOS = "12.0"


def requirement_lines(path):
    """The requirement lines of a pip requirements file (comments and blank lines dropped)."""
    lines = (line.split(" #")[0].strip() for line in Path(path).read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def applies(line, environment, python):
    """Whether a requirement line's marker holds on a target (python: '3.12')."""
    marker = Requirement(line).marker
    return marker is None or marker.evaluate({**environment, "python_version": python,
                                              "python_full_version": python + ".0",
                                              "implementation_name": "cpython",
                                              "platform_python_implementation": "CPython"})


def uv_binary():
    try:
        import uv
        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def resolve(requirements, machine, python, uv):
    """None when `requirements` installs from wheels on (machine, python), else what is missing, in words."""
    platform_tag = MACHINES[machine][0] if machine in MACHINES else machine
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "PIP_"))}
    env.update(MACOSX_DEPLOYMENT_TARGET=MACOS, UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")))
    # --python: this interpreter only runs uv; the target's Python is --python-version (never downloaded).
    done = subprocess.run([uv, "pip", "compile", "--no-config", "--quiet", "--no-header", "--color", "never",
                           "--no-python-downloads", "--python", sys.executable, "--native-tls",
                           "--index-url", INDEX, "--only-binary", ":all:",
                           "--python-platform", platform_tag, "--python-version", python, str(requirements)],
                          capture_output=True, text=True, env=env, timeout=300)
    if done.returncode == 0:
        return None
    message = re.sub(r"\{[^{}]*\}", "", done.stderr.strip())  # uv writes a marker as name{marker}==version
    causes = re.findall(r"(\S+ has no (?:usable )?wheels(?: with a matching [a-zA-Z ]*?tag(?: \(e\.g\., `[^`]+`\))?)?)", message)
    causes += re.findall(r"(there is no version of \S+)", message)
    causes += re.findall(r"hint: (.*)", message)
    return "; ".join(dict.fromkeys(causes)) or message[-1500:]


def pypi_reachable():
    try:
        with urllib.request.urlopen(f"{INDEX}/pip/", timeout=15) as reply:
            return reply.status == 200
    except OSError:
        return False


def resolve_all(jobs):
    """{job: None or problem} for jobs (requirements file, machine, python), all at once."""
    uv = uv_binary()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {job: pool.submit(resolve, *job, uv) for job in jobs}
    return {job: future.result() for job, future in futures.items()}


# ---- offline: the markers choose one TensorFlow per machine ---------------------------------
@pytest.mark.parametrize("machine, python", TARGETS)
def test_each_supported_machine_gets_exactly_one_tensorflow(machine, python):
    environment = MACHINES[machine][1]
    chosen = [Requirement(line).name for line in requirement_lines(ROOT / "requirements.txt")
              if Requirement(line).name.startswith("tensorflow") and applies(line, environment, python)]
    # the smaller CPU-only package where it has wheels, tensorflow (CPU there too) where it has not
    assert chosen == (["tensorflow-cpu"] if machine in ("Linux x86-64", "Windows amd64") else ["tensorflow"]), machine


def test_run_py_knows_the_same_machines():
    sys.path.insert(0, str(ROOT))
    import run
    assert {key: package for key, package in run.MACHINES.items()} == {
        MACHINES[name][2]: ("tensorflow-cpu" if name in ("Linux x86-64", "Windows amd64") else "tensorflow")
        for name in MACHINES}
    for machine, python in TARGETS:
        assert run.problem(*MACHINES[machine][2], version=tuple(map(int, python.split(".")))) is None
    assert "Intel" in run.problem("Darwin", "x86_64", (3, 12)) and "Colab" in run.problem("Darwin", "x86_64", (3, 12))
    assert "3.14" in run.problem("Linux", "x86_64", (3, 14)) and "3.10" in run.problem("Windows", "AMD64", (3, 10))


def test_only_tensorflow_depends_on_the_machine():
    """Every other pin is the same everywhere (a marker on, say, numpy would need its own check)."""
    for line in requirement_lines(ROOT / "requirements.txt"):
        requirement = Requirement(line)
        assert requirement.name.startswith("tensorflow") or requirement.marker is None, line
        assert str(requirement.specifier).startswith("=="), f"not pinned: {line}"


# ---- online: resolve every machine x Python against PyPI --------------------------------------
FILES = [path.name for path in sorted(ROOT.glob("requirements*.txt")) if not path.name.endswith("gpu.txt")]  # generated by the GPU workflow
# Cases that must fail, each for its reason: they prove that the check can fail, and they keep run.py's
# advice true (when TensorFlow gets wheels there, this test says so, and run.py's message must change).
BROKEN = "tensorflow-cpu==2.21.0\nkeras==3.15.1\n"  # the pins before markers: tensorflow-cpu for everyone
MUST_FAIL = {  # (file, uv platform, Python): what the failure names
    ("BROKEN", "macOS arm64", "3.12"): "tensorflow-cpu==2.21.0 has no wheels with a matching platform tag",
    ("requirements.txt", "x86_64-apple-darwin", "3.12"): "tensorflow==2.21.0 has no wheels",  # an Intel Mac
    ("requirements.txt", "x86_64-manylinux_2_28", "3.14"): "tensorflow-cpu==2.21.0 has no wheels with a matching Python ABI tag",
}


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory):
    in_ci = os.environ.get("CI") == "true"
    if uv_binary() is None:
        (pytest.fail if in_ci else pytest.skip)("uv is not installed (requirements.txt pins it; bash run.sh test installs it)")
    if not pypi_reachable():
        (pytest.fail if in_ci else pytest.skip)(f"the package index ({INDEX}) is unreachable: cannot check the pins "
                                                 "for other machines" + (" (CI must)" if in_ci else ""))
    broken = tmp_path_factory.mktemp("broken") / "requirements.txt"
    broken.write_text(BROKEN)
    jobs = [(ROOT / name, machine, python) for name in FILES for machine, python in TARGETS]
    jobs += [(broken if name == "BROKEN" else ROOT / name, machine, python) for name, machine, python in MUST_FAIL]
    started = time.monotonic()
    results = resolve_all(jobs)
    print(f"{len(jobs)} resolutions in {time.monotonic() - started:.1f} s")
    return {(path.name if path.parent == ROOT else "BROKEN", machine, python): problem
            for (path, machine, python), problem in results.items()}


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("machine, python", TARGETS)
def test_pins_install_from_wheels(resolutions, name, machine, python):
    problem = resolutions[(name, machine, python)]
    assert problem is None, f"{name} does not install on {machine} with Python {python}: {problem}"


@pytest.mark.parametrize("case", MUST_FAIL)
def test_the_unsupported_cases_fail_for_their_reason(resolutions, case):
    problem = resolutions[case]
    assert problem and MUST_FAIL[case] in problem, f"{case}: expected a failure naming {MUST_FAIL[case]!r}, got {problem!r}"


def main(files):
    """Resolve files for every target and print one line each; exit 1 if any fails."""
    jobs = [(Path(name).resolve(), machine, python) for name in files for machine, python in TARGETS]
    started = time.monotonic()
    results = resolve_all(jobs)
    for (path, machine, python), problem in results.items():
        print(f"{path.name:24} {machine:14} Python {python}: {'ok' if problem is None else 'FAILS: ' + problem}")
    print(f"{len(jobs)} resolutions in {time.monotonic() - started:.1f} s")
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(ROOT / "requirements.txt")]))
