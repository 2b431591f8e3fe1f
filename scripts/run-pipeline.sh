#!/bin/sh
# The run command: on a fresh Debian 12 machine, as root, installs what the
# pipeline needs, builds dlpipe and runs the default pipeline (params.yaml)
# end to end.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/setup-python.sh"
"$root/scripts/fetch-penguins.sh"
BUILD_DIR=$root/build "$root/scripts/build.sh"
"$root/build/host/dlpipe" run "$@"
