# Entry points of the CDC analytics platform. `make` alone lists them.

.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

# The build needs a JDK 21+; scripts/find-jdk picks JAVA_HOME, the java on PATH or the newest in
# /usr/lib/jvm. Set JAVA_HOME to choose another.
JAVA_HOME := $(shell scripts/find-jdk 2>/dev/null)
export JAVA_HOME
JAVA := $(JAVA_HOME)/bin/java

# Maven 3.9 still calls sun.misc.Unsafe; JDK 24+ warns about it unless told to allow it.
JAVA_MAJOR := $(shell [ -n "$(JAVA_HOME)" ] && "$(JAVA_HOME)/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
ifeq ($(shell [ "$(JAVA_MAJOR)" -ge 24 ] 2>/dev/null && echo yes),yes)
export MAVEN_OPTS := $(MAVEN_OPTS) --sun-misc-unsafe-memory-access=allow
endif

MVN := ./mvnw
# Extra Maven arguments, e.g. MVN_ARGS="-o" to build offline.
MVN_ARGS ?=
MVN_QUIET := -B -q -ntp $(MVN_ARGS)
MVN_LOUD := -B -ntp $(MVN_ARGS)
# Arguments for the local launcher, e.g. DEMO_ARGS="--rate 500 --pg-port 15432".
DEMO_ARGS ?=
# The pipeline definition to run and check (a pipeline.yaml or its folder); empty: the chart's own,
# helm/cdc-platform/files/pipeline (the shop).
PIPELINE ?=
# An example to run instead of the shop, by name (examples/<name>: its schema, workload and
# definition), e.g. EXAMPLE=sensors.
EXAMPLE ?=
pipeline-arg = $(if $(EXAMPLE),--pipeline $(abspath examples/$(EXAMPLE)/pipeline),$(if $(PIPELINE),--pipeline $(abspath $(PIPELINE))))
demo-arg = $(if $(EXAMPLE),--example examples/$(EXAMPLE),$(pipeline-arg))

# Starts a module's main class with that module's own runtime classpath.
run-module = exec $(JAVA) -cp "$(1)/target/classes:$$(cat $(1)/target/runtime-classpath.txt)" $(2)

.PHONY: help
help: ## list the targets
	@echo "Usage: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: jdk
jdk: ## check that a JDK 21+ is available and print where
	@if [ -z "$(JAVA_HOME)" ]; then scripts/find-jdk >/dev/null; fi
	@echo "JDK: $(JAVA_HOME)"

.PHONY: build
build: jdk ## compile, check formatting and package every module (no tests)
	$(MVN) $(MVN_QUIET) -DskipTests package

.PHONY: test
test: jdk ## run the unit tests (*Test) and the integration tests (*IT); installs chromium if missing
	scripts/ensure-chromium
	$(MVN) $(MVN_LOUD) verify

.PHONY: fmt
fmt: jdk ## format the Java sources in place
	$(MVN) $(MVN_QUIET) spotless:apply

.PHONY: demo
demo: jdk ## run the pipeline on this machine until Ctrl-C (EXAMPLE=sensors for the other example)
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl launcher -am package
	$(call run-module,launcher,io.cdcplatform.local.LocalPipeline --home . $(demo-arg) $(DEMO_ARGS))

.PHONY: bench
bench: bench-ingest bench-capture bench-analytics ## run every benchmark and print its figures

.PHONY: bench-ingest
# Seconds each benchmark case runs.
BENCH_SECONDS ?= 30

bench-ingest: jdk ## measure the ingest ceiling: committed changes/s at full speed
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl benchmarks -am package
	$(call run-module,benchmarks,io.cdcplatform.local.IngestBenchmark $(BENCH_SECONDS))

.PHONY: oracles
# Arguments of the oracle check, e.g. ORACLE_ARGS="--wait 3m"; the database comes from
# ORACLE_JDBC_URL and ORACLE_USER (default: the local run's), the password from PGPASSWORD.
ORACLE_ARGS ?=

oracles: jdk ## check that every analytics table equals its oracle query (from PIPELINE's definition)
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl oracle-check -am package
	$(call run-module,oracle-check,io.cdcplatform.oracle.OracleCheck $(pipeline-arg) $(ORACLE_ARGS))

.PHONY: validate
# The database validate checks the definition against (its catalog): VALIDATE_JDBC_URL and
# VALIDATE_USER (default: the local run's), the password from PGPASSWORD.
VALIDATE_JDBC_URL ?= jdbc:postgresql://127.0.0.1:24320/postgres
VALIDATE_USER ?= postgres
# The analytics job's JVM settings: Flink's planner reflects into the JDK.
FLINK_JVM := --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED

validate: jdk ## check a pipeline definition (PIPELINE or EXAMPLE) against its database and Flink's planner, as the job does at start
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl flink-app -am package
	$(call run-module,flink-app,$(FLINK_JVM) io.cdcplatform.flink.PipelineCheck --pipeline $(if $(pipeline-arg),$(word 2,$(pipeline-arg)),$(abspath helm/cdc-platform/files/pipeline)) --jdbc-url $(VALIDATE_JDBC_URL) --jdbc-user $(VALIDATE_USER))

.PHONY: crd
crd: jdk ## regenerate the CdcPipeline CRD from its Java model into the chart (helm/cdc-platform/crds)
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl operator-api -am process-test-classes
	cp operator-api/target/classes/META-INF/fabric8/cdcpipelines.cdcplatform.io-v1.yml helm/cdc-platform/crds/

.PHONY: manifests
manifests: jdk ## render manifests/ from the chart with the kind values (never edit manifests/ by hand)
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl chart-tools -am package
	$(call run-module,chart-tools,io.cdcplatform.chart.RenderManifests helm/cdc-platform helm/values-kind.yaml manifests)

# Kubernetes on kind. These need Docker, kind and helm, which this project does not install; each
# target stops with one line naming what is missing. The operators' versions and repositories are
# pinned in helm/operators.yaml, which the chart's tests check the chart against.
KIND_CLUSTER ?= cdc-platform
REGISTRY_PORT ?= 5001
NAMESPACE ?= cdc
pin = $(shell sed -n 's/^$(1): *//p' helm/operators.yaml)
STRIMZI_VERSION ?= $(call pin,strimziVersion)
STRIMZI_CHART ?= $(call pin,strimziChart)
FLINK_OPERATOR_VERSION ?= $(call pin,flinkOperatorVersion)
FLINK_OPERATOR_REPOSITORY ?= $(call pin,flinkOperatorRepository)
CERT_MANAGER_VERSION ?= $(call pin,certManagerVersion)
CERT_MANAGER_CHART ?= $(call pin,certManagerChart)
# Registry hosts the kind nodes pull from, all served by the kind-registry container: the host
# side name the images are pushed to, and its name on the kind network (where Strimzi's optional
# in-cluster Connect build pushes).
KIND_REGISTRY_HOSTS := localhost:$(REGISTRY_PORT) kind-registry:5000
need = @command -v $(1) >/dev/null 2>&1 || { echo "$(1) is required for this target and is not installed"; exit 1; }

.PHONY: kind-up
kind-up: ## create the kind cluster (kind-config.yaml) and a local registry on localhost:$(REGISTRY_PORT)
	$(call need,docker)
	$(call need,kind)
	docker inspect kind-registry >/dev/null 2>&1 || docker run -d --restart=always -p 127.0.0.1:$(REGISTRY_PORT):5000 --name kind-registry registry:2
	kind get clusters | grep -qx $(KIND_CLUSTER) || kind create cluster --config kind-config.yaml
	for node in $$(kind get nodes --name $(KIND_CLUSTER)); do \
	  for host in $(KIND_REGISTRY_HOSTS); do \
	    docker exec $$node mkdir -p /etc/containerd/certs.d/$$host; \
	    printf '[host."http://kind-registry:5000"]\n' | docker exec -i $$node cp /dev/stdin /etc/containerd/certs.d/$$host/hosts.toml; \
	  done; \
	done
	docker network connect kind kind-registry 2>/dev/null || true

.PHONY: namespace
namespace: ## create namespace $(NAMESPACE) with Pod Security "restricted" enforced (helm/namespace.yaml)
	$(call need,kubectl)
	sed 's/^  name: cdc$$/  name: $(NAMESPACE)/' helm/namespace.yaml | kubectl apply -f -

.PHONY: operators
# The namespace comes first: both operators' charts bind their roles in each watched namespace.
operators: namespace ## install cert-manager, Strimzi and the Flink Kubernetes Operator (helm/operators.yaml)
	$(call need,kubectl)
	$(call need,helm)
	helm upgrade --install cert-manager $(CERT_MANAGER_CHART) --version $(CERT_MANAGER_VERSION) \
	  --namespace cert-manager --create-namespace -f helm/operators/cert-manager.yaml --wait
	kubectl -n cert-manager wait deployment --all --for=condition=Available --timeout=5m
	# Available is not serving: the Flink operator's chart creates an Issuer and a Certificate,
	# which go through cert-manager's webhook once cainjector has given it its CA.
	kubectl wait validatingwebhookconfiguration/cert-manager-webhook --for=jsonpath='{.webhooks[0].clientConfig.caBundle}' --timeout=5m
	kubectl wait mutatingwebhookconfiguration/cert-manager-webhook --for=jsonpath='{.webhooks[0].clientConfig.caBundle}' --timeout=5m
	for attempt in $$(seq 1 60); do \
	  printf 'apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: webhook-probe\n  namespace: $(NAMESPACE)\nspec:\n  selfSigned: {}\n' \
	    | kubectl apply --dry-run=server -f - >/dev/null 2>&1 && break; \
	  [ $$attempt -lt 60 ] || { echo "cert-manager's webhook did not answer within 2 minutes"; exit 1; }; \
	  sleep 2; \
	done
	helm upgrade --install strimzi $(STRIMZI_CHART) --version $(STRIMZI_VERSION) \
	  --namespace strimzi --create-namespace -f helm/operators/strimzi.yaml --set watchNamespaces="{$(NAMESPACE)}" --wait
	helm repo add --force-update flink-operator $(FLINK_OPERATOR_REPOSITORY)
	helm upgrade --install flink-operator flink-operator/flink-kubernetes-operator --version $(FLINK_OPERATOR_VERSION) \
	  --namespace flink-operator --create-namespace -f helm/operators/flink-operator.yaml --set watchNamespaces="{$(NAMESPACE)}" --wait

.PHONY: images
# Maven arguments of the image build: the ingest job, the source setup, the CdcPipeline reconciler
# and the dashboard (Jib, on a JRE), the analytics job (its job jar on flink:1.20.3-java17) and
# Kafka Connect with Debezium's plugin (on Strimzi's Kafka image), tagged
# $(IMAGE_REGISTRY)/<name>:0.1.0, each for linux/amd64 and linux/arm64. Plain HTTP is allowed
# only for a registry on this machine.
IMAGE_REGISTRY ?= localhost:$(REGISTRY_PORT)/cdc-platform
# Images are tagged with the commit they are built from, so a rebuild never hides behind a tag a
# node already has (pull policy IfNotPresent); a build with uncommitted changes is tagged -dirty
# and deployed with pull policy Always. make images also pushes the tag 0.1.0 that manifests/ names.
GIT_DIRTY := $(shell git status --porcelain --untracked-files=no 2>/dev/null | head -c1)
IMAGE_TAG ?= 0.1.0-$(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(if $(GIT_DIRTY),-dirty)
IMAGE_MODULES := examples/shop/ingest-job,source-setup,flink-app,operator-extensions,dashboard,kafka-runtime
# The one platform of a tarball or a Docker daemon: this machine's.
HOST_PLATFORM := linux/$(shell uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
JIB = $(MVN) $(MVN_QUIET) -Pimages -DskipTests -Dspotless.check.skip=true -pl $(IMAGE_MODULES) -am package \
  -Dimage.registry=$(IMAGE_REGISTRY) -Dimage.tag=$(IMAGE_TAG) $(if $(filter localhost:% 127.0.0.1:%,$(IMAGE_REGISTRY)),-Dimage.insecure=true)

images: jdk ## build the project's images (both architectures) with Jib and push them to the kind registry
	$(JIB) jib:build -Djib.to.tags=0.1.0

.PHONY: images-tar
images-tar: jdk ## build the images as tarballs in <module>/target/jib-image.tar (no registry, no Docker)
	$(JIB) jib:buildTar -Djib.from.platforms=$(HOST_PLATFORM) $(if $(BASE_IMAGE),-Djib.from.image=$(BASE_IMAGE))

.PHONY: kind-load
kind-load: jdk ## build the images into the local Docker daemon and load them into the kind nodes
	$(call need,docker)
	$(call need,kind)
	$(JIB) jib:dockerBuild -Djib.from.platforms=$(HOST_PLATFORM)
	kind load docker-image --name $(KIND_CLUSTER) \
	  $(foreach image,ingest-job flink-app source-setup operator-extensions dashboard kafka-connect,$(IMAGE_REGISTRY)/$(image):$(IMAGE_TAG))

.PHONY: deploy
deploy: namespace ## helm upgrade --install with the kind values, after creating the credentials Secrets
	$(call need,kubectl)
	$(call need,helm)
	kubectl -n $(NAMESPACE) get secret cdc-platform-postgres-credentials >/dev/null 2>&1 || \
	  kubectl -n $(NAMESPACE) create secret generic cdc-platform-postgres-credentials \
	    --from-literal=postgres-password=$$(openssl rand -hex 16) --from-literal=owner-password=$$(openssl rand -hex 16)
	kubectl -n $(NAMESPACE) get secret cdc-capture-credentials >/dev/null 2>&1 || \
	  kubectl -n $(NAMESPACE) create secret generic cdc-capture-credentials \
	    --from-literal=username=cdc_capture --from-literal=password=$$(openssl rand -hex 16)
	kubectl -n $(NAMESPACE) get secret cdc-analytics-writer-credentials >/dev/null 2>&1 || \
	  kubectl -n $(NAMESPACE) create secret generic cdc-analytics-writer-credentials \
	    --from-literal=username=analytics_writer --from-literal=password=$$(openssl rand -hex 16)
	kubectl -n $(NAMESPACE) get secret cdc-analytics-reader-credentials >/dev/null 2>&1 || \
	  kubectl -n $(NAMESPACE) create secret generic cdc-analytics-reader-credentials \
	    --from-literal=username=analytics_reader --from-literal=password=$$(openssl rand -hex 16)
	kubectl -n $(NAMESPACE) get secret cdc-verifier-credentials >/dev/null 2>&1 || \
	  kubectl -n $(NAMESPACE) create secret generic cdc-verifier-credentials \
	    --from-literal=username=cdc_verifier --from-literal=password=$$(openssl rand -hex 16)
	helm upgrade --install cdc-platform helm/cdc-platform -n $(NAMESPACE) -f helm/values-kind.yaml \
	  --set images.tag=$(IMAGE_TAG) $(if $(findstring -dirty,$(IMAGE_TAG)),--set images.pullPolicy=Always) --wait --timeout 15m

.PHONY: e2e
e2e: ## end-to-end on kind: fresh analytics, a Ready CdcPipeline, every table equal to its oracle (skips without Docker)
	NS=$(NAMESPACE) scripts/kind-e2e

.PHONY: kind-down
kind-down: ## delete the kind cluster and the local registry
	$(call need,kind)
	kind delete cluster --name $(KIND_CLUSTER)
	docker rm -f kind-registry 2>/dev/null || true

.PHONY: clean
clean: ## remove build output
	$(MVN) $(MVN_QUIET) clean

.PHONY: bench-capture
bench-capture: jdk ## measure start-up, memory and commit-to-Kafka throughput of the local pipeline
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl benchmarks -am package
	$(call run-module,benchmarks,io.cdcplatform.local.CaptureBenchmark $(BENCH_SECONDS))

.PHONY: soak
SOAK_MINUTES ?= 30
SOAK_FAULT_SECONDS ?= 180
SOAK_RATE ?= 200
SOAK_SEED ?=

soak: jdk ## a steady rate for SOAK_MINUTES (30) with a random kill -9 every few minutes: false alarms, every fault named and healed within its SLO, tables equal to their oracles
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl benchmarks -am package
	$(call run-module,benchmarks,io.cdcplatform.local.Soak $(SOAK_MINUTES) $(SOAK_FAULT_SECONDS) $(SOAK_RATE) "$(SOAK_SEED)")

.PHONY: bench-analytics
# Rates (changes/s) the analytics benchmark tries, in order, until the job falls behind.
BENCH_RATES ?= 500 1000 1500 2000 3000

bench-analytics: jdk ## ceilings (pgbench, decoding, catch-up), a rate sweep (latency, CPU, checkpoints, memory), then the same against the Flink CDC peer
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl benchmarks -am package
	$(call run-module,benchmarks,io.cdcplatform.local.AnalyticsBenchmark $(BENCH_SECONDS) "$(BENCH_RATES)")
