#!/usr/bin/env bash
# Back up the service's database, online (the service keeps running), to one file.
#
#   deploy/backup.sh FILE        # FOLLOWUP_DATABASE_URL from the environment
#
# SQLite: Python's online backup API, a consistent copy even while the service writes (never
# `cp` a live SQLite file: the WAL holds the newest writes). PostgreSQL: pg_dump's custom format
# (restore with pg_restore). Under compose, dump inside the database's container instead:
#   podman exec followup_postgres_1 pg_dump -U followup -Fc followup > FILE
# The instance folder holds the spool (webhooks not yet stored) and, without
# FOLLOWUP_SECRET_KEY, the development key: back it up too (tar), and keep FOLLOWUP_SECRET_KEY
# with your secrets: without it, intake signing keys and sessions cannot be checked.
set -euo pipefail
dest=${1:?usage: deploy/backup.sh FILE}
url=${FOLLOWUP_DATABASE_URL:?set FOLLOWUP_DATABASE_URL}
umask 077
case "$url" in
  sqlite:///*)
    python3 - "${url#sqlite:///}" "$dest" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
print(target.execute("PRAGMA integrity_check").fetchone()[0])
PY
    ;;
  postgresql*)
    # libpq reads the same URL without SQLAlchemy's driver suffix.
    pg_dump --format=custom --file="$dest" "postgresql:${url#postgresql*:}"
    ;;
  *)
    echo "unknown database URL scheme" >&2
    exit 1
    ;;
esac
echo "backed up to $dest ($(du -h "$dest" | cut -f1))"
