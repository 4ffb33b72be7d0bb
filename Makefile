# Squid: one command to run, one to test. Every install step lives here, checked before it
# runs, so both work on a bare machine (see ../shared/TOOLCHAIN.md for why each pin).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = $(basename $(notdir $(wildcard fuzz/fuzz_targets/*.rs)))
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock, to the patch.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# wasm-opt (npm's binaryen) and Playwright come from end2end/node_modules.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: backends run-cluster deps-nginx help run test deps deps-build deps-test deps-fuzz build lint unit e2e bench bench-analytics fuzz fmt clippy clean

help:
	@echo "make run    - install what is missing, build, serve on http://127.0.0.1:3000 (sqlite://squid.db)"
	@echo "make run-cluster - two instances on the local PostgreSQL + Redis behind nginx on http://127.0.0.1:3000"
	@echo "make test   - install what is missing, run fmt and clippy, unit + integration tests and the Playwright suite"
	@echo "make bench  - build and run the load benchmark (64 users, goose)"
	@echo "make bench-analytics - demo data (USERS=10000 DAYS=90), then time every admin analytics route on SQLite and PostgreSQL"
	@echo "make fuzz   - run every fuzz target for FUZZ_SECONDS (default 60) each; fails on a crash"

## ---- installs (each checks first) -------------------------------------------------

deps-build:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || { echo ">> adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
	@cargo leptos --version 2>/dev/null | grep -qx 'cargo-leptos $(CARGO_LEPTOS_VERSION)' \
	  || { echo ">> installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 17 minutes, once)"; \
	       cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked; }
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] \
	  || { echo ">> installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (a few minutes, once)"; \
	       cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); }
	@# Again whenever package-lock.json is newer than the install (a package was added).
	@[ -x end2end/node_modules/.bin/wasm-opt ] && [ -d end2end/node_modules/@playwright/test ] \
	  && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ] \
	  || { echo ">> installing end2end npm packages (wasm-opt, Playwright, axe-core)"; cd end2end && npm ci --no-audit --no-fund; }

deps-test: deps-build
	@dpkg -s chromium >/dev/null 2>&1 \
	  || { echo ">> installing Chromium from Debian"; $(SUDO) apt-get update \
	       && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }

# nginx for `make run-cluster` and the test through a real balancer (Debian's package; its
# own service is not used: nginx runs from deploy/nginx.conf as the user).
deps-nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] \
	  || { echo ">> installing nginx from Debian"; $(SUDO) apt-get update \
	       && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y nginx-core; }

deps: deps-test deps-nginx

deps-fuzz:
	@cargo fuzz --version 2>/dev/null | grep -qx 'cargo-fuzz $(CARGO_FUZZ_VERSION)' \
	  || { echo ">> installing cargo-fuzz $(CARGO_FUZZ_VERSION) (a few minutes, once)"; \
	       cargo install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked; }

## ---- build and run --------------------------------------------------------------------

build: deps-build
	cargo leptos build --release

# Two instances on the local PostgreSQL and Redis behind nginx on http://127.0.0.1:3000.
run-cluster: build deps-nginx
	PATH="$$PATH:/usr/sbin" bash deploy/run-cluster.sh

run: deps-build
	cargo leptos serve --release

## ---- tests ------------------------------------------------------------------------------

# Formatting and clippy (warnings are errors), on the server build with its tests and on the
# browser build, whose code (`hydrate`) the server build never compiles.
lint: deps-build
	cargo fmt --all -- --check
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

# Unit tests (in src/) and integration tests (tests/) against real temporary SQLite files,
# then the integration tests again on each other backend combination whose services run
# here (a database and a Redis key prefix per test, removed after). A missing service is
# skipped with the reason, or fails the run when REQUIRE_SERVICES=1 (CI).
unit:
	cargo test --features ssr
	@$(MAKE) --no-print-directory backends

POSTGRES_HOST ?= 127.0.0.1
POSTGRES_PORT ?= 5432
REDIS_HOST ?= 127.0.0.1
REDIS_PORT ?= 6379
export TEST_POSTGRES_URL ?= postgres://postgres@$(POSTGRES_HOST):$(POSTGRES_PORT)/test
export TEST_REDIS_URL ?= redis://$(REDIS_HOST):$(REDIS_PORT)/0
PG := $(POSTGRES_HOST):$(POSTGRES_PORT)
REDIS := $(REDIS_HOST):$(REDIS_PORT)

# $(call on_backend,NAME,HOST:PORT...): the integration suite with SQUID_TEST_BACKEND=NAME
# when every service listed listens.
define on_backend
	@missing=""; for hp in $(2); do \
	  (exec 3<>/dev/tcp/$${hp%:*}/$${hp##*:}) 2>/dev/null || missing="$$missing $$hp"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo ">> integration tests on $(1)"; \
	  SQUID_TEST_BACKEND=$(1) cargo test --features ssr --test integration; \
	elif [ "$${REQUIRE_SERVICES:-}" = 1 ]; then \
	  echo "$(1): nothing listens on$$missing, and REQUIRE_SERVICES=1" >&2; exit 1; \
	else \
	  echo ">> SKIPPED the integration tests on $(1): nothing listens on$$missing"; \
	fi
endef

backends:
	$(call on_backend,postgres,$(PG))
	$(call on_backend,sqlite+redis,$(REDIS))
	$(call on_backend,postgres+redis,$(PG) $(REDIS))

# Playwright in Debian's Chromium against the release build, on a fresh temporary SQLite
# database, then again on PostgreSQL + Redis when both listen (skipped with the reason, or
# failing under REQUIRE_SERVICES=1).
e2e: deps-test build
	cd end2end && npx playwright test
	@missing=""; for hp in $(PG) $(REDIS); do \
	  (exec 3<>/dev/tcp/$${hp%:*}/$${hp##*:}) 2>/dev/null || missing="$$missing $$hp"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo ">> Playwright on postgres+redis"; bash end2end/on-postgres-redis.sh; \
	elif [ "$${REQUIRE_SERVICES:-}" = 1 ]; then \
	  echo "Playwright on postgres+redis: nothing listens on$$missing, and REQUIRE_SERVICES=1" >&2; exit 1; \
	else \
	  echo ">> SKIPPED Playwright on postgres+redis: nothing listens on$$missing"; \
	fi

test: deps-test deps-nginx lint unit e2e

bench: build
	bash bench/run.sh

# `squid demo` on a fresh database per engine (BENCH_ANALYTICS_BACKENDS, default
# "sqlite postgres"), then each admin analytics route timed RUNS times (default 5) against
# 1 s. USERS and DAYS size the data (default 10000 and 90: about 1,000,000 page views).
bench-analytics: build
	bash bench/analytics.sh

## ---- fuzzing ----------------------------------------------------------------------------

# libFuzzer over every parser of untrusted input (fuzz/fuzz_targets/, its own workspace),
# each target for FUZZ_SECONDS. cargo-fuzz passes nightly-only flags (-Zsanitizer=address);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain, the only one the machines have, accept them.
# Each target starts from its hand-written seeds (fuzz/seeds/<target>), copied into
# fuzz/corpus/<target> (ignored, kept between runs), so what the fuzzer finds never lands
# among the seeds. A crash or a broken property stops that target with its input in
# fuzz/artifacts/<target>/; the others still run, and then make fails naming them.
fuzz: export RUSTC_BOOTSTRAP = 1
fuzz: deps-fuzz
	cargo fuzz build
	@failed=""; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; cp -r fuzz/seeds/$$t/. fuzz/corpus/$$t/; \
	  echo ">> fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  cargo fuzz run $$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    || failed="$$failed $$t"; \
	done; \
	[ -z "$$failed" ] || { echo ">> failed:$$failed (a crash's input is in fuzz/artifacts/<target>/)"; exit 1; }

fmt:
	cargo fmt --all

clippy:
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

clean:
	cargo clean
