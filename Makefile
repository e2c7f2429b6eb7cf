# Two commands for a fresh machine:
#   make run   - install what running needs, score the bundled sample city, export
#                the media CSV, publish to the store (data/store.duckdb, the one every
#                command uses by default), start the dashboard on http://127.0.0.1:8050
#   make test  - install with the [dev] extra (tests, notebooks; Debian's chromium for
#                browser tests), run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2025
OUT    ?= data/output
STORE  ?= data/store.duckdb
PORT   ?= 8050
YEAR   := $(firstword $(subst -, ,$(PERIOD)))
ANNUAL := $(if $(filter $(PERIOD),$(YEAR)),$(OUT),$(OUT)/annual)

.PHONY: install install-dev lab browser-deps run score export publish dashboard test \
  bench lint lock clean

# What running needs (pyproject's dependencies), pinned by requirements.lock; the
# [dev] extra (pytest, JupyterLab, ruff, the test oracles …) only for make test,
# lint, lock and lab.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# JupyterLab on the analyst notebooks (notebooks/*.py, paired with .ipynb by jupytext)
lab: install-dev
	$(BIN)/jupyter lab notebooks/

# Browser tests drive Debian's chromium (nothing downloads a browser of its own);
# fonts-noto-cjk renders the Chinese labels in screenshots and reports; kaleido
# exports report figures with the same chromium; WeasyPrint needs Pango.
BROWSER_PKGS := chromium chromium-driver fonts-noto-cjk libpango-1.0-0 \
  libpangoft2-1.0-0 libharfbuzz-subset0
browser-deps:
	@if dpkg -s $(BROWSER_PKGS) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS) >/dev/null; \
	else \
	  echo "browser tests need: sudo apt-get install $(BROWSER_PKGS)" >&2; exit 1; \
	fi

score: install
	$(BIN)/evaluation score data/sample --period $(PERIOD) --out $(OUT)

export: score
	$(BIN)/evaluation export $(OUT)/result --period $(PERIOD) --lang zh --out $(OUT)/media_$(PERIOD)_zh.csv
	$(BIN)/evaluation export $(OUT)/result --period $(PERIOD) --lang en --out $(OUT)/media_$(PERIOD)_en.csv

# Publish to the store (STORE, data/store.duckdb: the default of every command): the
# period run, then the year-end appraisal on the annual run of PERIOD's year (every
# indicator at its own frequency): the same result when PERIOD is a year, else the
# year scored apart. Released runs are never replaced nor the store removed: a run of
# that kind and period released already (by an earlier make run, or the office's
# own) is kept and said so (--skip-released), so make run works again and again.
publish: score
	$(BIN)/evaluation publish $(OUT)/result --store $(STORE) --by "make run" \
	  --uncertainty-draws 1000 --release --skip-released
	$(if $(filter $(PERIOD),$(YEAR)),,$(BIN)/evaluation score data/sample \
	  --period $(YEAR) --out $(OUT)/annual)
	$(BIN)/evaluation publish $(ANNUAL)/result --appraisal data/sample/appraisal \
	  --store $(STORE) --by "make run" --release --skip-released

run: export publish
	$(BIN)/evaluation dashboard $(STORE) --host 127.0.0.1 --port $(PORT)

# pytest exits 5 when it collects nothing: that is a failure, never a pass.
test: install-dev browser-deps
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

bench: install
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_quality.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_national.py
	$(BIN)/python benchmarks/bench_appraisal.py

lint: install-dev
	$(BIN)/ruff check evaluation dashboards tests benchmarks

# Re-pin every dependency after changing pyproject.toml.
lock: install-dev
	$(BIN)/python -m pip freeze --all --exclude-editable \
	  | grep -v -e '^evaluation' -e '^pip==' > requirements.lock  # (--all: setuptools too)

# The environment, the caches and what make run computes again; never the publication
# store (STORE), the rectification ledger nor analysts' flag decisions (data/*.csv),
# nor any other file in OUT.
clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache $(OUT)/result $(OUT)/annual
	rm -f $(OUT)/ranking_*.csv $(OUT)/media_*
