# The two commands: `make demo` runs the main job end to end, `make test` runs every test.
# Both run `make setup` first, which installs whatever is missing and is quiet when nothing is.
PY := .venv/bin/python

.PHONY: setup demo test bench db-start db-stop clean

setup:
	@bash scripts/setup.sh

demo: setup
	@$(PY) -m app demo

# Lint and types first (seconds), then every test.
test: setup
	@$(PY) -m ruff check app tests bench
	@$(PY) -m mypy
	@$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	@$(PY) -m bench.run_all

db-start: setup
	@$(PY) -m app db start

db-stop:
	@$(PY) -m app db stop

clean:
	-@$(PY) -m app db stop
	rm -rf .data test-output
