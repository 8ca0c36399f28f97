#!/usr/bin/env bash
# Installs a pinned helm from the Go module proxy (`go install`, no release tarball) into a
# cache folder and prints the binary's path on stdout.
#
#   bash scripts/install-helm.sh          # -> $SENTINEL_CACHE_DIR/bin/helm
#
# Idempotent and fast when the pinned build is already there (a stamp file, no go call).
# The first install compiles helm: a few minutes on 2 cores.
#
# Environment:
#   SENTINEL_CACHE_DIR   cache root (default: $HOME/.cache/sentinel)
#   GO                   the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

HELM_VERSION=v3.19.5
HELM_MODULE=helm.sh/helm/v3
# The Kubernetes version helm assumes without a cluster (`helm template`, `helm lint`): that
# of the client-go it is built with (v0.34 for v3.19.5), as helm's own Makefile sets it.
# Without it a `go install`ed helm assumes 1.20.
K8S_MINOR=34
LDFLAGS="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
for pkg in pkg/chartutil pkg/lint/rules; do
    LDFLAGS+=" -X $HELM_MODULE/$pkg.k8sVersionMajor=1 -X $HELM_MODULE/$pkg.k8sVersionMinor=$K8S_MINOR"
done
CACHE_ROOT="${SENTINEL_CACHE_DIR:-$HOME/.cache/sentinel}"
BIN_DIR="$CACHE_ROOT/bin"
HELM="$BIN_DIR/helm"

die() { echo "install-helm: $*" >&2; exit 1; }
log() { echo "install-helm: $*" >&2; }

find_go() {
    if [[ -n "${GO:-}" ]]; then
        echo "$GO"
    elif command -v go >/dev/null 2>&1; then
        command -v go
    elif [[ -x /usr/local/go/bin/go ]]; then   # where the official Go tarball unpacks
        echo /usr/local/go/bin/go
    else
        die "go not found: install Go 1.24+ or set GO=/path/to/go"
    fi
}

# A stamp beside the binary records how it was built; the Go build info cannot (it drops
# -ldflags under -trimpath).
STAMP="$HELM.build"
RECIPE="$HELM_MODULE/cmd/helm@$HELM_VERSION $LDFLAGS"
if [[ -x "$HELM" && -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$RECIPE" ]]; then
    echo "$HELM"
    exit 0
fi

GO_BIN="$(find_go)"
mkdir -p "$BIN_DIR"
log "building helm $HELM_VERSION with $("$GO_BIN" version | cut -d' ' -f3) into $BIN_DIR"
start=$SECONDS
# Build in a temporary GOBIN, then rename: the cached binary is either complete or absent,
# even if this is interrupted or runs twice at once.
tmp="$(mktemp -d "$CACHE_ROOT/.helm-$HELM_VERSION.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# CGO off as in helm's own release builds; -X makes `helm version` print the pin.
GOBIN="$tmp" CGO_ENABLED=0 "$GO_BIN" install -trimpath -ldflags "$LDFLAGS" \
    "$HELM_MODULE/cmd/helm@$HELM_VERSION" \
    || die "go install $HELM_MODULE/cmd/helm@$HELM_VERSION failed"
echo "$RECIPE" >"$tmp/helm.build"
mv -f "$tmp/helm" "$HELM"
mv -f "$tmp/helm.build" "$STAMP"
log "helm $HELM_VERSION ready in $((SECONDS - start))s"
echo "$HELM"
