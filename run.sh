#!/usr/bin/env bash
# The workshop's commands. Each one sets up everything it needs on a fresh machine.
#   bash run.sh lab      learners: create the environment (.venv) and open JupyterLab in notebooks/
#                        (any Python 3.11-3.13; PYTHON=/path/to/python picks one; Windows: py run.py lab)
#   bash run.sh lesson   execute every notebook in order, write outputs back, rebuild _episodes/, fig/ and _site/
#   bash run.sh site     build the lesson website (_site/) from _episodes/ with Jekyll
#   bash run.sh test     run the test suite (unit tests, notebooks under nbval, structural runs)
#   bash run.sh timing   time the full profile's work on this machine with random weights (no download)
# Another Keras backend: KERAS_BACKEND=jax (or torch) before lab, test or timing uses .venv-jax (.venv-torch), no
# TensorFlow (not before lesson: the stored outputs are TensorFlow's).
# Offline: WORKSHOP_PROFILE=offline WORKSHOP_MIRROR=/path/to/mirror bash run.sh lesson
set -euo pipefail
cd "$(dirname "$0")"

venv() {
  # A project-local virtual environment (.venv), rebuilt when requirements.txt changes: run.py does it
  # (one implementation, also for Windows without bash). Here we only find a Python 3.11-3.13 to run it:
  # PYTHON when set, else .venv's own, else the newest of python3.13, python3.12, python3.11, python3, python
  # that runs (a command can exist and fail, e.g. a pyenv shim for a version that is not installed).
  local candidate py="" runs=""
  local candidates=(.venv/bin/python python3.13 python3.12 python3.11 python3 python)
  [ -n "${PYTHON:-}" ] && candidates=("$PYTHON")
  for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys' >/dev/null 2>&1 || continue
    [ -n "$runs" ] || runs=$candidate
    if "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
      py=$candidate; break
    fi
  done
  if [ -z "$py" ] && [ -n "$runs" ] && "$runs" -c 'import sys; sys.exit(sys.version_info < (3, 6))' 2>/dev/null; then
    py=$runs   # an unsupported Python: run.py names it and says what to do
  fi
  if [ -z "$py" ]; then
    echo "run.sh: the workshop needs Python 3.11, 3.12 or 3.13, and none was found (tried: ${candidates[*]})." >&2
    echo "run.sh: install one (https://www.python.org/downloads/ or your package manager), then: PYTHON=/path/to/python3.13 bash run.sh lab" >&2
    echo "run.sh: or use Google Colab (setup.md, Option 3)." >&2
    exit 1
  fi
  PY=$py
  "$py" run.py setup
  # The backend's environment, as run.py names it: .venv for TensorFlow, .venv-jax or .venv-torch for the others.
  VPY=$("$py" -c 'import run; print(run.venv_python())')
}

default_mirror() {
  # Tests run offline: use ../shared as the mirror when nothing else is set and it exists.
  if [ -z "${WORKSHOP_MIRROR:-}" ] && [ -d ../shared/keras/models ]; then
    export WORKSHOP_MIRROR; WORKSHOP_MIRROR=$(cd ../shared && pwd)
    echo "run.sh: using the mirror folder $WORKSHOP_MIRROR"
  fi
}

case "${1:-}" in
  lab)
    venv
    # run.py starts JupyterLab in notebooks/ with .venv's Python (with --allow-root as root: a container,
    # a cloud VM). Started by the Python found above, it works in Git Bash on Windows too (.venv/Scripts/).
    exec "$PY" run.py lab "${@:2}"
    ;;
  lesson)
    if [ "${KERAS_BACKEND:-tensorflow}" != tensorflow ]; then
      echo "run.sh: lesson writes the outputs the episode pages show, and they come from TensorFlow;" >&2
      echo "run.sh: run it without KERAS_BACKEND. To check the notebooks on $KERAS_BACKEND: KERAS_BACKEND=$KERAS_BACKEND bash run.sh test notebooks" >&2
      exit 2
    fi
    venv
    "$VPY" tools/run_notebooks.py "${@:2}"
    bash run.sh site   # the lesson website (_site/) from the episodes just rebuilt
    ;;
  site)
    # The lesson website in _site/, built by Jekyll from _config.yml, the pages and _episodes/
    # (Debian's jekyll package, no plugins, nothing downloaded). Extra arguments go to jekyll.
    if ! command -v jekyll >/dev/null; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "run.sh: installing jekyll with apt-get (once, about a minute) ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jekyll >/dev/null
      else
        echo "run.sh: building the site needs jekyll. On Debian or Ubuntu: sudo apt-get install jekyll" >&2
        echo "run.sh: (elsewhere: https://jekyllrb.com/docs/installation/), then: bash run.sh site" >&2
        exit 1
      fi
    fi
    jekyll build --strict_front_matter "${@:2}"
    [ $# -gt 1 ] || echo "run.sh: the lesson website is in _site/ (open _site/index.html)"
    ;;
  timing)
    # The full profile's exact work with random weights: each notebook's seconds and slowest cells.
    # --record writes them into docs/runtimes.json (the schedule's source).
    venv
    default_mirror
    "$VPY" tools/time_lesson.py "${@:2}"
    ;;
  test)
    venv
    default_mirror
    set +e
    "$VPY" -m pytest "${@:2}"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "run.sh: pytest collected no tests -- that is a broken test setup, not a pass." >&2
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: bash run.sh lab|lesson|site|test|timing [extra arguments]" >&2
    exit 2
    ;;
esac
