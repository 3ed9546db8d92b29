#!/usr/bin/env bash
# The real browser for the console's tests: Debian's chromium and the CJK fonts (so Chinese
# labels render in screenshots). Installs only what is missing; quiet; idempotent.
# Never `playwright install`: the tests drive /usr/bin/chromium through executable_path.
set -euo pipefail

need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed" \
  || need+=(fonts-noto-cjk)
if ((${#need[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
  echo "browser.sh: ${need[*]} missing and not root: run 'apt-get install ${need[*]}' as root" >&2
  exit 1
fi
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
echo "browser.sh: installing ${need[*]} (Debian)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
[[ -x /usr/bin/chromium ]] || { echo "browser.sh: /usr/bin/chromium still missing after install" >&2; exit 1; }
