#!/bin/sh
# Configures (once) and builds dlpipe in build/, with the project's Python
# for the interoperability tests. Extra arguments go to `meson setup`.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BUILD_DIR:-$root/build}
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$root" -Dpython="$root/.venv/bin/python3" "$@"
fi
meson compile -C "$dir"
