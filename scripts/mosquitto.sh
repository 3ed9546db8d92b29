#!/usr/bin/env bash
# Mosquitto (Debian package) for VDA 5050 over MQTT, on loopback only.
#   bash scripts/mosquitto.sh install         install the broker if it is missing (quiet)
#   bash scripts/mosquitto.sh start [PORT]    a broker on 127.0.0.1:PORT (default 1883) in
#                                             out/mosquitto/, anonymous clients allowed (loopback)
#   bash scripts/mosquitto.sh stop            stop it
# The tests start their own brokers on free ports (tests/vda5050/conftest.py); this is for people.
set -euo pipefail
cmd=${1:-install}
here=$(cd "$(dirname "$0")/.." && pwd)
dir="$here/out/mosquitto"

install() {
  if command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]]; then return 0; fi
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "mosquitto.sh: mosquitto missing and not root: run 'apt-get install mosquitto' as root" >&2
    exit 1
  fi
  local sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  echo "mosquitto.sh: installing mosquitto (Debian)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends mosquitto >/dev/null
  # The package's own service is not wanted here (it would listen on every interface).
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
}

case "$cmd" in
  install) install ;;
  start)
    install
    port=${2:-1883}
    mkdir -p "$dir"
    cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
pid_file $dir/mosquitto.pid
log_dest file $dir/mosquitto.log
CONF
    bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    "$bin" -c "$dir/mosquitto.conf" -d
    echo "mosquitto on mqtt://127.0.0.1:$port (log: $dir/mosquitto.log; stop: make mqtt-stop)"
    ;;
  stop)
    if [[ -f "$dir/mosquitto.pid" ]]; then kill "$(cat "$dir/mosquitto.pid")" 2>/dev/null || true; rm -f "$dir/mosquitto.pid"; fi
    ;;
  *) echo "usage: $0 install | start [PORT] | stop" >&2; exit 2 ;;
esac
