# Two commands set everything up: `make chat` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install chat demo check test fuzz eval bench seed-vectors clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip   # the bundled pip 23 backtracks for minutes on this set
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

chat: install
	$(VENV)/bin/litreview chat

demo: install
	$(VENV)/bin/litreview ingest
	$(VENV)/bin/litreview search "lightweight detector for cracks and potholes in roads" -k 3
	$(VENV)/bin/litreview search "can I run a chatbot bigger than my phone's memory?" -k 3
	$(VENV)/bin/litreview ask "how many tokens per second does PowerInfer-2 generate for TurboSparse-Mixtral-47B on a smartphone?"
	$(VENV)/bin/litreview compare "real-time object detection" -k 3

check: install
	$(VENV)/bin/ruff check assistant tests bench testkit scripts
	$(VENV)/bin/mypy

test: install check
	$(PY) -m pytest
	$(PY) scripts/fuzz.py --seconds 120

fuzz: install
	$(PY) scripts/fuzz.py --seconds $${FUZZ_SECONDS:-120}

eval: install
	$(VENV)/bin/litreview eval

bench: install
	$(PY) bench/run.py --scale 10000,100000 --server --ingest-sizes 10000,100000 --lexical-sizes 10000,100000

seed-vectors: install
	$(PY) scripts/build_seed_vectors.py

clean:
	rm -rf $(VENV) .pytest_cache
