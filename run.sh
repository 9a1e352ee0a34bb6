#!/usr/bin/env bash
# The workshop's commands. Each one sets up everything it needs on a fresh machine.
#   bash run.sh lab      learners: create the environment (.venv) and open JupyterLab in notebooks/
#   bash run.sh lesson   execute every notebook in order, write outputs back, rebuild _episodes/, fig/ and _site/
#   bash run.sh site     build the lesson website (_site/) from _episodes/ with Jekyll
#   bash run.sh test     run the test suite (unit tests, notebooks under nbval, structural runs)
# Offline: WORKSHOP_PROFILE=offline WORKSHOP_MIRROR=/path/to/mirror bash run.sh lesson
set -euo pipefail
cd "$(dirname "$0")"

venv() {
  # A project-local virtual environment, rebuilt when requirements.txt changes.
  local py=${PYTHON:-python3.11}
  command -v "$py" >/dev/null || py=python3
  "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
    echo "run.sh: Python 3.11 is needed (found $("$py" --version 2>&1)). Set PYTHON=/path/to/python3.11 or use environment.yml." >&2
    exit 1; }
  # REQUIREMENTS=requirements-gpu.txt (or any file) swaps the pinned package list, e.g. on a GPU runner.
  local req=${REQUIREMENTS:-requirements.txt} stamp=.venv/.requirements.sha256 want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "run.sh: installing requirements into .venv (about 1-2 minutes, 2 GB) ..."
    "$py" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
  fi
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
    # As root (a container, a cloud VM) JupyterLab refuses to start unless told it may.
    root=""; [ "$(id -u)" = 0 ] && root=--allow-root
    exec .venv/bin/jupyter lab --notebook-dir=notebooks $root "${@:2}"
    ;;
  lesson)
    venv
    .venv/bin/python tools/run_notebooks.py "${@:2}"
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
  test)
    venv
    default_mirror
    set +e
    .venv/bin/python -m pytest "${@:2}"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "run.sh: pytest collected no tests -- that is a broken test setup, not a pass." >&2
    fi
    exit "$rc"
    ;;
  *)
    echo "usage: bash run.sh lab|lesson|site|test [extra arguments]" >&2
    exit 2
    ;;
esac
