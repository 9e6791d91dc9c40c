# Switchyard. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24 (installed from npm into .switchyard/toolchain when the machine's node is older),
# the project's node_modules/.bin, and the pinned kubectl/helm in .switchyard/bin.
NODE_BIN := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(CURDIR)/.switchyard/bin:$(PATH)
export KUBECONFIG ?= $(CURDIR)/.switchyard/kubeconfig

TEST_FILES ?= $(shell find api operator sip-workers cli charts images local-platform testing -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)

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
lint: node_modules/.installed ## ESLint (typed rules), the TypeScript compiler, the Dockerfiles and the Helm chart.
	eslint .
	tsc -p tsconfig.json --noEmit
	@# dockerfile-utils exits non-zero on errors only; a warning fails the lint too.
	@for dockerfile in images/*/Dockerfile; do \
	  findings=$$(dockerfile-utils lint "$$dockerfile" 2>&1) && [ -z "$$findings" ] || { echo "$$dockerfile:"; echo "$$findings"; exit 1; }; \
	done
	@scripts/ensure-kube-tools.sh >/dev/null
	helm lint --strict --quiet charts/switchyard

# `test` checks the generated files instead of regenerating them, so CI catches a forgotten `make generate`.
.PHONY: test
test: system-packages deps verify-generated ## Run every test against a real control plane (or $SWITCHYARD_TEST_KUBECONFIG).
	node --test --test-concurrency=1 --test-timeout=600000 --test-global-setup=testing/global-setup.ts \
	  --test-reporter=spec --test-reporter-destination=stdout $(TEST_FILES)

##@ Benchmarks
# One after another even under make -j: benchmarks running together would measure each other.
.PHONY: bench
bench: ## Every benchmark in turn: bench-operator, bench-sip, bench-routing, bench-media.
	$(MAKE) --no-print-directory bench-operator
	$(MAKE) --no-print-directory bench-sip
	$(MAKE) --no-print-directory bench-routing
	$(MAKE) --no-print-directory bench-media

.PHONY: bench-operator
bench-operator: deps ## The operator at 10,000 and 100,000 PhoneNumbers on a real API server (BENCH_NUMBERS to change).
	node operator/bench/scale.ts

.PHONY: bench-sip
bench-sip: deps ## SIP worker vs Kamailio under SIPp load (rates, setup time, 100 Trying, digest), then kubectl apply → worker serving.
	scripts/install-bench-packages.sh
	node sip-workers/bench/calls.ts
	node sip-workers/bench/apply-to-serving.ts

.PHONY: bench-media
bench-media: deps ## Concurrent RTP calls one rtpengine relays on loopback with no loss, and its CPU per call.
	node sip-workers/bench/media-relay.ts

.PHONY: bench-routing
bench-routing: node_modules/.installed ## The SIP worker's routing state at 1,000,000 numbers: lookup time, memory, rebuild.
	@if [ -f sip-workers/bench/routing-table.ts ]; then node sip-workers/bench/routing-table.ts; else echo "bench-routing: sip-workers/bench/routing-table.ts not in this checkout; skipped"; fi

##@ Images and a kind cluster (need Docker, and kind for the cluster)
IMAGE_REGISTRY ?= ghcr.io/switchyard-dev
IMAGE_TAG ?= dev
KIND_CLUSTER ?= switchyard
KIND_KUBECONFIG ?= $(CURDIR)/.switchyard/kind-kubeconfig
# Where `make deploy` installs the chart: the kind cluster's kubeconfig unless told otherwise.
DEPLOY_KUBECONFIG ?= $(KIND_KUBECONFIG)
DEPLOY_NAMESPACE ?= switchyard-system
OPERATOR_IMAGE := $(IMAGE_REGISTRY)/operator:$(IMAGE_TAG)
SIP_WORKER_IMAGE := $(IMAGE_REGISTRY)/sip-worker:$(IMAGE_TAG)
MEDIA_RELAY_IMAGE := $(IMAGE_REGISTRY)/rtpengine:$(IMAGE_TAG)

.PHONY: check-docker
check-docker:
	@command -v docker >/dev/null 2>&1 || { echo "docker is not installed: make images, kind-up and kind-load need Docker" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "docker is installed but no Docker engine answers (docker info failed): start the Docker daemon, or build where one runs" >&2; exit 1; }

.PHONY: check-kind
check-kind: check-docker
	@command -v kind >/dev/null 2>&1 || { echo "kind is not installed: go install sigs.k8s.io/kind@latest (it runs the cluster in Docker)" >&2; exit 1; }

.PHONY: images
images: check-docker ## Build the operator, SIP worker (also the push service) and media relay images as IMAGE_REGISTRY/NAME:IMAGE_TAG (default ghcr.io/switchyard-dev/NAME:dev).
	docker build -f images/operator/Dockerfile -t $(OPERATOR_IMAGE) .
	docker build -f images/sip-worker/Dockerfile -t $(SIP_WORKER_IMAGE) .
	docker build -t $(MEDIA_RELAY_IMAGE) images/media-relay

.PHONY: kind-up
kind-up: check-kind ## Create the kind cluster KIND_CLUSTER (default switchyard) unless it exists; kubeconfig in .switchyard/kind-kubeconfig.
	@mkdir -p $(dir $(KIND_KUBECONFIG))
	@if kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)'; then \
	  kind export kubeconfig --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG); \
	else \
	  kind create cluster --name $(KIND_CLUSTER) --kubeconfig $(KIND_KUBECONFIG); \
	fi

.PHONY: kind-load
kind-load: check-kind ## Load the images `make images` built into the kind cluster.
	kind load docker-image --name $(KIND_CLUSTER) $(OPERATOR_IMAGE) $(SIP_WORKER_IMAGE) $(MEDIA_RELAY_IMAGE)

.PHONY: deploy
deploy: node_modules/.installed ## helm upgrade --install the chart with the built image tags into DEPLOY_KUBECONFIG (default: the kind cluster).
	@scripts/ensure-kube-tools.sh >/dev/null
	@[ -f '$(DEPLOY_KUBECONFIG)' ] || { echo "deploy: no kubeconfig at $(DEPLOY_KUBECONFIG): run make kind-up, or set DEPLOY_KUBECONFIG" >&2; exit 1; }
	helm upgrade --install switchyard charts/switchyard --kubeconfig '$(DEPLOY_KUBECONFIG)' \
	  --namespace $(DEPLOY_NAMESPACE) --create-namespace --wait --timeout 5m \
	  --set image.repository=$(IMAGE_REGISTRY)/operator --set image.tag=$(IMAGE_TAG) \
	  --set workloadImages.sipWorker.repository=$(IMAGE_REGISTRY)/sip-worker --set workloadImages.sipWorker.tag=$(IMAGE_TAG) \
	  --set workloadImages.mediaRelay.repository=$(IMAGE_REGISTRY)/rtpengine --set workloadImages.mediaRelay.tag=$(IMAGE_TAG)

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

.PHONY: system-packages
system-packages: ## Debian packages the tests and make run use (SIPp, rtpengine, Redis); a no-op when all are present.
	scripts/install-system-packages.sh

.PHONY: run
run: system-packages node_modules/.installed ## The main job: control plane, CRDs, operator, examples/, then each worker, relay and push service as a local process from the pod template the operator wrote, a demo webhook and a SIPp callee; prints `SIP:` and a `sipp` command; Ctrl-C stops it all.
	node local-platform/main.ts