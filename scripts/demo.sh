#!/usr/bin/env bash
# The main job (`make demo`): render the bundled Erenhot – Zamyn-Uud map and run one simulated
# working day on it with 60 AGVs and the real orchestrator core (output in out/), then serve the
# live control-room console on the same day in accelerated real time (DEMO_CONSOLE=0: skip it).
set -euo pipefail
cd "$(dirname "$0")/.."
BF=${BORDERFLOW:-.venv/bin/borderflow}  # override to try a different install
MAP=maps/erenhot_zamyn_uud.geojson
OUT=out
mkdir -p "$OUT"

if "$BF" map --help >/dev/null 2>&1; then
  echo "== rendering $MAP"
  "$BF" map render "$MAP" -o "$OUT/erenhot_zamyn_uud.png"
else
  echo "== (map rendering not available in this build; skipping)"
fi

echo "== simulating one day at Erenhot – Zamyn-Uud (sim/scenarios/erenhot_day.toml)"
status=0
"$BF" simulate erenhot_day \
  --json "$OUT/erenhot_day.kpis.json" \
  --report "$OUT/erenhot_day.report.html" \
  --events "$OUT/erenhot_day.events.jsonl" || status=$?

echo
echo "KPIs (JSON):   $OUT/erenhot_day.kpis.json"
echo "Report (HTML): $OUT/erenhot_day.report.html   (open it in a browser)"
echo "Event log:     $OUT/erenhot_day.events.jsonl"
[ -f "$OUT/erenhot_zamyn_uud.png" ] && echo "Map:           $OUT/erenhot_zamyn_uud.png"
[ "$status" -eq 0 ] || exit "$status"
[ "${DEMO_CONSOLE:-1}" = 1 ] || exit 0

# The live console on the same day, in accelerated real time (DEMO_SPEED simulated seconds per
# wall second), simulated customs deciding, with demo accounts made fresh for this run.
SPEED=${DEMO_SPEED:-30}
PORT=${DEMO_PORT:-8750}
STATE="$OUT/demo-state"
rm -rf "$STATE"
PW=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')
for acct in "operator:operator" "cn-officer:officer --authority CN" "mn-officer:officer --authority MN"; do
  name=${acct%%:*}; args=${acct#*:}
  # shellcheck disable=SC2086  # the role arguments are meant to split
  printf '%s\n' "$PW" | "$BF" bridge user-add "$name" --role $args --password-stdin --state-dir "$STATE" >/dev/null
done
echo
echo "== the live console: http://127.0.0.1:$PORT/   (Ctrl-C to stop)"
echo "   sign in as operator, cn-officer or mn-officer with the password $PW"
echo "   simulated time runs ${SPEED}x; API docs at http://127.0.0.1:$PORT/docs"
exec "$BF" serve --port "$PORT" --speed "$SPEED" --auto-customs --state-dir "$STATE" \
  --db "sqlite:///$STATE/bridge.db"
