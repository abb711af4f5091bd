#!/usr/bin/env bash
# Runs the benchmark suite against a release build (issue 5 fills it in) and writes
# docs/BENCHMARKS.md. Until then it says so and succeeds, so `make bench` is wired end to end.
set -euo pipefail
build_dir="${1:-build-release}"
echo "bench: release build in ${build_dir} is ready; no benchmarks are defined yet (issue 5)."
