# Rapport: two commands for a newcomer.
#   make demo   set everything up and run the app with demo data on http://127.0.0.1:8000
#   make test   set everything up (Chromium included) and run every check CI runs
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := python3 -m uv
PORT ?= 8000

.PHONY: help setup python-deps assets browsers pdf-libs lint test demo serve worker migrate bench bench-queries bench-upload bench-pages bench-load bench-faults clean

help:
	@echo "make demo   - install, migrate, seed demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install (Chromium too), lint, type-check, import rules, migrations check, pytest"
	@echo "make bench  - HTTP benchmark (wrk): the common pages as ratios to a bare Litestar app"
	@echo "make bench-load - 250 creators and 50 staff at once for 60 s: latencies, errors, lost writes"

setup: python-deps assets pdf-libs

python-deps:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen

# Front-end libraries come from npm and are bundled into static/dist (git-ignored).
assets: node_modules/.package-lock.json
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "The front-end needs Node 20 or newer (found $$(node --version))."; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browsers:
	@if [ -x /usr/bin/chromium ]; then echo "Chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && echo "Installed Chromium"; \
	else echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests need /usr/bin/chromium)"; exit 1; fi

# Contracts render to PDF with WeasyPrint: it needs Pango and the DejaVu fonts (Debian packages).
pdf-libs:
	@if ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null && echo "Installed Pango and DejaVu fonts"; \
	else echo "Pango or DejaVu fonts missing: run 'sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core' (contract PDFs need them)"; exit 1; fi

lint: python-deps
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports
	$(UV) run rapport check-migrations

# The suite runs in two worker processes (pytest-xdist), each with its own PostgreSQL, live servers and Chromium
# (docs/performance.md, "The test suite's set-up"). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

test: setup browsers lint
	$(UV) run pytest -n $(TEST_WORKERS)

demo: setup
	PORT=$(PORT) $(UV) run rapport demo

serve: setup
	$(UV) run rapport serve

worker: python-deps
	$(UV) run rapport worker

migrate: python-deps
	$(UV) run rapport migrate

bench: setup
	@command -v wrk >/dev/null || { [ "$$(id -u)" = "0" ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || { echo "Install wrk: sudo apt-get install -y wrk"; exit 1; }
	$(UV) run python bench/http_bench.py

# A crowd for 60 s: 250 creators and 50 staff with their own sessions; 0 errors and 0 lost writes or it fails.
bench-load: setup
	$(UV) run python bench/load_test.py

# PostgreSQL stopped by its PID and started again under a client, then under the crowd: 503s (never 500),
# the recovery time, no lost write; then a worker killed mid-job (about 7 minutes in all).
bench-faults: setup
	$(UV) run python bench/fault_db_restart.py
	$(UV) run python bench/load_test.py --restart-db-at 30
	$(UV) run python bench/fault_worker_kill.py

# Roster and board query latency at 100,000 creators / 1,000,000 deliverables. The data is generated
# once into var/bench-pgdata (a few minutes); later runs reuse it. Figures: docs/performance.md.
bench-queries: python-deps
	$(UV) run python bench/generate_data.py
	$(UV) run python bench/query_bench.py

# A 1 GiB draft upload in S3 mode against moto's server, through the app's upload endpoints and with plain
# boto3 in the same run: bytes through the app, throughput ratio. About 3 minutes. Figures: docs/performance.md.
bench-upload: python-deps
	$(UV) run python bench/upload_bench.py

# First and repeat loads of the main pages in Chromium throttled to 1.6 Mbit/s and 150 ms latency.
# Figures: docs/performance.md (and test-artifacts/page-load.json).
bench-pages: setup browsers
	$(UV) run pytest tests/browser/test_page_weight.py -q -s

clean:
	rm -rf static/dist .pytest_cache .mypy_cache .ruff_cache test-artifacts
