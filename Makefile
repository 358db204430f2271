# Development and CI entry points for the hwcloud.sms collection.
# Everything runs from a fresh clone with only python3 (and make) present:
# `make setup` creates .venv and installs tests/requirements.txt; every other target depends on it.
#
#   make setup        .venv + test requirements, symlink tree, ansible-test pip bootstrap
#   make demo         light venv (runtime requirements only), emulator, inventory graph and fleet summary
#   make test         sanity + units + integration + compat + lint + importer (what CI runs via .ci/run)
#   make sanity       ansible-test sanity --venv on a copy under .build/ansible-test, every Python 3.9+
#   make units        ansible-test units --venv (tests/unit with tests/unit/requirements.txt)
#   make pytest-units pytest tests/unit in .venv (the quick loop: PYTEST_ARGS="-k ...")
#   make integration  pytest tests/integration (real ansible subprocesses against the emulator)
#   make compat       tests/compat on the oldest and newest supported ansible-core (own venvs)
#   make lint         ansible-lint and yamllint over the whole collection, antsibull-changelog lint, antsibull-docs lint
#   make importer     build the tarball into .build/dist and run galaxy-importer on it with Automation Hub's settings
#   make bench        python tests/benchmarks/*.py
#   make docs         lint the plugin docs and build the HTML reference into .build/docs/html
#   make clean        remove .build, tests/output, caches (keeps .venv; `make distclean` removes it)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON_VERSION ?= 3.11
# Per-test limit (pytest-timeout) so a hung emulator or subprocess cannot stall CI.
PYTEST_TIMEOUT ?= 300
PYTEST_ARGS ?=
# Integration tests mostly wait on ansible subprocesses and the emulator: workers overlap the waits;
# whole files go to one worker, so module-scoped fixtures (emulators, agent sites) are built once.
PYTEST_WORKERS ?= 3
UNITS_ARGS ?=
PYTEST = $(BIN)/python -m pytest -ra -p no:cacheprovider --durations=10 --timeout=$(PYTEST_TIMEOUT) \
	--junitxml=.build/test-results/$@.xml $(PYTEST_ARGS)
SANITY_ARGS ?=
COLLECTIONS_PATH := $(CURDIR)/.build/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_PATH)
# No __pycache__ next to the sources (the repo is also the collection tree).
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup demo test sanity units pytest-units integration compat lint importer bench docs clean distclean

help:
	@sed -n 's/^#   //p' Makefile

setup:
	@bash tests/tooling/setup_venv.sh

# Not `setup`: the demo needs only the runtime requirements, in its own venv under .build/.
demo:
	@bash tests/tooling/demo.sh

test: setup
	@bash tests/tooling/make_test.sh sanity units integration compat lint importer

sanity: setup
	@bash tests/tooling/ansible_test.sh sanity --venv $(SANITY_ARGS)

units: setup
	@mkdir -p .build/test-results
	@rc=0; bash tests/tooling/ansible_test.sh units --venv --python $(PYTHON_VERSION) $(UNITS_ARGS) || rc=$$?; \
	cp .build/ansible-test/ansible_collections/hwcloud/sms/tests/output/junit/python$(PYTHON_VERSION)-controller-units.xml \
	   .build/test-results/units.xml 2>/dev/null || true; exit $$rc

# PYTEST_ARGS that name a path under tests/ replace the default directory (otherwise pytest would
# collect that path and the whole directory).
pytest-units: setup
	@mkdir -p .build/test-results
	$(PYTEST) $(if $(filter tests/%,$(PYTEST_ARGS)),,tests/unit)

integration: setup
	@mkdir -p .build/test-results
	$(PYTEST) -n $(PYTEST_WORKERS) --dist loadfile $(if $(filter tests/%,$(PYTEST_ARGS)),,tests/integration)

# Each target's venv is built under .build/compat/ on first use (COMPAT_TARGETS="oldest" runs one).
compat: setup
	@PYTEST_TIMEOUT=$(PYTEST_TIMEOUT) bash tests/compat/run_compat.sh $(PYTEST_ARGS)

lint: setup
	@bash tests/tooling/lint.sh

# Not `setup`: galaxy-importer runs in its own venv, .build/importer/venv, built on first use.
importer:
	@bash tests/tooling/galaxy_importer.sh

bench: setup
	@shopt -s nullglob; scripts=(tests/benchmarks/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "bench: no tests/benchmarks/*.py yet"; exit 0; fi; \
	for script in "$${scripts[@]}"; do echo "== $$script"; $(BIN)/python "$$script"; done

docs: setup
	@bash docs/build_docs.sh

clean:
	rm -rf .build tests/output .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
