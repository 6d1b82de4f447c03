# Two commands for users: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSSTAMP := $(VENV)/.system-packages
DATA_DIR ?= ./data
SYSTEM_PACKAGES := goaccess chromium python3-doc

.PHONY: demo test setup setup-test system-packages lint typecheck pytest bench clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# System packages the tests drive for real: GoAccess (the log-report reference),
# Debian's Chromium (Playwright's browser) and the Python documentation (a real site
# the crawler is tested and measured on). Installed only when missing.
$(SYSSTAMP): | $(PY)
	@missing=""; \
	command -v goaccess >/dev/null 2>&1 || missing="$$missing goaccess"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/share/doc/python3*/html/index.html >/dev/null 2>&1 || missing="$$missing python3-doc"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi
	touch $(SYSSTAMP)

system-packages: $(SYSSTAMP)

demo: setup
	PILOTAGE_DATA_DIR=$(DATA_DIR) $(VENV)/bin/pilotage demo --serve

lint: setup
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench

typecheck: setup
	$(VENV)/bin/mypy src/pilotage

pytest: setup system-packages
	$(VENV)/bin/pytest

test: lint typecheck pytest

bench: setup system-packages
	$(PY) bench/run.py

# Extract the UI's strings and merge them into the French and English catalogs.
LOCALE_DIR := src/pilotage/locale
messages: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --sort-output --omit-header -o $(LOCALE_DIR)/messages.pot .
	for lang in fr en; do \
	  if [ -f $(LOCALE_DIR)/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l $$lang; \
	  else \
	    $(VENV)/bin/pybabel init -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l $$lang; \
	  fi; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
