#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# setup.sh -- everything a fresh Debian machine needs to build Wengert:
# the Debian packages (when run as root and something is missing), the
# autotools bootstrap, configure and build, in ./build.  Safe to run again:
# each step is skipped when already done.
#
#   WG_CONFIGURE_FLAGS  extra configure flags (CI adds --enable-werror); the
#                       build is configured --with-mpi (OpenMPI) so that
#                       wengert-fuzz runs one shard per rank under mpirun
#   WG_BUILD_DIR        build directory (default: build)
set -euo pipefail
cd "$(dirname "$0")"

packages=(build-essential autoconf automake libtool pkg-config
          libgsl-dev libmpfr-dev libcunit1-dev libsqlite3-dev libopenblas-dev gcovr python3
          libopenmpi-dev openmpi-bin gnuplot-nox)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup.sh: missing Debian packages: ${missing[*]}; run as root or apt-get install them" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ -x configure ] || autoreconf -fi
build=${WG_BUILD_DIR:-build}
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || ../configure -q --with-mpi ${WG_CONFIGURE_FLAGS:-}
make -j"$(nproc)" -s
