# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench gpu-check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	MPLBACKEND=Agg $(PY) examples/run_all.py

test: $(STAMP)
	$(PY) -m pytest -n 2 tests

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py

# On a machine with an NVIDIA GPU: installs cupy-cuda12x into the venv, runs the device tests and the
# op database on the GPU, benchmarks GPU vs CPU vs CuPy by hand (scripts/gpu_check.sh). Without a GPU
# it stops with a message.
gpu-check:
	@if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q "^GPU "; then \
		$(MAKE) $(STAMP) && PY=$(PY) bash scripts/gpu_check.sh; \
	else PY=$(PY) bash scripts/gpu_check.sh; fi

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
