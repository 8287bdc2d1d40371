# Common tasks; 'make help' lists them.
PYTHON ?= python

.PHONY: help install test lint model notebooks clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

install:  ## install stance with the test extras (editable)
	$(PYTHON) -m pip install -e ".[test]"

lint:  ## check the code with ruff (installed by the test extras)
	$(PYTHON) -m ruff check stance tests benchmarks

test:  ## run the whole test suite
	$(PYTHON) -m pytest

model:  ## retrain the shipped model (rewrites models/stance-v7.*); then benchmarks/realtext.py --record for its card
	stance train --output models/stance-v7.joblib --model-version 7 --force

notebooks:  ## run every notebook and save it with its outputs (needs the notebooks or test extra)
	MPLBACKEND=Agg PYTHONPATH=$(CURDIR) jupyter execute --inplace notebooks/*.ipynb

clean:  ## remove build and test leftovers
	rm -rf build dist *.egg-info .pytest_cache .hypothesis
