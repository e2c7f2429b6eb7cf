# Two commands for a fresh machine:
#   make run   - install, score the bundled sample city, export the media CSV,
#                publish to the embedded store, start the dashboard on
#                http://127.0.0.1:8050
#   make test  - install (with Debian's chromium for browser tests), run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PERIOD ?= 2025
OUT    ?= data/output
PORT   ?= 8050
YEAR   := $(firstword $(subst -, ,$(PERIOD)))
ANNUAL := $(if $(filter $(PERIOD),$(YEAR)),$(OUT),$(OUT)/annual)

.PHONY: install browser-deps run score export publish dashboard test bench lint lock clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

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

# Publish to the embedded store (data/output/store.duckdb): the period run, then the
# year-end appraisal on the annual run of PERIOD's year (every indicator at its own
# frequency): the same result when PERIOD is a year, else the year scored apart.
# The demo store is rebuilt from the sample each time (a release is never replaced
# silently: publishing 2025 again into the same store is refused).
publish: score
	rm -f $(OUT)/store.duckdb $(OUT)/store.duckdb.wal
	$(BIN)/evaluation publish $(OUT)/result --store $(OUT)/store.duckdb --by "make run" \
	  --uncertainty-draws 1000 --release
	$(if $(filter $(PERIOD),$(YEAR)),,$(BIN)/evaluation score data/sample \
	  --period $(YEAR) --out $(OUT)/annual)
	$(BIN)/evaluation publish $(ANNUAL)/result --appraisal data/sample/appraisal \
	  --store $(OUT)/store.duckdb --by "make run" --release

run: export publish
	$(BIN)/evaluation dashboard $(OUT)/store.duckdb --host 127.0.0.1 --port $(PORT)

# pytest exits 5 when it collects nothing: that is a failure, never a pass.
test: install browser-deps
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

lint: install
	$(BIN)/ruff check evaluation dashboards tests benchmarks

# Re-pin every dependency after changing pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^evaluation' > requirements.lock

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
