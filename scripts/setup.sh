#!/usr/bin/env bash
# Installs what csp needs to build and test on Debian 12, and nothing when all of it is
# there already (so it is safe to run before every build).
#
#   ./scripts/setup.sh
#
# Runs apt-get as root, through sudo when run by another user and sudo exists.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config          # toolchain (g++ brings the sanitizer runtimes)
  libboost-fiber-dev libboost-context-dev   # the fiber backend
  libtbb-dev                                # the tbb backend
  openmpi-bin libopenmpi-dev                # the mpi backend (mpirun, mpi.h)
  iproute2                                  # the mpi two-host test (ip netns)
  libfmt-dev libcli11-dev                   # formatting, command-line flags
  libtomlplusplus-dev                       # the configuration file
  libcereal-dev                             # codecs of user types
  graphviz                                  # --csp-graph=FILE.svg/.png/.pdf (dot)
  googletest libgtest-dev libgmock-dev      # tests
  nlohmann-json3-dev                        # tests: reading --csp-trace files
  spin                                      # model check of the alt protocol (model/)
  clang libclang-rt-14-dev                  # libFuzzer targets (fuzz/)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: everything csp needs is installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run this script as root (or install sudo) to install them" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
