# Runnable Papers. `make html` builds the site, `make test` runs the whole suite; both start
# from nothing (they create .venv and install the pinned requirements).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `jupyter-book build`, without Python's slow exit
JB_BUILD := $(PY) -m runnable_book.build
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
BUILD_FLAGS := --warningiserror --nitpick --keep-going
# One BLAS/torch thread per kernel: two notebooks share two cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: install browser html html-student test test-chapter bench clean

$(INSTALLED): requirements.txt book/_ext/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(INSTALLED)

# Debian's chromium for the browser tests (Playwright's own browser download cannot work here).
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && apt-get install -y -qq chromium; }

# Chapters are executed first on every core (into the build's jupyter-cache), then Sphinx builds
# the site from the cache.
html: install
	$(PY) -m runnable_book.execute _build
	$(JB_BUILD) . $(BUILD_FLAGS)

# The site without solutions, for a course's students, in _build/student/_build/html.
html-student: install
	mkdir -p _build/student/_build && cp -r _build/.jupyter_cache _build/student/_build/ 2>/dev/null || true
	BOOK_STUDENT=1 $(JB_BUILD) . $(BUILD_FLAGS) --path-output _build/student

# Two stages, both on two workers. First every chapter, cell by cell (nbval; a chapter that
# passes goes into the build's cache), with the checks that need no site. Then the site, built
# from that cache without running a chapter again, and its checks, a test per page.
# JUNIT=<folder> also writes each stage's test times there (make bench uses it).
SITE_TESTS := tests/test_site.py tests/test_colab.py tests/test_browser.py
junit = $(if $(JUNIT),--junitxml=$(JUNIT)/$(1).xml)
test: install browser
	status=0; \
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax -p no:cacheprovider chapters tests \
	    $(addprefix --ignore=,$(SITE_TESTS)) $(call junit,chapters) || status=1; \
	$(PY) -m pytest -n 2 --dist load -p no:cacheprovider $(SITE_TESTS) $(call junit,site) || status=1; \
	exit $$status

# One chapter as the suite runs it: make test-chapter CHAPTER=chapters/36-rectified-flow.md
test-chapter: install
	$(PY) -m pytest --nbval-lax -p no:cacheprovider $(CHAPTER) tests/test_structure.py -k "$(basename $(notdir $(CHAPTER))) or $(notdir $(CHAPTER))"

bench: install
	BUILD_FLAGS="$(BUILD_FLAGS)" $(PY) tests/bench.py

clean:
	rm -rf _build chapters/*.ipynb
