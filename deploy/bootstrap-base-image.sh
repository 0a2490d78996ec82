#!/usr/bin/env bash
# Make the local Debian base image deploy/Containerfile builds on, for a host that reaches
# Debian's package mirror but no container registry: debootstrap a minimal bookworm root file
# system and `podman import` it. Does nothing when the image is already there.
#
#   sudo deploy/bootstrap-base-image.sh [IMAGE]      # default localhost/debian:bookworm-min
#
# Environment: SUITE (default bookworm), MIRROR (default: debootstrap's, Debian's own),
# PODMAN (default "podman --runtime runc").
set -euo pipefail
IMAGE=${1:-localhost/debian:bookworm-min}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-}
PODMAN=${PODMAN:-podman --runtime runc}

if $PODMAN image exists "$IMAGE"; then
  echo "base image $IMAGE is present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "debootstrap needs root: run this script with sudo" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  echo "debootstrap is missing: apt-get install debootstrap" >&2
  exit 1
fi

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
started=$(date +%s)
# shellcheck disable=SC2086  # MIRROR is empty or one URL
debootstrap --variant=minbase "$SUITE" "$rootfs" $MIRROR >/dev/null
# What a container does not need: package lists and caches, documentation.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/*
tar -C "$rootfs" --numeric-owner -c . | $PODMAN import \
  --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$IMAGE" >/dev/null
echo "base image $IMAGE made in $(( $(date +%s) - started )) s"
