#!/bin/sh
# Extracts the Palmer penguins CSV from Debian's r-cran-palmerpenguins
# package (apt-get download + dpkg -x, no R needed) into
# pipelines/penguins-mlp/penguins.csv, where the penguins pipeline and the
# data stage tests read it. Does nothing if the file is already there.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/pipelines/penguins-mlp/penguins.csv
if [ -s "$dest" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The download goes into the current folder, a private one that apt's
# unprivileged sandbox user could not write to: download as root.
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root r-cran-palmerpenguins)
dpkg -x "$work"/r-cran-palmerpenguins_*.deb "$work/pkg"
csv=$(find "$work/pkg" -path '*palmerpenguins/extdata/penguins.csv' | head -n 1)
if [ -z "$csv" ]; then
  echo "fetch-penguins.sh: penguins.csv not found in r-cran-palmerpenguins" >&2
  exit 1
fi
cp "$csv" "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "fetch-penguins.sh: wrote $dest ($(wc -l < "$dest") lines)"
