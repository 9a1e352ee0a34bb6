"""The workshop's commands, for every laptop: `bash run.sh COMMAND` (macOS, Linux), `py run.py COMMAND` (Windows).

    lab      create the environment once (.venv, requirements.txt) and open JupyterLab in notebooks/
    check    is this machine ready? Keras on the chosen backend, one tiny predict, the GPU the backend sees, and
             every weights file and photo folder as setup() would find it (--profile full|offline|all); exit 1 if not
    lesson   execute every notebook in order, write the outputs back, rebuild _episodes/ and fig/, then the site
    site     build the lesson website (_site/) with Jekyll (extra arguments go to jekyll)
    test     the tests (extra arguments go to pytest); `test fast`: the tests not marked slow, and nbval on the
             notebooks changed against git HEAD
    timing   time the full profile's work on this machine with random weights (tools/time_lesson.py, --record)
    setup    only create or update the environment, with the test tools (requirements-dev.txt, which test adds)
Each command sets up what it needs. The environment is rebuilt when a requirements file or pyproject.toml changes
(their sha256 in .venv/.requirements.sha256); it holds the project itself in editable mode (`import workshop, tools,
run`). REQUIREMENTS=other-file.txt installs another list (the GPU one, see requirements.txt). Another Keras backend:
KERAS_BACKEND=jax (or torch) before the command: its own environment, .venv-jax (.venv-torch), no TensorFlow.
Supported: Python 3.11-3.13 on Linux (x86-64, aarch64), macOS on Apple Silicon, Windows x86-64. Run by another
Python, this switches to a supported one when there is one (python3.13 ... python3.11; py -3.13 ... on Windows),
unless PYTHON is set. Standard library only, and importable by Python 3.6+, so that it can say what is wrong.
"""
import hashlib
import importlib.util
import json
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
# Colab's versions (Python 3.13 and requirements-colab.txt), for tests/test_colab.py only, not for learners
COLAB_ENV = (".venv-colab", "requirements-colab.txt", (3, 13))
DEV = ROOT / "requirements-dev.txt"  # the test tools, installed on top by test and setup
OLDEST, NEWEST = (3, 11), (3, 13)
# The supported machines, (platform.system(), platform.machine()) -> uv's name for them (tests/test_platforms.py
# resolves the requirements for each). Which TensorFlow package each gets: requirements.txt's markers, only there.
MACHINES = {("Linux", "x86_64"): "x86_64-manylinux_2_28", ("Linux", "aarch64"): "aarch64-manylinux_2_28",
            ("Darwin", "arm64"): "aarch64-apple-darwin", ("Windows", "AMD64"): "x86_64-pc-windows-msvc"}
COLAB = ("Google Colab needs no installation: open a notebook with its \"Open in Colab\" badge "
         "(README.md, or setup.md \"Option 3\").")
GET_PYTHON = ("Install Python 3.13, 3.12 or 3.11 (https://www.python.org/downloads/, or: brew install python@3.13 / "
              "winget install Python.Python.3.13 / sudo apt install python3.12-venv / uv python install 3.13), then "
              "point the command at it: PYTHON=/path/to/python3.13 bash run.sh lab   (Windows: py -3.13 run.py lab)")


def say(message):
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def problem(system=None, machine=None, version=None):
    """None if the workshop installs here, else a message naming the machine or Python and what to do."""
    system, machine = system or platform.system(), machine or platform.machine()
    version = tuple(version or sys.version_info[:2])
    where = ("macOS" if system == "Darwin" else system) + " " + machine.lower()
    if system == "Darwin" and machine.lower() in ("x86_64", "i386"):
        return (f"{where}: TensorFlow 2.21 has no package for Intel Macs (the last one there is TensorFlow 2.16, "
                "too old for these notebooks' Keras 3), and JAX has none either. " + COLAB +
                " (On an Apple Silicon Mac this means your Python is an Intel build running under Rosetta: "
                "install the macOS universal2 Python from python.org and use that.)")
    if (system, machine.lower()) not in {(s, m.lower()) for s, m in MACHINES}:
        return (f"{where}: TensorFlow 2.21 has no package for this machine (supported: Linux x86-64 and aarch64, "
                "macOS on Apple Silicon, Windows x86-64). " + COLAB)
    shown = "Python %d.%d" % version
    if version > NEWEST:
        return (f"{shown} on {where} is newer than TensorFlow 2.21 supports (for {shown} there is only a TensorFlow "
                "2.22 release candidate). " + GET_PYTHON + ". Or: " + COLAB)
    if version < OLDEST:
        return f"{shown} on {where} is too old: the workshop needs Python 3.11, 3.12 or 3.13. {GET_PYTHON}. Or: {COLAB}"
    return None


def version_of(command):
    """(major, minor) of a Python command, or None when it is missing or fails to run (a pyenv shim, say)."""
    try:
        done = subprocess.run(command + ["-c", "import sys; print('%d %d' % sys.version_info[:2])"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        return tuple(map(int, done.stdout.split())) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def other_python():
    """A supported Python on this machine other than the running one, as a command list, or None."""
    for minor in range(NEWEST[1], OLDEST[1] - 1, -1):
        command = ["py", f"-3.{minor}"] if os.name == "nt" else [f"python3.{minor}"]
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


def venv_python(name=None):
    """The Python of a backend's environment (default: the one KERAS_BACKEND asks for)."""
    return ROOT / BACKENDS[name or backend()][0] / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def inside_venv():
    return Path(sys.prefix).resolve() == (ROOT / BACKENDS[backend()][0]).resolve()


def requirement_lines(path):
    """The requirement lines of a pip requirements file (comments and blank lines dropped)."""
    lines = (line.split(" #")[0].strip() for line in Path(path).read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def uv_for(python):
    """The uv command that installs into `python`'s environment, or None. uv installs the same pinned versions as
    pip in a fraction of the time: the running Python's uv if it has one (the tests'), else the version pinned in
    requirements-dev.txt, installed into the new environment with pip first."""
    try:
        import uv
        return [uv.find_uv_bin()]
    except (ImportError, FileNotFoundError):
        pass
    pins = [line for line in requirement_lines(DEV) if line.startswith("uv==")]
    if not pins or subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   pins[0]], cwd=str(ROOT)).returncode != 0:
        return None
    found = shutil.which("uv", path=str(python.parent))
    return [found] if found else None


def install(python, requirements):
    """Install the requirements files and the project (editable) into `python`'s environment: with uv, and with pip
    if uv cannot (pip reads the machine's pip settings, e.g. a company's package index, which uv does not)."""
    what = [arg for path in requirements for arg in ("-r", str(path))] + ["-e", str(ROOT)]
    uv = uv_for(python)
    if uv:
        index = os.environ.get("PIP_INDEX_URL")  # the one pip setting passed on to uv
        # --compile-bytecode: as pip does; without .pyc files (e.g. under PYTHONDONTWRITEBYTECODE=1), every
        # kernel would compile TensorFlow's sources again (measured: import 10-11 s instead of 4.5-5 s)
        command = uv + ["pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)] + what
        if subprocess.run(command + (["--index-url", index] if index else []), cwd=str(ROOT)).returncode == 0:
            return True
        say("uv could not install them (its message is above); trying pip instead ...")
    return subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + what,
                          cwd=str(ROOT)).returncode == 0


def setup(dev=False):
    """Create the backend's environment with this Python (once), install what changed; return its Python."""
    _, default_requirements, size = BACKENDS[backend()]
    requirements = [ROOT / (os.environ.get("REQUIREMENTS") or default_requirements)] + [DEV] * dev
    for path in requirements:
        if not path.is_file():
            sys.exit(f"run.py: {path} does not exist (REQUIREMENTS={os.environ.get('REQUIREMENTS')})")
    python = venv_python()
    venv, stamp = python.parent.parent, python.parent.parent / ".requirements.sha256"
    want = {hashlib.sha256(path.read_bytes()).hexdigest() + " " + path.name
            for path in requirements + [ROOT / "pyproject.toml"]}
    existing = version_of([str(python)]) if python.exists() else None
    if existing and stamp.is_file() and want <= set(stamp.read_text().splitlines()):
        return python
    if existing and OLDEST <= existing <= NEWEST:
        if existing != tuple(sys.version_info[:2]) and not inside_venv():
            say("keeping %s, made with Python %d.%d (delete the %s folder to rebuild it with this one)"
                % (venv.name, existing[0], existing[1], venv.name))
    else:
        if inside_venv():
            sys.exit(f"run.py: {venv.name} is broken; delete the {venv.name} folder and run the command again")
        say(f"creating {venv.name} with Python {platform.python_version()} ({sys.executable})")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    say(f"installing {' and '.join(p.name for p in requirements)} into {venv.name} (the first time: 1-3 minutes, "
        f"{size}) ...")
    if not install(python, requirements):
        sys.exit(f"run.py: pip could not install {requirements[0].name} on {platform.system()} {platform.machine()} "
                 f"with Python {platform.python_version()} (pip's message is above). A network problem? Run the same "
                 "command again. Otherwise see setup.md, or use Colab.")
    stamp.write_text("\n".join(sorted(want)) + "\n")
    return python


def hand_over(command):
    """Become `command` (Windows has no real exec: wait for it and pass its exit status on)."""
    if os.name != "nt":
        os.execv(command[0], command)
    try:
        sys.exit(subprocess.call(command))
    except KeyboardInterrupt:
        sys.exit(130)


def default_mirror():
    """Tests and timing run offline: ../shared is the mirror when WORKSHOP_MIRROR is unset and it exists."""
    shared = ROOT.parent / "shared"
    if not os.environ.get("WORKSHOP_MIRROR") and (shared / "keras" / "models").is_dir():
        os.environ["WORKSHOP_MIRROR"] = str(shared.resolve())
        say(f"using the mirror folder {os.environ['WORKSHOP_MIRROR']}")


def changed_notebooks():
    """The notebooks changed against git HEAD, and new ones (none without git)."""
    names = []
    for command in (["diff", "--name-only", "--diff-filter=d", "HEAD"], ["ls-files", "--others", "--exclude-standard"]):
        try:
            names += subprocess.run(["git"] + command + ["--", "notebooks/*.ipynb"], cwd=str(ROOT), stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, universal_newlines=True).stdout.split()
        except OSError:
            say("no git here: `test fast` cannot tell which notebooks changed, and runs none of them")
    return sorted(set(names))


def test(arguments):
    """pytest in the environment with the test tools; exit 5 (nothing collected) is a broken setup, not a pass."""
    python = setup(dev=True)
    default_mirror()
    if arguments[:1] == ["fast"]:
        notebooks = changed_notebooks()
        say(f"fast tier: the tests not marked slow, and nbval on {len(notebooks)} changed notebook(s) "
            + " ".join(Path(name).name for name in notebooks))
        arguments = ["-m", "not slow", "tests"] + notebooks + arguments[1:]
    elif not arguments:  # the whole suite: two pytest-xdist workers, each group of tests on one (conftest.py)
        arguments = ["-n", "2"]
    rc = subprocess.call([str(python), "-m", "pytest"] + arguments, cwd=str(ROOT))
    if rc == 5:
        say("pytest collected no tests -- that is a broken test setup, not a pass.")
    sys.exit(rc)


def site(arguments):
    """The lesson website in _site/, built by Jekyll from _config.yml, the pages and _episodes/ (Debian's jekyll,
    installed with apt-get when missing and run as root; no plugins, nothing downloaded)."""
    if not shutil.which("jekyll"):
        if hasattr(os, "getuid") and os.getuid() == 0 and shutil.which("apt-get"):
            say("installing jekyll with apt-get (once, about a minute) ...")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            if subprocess.call(["apt-get", "update", "-qq"]) or subprocess.call(
                    ["apt-get", "install", "-y", "-qq", "jekyll"], env=env, stdout=subprocess.DEVNULL):
                sys.exit("run.py: apt-get could not install jekyll (its message is above)")
        else:
            sys.exit("run.py: building the site needs jekyll. On Debian or Ubuntu: sudo apt-get install jekyll\n"
                     "run.py: (elsewhere: https://jekyllrb.com/docs/installation/), then: bash run.sh site")
    rc = subprocess.call([shutil.which("jekyll"), "build", "--strict_front_matter"] + arguments, cwd=str(ROOT))
    if rc == 0 and not arguments:
        say("the lesson website is in _site/ (open _site/index.html)")
    return rc


def lesson(arguments):
    if backend() != "tensorflow":
        say("lesson writes the outputs the episode pages show, and they come from TensorFlow; run it without "
            f"KERAS_BACKEND. To check the notebooks on {backend()}: KERAS_BACKEND={backend()} bash run.sh test notebooks")
        sys.exit(2)
    rc = subprocess.call([str(setup()), str(ROOT / "tools" / "run_notebooks.py")] + arguments, cwd=str(ROOT))
    sys.exit(rc or site([]))


def lab(arguments):
    """Start JupyterLab in notebooks/ (as root only with --allow-root, which it demands)."""
    command = [str(setup()), "-m", "jupyter", "lab", "--notebook-dir=notebooks"]
    os.chdir(str(ROOT))
    hand_over(command + ["--allow-root"] * (hasattr(os, "getuid") and os.getuid() == 0) + arguments)


# ---- check: the readiness of this machine, from the project's environment --------------------------------
def probe():
    """Keras on its backend: one tiny predict and the GPUs the backend sees, printed as JSON (run by check in a
    process of its own, so that a crashing TensorFlow is reported too)."""
    from workshop import files
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["KERAS_HOME"] = str(files.KERAS_HOME)  # as setup() does: the notebooks' keras.json, if any
    import numpy as np
    import keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    shape = model.predict(np.ones((3, 4), "float32"), verbose=0).shape
    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf
        gpus = [tf.config.experimental.get_device_details(d).get("device_name", d.name)
                for d in tf.config.list_physical_devices("GPU")]
    elif name == "jax":
        import jax
        gpus = [d.device_kind for d in jax.devices() if d.platform != "cpu"]
    else:
        import torch
        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        gpus += ["Apple GPU (mps)"] * torch.backends.mps.is_available()
    print(json.dumps({"backend": name, "keras": keras.__version__, "shape": list(shape), "gpus": gpus}))


def keras_works():
    """(ok, line): Keras on the chosen backend, imported and predicting, in a fresh process."""
    done = subprocess.run([sys.executable, "-c", "import run; run.probe()"], cwd=str(ROOT), universal_newlines=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        error = [line for line in done.stderr.strip().splitlines() if line.strip()][-1:] or [f"exit {done.returncode}"]
        return False, (f"Keras: NOT working on the {backend()} backend: {error[0]}\n  What to do: delete the "
                       f"{BACKENDS[backend()][0]} folder and run `bash run.sh check` again (Windows: py run.py check); "
                       "on Windows, a DLL error means the Microsoft Visual C++ Redistributable is missing "
                       "(https://aka.ms/vs/17/release/vc_redist.x64.exe). Or use Colab.")
    gpu = ", ".join(found["gpus"]) or "none (CPU only: fine offline; the full profile is slow)"
    return True, (f"Keras {found['keras']} on {found['backend']}: a tiny model predicted {tuple(found['shape'])}\n"
                  f"  GPU seen by {found['backend']}: {gpu}")


def verdict(rows, mirror, reachable):
    """('ok'|'download'|'MISSING', detail) for registered files, exactly as setup() would fetch them."""
    from workshop import files
    places, missing = {"in the cache": 0, "in the mirror": 0, "to download": 0}, []
    for row in rows:
        found, where, problems = files.locate(row, mirror)
        if found is not None:
            places[f"in the {where}"] += 1
        elif reachable(row.url.split("/")[2]):
            places["to download"] += 1
        else:
            missing.append("; ".join(problems) or "not cached, not in the mirror, no network")
    if missing:
        return "MISSING", missing[0] if len(rows) == 1 else f"{len(missing)} of {len(rows)} missing, e.g. {missing[0]}"
    state = "download" if places["to download"] else "ok"
    if len(rows) == 1:
        checked = "verified" if rows[0].hash else "NOT checked (no published checksum)"
        return state, next(f"{checked}, {where}" if where != "to download" else "setup() downloads it"
                           for where, n in places.items() if n)
    return state, f"{len(rows)} files: " + ", ".join(f"{n} {'verified ' * (where != 'to download')}{where}"
                                                     for where, n in places.items() if n)


def files_ready(profile, reachable=None):
    """Print each weights file and dataset of a profile with the verdict setup() would reach; the missing ones."""
    import functools
    from workshop import files
    from tools.prefetch import lesson_files
    reachable = reachable or functools.lru_cache()(files.online)  # each download host asked once
    mirror, missing = files.mirror_folder(), []
    print(f"  Keras cache: {files.KERAS_HOME}; mirror: {mirror or 'none (WORKSHOP_MIRROR not set)'}")
    for title, items in [("Weights", [(Path(row.path).name, [row]) for row in lesson_files(profile)]),
                         ("Data", [(name, files.dataset_entries(name)) for name in
                                   sorted({path.split("/")[1] for path in files.registry() if path.startswith("data/")})])]:
        print(f"{title}:")
        for name, rows in items:
            state, detail = verdict(rows, mirror, reachable)
            print(f"  [{state}] {name}: {detail}")
            missing += [name] * (state == "MISSING")
    return missing


def check(arguments):
    """One screen: the machine, Keras working, the GPU, every file; exit 0 when ready, 1 when not."""
    import argparse
    from workshop import files
    parser = argparse.ArgumentParser(prog="run.py check", description=check.__doc__)
    parser.add_argument("--profile", choices=["full", "offline", "all"], default=files.profile())
    profile = parser.parse_args(arguments).profile
    sys.stdout.reconfigure(line_buffering=True)
    print(f"Workshop check -- profile {profile!r}")
    print(f"  Machine: {platform.system()} {platform.machine()}, Python {platform.python_version()} (supported); "
          f"environment: {sys.prefix}")
    ok, line = keras_works()
    print(f"  {line}")
    from workshop import WorkshopError
    try:
        missing = files_ready(profile)
    except WorkshopError as error:
        sys.exit(f"run.py: {error}")
    if ok and not missing:
        print("Ready: Keras works, and setup() finds or downloads everything this profile needs.")
        sys.exit(0)
    print("NOT READY: " + "; ".join(["Keras does not work (see 'What to do' above)"] * (not ok) + [
        f"{len(missing)} missing file(s). What to do:\n"
        f"  - online, once: python tools/prefetch.py --profile {profile} --dest ~/workshop-mirror\n"
        "    then set WORKSHOP_MIRROR=~/workshop-mirror (or just run the notebooks online: setup() downloads)\n"
        "  - offline: set WORKSHOP_MIRROR to your instructor's kit (USB stick, shared drive)\n"
        "  - no full-size weights at all: use WORKSHOP_PROFILE=offline"] * bool(missing)))
    sys.exit(1)


COMMANDS = {"lab": lab, "check": check, "lesson": lesson, "site": site, "test": test,
            "timing": lambda arguments: sys.exit(subprocess.call(
                [str(setup()), str(ROOT / "tools" / "time_lesson.py")] + arguments, cwd=str(ROOT))),
            "setup": lambda arguments: setup(dev=True)}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        sys.exit(f"usage: bash run.sh {'|'.join(COMMANDS)} [arguments]   (Windows: py run.py ...; see run.py)")
    command, arguments = argv[0], argv[1:]
    if command == "site":
        sys.exit(site(arguments))
    if command == "check" and (inside_venv() or importlib.util.find_spec("keras")):
        return check(arguments)  # this environment (a conda one, say) is the one to check
    trouble = problem()
    if trouble and not os.environ.get("PYTHON") and problem(version=OLDEST) is None:
        # Wrong Python, right machine: use a supported one if there is one (py -3.13 ... on Windows).
        other = other_python()
        if other:
            say(f"Python {platform.python_version()} is not supported here (3.11, 3.12 and 3.13 are); using {' '.join(other)}")
            hand_over([shutil.which(other[0])] + other[1:] + [str(ROOT / "run.py")] + argv)
    if trouble:
        sys.exit(f"run.py: {trouble}")
    if command == "check":
        hand_over([str(setup()), str(ROOT / "run.py")] + argv)
    if command == "timing":
        default_mirror()
    COMMANDS[command](arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
