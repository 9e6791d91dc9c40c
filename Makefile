# Switchyard. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24 (installed from npm into .switchyard/toolchain when the machine's node is older),
# the project's node_modules/.bin, and the pinned kubectl/helm in .switchyard/bin.
NODE_BIN := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(CURDIR)/.switchyard/bin:$(PATH)
export KUBECONFIG ?= $(CURDIR)/.switchyard/kubeconfig

TEST_FILES ?= $(shell find api operator sip-workers cli charts local-platform testing -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)

##@ General
.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: node_modules/.installed ## Install Node 24, npm dependencies, kubectl/helm and the control-plane binaries.
	@scripts/ensure-kube-tools.sh >/dev/null
	@hack/control-plane/build.sh >/dev/null

.PHONY: generate
generate: node_modules/.installed ## Write CRDs, chart CRDs, TypeScript types and docs/crd-reference.md from the zod schemas.
	node api/generate/main.ts

.PHONY: verify-generated
verify-generated: node_modules/.installed ## Fail if generated files are stale.
	node api/generate/main.ts --check

.PHONY: lint
lint: node_modules/.installed ## ESLint (typed rules) and the TypeScript compiler.
	eslint .
	tsc -p tsconfig.json --noEmit

# `test` checks the generated files instead of regenerating them, so CI catches a forgotten `make generate`.
.PHONY: test
test: deps verify-generated ## Run every test against a real control plane (or $SWITCHYARD_TEST_KUBECONFIG).
	node --test --test-concurrency=1 --test-timeout=600000 --test-global-setup=testing/global-setup.ts \
	  --test-reporter=spec --test-reporter-destination=stdout $(TEST_FILES)

##@ Benchmarks
# One after another even under make -j: benchmarks running together would measure each other.
.PHONY: bench
bench: ## Every benchmark in turn: bench-operator, bench-sip, bench-routing.
	$(MAKE) --no-print-directory bench-operator
	$(MAKE) --no-print-directory bench-sip
	$(MAKE) --no-print-directory bench-routing

.PHONY: bench-operator
bench-operator: deps ## The operator at 10,000 and 100,000 PhoneNumbers on a real API server (BENCH_NUMBERS to change).
	node operator/bench/scale.ts

.PHONY: bench-sip
bench-sip: deps ## SIP worker vs Kamailio under SIPp load (rates, setup time, 100 Trying, digest), then kubectl apply → worker serving.
	scripts/install-bench-packages.sh
	node sip-workers/bench/calls.ts
	node sip-workers/bench/apply-to-serving.ts

.PHONY: bench-routing
bench-routing: node_modules/.installed ## The SIP worker's routing state at 1,000,000 numbers: lookup time, memory, rebuild.
	@if [ -f sip-workers/bench/routing-table.ts ]; then node sip-workers/bench/routing-table.ts; else echo "bench-routing: sip-workers/bench/routing-table.ts not in this checkout; skipped"; fi

##@ Control plane
.PHONY: control-plane
control-plane: deps ## Start etcd + kube-apiserver + kube-controller-manager in the background; kubeconfig in .switchyard/kubeconfig.
	node testing/control-plane/main.ts up

.PHONY: control-plane-down
control-plane-down: node_modules/.installed ## Stop the control plane started by `make control-plane`.
	node testing/control-plane/main.ts down

.PHONY: install-crds
install-crds: ## Apply the CRDs to the cluster in $KUBECONFIG.
	kubectl apply --server-side --field-manager=switchyard -f crds/
	kubectl wait --for=condition=Established --timeout=60s crd -l app.kubernetes.io/part-of=switchyard

##@ Run
.PHONY: run-operator
run-operator: node_modules/.installed ## Run the operator in the foreground against $KUBECONFIG (default: the one make control-plane wrote).
	SWITCHYARD_LEADER_ELECTION=$${SWITCHYARD_LEADER_ELECTION:-false} SWITCHYARD_HTTP_ADDRESS=$${SWITCHYARD_HTTP_ADDRESS:-127.0.0.1:8080} node operator/src/main.ts

.PHONY: run
run: control-plane install-crds ## The main job: control plane, CRDs, examples/ applied and the operator in the foreground.
	kubectl apply -f examples/
	@echo "examples applied; the operator now reconciles them (Ctrl-C stops it; make control-plane-down stops the cluster)"
	@echo "in another shell: export KUBECONFIG=$(KUBECONFIG); kubectl get telecom"
	$(MAKE) --no-print-directory run-operator
