#!/usr/bin/env bash
# Makes the Debian base image the container build uses where no registry image can be
# pulled, and prints its name on stdout:
#
#   bash scripts/image-base.sh        # -> localhost/sentinel-base:bookworm-python3
#
# 1. `debootstrap --variant=minbase --include=python3,python3-venv bookworm` into a
#    temporary folder, trimmed of apt caches, docs, man pages and locales, packed as a tar
#    in $SENTINEL_CACHE_DIR/image/ (kept between runs: debootstrap takes minutes);
# 2. `buildah from scratch` + copy of that tree + `buildah commit`, unless buildah's storage
#    already holds the image built from the same tar.
# Then: buildah bud --build-arg BASE_IMAGE=<printed name> ... (see scripts/image-build.sh).
#
# Needs root (debootstrap, buildah's chroot isolation) and the Debian packages debootstrap
# and buildah (scripts/install-system-deps.sh installs them).
#
# Environment:
#   SENTINEL_CACHE_DIR   cache root (default: $HOME/.cache/sentinel)
#   DEBIAN_MIRROR        mirror for debootstrap (default: debootstrap's own)
set -euo pipefail

SUITE=bookworm
IMAGE=localhost/sentinel-base:$SUITE-python3
CACHE_ROOT="${SENTINEL_CACHE_DIR:-$HOME/.cache/sentinel}"
TAR="$CACHE_ROOT/image/debian-$SUITE-minbase-python3.tar"

log() { echo "image-base: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in debootstrap buildah tar; do
    command -v "$tool" >/dev/null || die "$tool not found (bash scripts/install-system-deps.sh)"
done
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap and buildah's chroot isolation)"

if [[ ! -s $TAR ]]; then
    mkdir -p "$(dirname "$TAR")"
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    log "debootstrap $SUITE (minbase + python3) into $root: a few minutes"
    debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$root/fs" \
        ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$root/debootstrap.log" 2>&1 \
        || { tail -20 "$root/debootstrap.log" >&2; die "debootstrap failed"; }
    # What a running container never reads: package caches and lists, docs, manuals, locales.
    rm -rf "$root/fs/var/cache/apt/"*.bin "$root/fs/var/cache/apt/archives/"*.deb \
        "$root/fs/var/lib/apt/lists/"* "$root/fs/usr/share/doc/"* "$root/fs/usr/share/man/"* \
        "$root/fs/usr/share/info/"* "$root/fs/var/log/"*
    find "$root/fs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' \
        -exec rm -rf {} +
    tar --numeric-owner -C "$root/fs" -cf "$TAR.tmp" .
    mv "$TAR.tmp" "$TAR"
    log "cached $TAR ($(du -h "$TAR" | cut -f1))"
fi

# The image carries the tar's checksum: a new tar (after a cache wipe) makes a new image.
sum="$(sha256sum "$TAR" | cut -c1-16)"
if [[ "$(buildah inspect --type image --format '{{index .ImageAnnotations "org.sentinel.base-tar"}}' "$IMAGE" 2>/dev/null || true)" != "$sum" ]]; then
    log "committing $IMAGE from $TAR"
    ctr="$(buildah from scratch)"
    mnt="$(buildah mount "$ctr")"
    tar --numeric-owner -C "$mnt" -xf "$TAR"
    buildah umount "$ctr" >/dev/null
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env LANG=C.UTF-8 --cmd /bin/sh --annotation "org.sentinel.base-tar=$sum" "$ctr"
    buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
fi
echo "$IMAGE"
