#!/bin/sh
# The test command: on a fresh Debian 12 machine, as root, installs what the
# tests need, builds from scratch and runs every test, then builds again
# with AddressSanitizer and UndefinedBehaviorSanitizer and runs the unit
# tests there, and fuzzes every parser for a short while.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/setup-python.sh"
"$root/scripts/fetch-penguins.sh"

rm -rf "$root/build" "$root/build-asan"
BUILD_DIR=$root/build "$root/scripts/build.sh"
meson test -C "$root/build" --print-errorlogs

BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C "$root/build-asan" --suite unit --print-errorlogs
# Every parser's fuzz target, 30 seconds each.
"$root/scripts/fuzz.sh" 30
echo "all tests passed"
