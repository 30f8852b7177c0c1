#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# setup.sh -- everything a fresh Debian machine needs to build Wengert:
# the Debian packages (when run as root and something is missing), the
# autotools bootstrap, configure and build, in ./build.  Safe to run again:
# each step is skipped when already done.  It says what it did at each
# step, and at the end what to run next.
#
#   WG_CONFIGURE_FLAGS  extra configure flags (CI adds --enable-werror); the
#                       build is configured --with-mpi (OpenMPI) so that
#                       wengert-fuzz runs one shard per rank under mpirun
#   WG_BUILD_DIR        build directory (default: build)
set -euo pipefail
cd "$(dirname "$0")"

packages=(build-essential autoconf automake libtool pkg-config
          libgsl-dev libmpfr-dev libcunit1-dev libsqlite3-dev libopenblas-dev gcovr python3
          libopenmpi-dev openmpi-bin gnuplot-nox groff-base)
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
    echo "setup.sh: installed the Debian packages ${missing[*]}"
else
    echo "setup.sh: the Debian packages are there (${packages[*]})"
fi

if [ -x configure ]; then
    echo "setup.sh: configure is there (autoreconf -fi makes it again)"
else
    autoreconf -fi
    echo "setup.sh: bootstrapped: autoreconf -fi made configure"
fi
build=${WG_BUILD_DIR:-build}
flags="--with-mpi ${WG_CONFIGURE_FLAGS:-}"
mkdir -p "$build"
cd "$build"
if [ -f Makefile ]; then
    echo "setup.sh: $build/ is configured already (as config.log says); rm -rf $build to configure anew"
else
    # shellcheck disable=SC2086
    ../configure -q $flags
    echo "setup.sh: configured in $build/: ../configure $flags"
fi
make -j"$(nproc)" -s
cat <<EOT
setup.sh: built in $build/.  Next:
    make -C $build check        # the whole test suite
    make -C $build report       # a short campaign and the built-in suite, report in $build/report/
    make -C $build install      # into /usr/local (configure --prefix=DIR for elsewhere);
                               # README.md, "Installing", says what goes where
EOT
