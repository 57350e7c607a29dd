# User-facing targets: `make run` (deploy to a local anvil) and `make test`.
# Both set up .venv and node_modules on first use (and again when
# requirements.lock, package.json or pyproject.toml change).

SHELL := /bin/bash

# ape-vyper finds `vyper` and ape-foundry finds `anvil` only through PATH.
export PATH := $(CURDIR)/.venv/bin:$(CURDIR)/node_modules/.bin:$(PATH)

STAMP := .venv/.stamp

.PHONY: run test browser

run: $(STAMP)
	scripts/main.sh

# Titanoboa suites first (without ape's plugin: half the start-up, no
# per-test snapshots), then the ape suite on anvil (needs ape's plugin).
test: $(STAMP) browser
	@$(call pytest_step,-p no:ape_test -m "not integration" -q,$(HAS_FAST_TESTS))
	@$(call pytest_step,-m integration -q tests/integration,$(HAS_INTEGRATION_TESTS))

# pytest exits 5 when it collects nothing: that passes only while no test file
# of that kind exists yet. $(1): pytest arguments, $(2): command that succeeds
# when such test files exist.
define pytest_step
echo 'pytest $(1)'; pytest $(1) || { rc=$$?; \
  if [ $$rc -eq 5 ] && ! $(2); then echo "no tests of this kind yet"; else exit $$rc; fi; }
endef
IN_TEST_FILES := -rE --include='test_*.py' --include='*_test.py' 'mark\.integration' tests
HAS_INTEGRATION_TESTS := grep -q $(IN_TEST_FILES)
HAS_FAST_TESTS := grep -L $(IN_TEST_FILES) | grep -q .

# The report test opens scenario reports in a real headless browser: Debian's Chromium.
browser:
	@command -v chromium >/dev/null || { \
	  echo 'installing chromium (Debian package) for the report test'; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# While .venv/bin/python does not exist, `python3` is the system one.
$(STAMP): requirements.lock package.json pyproject.toml
	[ -x .venv/bin/python ] || python3 -m venv .venv
	.venv/bin/python -m pip install -qq pip==26.3
	.venv/bin/pip install -qq -r requirements.lock
	npm install --ignore-scripts --no-fund --no-audit
	.venv/bin/pip install -qq -e . --no-deps
	touch $@
