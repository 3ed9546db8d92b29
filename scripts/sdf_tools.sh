#!/usr/bin/env bash
# SDFormat validation for the Gazebo worlds (`borderflow gazebo world`): Debian's libsdformat-dev
# and ignition-tools give `ign sdf -k FILE` (SDFormat 12, spec up to 1.9). Gazebo itself does not
# install on Debian 12; this is the checker the tests in tests/gazebo/ run every world through.
# Installs only when `ign sdf` is missing; quiet; idempotent.
set -euo pipefail

if command -v ign >/dev/null && ign sdf --help >/dev/null 2>&1; then
  exit 0
fi
pkgs=(libsdformat-dev ignition-tools)
if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
  echo "sdf_tools.sh: 'ign sdf' missing and not root: run 'apt-get install --no-install-recommends ${pkgs[*]}' as root" >&2
  exit 1
fi
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
echo "sdf_tools.sh: installing ${pkgs[*]} (Debian)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
ign sdf --help >/dev/null 2>&1 || { echo "sdf_tools.sh: 'ign sdf' still missing after install" >&2; exit 1; }
