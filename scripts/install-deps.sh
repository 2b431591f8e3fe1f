#!/bin/sh
# Installs the Debian 12 packages dlpipe needs to build, test and run.
# Run as root (or through sudo).
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it calls apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  build-essential meson ninja-build pkg-config \
  libglib2.0-dev libjson-glib-dev libyaml-dev libopenblas-dev zlib1g-dev \
  libsoup-3.0-dev nettle-dev check clang libclang-rt-14-dev libdnnl-dev \
  python3 python3-venv python3-pip python3-numpy python3-torch \
  openjdk-17-jre-headless \
  chromium fonts-liberation \
  dataset-fashion-mnist \
  git ca-certificates \
  valgrind wrk clang-format \
  libopenmpi-dev openmpi-bin
