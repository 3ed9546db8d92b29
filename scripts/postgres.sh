#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests (Debian package `postgresql`).
#
#   scripts/postgres.sh install            install the server package if initdb is missing
#   scripts/postgres.sh start DIR PORT     initdb a cluster in DIR, start it on 127.0.0.1:PORT
#                                          and a unix socket in DIR; prints the connection URL
#   scripts/postgres.sh stop DIR           stop the cluster in DIR (the caller removes DIR)
#
# Tests run as root and initdb refuses root, so the cluster belongs to the `postgres` user
# (created by the package) and every server command runs through `runuser -u postgres`.
set -euo pipefail

pg_bin() {
  local initdb
  initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$initdb" ]] && dirname "$initdb"
}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  if [[ -n "$(pg_bin)" ]]; then return 0; fi
  echo "postgres.sh: installing the PostgreSQL server (apt-get install postgresql)" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "postgres.sh: need root to install the postgresql package" >&2; exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  [[ -n "$(pg_bin)" ]] || { echo "postgres.sh: initdb still missing after install" >&2; exit 2; }
}

start() {
  local dir=$1 port=$2 bin
  install
  bin=$(pg_bin)
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # unix socket in DIR and loopback only: nothing listens on a public interface.
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  fi
}

case "${1:-}" in
  install) install ;;
  start) [[ $# -eq 3 ]] || { echo "usage: $0 start DIR PORT" >&2; exit 2; }; start "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 {install|start DIR PORT|stop DIR}" >&2; exit 2 ;;
esac
