#!/usr/bin/env bash
# The console's front-end libraries, fetched from the npm registry at build time (never at run
# time) into risk_bridge/console/static/vendor/: Leaflet (map), uPlot (charts), Swagger UI and
# ReDoc (/docs, /redoc offline). Pinned versions; a stamp file makes a second run a no-op.
set -euo pipefail

LEAFLET=1.9.4
UPLOT=1.6.32
SWAGGER=5.35.0
REDOC=2.5.4

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST="$ROOT/risk_bridge/console/static/vendor"
STAMP="$DEST/.versions"
WANT="leaflet@$LEAFLET uplot@$UPLOT swagger-ui-dist@$SWAGGER redoc@$REDOC"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "console_assets.sh: npm is missing; install it (Debian: apt-get install npm) and rerun 'make console'" >&2
  exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# unpack NAME VERSION: npm pack into $TMP, extract to $TMP/NAME/package
unpack() {
  local name=$1 version=$2 tgz
  tgz=$(cd "$TMP" && npm pack --silent "$name@$version" | tail -1)
  mkdir -p "$TMP/$name"
  tar -xzf "$TMP/$tgz" -C "$TMP/$name"
}

echo "console_assets.sh: fetching $WANT"
unpack leaflet "$LEAFLET"
unpack uplot "$UPLOT"
unpack swagger-ui-dist "$SWAGGER"
unpack redoc "$REDOC"

NEW="$TMP/out"
mkdir -p "$NEW/leaflet/images" "$NEW/uplot" "$NEW/swagger-ui" "$NEW/redoc"
P="$TMP/leaflet/package/dist"
cp "$P/leaflet.js" "$P/leaflet.css" "$NEW/leaflet/"
cp "$P"/images/*.png "$NEW/leaflet/images/"
P="$TMP/uplot/package/dist"
cp "$P/uPlot.iife.min.js" "$P/uPlot.min.css" "$NEW/uplot/"
P="$TMP/swagger-ui-dist/package"
cp "$P/swagger-ui-bundle.js" "$P/swagger-ui.css" "$P/favicon-32x32.png" "$NEW/swagger-ui/"
cp "$TMP/redoc/package/bundles/redoc.standalone.js" "$NEW/redoc/"
for pkg in leaflet uplot swagger-ui-dist redoc; do
  cp "$TMP/$pkg/package/LICENSE"* "$NEW/${pkg%-dist}/" 2>/dev/null || true
done

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$NEW" "$DEST"
echo "$WANT" >"$STAMP"
echo "console_assets.sh: vendor assets in ${DEST#"$ROOT"/}"
