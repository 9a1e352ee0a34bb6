"""The lesson on Colab's versions: Python 3.13 and the packages the lesson imports pinned as Colab has them
(requirements-colab.txt: TensorFlow 2.20, Keras 3.13, NumPy 2.1, IPython 7.34, ipykernel 6.17), with `google.colab`
in the kernel's sys.modules as on Colab.

One notebook runs there under nbval in the structural profile, from a copy of the project laid out as the
notebooks' Colab cell clones it (pretrained-transfer-learning/notebooks/), so `workshop.setup()` takes its Colab
path (prepare_colab) and the helper its fresh-machine paths. Notebook 4 touches every helper module: setup and
seeds (profiles), the photo folders and Bo's splits (files, data, backends), extract_features and the curves
(training), photos and Grad-CAM's TensorFlow gradient (images, doors); and, on a fresh clone, it trains notebook
3's head itself. The whole lesson's structural run (every notebook) is tests/test_structural.py, on requirements.txt.

Also checked: no TensorFlow C++ log line and no debugger warning in any cell's output (Colab's `tensorflow`
looks for CUDA without a GPU; ipykernel 6 forwards the kernel's stderr into the cell), and Colab's packages are
enough (prepare_colab installs nothing). The environment (.venv-colab, run.COLAB_ENV) is made with uv: about 20 s
the first time, 2 s after. Python 3.13 missing: skipped, except in CI (CI=true), where it fails.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import workshop
from workshop import profiles

import run  # the one place that names each environment (the editable install, as in conftest.py)

pytestmark = pytest.mark.slow  # a notebook kernel, and an environment made the first time
NOTEBOOK = "04-fine-tuning"
ENV, REQUIREMENTS, VERSION = run.COLAB_ENV
# What a learner must never see in a cell: TensorFlow's C++ log lines (glog's and absl's formats, and the lines
# TensorFlow 2.20 prints without a GPU) and debugpy's frozen-modules warning.
NOISE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |^[IWEF]\d{4} \d\d:\d\d:\d\d|external/local_xla|"
                   r"tensorflow/core/|oneDNN|cuInit|cuda drivers|cpu_feature_guard|Unable to register cu|"
                   r"absl::InitializeLog|Debugger warning|frozen modules|PYDEVD", re.MULTILINE)
# Not Colab's: what the tests' own processes set (conftest.py, run.py), or what would point the kernel elsewhere
NOT_ON_COLAB = ("TF_CPP_MIN_LOG_LEVEL", "TF_FORCE_GPU_ALLOW_GROWTH", "KERAS_HOME", "KERAS_BACKEND", "PYTHONPATH",
                "PYTHONHOME", "VIRTUAL_ENV", "PYDEVD_DISABLE_FILE_VALIDATION", "IPYTHONDIR", "WORKSHOP_KERAS_HOME",
                "WORKSHOP_PROFILE", "WORKSHOP_MIRROR", "PYTEST_CURRENT_TEST")
FAKE_COLAB = '"""A stand-in for Colab\'s google.colab (tests/test_colab.py): on Colab the kernel imports it."""\n'
STARTUP = "import google.colab  # as Colab's kernel does: in sys.modules before the first cell\n"
# Run inside the nbval process (pytest -p colab_outputs): the clone's helper importable there (conftest.py imports
# it; the kernel finds it in its own folder, as on Colab); every cell's outputs as text, one JSON line per cell; and
# the kernel gets Colab's environment, without the TF_CPP_MIN_LOG_LEVEL and KERAS_HOME that conftest.py sets.
PLUGIN = '''import json, os, sys
sys.path.insert(0, os.path.abspath("notebooks"))
def pytest_sessionstart(session):
    for name in ("TF_CPP_MIN_LOG_LEVEL", "KERAS_HOME"):
        os.environ.pop(name, None)
def pytest_runtest_teardown(item):
    outputs = getattr(item, "test_outputs", None)
    if outputs is not None:
        texts = [o.get("text") or o.get("data", {}).get("text/plain") or "\\n".join(o.get("traceback", []))
                 for o in outputs]
        with open(os.environ["COLAB_TEST_OUTPUTS"], "a") as stream:
            stream.write(json.dumps({"cell": item.name, "texts": texts}) + "\\n")
'''

# In the kernel (on its PYTHONPATH, run as Python starts): nbval's pytest sets PYTEST_CURRENT_TEST, and the kernel
# inherits it; under it, ipykernel does not forward the kernel's own stderr (TensorFlow's C++ log) into the cells,
# as it does on Colab and in Jupyter, so the check for those lines would pass whatever they say.
SITECUSTOMIZE = 'import os\nos.environ.pop("PYTEST_CURRENT_TEST", None)\n'


def python_313():
    """A working Python 3.13 on this machine, or None (a pyenv shim that fails does not count)."""
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = [shutil.which("python3.13"), *sorted(glob.glob(f"{pyenv}/versions/3.13*/bin/python3.13")),
             *sorted(glob.glob(os.path.expanduser("~/.local/share/uv/python/cpython-3.13*/bin/python3.13"))),
             "/usr/local/bin/python3.13", "/usr/bin/python3.13"]
    return next((path for path in found if path and run.version_of([path]) == VERSION), None)


def uv_run(*arguments):
    uv = run.uv_for(Path(sys.executable))  # the tests' environment has uv (requirements-dev.txt)
    assert uv, "no uv in the tests' environment: bash run.sh setup"
    done = subprocess.run(uv + list(arguments), cwd=workshop.ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def colab_python():
    """The Python of .venv-colab: Python 3.13 with exactly requirements-colab.txt (uv pip sync)."""
    base = python_313()
    if base is None:
        why = "no Python 3.13 (Colab's) on this machine: install one (e.g. `uv python install 3.13`)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(why + "; CI machines have one")
        pytest.skip(why)
    venv = workshop.ROOT / ENV
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if run.version_of([str(python)]) != VERSION:
        uv_run("venv", "--clear", "--quiet", "--python", base, str(venv))  # uv writes a .gitignore into it
    index = os.environ.get("PIP_INDEX_URL")  # as run.install passes it on
    uv_run("pip", "sync", "--quiet", "--compile-bytecode", "--python", str(python), str(workshop.ROOT / REQUIREMENTS),
           *(["--index-url", index] if index else []))
    return python


def colab_clone(tmp_path, notebook):
    """What the Colab cell's `git clone` gives, as far as the notebook and nbval use it: the helper, the notebook,
    the registry, the test settings. Photos and weights come from the mirror as setup() fetches them."""
    clone = tmp_path / "pretrained-transfer-learning"
    for name in ["notebooks/workshop", f"notebooks/{notebook}.ipynb", "data/registry.tsv", "conftest.py",
                 "pyproject.toml", "tests/nbval_sanitize.cfg"]:
        source, target = workshop.ROOT / name, clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copyfile(source, target)
    return clone


def run_on_colab(nbval, python, tmp_path, clone, notebook, mirror):
    """nbval (the conftest fixture: it checks that the cells passed) on the notebook in a Colab clone, with
    google.colab imported in the kernel and the mirror standing in for Colab's downloads: [(cell, output text)]."""
    fake, harness, ipython = tmp_path / "colab", tmp_path / "harness", tmp_path / "ipython"
    for path, text in [(fake / "google" / "colab" / "__init__.py", FAKE_COLAB),  # `google`: a namespace package,
                       (ipython / "profile_default" / "startup" / "00-colab.py", STARTUP),  # as protobuf's is
                       (harness / "colab_outputs.py", PLUGIN), (harness / "sitecustomize.py", SITECUSTOMIZE)]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    outputs = tmp_path / "outputs.jsonl"
    env = {name: value for name, value in os.environ.items() if name not in NOT_ON_COLAB}
    env.update(PYTHONPATH=os.pathsep.join([str(fake), str(harness)]), IPYTHONDIR=str(ipython),
               COLAB_TEST_OUTPUTS=str(outputs), WORKSHOP_MIRROR=str(mirror))
    nbval(f"notebooks/{notebook}.ipynb", "structural", python=python, env=env, cwd=clone, args=["-p", "colab_outputs"],
          timeout=1200)
    cells = [json.loads(line) for line in outputs.read_text().splitlines()]
    return [(c["cell"], "\n".join(filter(None, c["texts"]))) for c in cells]


def test_the_colab_environment_has_colabs_versions(colab_python):
    pins = {name.lower().replace("_", "-"): version for name, version in
            (line.split("==") for line in run.requirement_lines(workshop.ROOT / REQUIREMENTS))}
    done = subprocess.run([str(colab_python), "-c", "import importlib.metadata as m, json, sys; print(json.dumps("
                           "[list(sys.version_info[:2]), {d.name.lower().replace('_', '-'): d.version "
                           "for d in m.distributions()}]))"], capture_output=True, text=True, timeout=300)
    version, installed = json.loads(done.stdout)
    assert tuple(version) == VERSION
    for name in ("tensorflow", "keras", "numpy", "ipykernel", "ipython", "ipywidgets", "jupyter-client", "nbval"):
        assert installed.get(name) == pins[name], f"{name}: {installed.get(name)} installed, Colab has {pins[name]}"


def test_a_notebook_passes_nbval_on_colabs_versions(colab_python, tmp_path, nbval, shared):
    before = uv_run("pip", "freeze", "--python", str(colab_python))
    clone = colab_clone(tmp_path, NOTEBOOK)
    cells = run_on_colab(nbval, colab_python, tmp_path, clone, NOTEBOOK, shared)
    code_cells = [c for c in nbformat.read(clone / "notebooks" / f"{NOTEBOOK}.ipynb", 4).cells if c.cell_type == "code"]
    assert len(cells) == len(code_cells), f"{len(cells)} of {len(code_cells)} cells ran"
    noisy = [f"{cell}: {line}" for cell, text in cells for line in text.splitlines() if NOISE.search(line)]
    assert not noisy, "TensorFlow's C++ log or the debugger's warning in a learner's output:\n" + "\n".join(noisy)
    # Colab's path was taken, and found everything it needs: nothing cloned, nothing installed
    setup_output = next(text for _, text in cells if text.startswith("Profile: "))  # workshop.setup()'s banner
    assert "Colab: installing" not in setup_output and uv_run("pip", "freeze", "--python", str(colab_python)) == before
    if profiles.gpu_name() is None:
        assert "WARNING: no GPU" in setup_output, setup_output  # prepare_colab saw google.colab
    assert not (clone / "notebooks" / "pretrained-transfer-learning").exists()
