#!/bin/sh
# Creates the project's Python virtual environment in .venv (Debian's
# python3, seeing Debian's numpy) with the packages the tests and the
# pipeline use from PyPI.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.venv
if [ ! -x "$venv/bin/python3" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$root/scripts/requirements.txt"
# dlpipe's own Python binding (python/), for MLflow's tools to load model
# packages; it finds libdlpipe-1.so.1 installed, or by DLPIPE_LIBRARY.
"$venv/bin/python3" -m pip install -q --disable-pip-version-check --no-deps \
  --no-build-isolation "$root/python"
