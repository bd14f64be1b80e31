#!/usr/bin/env bash
# Measure the bot from outside: build it, start it on a fresh database, drive
# N signed callbacks at it over loopback with `bot load`, print throughput and
# p50/p99, check that exactly N inbox rows exist, stop it.
#
#   scripts/loadtest.sh                 # SQLite, 30000 callbacks
#   scripts/loadtest.sh mysql           # MySQL (QUNBOT_TEST_MYSQL_DSN, default root@127.0.0.1/test)
#   N=50000 C=64 RATE=3000 scripts/loadtest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
driver=${1:-sqlite}
N=${N:-30000} C=${C:-64} RATE=${RATE:-0}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/bot" ./cmd/bot
export QUNBOT_HTTP_ADDR=127.0.0.1:18080 QUNBOT_LOG_LEVEL=warn
if [ "$driver" = mysql ]; then
  base=${QUNBOT_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/test}
  db="qunbot_load_$$"
  mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE $db CHARACTER SET utf8mb4"
  trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS '"$db"'"; rm -rf "$work"' EXIT
  export QUNBOT_DATABASE_DRIVER=mysql QUNBOT_DATABASE_DSN="${base%/*}/$db"
else
  export QUNBOT_DATABASE_DRIVER=sqlite QUNBOT_DATABASE_DSN="$work/qunbot.db"
fi
"$work/bot" serve >"$work/bot.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
  curl -fsS "http://$QUNBOT_HTTP_ADDR/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! kill -0 "$pid" 2>/dev/null; then
  echo "the bot did not start (is $QUNBOT_HTTP_ADDR taken?):" >&2
  cat "$work/bot.log" >&2
  exit 1
fi
"$work/bot" load -url "http://$QUNBOT_HTTP_ADDR" -n "$N" -c "$C" -rate "$RATE"
