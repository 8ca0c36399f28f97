#!/usr/bin/env bash
# Installs the system tools the integration tests start for real (Debian/Ubuntu, as root):
#   prometheus, promtool          <- prometheus
#   prometheus-alertmanager, amtool <- prometheus-alertmanager
#   kcat                          <- kcat
#   java                          <- default-jre-headless (only if java is missing)
#   mvn                           <- maven                (only if mvn is missing)
#   chromium                      <- chromium             (renders the HTML report)
#   buildah, debootstrap          <- buildah, debootstrap (build and start the container
#                                    image without a Docker engine: scripts/image-build.sh)
#   gcc, Python's headers         <- gcc, python3-dev (headers only if python3 has none: the
#                                    compiled core, scripts/test-compiled.sh)
# Idempotent: does nothing (no apt-get update either) when every tool is already there.
# The Kafka broker itself is not a Debian package: scripts/kafka.sh fetch gets it with Maven.
set -euo pipefail

declare -A PKG_OF=(
    [prometheus]=prometheus
    [promtool]=prometheus
    [prometheus-alertmanager]=prometheus-alertmanager
    [amtool]=prometheus-alertmanager
    [kcat]=kcat
    [java]=default-jre-headless
    [mvn]=maven
    [chromium]=chromium
    [buildah]=buildah
    [debootstrap]=debootstrap
    [gcc]=gcc
)
TOOLS=(prometheus promtool prometheus-alertmanager amtool kcat java mvn chromium buildah debootstrap gcc)
python_h="$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h"

missing=()
for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${PKG_OF[$tool]}")
done
[[ -f $python_h ]] || missing+=(python3-dev)
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-system-deps: all tools present"
    exit 0
fi
# unique package names, in order
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-system-deps: need root (or sudo)" >&2; exit 1; }
    SUDO=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive

# The prometheus packages ship init scripts: without systemd, their postinst may
# start real daemons on :9090/:9093/:9094. A policy-rc.d that answers 101 tells
# invoke-rc.d not to start anything; only add one for the install if none exists.
POLICY=/usr/sbin/policy-rc.d
if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
fi

echo "install-system-deps: installing ${packages[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"

for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install-system-deps: $tool still missing" >&2; exit 1; }
done
[[ -f $python_h ]] || { echo "install-system-deps: $python_h still missing" >&2; exit 1; }
echo "install-system-deps: done"
