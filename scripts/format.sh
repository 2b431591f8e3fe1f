#!/bin/sh
# Lays out every C source and header with clang-format (.clang-format; the
# `format` test checks that nothing is left to change). Debian 12's
# clang-format 14 is the reference: other versions lay some lines out
# differently.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
find host sdk plugins include tests bench -name '*.[ch]' -print0 | xargs -0 clang-format -i
