#!/bin/sh
# Fails when clang-format would change a C source or header of the tree
# at $1, naming each place; scripts/format.sh makes the change. Skips (77)
# with a clang-format other than 14, Debian 12's, which lays some lines
# out differently.
set -eu
root=$1
command -v clang-format > /dev/null || { echo "clang-format not found" >&2; exit 77; }
major=$(clang-format --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$major" != 14 ]; then
  echo "clang-format $major is not 14, Debian 12's: not checking the layout" >&2
  exit 77
fi
cd "$root"
# clang-format names each file and line it would change.
find host sdk plugins include tests bench -name '*.[ch]' -print0 | xargs -0 clang-format --dry-run --Werror
