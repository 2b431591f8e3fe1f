#!/bin/sh
# The test command: on a fresh Debian 12 machine, as root, installs what the
# tests need and builds from scratch, then
#   1. runs every test suite, in a build computing with oneDNN and in one
#      with OpenBLAS only (-Ddnnl=disabled);
#   2. builds with AddressSanitizer and UndefinedBehaviorSanitizer and runs
#      every suite again there (but the install test, which builds its own,
#      and the accuracy suite, whole-dataset training that checks numbers,
#      not memory);
#   3. runs the valgrind suite (unit tests and fuzz replays) under
#      valgrind, failing on any definite leak;
#   4. fuzzes every parser for 30 seconds each.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/setup-python.sh"
"$root/scripts/fetch-penguins.sh"

rm -rf "$root/build" "$root/build-openblas" "$root/build-asan" "$root/build-fuzz"
BUILD_DIR=$root/build "$root/scripts/build.sh" -Ddnnl=enabled
meson test -C "$root/build" --print-errorlogs
BUILD_DIR=$root/build-openblas "$root/scripts/build.sh" -Ddnnl=disabled
meson test -C "$root/build-openblas" --print-errorlogs

BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -Db_sanitize=address,undefined -Db_lundef=false
G_SLICE=always-malloc ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C "$root/build-asan" --no-suite install --no-suite accuracy --print-errorlogs

meson test -C "$root/build" --setup valgrind --suite valgrind --print-errorlogs

"$root/scripts/fuzz.sh" 30
echo "all tests passed"
