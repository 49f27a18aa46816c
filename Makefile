# LAPOR! portal: `make run` (try it out) and `make test` (full suite) do all their own setup.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := run.py
export PYTHONPATH := $(CURDIR)

.PHONY: run test browser-deps pdf-deps imap-deps npm-deps lighthouse test-sqlite test-postgres venv translations migrate extract-messages update-messages compile-messages worker scheduler bench bench-deps bench-proactive clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: $(BIN)/.installed

# --- translations -----------------------------------------------------------
FAB_DIR = $(shell $(BIN)/python -c 'import flask_appbuilder, os; print(os.path.dirname(flask_appbuilder.__file__))')
BABEL_KEYWORDS = -k _l -k lazy_gettext -k _ -k gettext -k ngettext:1,2 -k __

extract-messages: venv  ## app + Flask-AppBuilder strings -> translations/messages.pot
	$(BIN)/pybabel -q extract -F translations/babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	  --project "LAPOR" -o translations/messages.pot app translations/extra $(FAB_DIR)

update-messages: extract-messages  ## merge new strings into the id catalog
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l id --no-fuzzy-matching --ignore-obsolete

compile-messages translations: venv
	$(BIN)/pybabel -q compile -d translations -l id

# --- database -----------------------------------------------------------------
migrate: venv
	$(BIN)/flask db upgrade
	$(BIN)/flask lapor init

# --- the two commands ---------------------------------------------------------
run: venv translations migrate
	$(BIN)/flask lapor seed-demo --if-empty
	@echo "LAPOR! berjalan di http://127.0.0.1:$(PORT)  (login demo: admin / koordinator / pimpinan / opd_dinkes / opd_pupr)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Debian's chromium drives the browser tests; installed when missing and we may (root + apt)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"

# pdftotext (poppler-utils) reads the monthly report PDF back in the tests
pdf-deps:
	@command -v pdftotext >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q poppler-utils >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q poppler-utils >/dev/null 2>&1; }; }; } || \
	  echo "pdftotext is not installed: the PDF report tests will be skipped (apt-get install poppler-utils)"

# npm packages of the checks: axe-core (browser tests) and Lighthouse (bench/lighthouse.py); node_modules is not committed
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q npm >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q npm >/dev/null 2>&1; }; }; } || true
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	  else echo "npm is not installed: the axe-core checks will be skipped (apt-get install npm)"; fi

npm-deps: node_modules/.installed

# Debian's dovecot-imapd plays the mailbox of the e-mail-to-case tests (started by the fixture)
imap-deps:
	@command -v dovecot >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q dovecot-imapd >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dovecot-imapd >/dev/null 2>&1; }; }; } || \
	  echo "dovecot is not installed: the e-mail tests will be skipped (apt-get install dovecot-imapd)"

test: venv translations browser-deps pdf-deps imap-deps npm-deps
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: venv translations
	$(BIN)/pytest -q -p no:cacheprovider --db sqlite tests

test-postgres: venv translations
	$(BIN)/pytest -q -p no:cacheprovider --db postgresql tests

# --- production helpers ---------------------------------------------------------
worker: venv  ## one RQ worker (run N of them); needs REDIS_URL
	$(BIN)/rq worker --url "$$REDIS_URL" --with-scheduler --worker-class app.jobs.worker.LaporWorker $${JOBS_QUEUE:-lapor}

scheduler: venv  ## the one scheduler of the installation
	$(BIN)/flask lapor scheduler

# Debian's wrk measures throughput; installed when missing and we may (root + apt)
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; }; }; } || \
	  echo "wrk is not installed: throughput is measured with a Python load generator"

bench: venv translations bench-deps
	$(BIN)/python bench/run_all.py

lighthouse: venv translations browser-deps npm-deps  ## Lighthouse (mobile) on the public pages of a demo installation
	$(BIN)/python bench/lighthouse.py

bench-proactive: venv  ## issue 15: duplicate suggestions and the hotspot job at scale
	$(BIN)/python bench/proactive.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
