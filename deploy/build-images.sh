#!/usr/bin/env bash
# Build the images deploy/compose.yaml runs: localhost/followup and localhost/followup-postgres.
#
#   deploy/build-images.sh            # on a Debian base from a registry (BASE_IMAGE)
#   LOCAL_BASE=1 deploy/build-images.sh   # no registry: bootstrap the base with debootstrap
#
# Environment: BASE_IMAGE (default docker.io/library/debian:bookworm-slim), PODMAN (default
# "podman"), BUILD_ARGS (more `podman build` options, e.g. --ulimit or --secret id=ca,src=...).
# --format docker: an OCI image would drop the HEALTHCHECK.
set -euo pipefail
cd "$(dirname "$0")/.."
PODMAN=${PODMAN:-podman}
BASE_IMAGE=${BASE_IMAGE:-docker.io/library/debian:bookworm-slim}
if [ -n "${LOCAL_BASE:-}" ]; then
  BASE_IMAGE=localhost/debian:bookworm-min
  PODMAN="$PODMAN" deploy/bootstrap-base-image.sh "$BASE_IMAGE"
fi
# shellcheck disable=SC2086  # BUILD_ARGS is a list of options
$PODMAN build --format docker --build-arg BASE="$BASE_IMAGE" ${BUILD_ARGS:-} -t localhost/followup \
  -f deploy/Containerfile .
# shellcheck disable=SC2086
$PODMAN build --format docker --build-arg BASE="$BASE_IMAGE" ${BUILD_ARGS:-} -t localhost/followup-postgres \
  -f deploy/postgres.Containerfile .
$PODMAN image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' localhost/followup
