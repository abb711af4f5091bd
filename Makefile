# The whole developer workflow. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD     ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-unit test-integration bench format clean help

all: build

help:
	@echo "make run     build and start the service on its embedded defaults (demo mode)"
	@echo "make test    build and run every test (starts its own PostgreSQL)"
	@echo "make bench   release build + benchmarks, writes docs/BENCHMARKS.md"
	@echo "make format  clang-format every C++ file"

deps:
	@bash scripts/install-deps.sh

web: deps
	@bash scripts/web-assets.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure web
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/apps/ccapi serve --demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

test-integration: build
	cd $(BUILD) && ctest --output-on-failure -L integration

# Release build of only what the benchmarks run (the service and two tools in bench/), then
# B1-B6 (5-8 minutes on 2 cores) -> docs/BENCHMARKS.md.
BENCH_TARGETS = ccapi bench_ref_server bench_ws
bench:
	@$(MAKE) --no-print-directory configure BUILD=build-release BUILD_TYPE=Release
	@cmake --build build-release -j $(JOBS) --target $(BENCH_TARGETS)
	@bash bench/run.sh build-release

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-release
