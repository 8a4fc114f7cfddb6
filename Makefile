# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The package alone (enough for the demo), then the test, lint and build tools on top.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The editable install's metadata (version, entry points) comes from these.
PACKAGE_FILES := pyproject.toml setup.py src/autoscaler/version.py

.PHONY: test lint typecheck unit demo proto bench dist clean

$(BIN)/python:
	@echo "make: creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)
	@echo "make: upgrading pip in $(VENV)"
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(PACKAGE_FILES)
	@echo "make: installing sacloud-autoscaler into $(VENV) (editable, about 10 s)"
	@$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "make: installing the test, lint and build tools into $(VENV) (about 15 s)"
	@$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(TEST_STAMP)

test: $(TEST_STAMP) lint typecheck unit

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

unit: $(TEST_STAMP)
	$(BIN)/pytest -q -n auto --dist loadfile $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

proto: $(TEST_STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python tools/genproto.py

bench: $(TEST_STAMP)  # bench.tracing needs the OpenTelemetry extra
	$(BIN)/python -m bench

# sdist + wheel (isolated builds, as an index would see them), then the one-file dist/autoscaler.pyz.
dist: $(TEST_STAMP)
	@rm -rf dist
	@echo "make: building the sdist and the wheel into dist/"
	@$(BIN)/python -m build --outdir dist . > $(VENV)/build.log 2>&1 || { cat $(VENV)/build.log; exit 1; }
	@$(BIN)/python tools/build_pyz.py dist/sacloud_autoscaler-*.whl -o dist/autoscaler.pyz
	@ls -l dist

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
