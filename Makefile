# Vigil: every entry point a person or CI needs. `make demo` and `make test` work on a fresh
# machine: they install what is missing (Python venv with moto and cargo-lambda, the
# PostgreSQL and MariaDB server packages) before using it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      := $(CURDIR)/.venv
PY        ?= python3
STAMP     := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)
export PATH := $(VENV)/bin:$(PATH)
# checkov and the SAM CLI each get a virtualenv of their own: resolving them together with
# cfn-lint (or each other) makes pip backtrack for minutes.
CHECKOV_VENV  := $(CURDIR)/.venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell sha256sum requirements-checkov.txt | cut -c1-12)
SAM_VENV      := $(CURDIR)/.venv-sam
SAM_STAMP     := $(SAM_VENV)/.installed-$(shell sha256sum requirements-sam.txt | cut -c1-12)
# sam validate --lint works offline without credentials, but wants a Region; no telemetry.
SAM_ENV       := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}
# Tests and the demo talk to the emulator; no real AWS credentials are ever needed here.
CARGO_TEST_FLAGS ?=

.PHONY: help venv db-servers browser test unit lint lint-template fmt demo bench build deploy clean rds-ca

help:
	@echo "make demo    - rotate real PostgreSQL and MariaDB credentials end to end (local emulator)"
	@echo "make test    - unit and integration tests (emulator + throwaway TLS databases)"
	@echo "make lint    - module-cycle check, cargo fmt --check, clippy -D warnings, and lint-template"
	@echo "make lint-template - cfn-lint, checkov, sam validate --lint on template.yaml"
	@echo "make bench   - release-build benchmarks: cold start, rotation p50/p95 with AWS calls, connections, failed logins and TLS handshakes, peak RSS"
	@echo "make build   - arm64 release artefacts with cargo-lambda"
	@echo "make deploy  - sam deploy --guided (needs AWS credentials)"

$(STAMP): requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

$(SAM_STAMP): requirements-sam.txt
	@test -x $(SAM_VENV)/bin/python || $(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	@rm -f $(SAM_VENV)/.installed-* && touch $@

# The harness runs its own throwaway clusters from these binaries; the system services are
# never used. Installed with apt when missing and possible.
db-servers:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null && command -v mariadbd >/dev/null && command -v redis-server >/dev/null; then \
	  exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing PostgreSQL, MariaDB and Redis server packages with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql mariadb-server redis-server >/dev/null; \
	else \
	  echo "error: PostgreSQL, MariaDB or Redis server binaries are missing." >&2; \
	  echo "install them (Debian/Ubuntu: sudo apt-get install postgresql mariadb-server redis-server) and run make again" >&2; \
	  exit 1; \
	fi

# The report's script is checked in a real headless browser (compliance-sweep tests/report.rs).
browser:
	@if command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Chromium with apt-get (headless browser for the report test)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "error: chromium is missing; install it (Debian/Ubuntu: sudo apt-get install chromium) and run make again" >&2; \
	  exit 1; \
	fi

# One run of the whole suite with the AWS operation recorder on; the least-privilege test
# then reads those recordings instead of running every integration test a second time.
OPERATIONS := $(CURDIR)/target/operations

test: venv db-servers browser
	rm -rf $(OPERATIONS)
	VIGIL_RECORD_OPERATIONS=$(OPERATIONS) cargo test --workspace $(CARGO_TEST_FLAGS) -- --skip each_role_grants_exactly_what_its_function_calls
	VIGIL_RECORDED_OPERATIONS=$(OPERATIONS) cargo test --workspace $(CARGO_TEST_FLAGS) --test least_privilege
	# The sweep again on moto as released, without tests/emulator/patches: no patch may hide a gap.
	VIGIL_EMULATOR=stock cargo test --workspace $(CARGO_TEST_FLAGS) --test stock_emulator --test ground_truth

unit:
	cargo test --workspace --lib --bins

lint: lint-template
	$(PY) scripts/check-module-cycles.py
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# The template's three checks; offline (checkov's --skip-download keeps it off the network).
# Skipped checkov checks are justified in each resource's Metadata (docs/template-permissions.md).
lint-template: venv $(CHECKOV_STAMP) $(SAM_STAMP)
	cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --skip-download --compact --quiet
	$(SAM_ENV) $(SAM_VENV)/bin/sam validate --lint -t template.yaml

fmt:
	cargo fmt --all

FUNCTIONS := secret-rotation guardduty-responder cloudtrail-delivery compliance-sweep detector-guard

# Each chapter warms its function up under `cargo lambda watch`, which builds it in its own
# target directory (target/demo, so it never invalidates the test build): a pre-build here
# could not be reused there, so the functions are not pre-built.
demo: venv db-servers
	cargo run --quiet --bin vigil-demo

# Release builds; each benchmark prints its figures (nothing is asserted on timings).
# One `--workspace` build for all of them: `-p` per crate would resolve features per crate
# and rebuild the SDK in release once per benchmark. `make bench BENCHES="sweep"` runs one.
BENCHES := rotation respond diagnose_repair sweep guard

bench: venv db-servers
	cargo bench --workspace $(addprefix --bench ,$(BENCHES))

build: venv
	@rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu || \
	  { echo "error: the aarch64-unknown-linux-gnu standard library is needed for arm64 builds (rustup target add aarch64-unknown-linux-gnu)" >&2; exit 1; }
	@for f in $(FUNCTIONS); do cargo lambda build --release --arm64 --lambda-dir target/lambda-arm64 --bin $$f; done

# sam build runs cargo-lambda (from .venv) for each function (BuildMethod rust-cargolambda,
# arm64 from the template); --guided asks for the stack name, Region and parameters (see
# docs/template-permissions.md) and needs AWS credentials and CAPABILITY_IAM.
deploy: venv $(SAM_STAMP)
	SAM_CLI_TELEMETRY=0 SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 $(SAM_VENV)/bin/sam build
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy --guided

rds-ca:
	scripts/update-rds-ca.sh

clean:
	cargo clean
	rm -rf $(VENV) $(CHECKOV_VENV) $(SAM_VENV)
