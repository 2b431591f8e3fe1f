#!/bin/sh
# The run command: on a fresh Debian 12 machine, as root, installs what the
# pipeline needs, builds and installs dlpipe, and runs the default pipeline
# (params.yaml) end to end.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/setup-python.sh"
"$root/scripts/fetch-penguins.sh"
BUILD_DIR=$root/build "$root/scripts/build.sh"
# On PATH, for `dvc repro` (.venv/bin/dvc) and out-of-tree plugins.
BUILD_DIR=$root/build "$root/scripts/install.sh"
# Runs are tracked in MLflow: a local server unless one is configured.
if [ -z "${MLFLOW_TRACKING_URI:-}" ]; then
  "$root/scripts/mlflow-server.sh" start 5000
  export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
fi
"$root/build/host/dlpipe" run "$@"
echo "MLflow UI: $MLFLOW_TRACKING_URI (scripts/mlflow-server.sh stop ends the local server)"
