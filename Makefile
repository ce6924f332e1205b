# Rexian: `make demo` runs a ready demo city on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
REXIAN := $(VENV)/bin/rexian
PORT ?= 8000
DEMO_DB := $(CURDIR)/var/rexian.sqlite3
PG_URL ?= postgres://postgres@127.0.0.1:5432/rexian
CHROMIUM := /usr/bin/chromium
# The demo texts callers to the log (docs/sms.md): an order registered in the demo shows its 受理回执 there and in
# the admin, and nothing leaves the machine. Replies are on, signed with var/sms.secret, so that texts can be posted
# to /sms/incoming/ as a gateway would.
DEMO_ENV := REXIAN_SECRET_KEY_FILE=$(CURDIR)/var/secret.key REXIAN_DATA_KEY_FILE=$(CURDIR)/var/data.key \
	DATABASE_URL=sqlite:///$(DEMO_DB) REXIAN_DATA_DIR=$(CURDIR)/var \
	REXIAN_SMS_BACKEND=log REXIAN_SMS_SIGN=江安12345 REXIAN_SMS_PORTAL_URL=http://127.0.0.1:$(PORT)/portal/track/ \
	REXIAN_SMS_REPLIES=on REXIAN_SMS_SECRET_FILE=$(CURDIR)/var/sms.secret

.PHONY: demo demo-reset test test-sqlite test-postgres install install-test browser-deps report-fonts clean

$(VENV)/bin/activate:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Rexian needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate requirements.txt pyproject.toml
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.test-installed browser-deps

# The browser tests (tests/browser) drive Debian's Chromium through Playwright, which cannot download browsers
# here, and need CJK fonts for Chinese in their screenshots: apt-get installs what is missing when we are root.
# Without Chromium they are skipped, except where REXIAN_REQUIRE_BROWSER=1 (CI) makes that a failure.
browser-deps: report-fonts
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing=" chromium"; \
	if command -v dpkg-query >/dev/null && \
		! dpkg-query -W -f='$${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then \
		missing="$$missing fonts-noto-cjk"; \
	fi; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages for the browser tests:$$missing"; \
		log=$$(mktemp); export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends $$missing >$$log 2>&1 \
		|| { apt-get update -q >>$$log 2>&1 && apt-get install -y -q --no-install-recommends $$missing >>$$log 2>&1; } \
		|| { tail -n 20 $$log; echo "apt-get could not install$$missing: the browser tests will skip (fail in CI)."; }; \
		rm -f $$log; \
	elif [ ! -x $(CHROMIUM) ]; then \
		echo "Browser tests skipped: $(CHROMIUM) is missing (as root: apt-get install chromium fonts-noto-cjk)."; \
	else \
		echo "fonts-noto-cjk is missing: Chinese will not render in the browser tests' screenshots."; \
	fi

# The reports' PDF and charts embed a CJK font with TrueType outlines (Noto CJK's are PostScript, which reportlab
# cannot embed): WenQuanYi Zen Hei, installed by apt-get when we are root. Else set REXIAN_REPORT_FONT (docs/reports.md).
report-fonts:
	@if command -v dpkg-query >/dev/null && \
		! dpkg-query -W -f='$${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q "ok installed"; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing fonts-wqy-zenhei for the reports' PDF and charts"; \
			log=$$(mktemp); export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -q --no-install-recommends fonts-wqy-zenhei >$$log 2>&1 \
			|| { apt-get update -q >>$$log 2>&1 && apt-get install -y -q --no-install-recommends fonts-wqy-zenhei >>$$log 2>&1; } \
			|| { tail -n 20 $$log; echo "apt-get could not install fonts-wqy-zenhei: report PDFs need REXIAN_REPORT_FONT."; }; \
			rm -f $$log; \
		else \
			echo "fonts-wqy-zenhei is missing: report PDFs need it (apt-get install fonts-wqy-zenhei) or REXIAN_REPORT_FONT."; \
		fi; \
	fi

# Keys for the demo are made once and kept in var/ (ignored by git).
var/secret.key var/data.key var/sms.secret:
	@mkdir -p var && umask 077 && $(PYTHON) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > $@

demo: install report-fonts var/secret.key var/data.key var/sms.secret
	@$(DEMO_ENV) $(REXIAN) migrate --noinput -v 0
	@$(DEMO_ENV) $(REXIAN) collectstatic --noinput -v 0
	@$(DEMO_ENV) $(REXIAN) demo
	@echo "Rexian is at http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	@$(DEMO_ENV) $(REXIAN) serve --port $(PORT)

demo-reset:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	rm -rf var/media
	$(MAKE) demo

# The suite on SQLite and, where it is reachable, on PostgreSQL: both at once (each is mostly one process, and
# the machine has more than one core), the PostgreSQL run's output kept in test-artifacts/postgres.log and its
# end printed after the SQLite run's. REXIAN_REQUIRE_POSTGRES=1, as in CI, turns a missing server into a failure.
test: install-test
	@mkdir -p test-artifacts; rm -f test-artifacts/postgres.log test-artifacts/postgres.rc; \
	if $(PY) scripts/pg_available.py "$(PG_URL)"; then \
		( $(MAKE) --no-print-directory test-postgres > test-artifacts/postgres.log 2>&1; \
		  echo $$? > test-artifacts/postgres.rc ) & \
	elif [ "$$REXIAN_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (REXIAN_REQUIRE_POSTGRES=1) but not reachable at $(PG_URL)"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): the PostgreSQL run is skipped."; \
	fi; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
	wait; postgres=0; \
	if [ -f test-artifacts/postgres.rc ]; then \
		postgres=$$(cat test-artifacts/postgres.rc); \
		echo "== tests on PostgreSQL (ran alongside; whole output in test-artifacts/postgres.log) =="; \
		if [ "$$postgres" = 0 ]; then tail -n 3 test-artifacts/postgres.log; else tail -n 80 test-artifacts/postgres.log; fi; \
	fi; \
	[ "$$sqlite" = 0 ] && [ "$$postgres" = 0 ]

test-sqlite: install-test
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive pages, not SQL: they run once, in the SQLite pass, which keeps CI short.
# The same server stands in for a read replica (opened read-only, mirroring the test database), so the
# dashboards' and reports' reads from a replica are tested (tests/core/test_replicas.py).
test-postgres: install-test
	@echo "== tests on PostgreSQL =="
	DATABASE_URL=$(PG_URL) REXIAN_REPLICA_DATABASE_URLS=$(PG_URL) $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var/static .pytest_cache
