# Quick start: `make demo` runs the demo, `make test` runs every test.
# Both install what is missing (Debian packages, .venv, the build) first.

PYTHON      := .venv/bin/python
BUILD       := build/release
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
OUT         ?= out/demo

.PHONY: all deps venv kernel notebook build install demo test test-cpp test-python test-adversarial test-sanitize fuzz bench scenario-docs clean

all: install

deps:
	@bash scripts/install-deps.sh

.venv/bin/python: | deps
	/usr/bin/python3 -m venv --system-site-packages .venv

venv: deps .venv/bin/python

# One CMake build serves the C++ tests and the Python module.
build: venv
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=$(CURDIR)/$(PYTHON) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

install: build kernel
	CATHEDRAL_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTHON) -m pip install --no-build-isolation --no-deps --no-index -q .

# The Jupyter kernel "cathedral" runs .venv/bin/python; the notebooks name it in their metadata.
kernel: venv
	@bash scripts/register-kernel.sh $(CURDIR)/$(PYTHON)

# Opens notebooks/ in Debian's Jupyter (installed when missing); pick the kernel "Python (cathedral)".
NOTEBOOK_ARGS ?=
notebook: install
	@command -v jupyter-notebook >/dev/null 2>&1 || CATHEDRAL_WITH_NOTEBOOK=1 bash scripts/install-deps.sh
	jupyter-notebook --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(NOTEBOOK_ARGS)

demo: install
	$(PYTHON) -m cathedral demo --out $(OUT)

test-cpp: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python: install
	cd tests/python && ../../$(PYTHON) -m pytest -q -p no:cacheprovider .

# Hostile inputs, limits and signals (issue 14), each case in a subprocess: docs/limits.md.
test-adversarial: install
	cd tests/adversarial && ../../$(PYTHON) -m pytest -q -p no:cacheprovider .

test: test-cpp test-python test-adversarial

# The C++ tests (and the conformance suite) under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: deps
	cmake -S . -B build/asan -DCATHEDRAL_SANITIZE=ON -DCATHEDRAL_BUILD_PYTHON=OFF -DCATHEDRAL_BUILD_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build/asan/tests/cpp/cathedral_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build/asan/tests/conformance/cathedral_conformance

# libFuzzer on the scenario loader (needs clang): FUZZ_SECONDS=60 make fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	command -v clang++ >/dev/null || (echo "make fuzz needs clang: apt-get install clang" >&2; exit 1)
	cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DCATHEDRAL_FUZZ=ON -DCATHEDRAL_BUILD_PYTHON=OFF \
	  -DCATHEDRAL_BUILD_TESTS=OFF -DCATHEDRAL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build/fuzz -j $(JOBS)
	mkdir -p build/fuzz/corpus && cp tests/fuzz/corpus/*.json build/fuzz/corpus/
	build/fuzz/tests/fuzz/fuzz_scenario build/fuzz/corpus -max_total_time=$(FUZZ_SECONDS) -max_len=8192

# docs/scenario.schema.json and docs/scenario-format.md, from the loader's field tables
# (tests/python/test_schema.py fails when the checked-in copies are out of date).
scenario-docs: install
	$(PYTHON) -m cathedral schema --out docs/scenario.schema.json
	$(PYTHON) -m cathedral schema --markdown --out docs/scenario-format.md

bench: install
	CATHEDRAL_WITH_BENCH=1 bash scripts/install-deps.sh
	$(PYTHON) bench/bench_engine.py

clean:
	rm -rf build out .venv
