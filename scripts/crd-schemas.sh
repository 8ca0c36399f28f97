#!/usr/bin/env bash
# Fetches the CustomResourceDefinitions that sentinel's Helm chart renders custom resources
# of (ServiceMonitor, PodMonitor, PrometheusRule from prometheus-operator; ScaledObject and
# TriggerAuthentication from KEDA), pinned, from the Go module proxy (`go mod download`:
# each project's module source carries its CRD YAML files). Copies them into a cache folder
# and prints that folder on stdout. The tests validate rendered resources against the
# `openAPIV3Schema` of these files (kubernetes-validate knows only built-in kinds).
#
#   bash scripts/crd-schemas.sh     # -> $SENTINEL_CACHE_DIR/crds/<pins>/*.yaml
#
# Idempotent: when every file is cached it prints the folder without calling go.
#
# Environment:
#   SENTINEL_CACHE_DIR   cache root (default: $HOME/.cache/sentinel)
#   GO                   the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator
PROMETHEUS_OPERATOR_VERSION=v0.85.0
KEDA_MODULE=github.com/kedacore/keda/v2
KEDA_VERSION=v2.21.0

# module-relative paths of the CRD files, per module
PROMETHEUS_OPERATOR_CRDS=(
    example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
    example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml
    example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
)
KEDA_CRDS=(
    config/crd/bases/keda.sh_scaledobjects.yaml
    config/crd/bases/keda.sh_triggerauthentications.yaml
)

CACHE_ROOT="${SENTINEL_CACHE_DIR:-$HOME/.cache/sentinel}"
OUT="$CACHE_ROOT/crds/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-keda-$KEDA_VERSION"

die() { echo "crd-schemas: $*" >&2; exit 1; }

complete() {
    local path
    for path in "${PROMETHEUS_OPERATOR_CRDS[@]}" "${KEDA_CRDS[@]}"; do
        [[ -s "$OUT/$(basename "$path")" ]] || return 1
    done
}

if complete; then
    echo "$OUT"
    exit 0
fi

if [[ -n "${GO:-}" ]]; then
    go_bin="$GO"
elif command -v go >/dev/null 2>&1; then
    go_bin="$(command -v go)"
elif [[ -x /usr/local/go/bin/go ]]; then   # where the official Go tarball unpacks
    go_bin=/usr/local/go/bin/go
else
    die "go not found: install Go or set GO=/path/to/go"
fi

# The module's unpacked source folder ("Dir" in `go mod download -json`).
module_dir() { # MODULE@VERSION
    local json
    json="$("$go_bin" mod download -json "$1")" || die "go mod download $1 failed"
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json"
}

mkdir -p "$CACHE_ROOT/crds"
tmp="$(mktemp -d "$CACHE_ROOT/crds/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

copy_crds() { # MODULE@VERSION PATH...
    local module="$1" dir path
    shift
    dir="$(module_dir "$module")"
    [[ -d "$dir" ]] || die "no source folder for $module"
    for path in "$@"; do
        [[ -f "$dir/$path" ]] || die "$module has no $path"
        cp "$dir/$path" "$tmp/"
    done
}

copy_crds "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION" "${PROMETHEUS_OPERATOR_CRDS[@]}"
copy_crds "$KEDA_MODULE@$KEDA_VERSION" "${KEDA_CRDS[@]}"
chmod 755 "$tmp"
chmod 644 "$tmp"/*.yaml
rm -rf "$OUT"
# the folder is either complete or absent, even if this runs twice at once
mv -T "$tmp" "$OUT" 2>/dev/null || complete || die "could not move CRDs into $OUT"
trap - EXIT
rm -rf "$tmp"
echo "$OUT"
