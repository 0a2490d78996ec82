# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cksum < pyproject.toml | cut -d' ' -f1)
# `make run` installs what the service needs; `make test` (and lint, bench) adds the dev extras.
RUN_STAMP := $(VENV)/.installed-run-$(SUM)
DEV_STAMP := $(VENV)/.installed-dev-$(SUM)

.PHONY: run test lint bench bench-long bench-docs clean vendor

# The host's pip installs into the venv (`--python`: no second pip to set up), without compiling
# every module of every package up front (`--no-compile`: Python compiles what it imports, once).
PIP := $(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check \
	--no-compile

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(PIP) -e .
	@rm -f $(VENV)/.installed-run-* && touch $@

$(DEV_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(PIP) -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@ $(RUN_STAMP)

# The demo: a local SQLite database under instance/, the outbox gateway (nothing leaves the
# machine), a demo agency, and a sample token. Texts go out at the next sweep, day or night.
# Any of these can be overridden from the environment.
run: export FOLLOWUP_AGENCY_NAME ?= Westlake Police
run: export FOLLOWUP_INTAKE_TOKEN ?= demo-intake-token
run: export FOLLOWUP_SEND_DELAY ?= 0
run: export FOLLOWUP_QUIET_HOURS ?= off
run: export FOLLOWUP_SEND_INTERVAL ?= 5s
run: export FOLLOWUP_DEMO_ACCOUNTS ?= 1
run: export FOLLOWUP_SIMULATOR ?= 1
run: $(RUN_STAMP)
	$(BIN)/followup run --host $${HOST:-127.0.0.1} --port $${PORT:-5000}

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

# bench/soak.py soaks 30 s per database here (every benchmark together stays under 10
# minutes; 30 s shows what is lost or refused, not a leak); its full 10-minute soak, whose
# memory figures go in README, is `make bench-long`.
bench: export FOLLOWUP_SOAK_SECONDS ?= 30
# bench/import.py imports 5,000 rows on PostgreSQL here and extrapolates (all 100,000 on SQLite).
bench: export FOLLOWUP_IMPORT_POSTGRES_SAMPLE ?= 5000
# bench/reports.py seeds 100,000 calls here (and counts their history); its full size
# (1,000,000) is the script alone.
bench: export FOLLOWUP_REPORTS_CALLS ?= 100000
bench: $(DEV_STAMP)
	$(BIN)/python bench/_run_all.py

# README's and docs/scaling.md's Performance tables, both from the last `make bench` run.
bench-docs: $(DEV_STAMP)
	$(BIN)/python bench/_run_all.py --write-docs

# The full soak: 10 minutes per database (about 22 minutes with PostgreSQL).
bench-long: $(DEV_STAMP)
	$(BIN)/python bench/soak.py --seconds 600

# Browser libraries from npm (package.json, package-lock.json), copied into the static folder and
# committed, so `make run` and `make test` need no Node. Run after changing a version.
vendor:
	npm ci --no-audit --no-fund
	sed '/sourceMappingURL/d' node_modules/chart.js/dist/chart.umd.min.js \
		> templates/static/vendor/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md templates/static/vendor/chart.js.LICENSE.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
