#!/usr/bin/env bash
# The workshop's commands: bash run.sh lab|check|lesson|site|test|timing|setup [arguments] (run.py says what
# each does). This only finds a Python to start run.py with (PYTHON=/path/to/python picks one); run.py does the
# rest, and switches to a supported Python (3.11-3.13) when the one found here is not. Windows: py run.py COMMAND.
set -euo pipefail
cd "$(dirname "$0")"
candidates=(python3 python)
[ -z "${PYTHON:-}" ] || candidates=("$PYTHON")
for py in "${candidates[@]}"; do
  # a command can exist and fail (a pyenv shim for a version that is not installed); run.py needs 3.6+ to speak
  if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 6))' >/dev/null 2>&1; then
    exec "$py" run.py "$@"
  fi
done
echo "run.sh: the workshop needs Python 3.11, 3.12 or 3.13, and none was found (tried: ${candidates[*]})." >&2
echo "run.sh: install one (https://www.python.org/downloads/ or your package manager), then: PYTHON=/path/to/python3.13 bash run.sh lab" >&2
echo "run.sh: or use Google Colab (setup.md, Option 3)." >&2
exit 1
