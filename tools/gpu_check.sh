#!/usr/bin/env bash
# tools/gpu_check.sh: every notebook under nbval, once per Keras backend this machine has (torch, jax),
# on a Linux GPU machine WITHOUT TensorFlow (a typical deep-learning image: Python, PyTorch and/or JAX,
# numpy, scipy, pillow, matplotlib, h5py, pytest; no Keras, no Jupyter kernel, no network).
# Prints one table per backend: notebook, cells passed, cells failed, seconds.
#
#   bash tools/gpu_check.sh [WHEELS_FOLDER]      (from the repository root or anywhere)
#     WHEELS_FOLDER      wheels for what the machine lacks (below); default: ./wheels if it exists
#     WORKSHOP_MIRROR    the ../shared-style mirror (keras/models, data); default: ../shared
#     BACKENDS           e.g. "torch" to run one backend only; default: every one of torch, jax installed
#     NOTEBOOKS          e.g. "notebooks/02-doggy-door.ipynb"; default: every notebook
#     PYTHON             default: python3
#     SITE               where the wheels are installed (--target, put first on PYTHONPATH);
#                        default: a folder under ${TMPDIR:-/tmp}
# Nothing is installed into the machine's own Python: the wheels go to SITE only, with --no-deps.
#
# The wheels (Python 3.12, manylinux x86-64; about 22 MB, measured 2026-11-26): keras 3.15.1, namex, optree,
# nbval 0.11.0, nbclient, nbformat, ipykernel, ipython, ipython-pygments-lexers, jupyter-client, jupyter-core,
# traitlets, pyzmq, tornado, comm, debugpy, matplotlib-inline, nest-asyncio2, fastjsonschema, jsonschema,
# jsonschema-specifications, referencing, rpds-py, jedi, parso, prompt-toolkit, wcwidth, pexpect, ptyprocess,
# stack-data, asttokens, executing, pure-eval, platformdirs, portpicker, tzdata, ipywidgets, widgetsnbextension,
# jupyterlab-widgets, rich, markdown-it-py, mdurl, attrs, psutil, coverage (the last six: measured missing in a
# bare venv). No TensorFlow and no grain: without TensorFlow the notebooks load photo folders with
# workshop.image_dataset_from_directory (Pillow and NumPy; notebooks/workshop/backends.py).
# Make the folder on any machine with network (match the GPU machine's Python with --python-version):
#   pip download --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 \
#     --platform manylinux_2_28_x86_64 --no-deps -d wheels keras==3.15.1 namex optree nbval==0.11.0 nbclient \
#     nbformat ipykernel ipython ipython-pygments-lexers jupyter-client jupyter-core traitlets pyzmq tornado \
#     comm debugpy matplotlib-inline nest-asyncio2 fastjsonschema jsonschema jsonschema-specifications \
#     referencing rpds-py jedi parso prompt-toolkit wcwidth pexpect ptyprocess stack-data asttokens executing \
#     pure-eval platformdirs portpicker tzdata ipywidgets==8.1.9 widgetsnbextension jupyterlab-widgets \
#     rich markdown-it-py mdurl attrs psutil coverage
# Only the wheels of modules the machine lacks are installed (a wheel for numpy or torch is never used).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=${1:-${WHEELS:-wheels}}
export WORKSHOP_MIRROR=${WORKSHOP_MIRROR:-$(cd .. && pwd)/shared}
export WORKSHOP_PROFILE=offline TF_CPP_MIN_LOG_LEVEL=3
SITE=${SITE:-${TMPDIR:-/tmp}/gpu-check-site}
LOGS=${LOGS:-${TMPDIR:-/tmp}/gpu-check-logs}
mkdir -p "$SITE" "$LOGS"
# the project itself, as run.py's editable install gives it: `import workshop` (conftest.py), `import run`
export PYTHONPATH="$SITE:$PWD/notebooks:$PWD${PYTHONPATH:+:$PYTHONPATH}"

# Keras imports TensorFlow's helpers when KERAS_BACKEND is unset (tensorflow): check imports on jax or torch.
have() { KERAS_BACKEND=${CHECK_BACKEND:-jax} "$PY" -c "import $1" >/dev/null 2>&1; }
for b in torch jax; do KERAS_BACKEND=none "$PY" -c "import $b" >/dev/null 2>&1 && CHECK_BACKEND=$b; done

# 1. What is missing: module name -> the wheel file names' prefix (pip's normalised project name).
missing=()
for pair in keras:keras namex:namex optree:optree nbval:nbval nbclient:nbclient nbformat:nbformat \
            ipykernel:ipykernel IPython:ipython ipython_pygments_lexers:ipython_pygments_lexers \
            jupyter_client:jupyter_client jupyter_core:jupyter_core traitlets:traitlets zmq:pyzmq tornado:tornado \
            comm:comm debugpy:debugpy matplotlib_inline:matplotlib_inline nest_asyncio2:nest_asyncio2 \
            fastjsonschema:fastjsonschema jsonschema:jsonschema jsonschema_specifications:jsonschema_specifications \
            referencing:referencing rpds:rpds_py jedi:jedi parso:parso prompt_toolkit:prompt_toolkit wcwidth:wcwidth \
            pexpect:pexpect ptyprocess:ptyprocess stack_data:stack_data asttokens:asttokens executing:executing \
            pure_eval:pure_eval platformdirs:platformdirs portpicker:portpicker tzdata:tzdata \
            ipywidgets:ipywidgets widgetsnbextension:widgetsnbextension jupyterlab_widgets:jupyterlab_widgets \
            rich:rich markdown_it:markdown_it_py mdurl:mdurl attrs:attrs psutil:psutil coverage:coverage; do
  have "${pair%%:*}" || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  wheels=()
  for name in "${missing[@]}"; do
    found=$(ls "$WHEELS"/*.whl 2>/dev/null | grep -i -E "/${name//_/[-_.]}-[0-9]" | head -1)
    [ -n "$found" ] && wheels+=("$found") || echo "gpu_check: no wheel for $name in $WHEELS/"
  done
  if [ ${#wheels[@]} -gt 0 ]; then
    echo "gpu_check: installing ${#wheels[@]} wheel(s) into $SITE"
    "$PY" -m pip install --quiet --no-index --no-deps --target "$SITE" "${wheels[@]}" || exit 1
  fi
fi
for module in keras nbval ipykernel; do
  have $module || { echo "gpu_check: cannot import $module: give a folder with its wheel (see the header)"; exit 1; }
done
have tensorflow && echo "gpu_check: note: TensorFlow is installed here; the checks run with it present"
have PIL || { echo "gpu_check: cannot import PIL: install Pillow (the photo folders load with it)"; exit 1; }
command -v nvidia-smi >/dev/null && nvidia-smi -L | head -1

# 2. Every notebook under nbval, once per backend (pyproject.toml's pytest settings: --nbval-lax, sanitizing).
BACKENDS=${BACKENDS:-$(for b in torch jax; do have $b && printf '%s ' $b; done)}
NOTEBOOKS=${NOTEBOOKS:-$(ls notebooks/0*.ipynb)}
[ -n "${BACKENDS// /}" ] || { echo "gpu_check: neither torch nor jax is installed"; exit 1; }
status=0
for backend in $BACKENDS; do
  rows=()
  for notebook in $NOTEBOOKS; do
    name=$(basename "$notebook" .ipynb)
    log="$LOGS/$backend-$name.log"
    start=$(date +%s)
    KERAS_BACKEND=$backend "$PY" -m pytest "$notebook" -q -p no:cacheprovider > "$log" 2>&1 || status=1
    seconds=$(( $(date +%s) - start ))
    summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed|error)" "$log" | tail -1)
    [ -n "$summary" ] || { rows+=("$(printf '%-28s %s' "$name" "pytest did not run: see $log")"); continue; }
    passed=$(grep -o -E "[0-9]+ passed" <<<"$summary" | grep -o -E "[0-9]+" || echo 0)
    failed=$(grep -o -E "[0-9]+ failed" <<<"$summary" | grep -o -E "[0-9]+" || echo 0)
    errors=$(grep -o -E "[0-9]+ errors?" <<<"$summary" | grep -o -E "[0-9]+" || echo 0)
    rows+=("$(printf '%-28s %7s %7s %7s %9s' "$name" "${passed:-0}" "${failed:-0}" "${errors:-0}" "$seconds")")
  done
  echo
  echo "KERAS_BACKEND=$backend ($("$PY" -c "import $backend; print('$backend', $backend.__version__)" 2>/dev/null))"
  printf '%-28s %7s %7s %7s %9s\n' notebook passed failed errors seconds
  printf '%s\n' "${rows[@]}"
  echo "logs: $LOGS/$backend-*.log (first failure: grep -m1 -A30 '^____' <log>)"
done
exit $status
