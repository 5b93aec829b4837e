#!/usr/bin/env bash
# Builds the Debian packages into OUTDIR (default build/packages):
#   gatehouse_<version>_amd64.deb   the binary, the plugins, the config, the systemd unit
#   gatehouse-sdk_<version>_all.deb the plugin SDK (headers, CMake package)
# from the release preset (built first; CPack stages with prefix /usr).
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(realpath -m "${1:-build/packages}")
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
cpack --config build/release/CPackConfig.cmake -B "$out"
rm -rf "$out/_CPack_Packages"
ls -l "$out"/*.deb
