#!/usr/bin/env bash
# Builds sentinel's container image with buildah (no Docker engine needed) on the
# debootstrap base from scripts/image-base.sh, and prints the image name on stdout:
#
#   bash scripts/image-build.sh               # -> localhost/sentinel:dev
#   buildah run --user 10001:10001 localhost/sentinel:dev -- sentinel replay
#
# chroot isolation (no user namespaces or runc needed); layers are cached in buildah's
# storage, so a rebuild after a code change reruns only the last steps. pip inside the build
# gets this machine's CA bundle (for TLS-intercepting proxies) as a build secret.
#
# Environment:
#   SENTINEL_IMAGE       name to tag (default: localhost/sentinel:dev)
#   BASE_IMAGE           base to build on (default: the one scripts/image-base.sh makes)
#   PIP_CERT / SSL_CERT_FILE   CA bundle for pip (default: /etc/ssl/certs/ca-certificates.crt)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${SENTINEL_IMAGE:-localhost/sentinel:dev}"
BASE="${BASE_IMAGE:-$(bash "$REPO_ROOT/scripts/image-base.sh")}"
CA="${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"

args=(--isolation chroot --layers --build-arg "BASE_IMAGE=$BASE" --tag "$IMAGE")
[[ -s $CA ]] && args+=(--secret "id=pip-ca,src=$CA")
buildah bud "${args[@]}" --file "$REPO_ROOT/Dockerfile" "$REPO_ROOT" >&2
echo "$IMAGE"
