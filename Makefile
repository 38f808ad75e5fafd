# Thin wrapper over CMake for the README's two commands and a few helpers.
# The build itself lives in CMakeLists.txt; nothing here is needed to use it.
#
#   make run             set up, build, run the lab pipeline (integration-patterns)
#   make lab             the same for all three lab pipelines
#   make test            set up, build, run the whole suite with ctest
#   make test-sanitize   the same under ASan+UBSan, in build-asan/
#   make bench           the benchmarks (BENCH_ARGS=--peer to compare with the peer)
#   make fuzz            the libFuzzer targets, FUZZ_SECONDS each (tests/fuzz/README.md;
#                        FUZZ_TARGETS="jsonpath history" for some of them)
#   make build | clean | format | conformance

BUILD_DIR    ?= build
ASAN_DIR     ?= build-asan
FUZZ_DIR     ?= build-fuzz
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
STEPFN_STORE ?= ./.stepfn
SHARED_CONF  ?= ../shared/conformance

PIPELINE_DIR := definitions/integration-patterns
PIPELINE     := $(PIPELINE_DIR)/pipeline.asl.json
HELLO        := definitions/hello.asl.json
STEPFN       := ./$(BUILD_DIR)/stepfn

FORMAT_DIRS  := $(wildcard engine states tools tests definitions bench)

.PHONY: all bootstrap build build-asan run lab test test-sanitize conformance bench fuzz format clean

all: build

bootstrap:
	@bash tools/bootstrap.sh

build: bootstrap
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: bootstrap
	cmake -S . -B $(ASAN_DIR) -DSTEPFN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_DIR) -j $(JOBS)

# The main job: the integration-patterns lab pipeline on its sample bucket
# (definitions/README.md). Data goes to out/, executions to $(STEPFN_STORE).
run: build
	@sh definitions/run-pipeline.sh $(STEPFN) $(BUILD_DIR) $(STEPFN_STORE) integration-patterns

# All three lab pipelines, one after the other.
lab: build
	@for p in integration-patterns product-visit bucket-notification; do \
	    echo "== $$p"; \
	    sh definitions/run-pipeline.sh $(STEPFN) $(BUILD_DIR) $(STEPFN_STORE) $$p || exit $$?; \
	    echo; \
	done

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2

test-sanitize: build-asan
	ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --test-dir $(ASAN_DIR) --output-on-failure -j2

# Measures only (always exits 0); the ctest test conformance.ratchet gates.
conformance: build
	@if [ -d $(SHARED_CONF)/cases ]; then \
	    python3 $(SHARED_CONF)/run.py $(STEPFN) $(SHARED_CONF)/cases; \
	else \
	    echo "no $(SHARED_CONF)/cases beside the repo; nothing to run"; \
	fi

# Benchmarks (bench/README.md): stepfn alone; BENCH_ARGS=--peer adds the peer.
bench: bootstrap
	python3 bench/run.py $(BENCH_ARGS)

# libFuzzer targets (tests/fuzz/), built with clang in their own folder and
# run one after the other; non-zero when any finds a crash, leak or timeout.
fuzz:
	@bash tools/bootstrap.sh --fuzz
	CC=$(FUZZ_CC) cmake -S . -B $(FUZZ_DIR) -DSTEPFN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	bash tests/fuzz/run_fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	@command -v clang-format >/dev/null 2>&1 || \
	    { echo "clang-format not found (apt-get install clang-format)" >&2; exit 1; }
	find $(FORMAT_DIRS) -type f \( -name '*.c' -o -name '*.h' \) -exec clang-format -i {} +

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
