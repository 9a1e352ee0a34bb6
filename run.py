"""The workshop's setup and JupyterLab launcher, for every laptop (standard library only).

    python run.py lab      create .venv once (pinned requirements.txt) and open JupyterLab in notebooks/
    python run.py setup    only create or update .venv
    python run.py check    say whether this Python and this machine are supported (exit 1 if not)

Windows (PowerShell): `py run.py lab` (`py -3.12 run.py lab` chooses a Python; without py: `python run.py lab`).
macOS and Linux: `bash run.sh lab`, which finds a Python and calls this file: one implementation of the setup.
Run by an unsupported Python, it switches to a supported one when there is one (python3.13 ... python3.11,
or py -3.13 ... py -3.11 on Windows), unless PYTHON is set.
Supported: Python 3.11, 3.12 or 3.13 on Linux (x86-64, aarch64), macOS on Apple Silicon, Windows x86-64.
.venv is rebuilt when requirements.txt changes (its sha256 is kept in .venv/.requirements.sha256);
REQUIREMENTS=other-file.txt installs another list (e.g. the GPU one, see requirements.txt).
Another Keras backend instead of TensorFlow: KERAS_BACKEND=jax (or torch) before the command. It gets its
own environment, .venv-jax (.venv-torch), from requirements-jax.txt (requirements-torch.txt): no TensorFlow.
This file must stay importable by old Pythons (3.6+) so that it can explain what is wrong with them.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Keras backend (KERAS_BACKEND, default tensorflow) -> its environment, its requirements and their size on disk
BACKENDS = {"tensorflow": (".venv", "requirements.txt", "about 2 GB"),
            "jax": (".venv-jax", "requirements-jax.txt", "about 1 GB"),
            "torch": (".venv-torch", "requirements-torch.txt", "about 5 GB on Linux")}
OLDEST, NEWEST = (3, 11), (3, 13)
SUPPORTED_VERSIONS = "3.11, 3.12 or 3.13"
# (platform.system(), platform.machine().lower()) -> what requirements.txt installs there
MACHINES = {
    ("Linux", "x86_64"): "tensorflow-cpu",
    ("Linux", "aarch64"): "tensorflow",
    ("Darwin", "arm64"): "tensorflow",
    ("Windows", "amd64"): "tensorflow-cpu",
}
COLAB = ("Google Colab needs no installation: open a notebook with its \"Open in Colab\" badge "
         "(README.md, or setup.md \"Option 3\").")
GET_PYTHON = ("Install Python 3.13, 3.12 or 3.11 (https://www.python.org/downloads/, or: brew install python@3.13 / "
              "winget install Python.Python.3.13 / sudo apt install python3.12-venv / uv python install 3.13), then "
              "point the command at it: PYTHON=/path/to/python3.13 bash run.sh lab   (Windows: py -3.13 run.py lab)")


def say(message):
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def machine_name(system=None, machine=None):
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    return ("macOS" if system == "Darwin" else system) + " " + machine


def problem(system=None, machine=None, version=None):
    """None if the workshop installs here, else a message naming the machine or Python and what to do."""
    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    version = tuple(version or sys.version_info[:2])
    where = machine_name(system, machine)
    if system == "Darwin" and machine in ("x86_64", "i386"):
        return (f"{where}: TensorFlow 2.21 has no package for Intel Macs (the last one there is TensorFlow 2.16, "
                "too old for these notebooks' Keras 3), and JAX has none either. " + COLAB +
                " (On an Apple Silicon Mac this means your Python is an Intel build running under Rosetta: "
                "install the macOS universal2 Python from python.org and use that.)")
    if (system, machine) not in MACHINES:
        return (f"{where}: TensorFlow 2.21 has no package for this machine (supported: Linux x86-64 and aarch64, "
                "macOS on Apple Silicon, Windows x86-64). " + COLAB)
    shown = "Python %d.%d" % version
    if version > NEWEST:
        return (f"{shown} on {where} is newer than TensorFlow 2.21 supports (for {shown} there is only a TensorFlow 2.22 "
                f"release candidate). " + GET_PYTHON + ". Or: " + COLAB)
    if version < OLDEST:
        return f"{shown} on {where} is too old: the workshop needs Python {SUPPORTED_VERSIONS}. " + GET_PYTHON + ". Or: " + COLAB
    return None


def version_of(command):
    """(major, minor) of a Python command, or None when it is missing or fails to run (a pyenv shim, say)."""
    try:
        done = subprocess.run(command + ["-c", "import sys; print('%d %d' % sys.version_info[:2])"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        major, minor = map(int, done.stdout.split())
    except ValueError:
        return None
    return major, minor


def other_python():
    """A supported Python on this machine other than the running one, as a command list, or None."""
    if os.name == "nt":
        candidates = [["py", f"-3.{minor}"] for minor in range(NEWEST[1], OLDEST[1] - 1, -1)]
    else:
        candidates = [[f"python3.{minor}"] for minor in range(NEWEST[1], OLDEST[1] - 1, -1)]
    for command in candidates:
        if shutil.which(command[0]) and OLDEST <= (version_of(command) or (0, 0)) <= NEWEST:
            return command
    return None


def backend():
    """The Keras backend asked for (KERAS_BACKEND; tensorflow when unset), or exit with what to do."""
    name = os.environ.get("KERAS_BACKEND") or "tensorflow"
    if name not in BACKENDS:
        sys.exit(f"run.py: KERAS_BACKEND={name!r} is not a Keras backend the workshop installs; "
                 f"use one of {', '.join(BACKENDS)} (or unset it for tensorflow)")
    return name


def venv_folder(name=None):
    """The environment of a backend (default: the one KERAS_BACKEND asks for)."""
    return ROOT / BACKENDS[name or backend()][0]


def venv_python(name=None):
    """Its Python (run.sh, the tests and tools/time_lesson.py ask here too)."""
    return venv_folder(name) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def inside_venv():
    return Path(sys.prefix).resolve() == venv_folder().resolve()


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def uv_for(python, requirements):
    """The uv command that installs into `python`'s environment, or None. uv installs the same pinned versions as
    pip in a fraction of the time: the running Python's uv if it has one (the test suite's), else the version
    pinned in the requirements file, installed into the new environment with pip first."""
    try:
        import uv
        return [uv.find_uv_bin()]
    except (ImportError, FileNotFoundError):
        pass
    pins = [line.split()[0] for line in requirements.read_text().splitlines() if line.startswith("uv==")]
    if not pins or subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   pins[0]], cwd=ROOT).returncode != 0:
        return None
    found = shutil.which("uv", path=str(python.parent))
    return [found] if found else None


def install(python, requirements):
    """Install the requirements into `python`'s environment: with uv, and with pip if uv cannot (pip reads the
    machine's pip settings, e.g. a company's package index, which uv does not). True when it worked."""
    uv = uv_for(python, requirements)
    if uv:
        index = os.environ.get("PIP_INDEX_URL")  # the one pip setting passed on to uv
        # --compile-bytecode: as pip does; without .pyc files (e.g. under PYTHONDONTWRITEBYTECODE=1), every
        # kernel would compile TensorFlow's sources again (measured: import 10-11 s instead of 4.5-5 s)
        command = uv + ["pip", "install", "--quiet", "--compile-bytecode", "--python", str(python), "-r", str(requirements)]
        if subprocess.run(command + (["--index-url", index] if index else []), cwd=ROOT).returncode == 0:
            return True
        say("uv could not install them (its message is above); trying pip instead ...")
    return subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "-r", str(requirements)], cwd=ROOT).returncode == 0


def setup():
    """Create the backend's .venv with this Python (once), install its requirements when they changed; return its python."""
    _, default_requirements, size = BACKENDS[backend()]
    requirements = ROOT / (os.environ.get("REQUIREMENTS") or default_requirements)
    if not requirements.is_file():
        sys.exit(f"run.py: {requirements} does not exist (REQUIREMENTS={os.environ.get('REQUIREMENTS')})")
    venv = venv_folder()
    python, stamp, want = venv_python(), venv / ".requirements.sha256", sha256(requirements)
    existing = version_of([str(python)]) if python.exists() else None
    if stamp.is_file() and stamp.read_text().strip() == want and existing:
        return python
    ours = tuple(sys.version_info[:2])
    if existing and OLDEST <= existing <= NEWEST:
        if existing != ours and not inside_venv():
            say("keeping %s, made with Python %d.%d (delete the %s folder to rebuild it with this one)"
                % (venv.name, *existing, venv.name))
    else:
        if inside_venv():
            sys.exit(f"run.py: {venv.name} is broken; delete the {venv.name} folder and run the command again")
        say(f"creating {venv.name} with Python {platform.python_version()} ({sys.executable})")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    say(f"installing {requirements.name} into {venv.name} (the first time: 1-3 minutes, {size}) ...")
    if not install(python, requirements):
        sys.exit(f"run.py: pip could not install {requirements.name} on {machine_name()} with Python "
                 f"{platform.python_version()} (pip's message is above). A network problem? Run the same command again. "
                 "Otherwise see setup.md, or use Colab.")
    stamp.write_text(want + "\n")
    return python


def lab(arguments):
    """Set up, then start JupyterLab in notebooks/ (as root only with --allow-root, which it demands)."""
    python = setup()
    command = [str(python), "-m", "jupyter", "lab", "--notebook-dir=notebooks"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    command += arguments
    os.chdir(ROOT)
    if os.name == "nt":  # no real exec on Windows
        try:
            sys.exit(subprocess.call(command))
        except KeyboardInterrupt:
            sys.exit(130)
    os.execv(command[0], command)


def main(argv):
    if not argv or argv[0] not in ("lab", "setup", "check"):
        sys.exit("usage: python run.py lab|setup|check [JupyterLab arguments]")
    trouble = problem()
    if trouble and argv[0] != "check" and not os.environ.get("PYTHON") and problem(version=(3, 12)) is None:
        # Wrong Python, right machine: use a supported one if there is one (py -3.13 ... on Windows).
        command = other_python()
        if command:
            say(f"Python {platform.python_version()} is not supported here (Python {SUPPORTED_VERSIONS} are); "
                f"using {' '.join(command)}")
            sys.exit(subprocess.call(command + [str(Path(__file__).resolve())] + argv))
    if trouble:
        sys.exit(f"run.py: {trouble}")
    if argv[0] == "check":
        print(f"run.py: {machine_name()}, Python {platform.python_version()}: supported; "
              f"requirements.txt installs {MACHINES[(platform.system(), platform.machine().lower())]} 2.21.0")
    elif argv[0] == "setup":
        setup()
    else:
        lab(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
