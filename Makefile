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

# Starts a module's main class with that module's own runtime classpath.
run-module = exec $(JAVA) -cp "$(1)/target/classes:$$(cat $(1)/target/runtime-classpath.txt)" $(2)

.PHONY: help
help: ## list the targets
	@echo "Usage: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: jdk
jdk: ## check that a JDK 21+ is available and print where
	@if [ -z "$(JAVA_HOME)" ]; then scripts/find-jdk >/dev/null; fi
	@echo "JDK: $(JAVA_HOME)"

.PHONY: build
build: jdk ## compile, check formatting and package every module (no tests)
	$(MVN) $(MVN_QUIET) -DskipTests package

.PHONY: test
test: jdk ## run the unit tests (*Test) and the integration tests (*IT)
	$(MVN) $(MVN_LOUD) verify

.PHONY: fmt
fmt: jdk ## format the Java sources in place
	$(MVN) $(MVN_QUIET) spotless:apply

.PHONY: demo
demo: jdk ## run the pipeline on this machine until Ctrl-C
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl local -am package
	$(call run-module,local,io.cdcplatform.local.LocalPipeline --home . $(DEMO_ARGS))

.PHONY: bench
bench: bench-ingest bench-capture bench-analytics ## run every benchmark and print its figures

.PHONY: bench-ingest
# Seconds each benchmark case runs.
BENCH_SECONDS ?= 30

bench-ingest: jdk ## measure the ingest ceiling: committed changes/s at full speed
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl local -am package
	$(call run-module,local,io.cdcplatform.local.IngestBenchmark $(BENCH_SECONDS))

.PHONY: manifests
manifests: jdk ## render manifests/ from the chart with the kind values (never edit manifests/ by hand)
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl chart-tools -am package
	$(call run-module,chart-tools,io.cdcplatform.chart.RenderManifests helm/cdc-platform helm/values-kind.yaml manifests)

.PHONY: clean
clean: ## remove build output
	$(MVN) $(MVN_QUIET) clean

.PHONY: bench-capture
bench-capture: jdk ## measure start-up, memory and commit-to-Kafka throughput of the local pipeline
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl local -am package
	$(call run-module,local,io.cdcplatform.local.CaptureBenchmark $(BENCH_SECONDS))

.PHONY: bench-analytics
# Rates (changes/s) the analytics benchmark tries, in order, until the job falls behind.
BENCH_RATES ?= 500 1000 1500 2000 3000

bench-analytics: jdk ## sweep rates: end-to-end latency, sustained throughput, memory of the stack
	$(MVN) $(MVN_QUIET) -DskipTests -Dspotless.check.skip=true -pl local -am package
	$(call run-module,local,io.cdcplatform.local.AnalyticsBenchmark $(BENCH_SECONDS) "$(BENCH_RATES)")
