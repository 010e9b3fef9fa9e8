# The README's two commands, `make lab` and `make test`, do all the set-up:
# they create .venv on first use (and again when pyproject.toml changes), so
# a second run starts at once.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Small NumPy matrices run faster on one BLAS thread, and pytest already uses every core.
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg

OUT ?= grades

.PHONY: lab zh translations test test-ui test-site playwright exercises times grade grade-merge bench-grade bench-class site bench help clean sandbox-tools

help:
	@echo "make lab    start JupyterLab on the course (sets up .venv the first time); make lab LANG=zh: 中文版"
	@echo "make test   run the unit tests and every notebook (sets up .venv the first time)"
	@echo "make test-ui  every lesson (every explorer control moved) and worksheet 05 in JupyterLab in headless Chromium"
	@echo "make test-site  build the static site and open every page in headless Chromium with no other host reachable"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make translations  bring the Chinese catalogues (course_lib/locale/zh) up to date with the English"
	@echo "make zh     write notebooks/zh, solutions/zh, exercises/zh from the English and the catalogues"
	@echo "make times  rewrite each lesson's and worksheet's stated time from course_lib.pacing's estimate"
	@echo "make grade SUBMISSIONS=folder [OUT=grades] [ROSTER=file]  grade a class: grades, feedback, class report, LMS files"
	@echo "make grade-merge SHARDS='shard-0 shard-1 ...' [OUT=grades] [ROSTER=file]  join a class graded in shards"
	@echo "make bench-grade  the grader's throughput against running the notebooks with nbclient"
	@echo "make bench-class  10 and 30 students' kernels at once: memory per kernel, time, failures, a sizing table"
	@echo "make site [ONLY=05]  build site/, the lessons as static HTML pages that need no internet"
	@echo "make bench  notebook run times, optimizer steps against torch.optim, explorer latency (kernel and browser)"
	@echo "make clean  remove .venv and caches"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
	  "Python 3.11 or newer is needed, found " + sys.version.split()[0] + \
	  ": run make PYTHON=/path/to/python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml is newer than the last install.
# (The sed drops a warning this course's lab machines print for every package.)
$(INSTALLED): pyproject.toml | $(BIN)/python
	@echo "Installing the course's packages into $(VENV) (a few minutes, once)..."
	set -o pipefail; $(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]" 2>&1 \
	  | sed "/^WARNING: Location 'file:/d"
	touch $@

# --allow-root: JupyterLab refuses root without it (lab machines and containers run as root).
# --no-browser when there is no display: the URL with its token is printed instead.
# make lab LANG=zh opens the Chinese edition (notebooks/zh). Only LANG=zh switches: a shell's own
# LANG (en_US.UTF-8, zh_CN.UTF-8, C.UTF-8) opens the English course, which stays the default.
LAB_FOLDER := $(if $(filter zh,$(LANG)),notebooks/zh,notebooks)

# (LANG=zh is not a locale: the server runs with C.UTF-8 instead). The folder is LabApp's default_url:
# JupyterLab sets ServerApp's own, so --ServerApp.default_url would open the repository's root instead.
lab: $(INSTALLED)
	$(if $(filter zh,$(LANG)),LANG=C.UTF-8 )$(BIN)/jupyter lab --notebook-dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/$(LAB_FOLDER) \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) \
	  $$( [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ "$$(uname)" != Darwin ] && echo --no-browser )

# The grader confines each submission with bubblewrap (user namespaces) and seccomp (libseccomp):
# Debian's bubblewrap and libseccomp2 packages, plus util-linux's unshare and mount, which every
# Debian and Ubuntu has. As root (containers, lab machines, CI) they are installed here; otherwise
# this says how, and the grader's tests skip with the reason (CI never skips: tests/test_sandbox.py).
sandbox-tools:
	@command -v bwrap > /dev/null && { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q libseccomp.so.2 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "Installing bubblewrap and libseccomp2 for the grader's sandbox..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap libseccomp2 > /dev/null; \
	  else \
	    echo "note: the grader needs bubblewrap and libseccomp2 (sudo apt-get install bubblewrap libseccomp2);"; \
	    echo "      without them its tests are skipped and 'make grade' refuses to grade."; \
	  fi; }

# -n auto: one worker per core. --dist loadfile sends all of a file's tests to
# one worker: a notebook's cells share one kernel, so they must stay together.
test: $(INSTALLED) sandbox-tools
	$(TEST_ENV) $(BIN)/python -m pytest -n auto --dist loadfile

# The browser check: JupyterLab in Debian's headless Chromium (/usr/bin/chromium, from
# apt-get install chromium); Playwright drives it and never downloads a browser of its own.
# Screenshots go to tests/ui/screenshots/. Playwright is installed into .venv on first use: only
# this check needs it.
PLAYWRIGHT_VERSION := 1.65.2

test-ui: $(INSTALLED) playwright
	$(BIN)/python tests/ui/lab_check.py

# The static site as a reader with no internet meets it: built into a temporary folder, served on
# 127.0.0.1 and opened from disk, every other host blocked (the first build fetches the site's
# assets with npm; see course_lib/site_assets.py).
test-site: $(INSTALLED) playwright
	$(BIN)/python tests/ui/site_check.py

# Playwright, into .venv on first use: only the browser check and the browser benchmark need it.
playwright: $(INSTALLED)
	@$(BIN)/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("playwright") != "$(PLAYWRIGHT_VERSION)")' 2>/dev/null || { 	  echo "Installing playwright $(PLAYWRIGHT_VERSION) into $(VENV)..."; 	  set -o pipefail; $(BIN)/python -m pip install --quiet --disable-pip-version-check playwright==$(PLAYWRIGHT_VERSION) 2>&1 	    | sed "/^WARNING: Location 'file:/d"; }

exercises: $(INSTALLED)
	$(BIN)/python -m course_lib.worksheets

# The Chinese edition (course_lib/i18n/__init__.py says how it is made): after changing an English
# notebook, make translations marks what changed in the catalogues; translate it, then make zh.
translations: $(INSTALLED)
	$(BIN)/python -m course_lib.i18n translations
	$(BIN)/python -m course_lib.i18n drift || true

zh: $(INSTALLED)
	$(BIN)/python -m course_lib.i18n build

# Every notebook's **Time:** sentence is an estimate (course_lib/pacing.py says how it is made);
# after changing a lesson or a worksheet, run this, then make exercises (worksheets copy their time).
times: $(INSTALLED)
	$(BIN)/python -m course_lib.pacing --write
	$(BIN)/python -m course_lib.pacing

grade: $(INSTALLED) sandbox-tools
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [OUT=grades] [ROSTER=roster.csv]"; exit 2; }
	$(BIN)/python -m course_lib.grade "$(SUBMISSIONS)" --out "$(OUT)" $(if $(ROSTER),--roster "$(ROSTER)")

grade-merge: $(INSTALLED)
	@test -n "$(SHARDS)" || { echo "usage: make grade-merge SHARDS='shard-0 shard-1 ...' [OUT=grades] [ROSTER=roster.csv]"; exit 2; }
	$(BIN)/course-grade merge $(SHARDS) --out "$(OUT)" $(if $(ROSTER),--roster "$(ROSTER)")

bench-grade: $(INSTALLED) sandbox-tools
	$(TEST_ENV) $(BIN)/python benchmarks/grade_bench.py

site: $(INSTALLED)
	$(BIN)/python -m course_lib.site $(if $(ONLY),--only $(ONLY))

bench: $(INSTALLED) playwright
	$(BIN)/python benchmarks/bench.py

bench-class: $(INSTALLED)
	$(BIN)/python benchmarks/class_bench.py

clean:
	rm -rf $(VENV) .pytest_cache course_lib.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
