# 基层党建管理平台 — set-up and everyday commands. Each target bootstraps what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= var/dangjian.db
SCALE ?= 1
SEED ?= 20251231
AS_OF ?= 2025-12-31

.PHONY: install web browser demo demo-data report test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

WEB_STAMP := web/node_modules/.installed

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

# Debian's chromium and CJK fonts for the browser tests (Playwright drives the system browser).
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi "Noto Sans CJK" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

# The browser app, typed from the server's OpenAPI, built into web/dist (served at /).
web: install $(WEB_STAMP)
	$(BIN)/dangjian openapi --out var/openapi.json
	cd web && npm run --silent api-types && npm run --silent build

# Generates the demo city of the speech (if it is not there yet), prints its report and the demo
# accounts, and serves it on http://127.0.0.1:8000.
demo: install web
	@test -f $(DB) || $(BIN)/dangjian demo-data --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF)
	$(BIN)/dangjian report --as-of $(AS_OF) --speech
	$(BIN)/dangjian org-life
	$(BIN)/dangjian demo-accounts
	$(BIN)/dangjian serve --host 127.0.0.1 --port 8000

demo-data: install
	$(BIN)/dangjian demo-data --scale $(SCALE) --seed $(SEED) --as-of $(AS_OF) --replace

test: install web browser
	$(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/compliance.py

clean:
	rm -rf var/ .pytest_cache
