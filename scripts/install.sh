#!/bin/sh
# Installs the build (meson install: host, libdlpipe-1, headers, plugins,
# dlpipe-1.pc) under the configured prefix (/usr/local by default), so
# that `dlpipe` is on PATH for DVC's stage commands and third-party
# plugins build against it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
meson install -C "${BUILD_DIR:-$root/build}" --quiet
command -v ldconfig >/dev/null && ldconfig || true
echo "installed: $(command -v dlpipe || echo 'dlpipe (not on PATH: check the prefix)')"
