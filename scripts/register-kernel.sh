#!/usr/bin/env bash
# Registers the Jupyter kernel "cathedral" (shown as "Python (cathedral)"), which runs the given
# Python: the project's .venv/bin/python, which has `import cathedral`. Every notebook in
# notebooks/ names this kernel, so any Jupyter (Debian's jupyter-notebook, VS Code, ...) runs
# them with the project's environment. For the user by default; tests pass --prefix DIR.
#   usage: scripts/register-kernel.sh PYTHON [--prefix DIR]
set -euo pipefail
python=${1:?usage: scripts/register-kernel.sh PYTHON [--prefix DIR]}
shift
where=("$@")
[ ${#where[@]} -eq 0 ] && where=(--user)
PYDEVD_DISABLE_FILE_VALIDATION=1 "$python" -Xfrozen_modules=off -m ipykernel install --name cathedral --display-name "Python (cathedral)" "${where[@]}" >/dev/null
echo "cathedral: Jupyter kernel \"cathedral\" runs $python"
