#!/bin/sh
# The image's entry point: refuse to start without a secret key, then run the command.
set -eu
if [ -z "${FOLLOWUP_SECRET_KEY:-}" ]; then
  echo "followup: FOLLOWUP_SECRET_KEY is not set; the container will not start without it." >&2
  echo "  Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'" >&2
  echo "  and pass it in the environment (an env file, or your orchestrator's secret store)." >&2
  exit 78  # EX_CONFIG
fi
# Files the service writes are its own alone (the SQLite file, the spool, the instance folder).
umask 077
# Per-process metrics of gunicorn's workers: an empty folder at each start (README).
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
