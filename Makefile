# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test test-at lint clean debian-packages translations messages bench lock

# Exactly the locked versions, each checked against its hash; then the project itself. A
# changed lock rebuilds the venv from nothing, so a package the lock dropped goes too.
$(STAMP): pyproject.toml requirements/test.lock
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh the locks after changing a range in pyproject.toml (pip-tools in a venv of its own,
# so that it never enters the project's). Versions already locked stay unless a range
# excludes them; `make lock UPGRADE=--upgrade` takes the newest inside every range.
LOCK_TOOLS := .lock-tools
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links $(UPGRADE)
lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet 'pip-tools==7.6.2'
	$(PIP_COMPILE) --extra test -o requirements/test.lock pyproject.toml
	$(PIP_COMPILE) -o requirements/run.lock pyproject.toml

# Spanish for the member pages: the .po files are the source, the .mo files are built.
PO := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO)

# After changing member-facing words: refresh the template and the Spanish catalog.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --omit-header -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations \
	  --width 100

install: $(STAMP) translations

run: $(STAMP) translations
	$(BIN)/portal run

# The browser tests drive Debian's Chromium; the deploy tests validate the Caddyfile with
# Debian's caddy; the letter tests render PDFs with poppler's pdftoppm; the e-mail intake
# tests read a real IMAP server, Debian's dovecot. Install them when
# missing and we can (root, apt); otherwise those tests fail and say how to install them.
# They are never skipped.
CADDY ?= /usr/bin/caddy
PDFTOPPM ?= /usr/bin/pdftoppm
DOVECOT ?= /usr/sbin/dovecot
DEBIAN := chromium caddy poppler-utils dovecot-imapd

debian-packages:
	@test -x $(CHROMIUM) -a -x $(CADDY) -a -x $(PDFTOPPM) -a -x $(DOVECOT) || { \
	  echo "Installing Debian's $(DEBIAN) for the browser, deploy, letter and mail tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN) \
	   >/dev/null) || echo "Could not install them: run 'apt-get install -y $(DEBIAN)' as root."; }

# Two workers (pytest-xdist); the tests whose subject is a process share one, in turn.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadgroup

# The staff sign-in tests run a real OpenID Connect provider (panva/oidc-provider) on Node,
# exactly the versions in tests/oidc/package-lock.json, each checked against its hash.
OIDC_PROVIDER := tests/oidc/node_modules/.installed

$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the sign-in tests need Node.js 20 and npm"; exit 1; }
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	touch $@

test: $(STAMP) translations debian-packages $(OIDC_PROVIDER)
	$(PYTEST)

# The whole suite on another date: every process's clock (pytest, the servers, workers,
# Redis, Chromium) moved to AT by libfaketime, and the tests' own clock (PORTAL_TEST_NOW)
# with it. E.g. make test-at AT=2027-11-05T15:00:00+00:00 (the Friday before a clock change).
# The library is the build the `libfaketime` test package carries: Debian 12's faketime
# 0.9.10 hangs Python 3.11's timed waits, or fails its sleeps when the monotonic clock is
# left alone. The offset is relative, so every process agrees on the time.
AT ?= 2027-03-12T15:00:00+00:00

test-at: $(STAMP) translations debian-packages $(OIDC_PROVIDER)
	@target=$$(date -d '$(AT)' +%s) || { echo "AT=$(AT) is not a date date(1) reads"; exit 1; }; \
	offset=$$(( target - $$(date +%s) )); \
	case $$offset in -*) ;; *) offset="+$$offset";; esac; \
	echo "make test-at: every clock moved to $(AT) (libfaketime $$offset s)"; \
	eval "$$($(BIN)/python -c 'import libfaketime; libfaketime.main()')"; \
	PORTAL_TEST_NOW='$(AT)' FAKETIME="$$offset" $(PYTEST)

# Figures, not pass/fail: each a median next to its floor measured in the same run.
bench: $(STAMP) translations
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts $(MO)
