# nianbao: `make run` and `make test` set everything up from the lock file, then act.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint format lock bench clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nianbao needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)
	@command -v soffice >/dev/null 2>&1 || echo "note: soffice not found: .doc and .wps reports will be unreadable; install libreoffice-writer-nogui (README, \"Word .doc and WPS files: LibreOffice\")"
	@ls /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata /usr/share/tesseract-ocr/5/tessdata/eng.traineddata >/dev/null 2>&1 || echo "note: Tesseract's chi_sim/eng models not found: scanned PDFs will be unreadable; install tesseract-ocr-chi-sim tesseract-ocr-eng"

run: setup
	$(BIN)/nianbao run

# Two test processes (the machines CI runs on have two cores), each taking whole modules, so
# that a module's fixtures are built once: ~5.5 min, against ~9.5 min in one process.
test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadscope

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmark (not a test; CI does not run it): synthetic corpora of 1,000 and 10,000 reports
# through the real pipeline; medians of 3 and the targets to bench.json. BENCH_ARGS="--with-100k"
# adds 100,000 reports (about an hour), "--with-server" the figures against a running Prefect
# server, "--sizes 1000 --repeat 1" a quick look, "--work DIR" keeps the corpora for next time.
bench: setup
	$(BIN)/python -m devtools.bench $(BENCH_ARGS)

# Re-resolve the lock file (needs uv: `pip install uv`); commit the result.
lock:
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) data/curated/*.parquet data/curated/warehouse.duckdb data/curated/data_docs \
		data/curated/.spool-*
