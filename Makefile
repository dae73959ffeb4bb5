# NeuroReview: `make demo` serves the app on http://127.0.0.1:8000; `make test` runs the suite
# against the real PostgreSQL and Redis on 127.0.0.1.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
VAR := var
DEMO_PATIENTS ?= 8
DEMO_SEED ?= 20261125
DEMO_RESOLUTION ?= 1

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/neuroreview
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test bench serve frontend install install-test lint chromium pacs-tools api-types

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.3
	# torch first and pinned in every command: the CPU wheel on this disk, never a CUDA download
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet torch==2.13.0 -r requirements.txt
	# Installed bare, their imports pinned in requirements.txt: torchdyn's metadata pulls
	# torchvision, which breaks torch's CPU build; deepbet's pulls its GUI's toolkit
	$(PIP) install --quiet --no-deps torchdyn==1.0.6 deepbet==1.0.2
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install --quiet torch==2.13.0 -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

# The API's OpenAPI schema and the frontend types generated from it are both committed, so the
# frontend builds without Django; tests/reviewer/viewer/test_manifest_schema.py fails when the
# code has moved on from them. `make api-types` regenerates both. DATABASE_URL names PostgreSQL
# (nothing connects to it) so that the schema's integer ranges are production's.
API_SCHEMA := frontend/src/types/openapi.json
API_TYPES := frontend/src/types/api.ts

api-types: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py spectacular --format openapi-json \
		--validate --file $(API_SCHEMA)
	$(MAKE) --no-print-directory $(API_TYPES)

$(API_TYPES): $(API_SCHEMA) frontend/node_modules/.installed
	cd frontend && npm run --silent api-types

static/frontend/.built: frontend/node_modules/.installed $(API_TYPES) $(shell find frontend/src -type f 2>/dev/null) frontend/vite.config.mjs
	cd frontend && npm run build
	# gzip twins beside the files: whitenoise sends them to browsers that accept gzip
	find static/frontend -type f \( -name '*.js' -o -name '*.css' -o -name '*.wasm' \) \
		-exec gzip -9 --keep --force {} +
	touch $@

frontend: static/frontend/.built

# The browser tests and the viewer benchmark drive Debian's Chromium (never a downloaded browser)
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || [ "$$(id -u)" != 0 ] || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@test -x $(CHROMIUM) || { echo "The browser tests need Debian's Chromium at $(CHROMIUM):" \
		"run 'apt-get update && apt-get install -y chromium' as root"; exit 1; }

# The PACS tests start Debian's Orthanc with its DICOMweb plugin (a real PACS, never a mock) and
# check every written DICOM object with dicom3tools' validator dciodvfy
ORTHANC := /usr/sbin/Orthanc
ORTHANC_DICOMWEB := /usr/share/orthanc/plugins/libOrthancDicomWeb.so
DCIODVFY := /usr/bin/dciodvfy
PACS_PACKAGES := orthanc orthanc-dicomweb dicom3tools
pacs-tools:
	@test -x $(ORTHANC) -a -f $(ORTHANC_DICOMWEB) -a -x $(DCIODVFY) || [ "$$(id -u)" != 0 ] || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(PACS_PACKAGES); }
	@test -x $(ORTHANC) -a -f $(ORTHANC_DICOMWEB) -a -x $(DCIODVFY) || { echo "The PACS tests need" \
		"Debian's Orthanc, its DICOMweb plugin and dciodvfy: run 'apt-get update &&" \
		"apt-get install -y $(PACS_PACKAGES)' as root"; exit 1; }

demo: install frontend
	$(PY) manage.py migrate --noinput
	$(PY) manage.py make_demo_cohort --patients $(DEMO_PATIENTS) --seed $(DEMO_SEED) \
		--resolution $(DEMO_RESOLUTION) --formats brats --out $(VAR)/demo-cohort
	$(PY) manage.py setup_demo --cohort $(VAR)/demo-cohort
	# What the demo's PACS holds (make serve starts it when Orthanc is installed): two patients
	# as their scanner wrote them, localizers and skulls on, at 2 mm to be written in seconds
	$(PY) manage.py make_demo_cohort --patients 2 --seed 7 --resolution 2 --formats clinical \
		--out $(VAR)/demo-pacs-cohort
	$(MAKE) --no-print-directory serve

# Real worker processes beside the ASGI server, one per queue, so that an import never waits
# behind inference; they stop with the server. The background queue (ACC curves) computes at the
# lowest CPU priority, only while imports and inference leave the cores idle. Where Orthanc is
# installed (make pacs-tools) and `make demo` wrote its cohort, the demo's PACS runs beside them.
CELERY := $(VENV)/bin/celery -A neuroreview worker -c 1 --loglevel WARNING
serve:
	@echo "NeuroReview on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(CELERY) -n default@%h -Q default & default=$$!; \
	$(CELERY) -n gpu@%h -Q gpu & gpu=$$!; \
	nice -n 19 $(CELERY) -n background@%h -Q background & background=$$!; \
	pacs=; if [ -x /usr/bin/Orthanc ] && [ -d $(VAR)/demo-pacs-cohort/clinical ]; then \
		$(PY) manage.py demo_pacs --folder $(VAR)/demo-pacs \
			--fill $(VAR)/demo-pacs-cohort/clinical & pacs=$$!; fi; \
	trap 'kill $$default $$gpu $$background $$pacs 2>/dev/null; wait' EXIT INT TERM; \
	$(VENV)/bin/daphne -b 127.0.0.1 -p 8000 neuroreview.asgi:application

test: install-test frontend chromium pacs-tools lint
	cd frontend && npm test --silent
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) NEUROREVIEW_VAR_DIR=$(VAR)/test \
		$(PY) -m pytest

# Benchmarks (not tests): JSON lines on stdout, naming the device. The load benchmark takes a
# PostgreSQL database of its own at 127.0.0.1:5432 (dropped after) and Redis database 9.
bench: install-test frontend chromium pacs-tools
	$(PY) -m segmentation.research.bench
	$(PY) -m reviewer.viewer.bench
	$(PY) -m reviewer.worklist.load_bench

# The layers of ARCHITECTURE.md, stated as import-linter contracts in .importlinter
lint: install-test
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
