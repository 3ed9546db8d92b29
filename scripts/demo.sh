#!/usr/bin/env bash
# The main job (`make demo`): render the bundled Erenhot – Zamyn-Uud map and run one simulated
# working day on it with 60 AGVs and the real orchestrator core. Output goes to out/.
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
exit "$status"
