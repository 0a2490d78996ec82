#!/usr/bin/env bash
# Start deploy/compose.yaml step by step, for podman 4.x hosts (Debian 12's podman 4.3) where
# compose's own ordering does not work: health checks run on systemd timers (none in many
# containers and CI hosts), and podman-compose's --requires chains fail to start. Each step
# waits itself: PostgreSQL answers, the migration exits 0, then web and the two senders start,
# and the script waits for /readyz. With docker compose or podman 4.6+, plain `up -d` does this.
#
#   deploy/podman-up.sh [--profile prometheus ...]      (COMPOSE: default "podman-compose")
set -euo pipefail
cd "$(dirname "$0")"
COMPOSE=${COMPOSE:-podman-compose}
compose() { $COMPOSE -f compose.yaml "$@"; }
port=$(sed -n 's/^FOLLOWUP_HTTP_PORT=//p' .env 2>/dev/null | tail -n 1)
port=${port:-8000}

wait_for() {  # wait_for SECONDS WHAT COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "gave up waiting for $what" >&2; return 1; fi
    sleep 0.5
  done
}

compose up -d --no-deps postgres
wait_for 120 "PostgreSQL" compose exec -T postgres pg_isready -h 127.0.0.1 -q
compose run --rm --no-deps migrate
compose up -d --no-deps web sender-a sender-b
if [ "$#" -gt 0 ]; then compose "$@" up -d --no-deps prometheus grafana; fi
wait_for 120 "the web app's /readyz" curl -fsS "http://127.0.0.1:$port/readyz"
echo "ready: http://127.0.0.1:$port/readyz"
