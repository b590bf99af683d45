# berth.docker: every target installs what it needs (Debian packages, the venv, the engine).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# the full suite on three workers sharing the engine, each test file on one worker (--dist loadfile: the
# peer tier is one file, so its targets run one after another on one worker while the others run the
# rest; loadgroup's groups are ignored under pytest 9, see tests/conftest.py). --no-loadscope-reorder:
# files are handed out in the order tests/conftest.py sorts them (the long ones first); xdist's default
# reorder by number of tests per file sent the long one-test files (the lab, the rolling updates) last,
# where they ran one after another. Three workers on the 2-core build machine: the playbook runs are
# forked from a process that imported Ansible once (tests/support/ansible_fork.py), so much of a test's
# time is waiting (health checks, drains), which a third worker fills.
# PYTEST_PARALLEL= runs it in one process
PYTEST_PARALLEL ?= -n 3 --dist loadfile --no-loadscope-reorder
INVENTORY ?= inventory/local.yml
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help site test quick unit integration lab sanity lint venv deps engine bench clean-test peer lab-up lab-down

help:
	@echo "make site     run playbooks/site.yml on this host (inventory/local.yml)"
	@echo "make test     everything CI runs: lint, sanity, unit, integration (real engine, registry, HAProxy) and lab"
	@echo "make quick    unit tests and the fast integration tests (no lab, nothing marked slow)"
	@echo "make bench    benchmarks (ratios against a baseline measured in the same run)"
	@echo "make peer     community.docker's own integration tests against our modules (docs/peer-tests.md)"
	@echo "make lab-up   a fleet on this engine: LAB_WEB (2) web nodes + 1 load balancer/db node, no Docker in them;"
	@echo "              writes .berth/lab/inventory.yml (LAB_CONNECTION=paramiko, LAB_NAME=berth-lab; docs/lab.md)"
	@echo "make lab-down remove the lab-up nodes, their network and .berth/lab (safe to repeat)"

venv:
	@tools/venv.sh

deps:
	@tools/ensure-deps.sh

engine: deps
	@tools/ensure-engine.sh

site: venv engine
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/site.yml

unit: venv
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: venv engine
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

# the peer tier (part of `make test` too); tools/peer-report.py prints the per-file table
peer: venv engine
	$(BIN)/python -m pytest tests/peer $(PYTEST_ARGS); rc=$$?; $(BIN)/python tools/peer-report.py --last; exit $$rc

lab: venv engine
	$(BIN)/python -m pytest tests/lab $(PYTEST_ARGS)

# a fleet on this machine's engine (docs/lab.md): <LAB_NAME>-web1..N and <LAB_NAME>-lb1
LAB_WEB ?= 2
LAB_NAME ?= berth-lab
LAB_CONNECTION ?= ssh
lab-up: venv engine
	$(BIN)/python -m tests.support.lab up --web $(LAB_WEB) --name $(LAB_NAME) --connection $(LAB_CONNECTION)

lab-down: venv engine
	$(BIN)/python -m tests.support.lab down --name $(LAB_NAME)

quick: venv engine
	$(BIN)/python -m pytest tests/unit tests/integration -m "not slow" $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check plugins tests benchmarks tools
	$(BIN)/ansible-lint --offline -q playbooks roles

sanity: venv
	tools/sanity.sh

test: venv engine lint sanity
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=40 tests $(PYTEST_ARGS)

bench: venv engine
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python "$$b" || exit 1; done

clean-test:
	@docker ps -aq --filter name=berth | xargs -r docker rm -f -v >/dev/null
