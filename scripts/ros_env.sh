#!/usr/bin/env bash
# The environment that runs borderflow's ROS 2 nodes from this checkout: the built ros_ws/
# packages on the paths, and DDS kept on this machine (loopback + shared memory only).
#   source scripts/ros_env.sh           # exports into the current shell
#   eval "$(scripts/ros_env.sh)"        # same, from any shell
# ROS_DOMAIN_ID: kept if already set, otherwise a per-shell value in 1..100 (parallel runs on one
# machine must not share a domain). A real deployment widens the range: see docs/ros.md.
_bf_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_bf_install="$_bf_root/ros_ws/install"
_bf_venv="${BORDERFLOW_VENV:-$_bf_root/.venv}"
_bf_site="$_bf_install/lib/python3.11/site-packages"
_bf_lines=(
  "export PYTHONPATH=\"$_bf_site:$_bf_root${PYTHONPATH:+:$PYTHONPATH}\""
  "export LD_LIBRARY_PATH=\"$_bf_install/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\""
  "export AMENT_PREFIX_PATH=\"$_bf_install:$_bf_venv\""
  "export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST"
  "export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$(( ($$ % 100) + 1 ))}"
  "export FASTDDS_DEFAULT_PROFILES_FILE=\"$_bf_root/ros_ws/fastdds_localhost.xml\""
  "export RMW_IMPLEMENTATION=rmw_fastrtps_cpp"
)
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  for _bf_l in "${_bf_lines[@]}"; do eval "$_bf_l"; done
  unset _bf_l
else
  printf '%s\n' "${_bf_lines[@]}"
fi
unset _bf_root _bf_install _bf_venv _bf_site _bf_lines
