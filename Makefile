# Quick start: `make demo` runs the demo, `make test` runs every test.
# Both install what is missing (Debian packages, .venv, the build) first.

PYTHON      := .venv/bin/python
BUILD       := build/release
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
OUT         ?= out/demo

.PHONY: all deps venv build install demo test test-cpp test-python bench clean

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

install: build
	CATHEDRAL_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTHON) -m pip install --no-build-isolation --no-deps --no-index -q .

demo: install
	$(PYTHON) -m cathedral demo --out $(OUT)

test-cpp: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python: install
	cd tests/python && ../../$(PYTHON) -m pytest -q -p no:cacheprovider .

test: test-cpp test-python

bench: install
	CATHEDRAL_WITH_BENCH=1 bash scripts/install-deps.sh
	$(PYTHON) bench/bench_engine.py

clean:
	rm -rf build out .venv
