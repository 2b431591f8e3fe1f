#!/bin/sh
# The peers of bench_train.py and bench/serve/run.sh, in a virtual
# environment of their own (not the tests'): PyTorch 2.x, TensorFlow
# (tensorflow-cpu), JAX, Keras 3 and MLflow, from PyPI. The PyPI torch
# wheel brings CUDA libraries that are never used here: several GB.
#   bench/train/setup-peers.sh [VENV]   (default bench/.peers-venv)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-${PEERS_VENV:-$root/bench/.peers-venv}}
if [ ! -x "$venv/bin/python3" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip
# mlflow and safetensors: bench/serve serves the Keras peer with
# `mlflow models serve`.
"$venv/bin/pip" install -q torch tensorflow-cpu jax keras mlflow safetensors
"$venv/bin/python3" -c "import torch, keras, tensorflow, jax; print('peers:', 'torch', torch.__version__, 'keras', keras.__version__, 'tensorflow', tensorflow.__version__, 'jax', jax.__version__)"
"$venv/bin/mlflow" --version
