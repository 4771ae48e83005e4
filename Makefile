VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test run bench bench-echo compat lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(VENV)/.bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.bench

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples tools
	$(VENV)/bin/ruff format --check src tests benchmarks examples tools
	$(VENV)/bin/mypy --strict src tests examples tools

test: lint
	$(PY) -m pytest -q

run: $(STAMP)
	$(PY) -m torsion

bench: $(VENV)/.bench
	$(PY) benchmarks/bench_defer.py
	$(PY) benchmarks/bench_lines.py
	$(PY) benchmarks/bench_timers.py

# Echo servers (torsion's reactors, Twisted, asyncio) under a compiled load client; needs gcc.
bench-echo: $(VENV)/.bench
	$(PY) benchmarks/echo/run.py $(ARGS)

# Twisted's own test suite against torsion, compared with Twisted; writes docs/compatibility.md.
compat: $(STAMP)
	$(PY) tools/twisted_compat.py --compare --update-docs --json build/compat.json $(ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
