# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench chat catalogues clean help

help:
	@echo "make demo   create .venv, install Accord and run a whole assessment in the terminal"
	@echo "make test   install the test extras and run the test suite"
	@echo "make bench  run the benchmarks and write docs/benchmarks.md"
	@echo "make chat   play any member of a team in an interactive console"
	@echo "make catalogues  extract the words from the code, update the Welsh .po, compile the .mo (docs/welsh.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(STAMP)-test: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# Browser tests need Debian's chromium and the npm packages under tests/e2e; the script installs
# what it can (saying so before it installs a system package) and the tests that still lack
# something skip with the reason.
$(STAMP)-e2e: $(STAMP)-test tests/e2e/install.sh
	@echo "make test: checking what the browser tests need (tests/e2e/install.sh; as root it may apt-get install chromium)"
	-bash tests/e2e/install.sh
	@touch $@

demo: $(STAMP)
	$(BIN)/accord demo

chat: $(STAMP)
	$(BIN)/accord chat

# The message catalogues (docs/welsh.md): the words in the code into the Welsh .po (new ones
# empty, gone ones dropped), then the .mo compiled, which is refused while a translation is missing.
catalogues: $(STAMP)
	$(BIN)/python -m bot.i18n update
	$(BIN)/python -m bot.i18n compile

# Storage tests run on PostgreSQL too when a local server answers, as CI's do (.ci/run); the
# line before and pytest's summary (tests/conftest.py) name the databases used. Three workers
# (pytest-xdist) on two cores: much of the suite's time is spent waiting on subprocesses and
# sockets, so a third keeps both cores busy (on a slow hour: 8 min 56 s with three against 9 min
# 59 s with two). Tests that kill and restart server processes against a clock (marked `serial`)
# run afterwards, away from the rest's load, two at a time: they mostly wait on their own clocks
# (about 60 s so against 90 s one by one, with the same margins).
test: $(STAMP)-e2e
	@if [ -z "$${ACCORD_TEST_DATABASE_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	    export ACCORD_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"; fi; \
	echo "make test: storage tests on SQLite$${ACCORD_TEST_DATABASE_URL:+ and $${ACCORD_TEST_DATABASE_URL}}"; \
	$(BIN)/python -m pytest -n 3 -m "not serial" && $(BIN)/python -m pytest -n 2 -m serial

# Benchmarks measure PostgreSQL too when the local server answers, as CI's tests do.
bench: $(STAMP)-test
	@if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	    export ACCORD_TEST_DATABASE_URL="$${ACCORD_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"; fi; \
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) accord-report build *.egg-info
