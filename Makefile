# Depot: `make run` starts the server on ./data, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
PORT ?= 8080
HOST ?= 127.0.0.1
DATA ?= ./data

.PHONY: deps build release run dev test unit e2e clean bench

deps:
	@scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release

## Start Depot on the embedded defaults: SQLite and files under ./data, http://127.0.0.1:8080
run: release
	.build/release/depot serve --host $(HOST) --port $(PORT) --data $(DATA)

## Development: debug build, templates re-read on every request.
dev: build
	.build/debug/depot serve --host $(HOST) --port $(PORT) --data $(DATA) --reload

## The whole test suite: unit and HTTP tests, then the end-to-end browser test.
test: unit e2e

unit: deps
	@# R itself checks the PACKAGES.rds writer; the e2e setup installs it (and the clients) when missing.
	scripts/e2e-setup.sh
	swift build --build-tests
	@# Tests make throwaway databases and blob stores under TMPDIR: one folder, removed afterwards.
	tmp=$$(mktemp -d -t depot-tests.XXXXXX) && TMPDIR=$$tmp swift test --skip-build; status=$$?; rm -rf "$$tmp"; exit $$status

e2e: build
	scripts/e2e.sh

clean:
	rm -rf .build .venv-e2e

## Benchmarks (release build): index publishing, active sync, passive index of a large subdir.
bench: deps
	swift build -c release --product depot-bench
	swift build -c release --product depot
	.build/release/depot-bench
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	python3 scripts/bench-simple.py --binary .build/release/depot
