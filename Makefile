# Two commands do everything on a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/data/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_LOGGING_LEVEL ?= WARNING
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: install demo test test-fast lint clean web-assets chromium serve pdf-tools bench bytecode
.PHONY: postgresql test-sqlite test-postgresql db-upgrade prefect-server prefect-deploy prefect-worker prefect-serve

# uv is bootstrapped with pip at -qq, which hides pip's warnings as well as its progress: a machine's pip.conf may
# name extra index folders that do not exist, and pip warns once per folder on every install. Errors still print,
# and the machine's own pip settings (index, certificate, proxy) still apply; see docs/decisions.md.
$(STAMP): pyproject.toml overrides.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet uv
	# prefect 3.9 asks for a certifi newer than the registry serves; see docs/decisions.md.
	$(BIN)/uv pip install --quiet --python $(BIN)/python --override overrides.txt -e ".[test]"
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# Precompile every module once. Machines that set PYTHONDONTWRITEBYTECODE=1 (this one does) never cache
# bytecode, so each process (every CLI call, Prefect's temporary server, each test worker) compiled every
# module it imported from source: about half of Prefect's start-up (docs/decisions.md). Some packages ship
# modules for newer Pythons (whenever/_typing_312.py) that never compile here and are never imported, so
# compileall's exit status is not a failure.
PACKAGES := audit flows web reports ehcp_audit_cli bench
bytecode:
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib $(PACKAGES) >/dev/null 2>&1 || true

install: $(STAMP)

# GOV.UK Frontend pinned to the version govuk-frontend-jinja 4.1.0 supports; axe-core for the browser tests;
# swagger-ui-dist so the API docs page needs no CDN. Installed into node_modules/ (gitignored).
WEB_ASSETS := node_modules/.web-assets-6.3.0
$(WEB_ASSETS):
	SCARF_ANALYTICS=false npm install --no-audit --no-fund --no-save --ignore-scripts govuk-frontend@6.3.0 axe-core@4 swagger-ui-dist@5
	touch $(WEB_ASSETS)

web-assets: $(WEB_ASSETS)

# The board pack's PDF tests read PDFs with poppler-utils (pdfinfo, pdftotext, pdftoppm); WeasyPrint needs pango.
# WeasyPrint imports without HarfBuzz-Subset but then subsets fonts with fontTools, about 0.3 s per font per
# PDF (the pack's PDF is laid out in nine parts), so the library is checked for on its own.
pdf-tools:
	command -v pdftoppm >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils)
	($(BIN)/python -c "import weasyprint" 2>/dev/null && /sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)

# The browser tests drive Debian's chromium (never a browser downloaded by Playwright).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

serve: $(STAMP) $(WEB_ASSETS)
	$(BIN)/ehcp-audit serve

demo: $(STAMP) $(WEB_ASSETS) bytecode
	$(BIN)/ehcp-audit demo

# The whole suite twice: on SQLite, then on PostgreSQL (a throwaway cluster the tests start and remove;
# docs/production.md). The browser tests drive the UI, not the store, and the benchmarks' smoke tests build
# their own SQLite stores, so both run in the SQLite pass only.
test: lint test-sqlite test-postgresql

# The lint gate (issue 16): ruff with the rules in pyproject.toml ([tool.ruff]); docs/decisions.md says why.
lint: $(STAMP)
	$(BIN)/ruff check .

# The SQLite pass runs with the product's clock five years ahead (audit/clock.py) and the PostgreSQL pass at
# the real date: a test that leans on today's date fails in one of them, not months after it was written.
CLOCK_SHIFT_DAYS ?= 1826

test-sqlite: $(STAMP) $(WEB_ASSETS) chromium pdf-tools bytecode
	EHCP_AUDIT_CLOCK_SHIFT_DAYS=$(CLOCK_SHIFT_DAYS) EHCP_AUDIT_TEST_DATABASE=sqlite $(BIN)/pytest -n 2 --dist loadgroup

test-postgresql: $(STAMP) $(WEB_ASSETS) pdf-tools postgresql bytecode
	EHCP_AUDIT_TEST_DATABASE=postgresql $(BIN)/pytest -n 2 --dist loadgroup -m "not browser and not bench"

# Debian's PostgreSQL server binaries (initdb, pg_ctl) for the PostgreSQL test pass and the benchmarks.
postgresql: $(STAMP)
	$(BIN)/python scripts/pg_cluster.py install >/dev/null

test-fast: $(STAMP) pdf-tools
	$(BIN)/pytest -n 2 -m "not prefect"

clean:
	rm -rf $(VENV) data out .pytest_cache

# --- Production mode (issue 6; docs/production.md) ---------------------------------------------------------------
POOL ?= ehcp-audit
PREFECT_PORT ?= 4200

# Create or upgrade the audit store's schema (EHCP_AUDIT_DATABASE_URL).
db-upgrade: $(STAMP)
	$(BIN)/ehcp-audit db upgrade

# The Prefect server on PostgreSQL: make prefect-server PG_URL=postgresql+asyncpg://user:pass@host/prefect
prefect-server: $(STAMP)
	@test -n "$(PG_URL)" || (echo "Set PG_URL=postgresql+asyncpg://... (the Prefect server's own database)"; exit 1)
	PREFECT_API_DATABASE_CONNECTION_URL="$(PG_URL)" $(BIN)/prefect server start --host 0.0.0.0 --port $(PREFECT_PORT)

# Register every deployment (programmes included) for a process work pool, then run a worker for it.
prefect-deploy: $(STAMP)
	$(BIN)/prefect work-pool inspect $(POOL) >/dev/null 2>&1 || $(BIN)/prefect work-pool create $(POOL) --type process
	$(BIN)/ehcp-audit prefect deploy --pool $(POOL)

prefect-worker: $(STAMP)
	$(BIN)/prefect worker start --pool $(POOL)

# Or serve every deployment from one process (one machine).
prefect-serve: $(STAMP)
	$(BIN)/ehcp-audit prefect serve

# Benchmarks (issue 9): each bench/*.py writes its figures to bench/results/ and bench/results.md (docs/benchmarks.md).
# Run on an idle machine; `make bench BENCHMARKS=board_pack` runs one. PostgreSQL (Debian) is for the PostgreSQL figures.
BENCHMARKS ?= register_import national prefect_cycle auditors board_pack read_commands results_page precheck qa_pages regional

bench: $(STAMP) pdf-tools postgresql bytecode
	for b in $(BENCHMARKS); do $(BIN)/python -m bench.$$b || exit 1; done
	$(BIN)/python -m bench.report
