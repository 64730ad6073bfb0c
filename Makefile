# mlcl-lab: the two commands of the README, and the environment they need.
#   make report   -> set up .venv if needed, run the default study report on yeast
#   make test     -> set up .venv if needed, run the whole test suite
# TORCH_SPEC picks the torch build installed into a new .venv. The default is the CPU
# wheel that lies on this project's machines; elsewhere use e.g. TORCH_SPEC=torch.

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mlcl-lab-installed
REPORT_ARGS ?=
PYTEST_ARGS ?=

.PHONY: setup report test clean-venv

setup: $(STAMP)

# JupyterLab opens notebooks/*.py as notebooks through this setting; a wheel install puts it
# there itself (setup.py data_files), an editable install does not, hence the copy.
LABCONFIG := jupyter-config/labconfig/default_setting_overrides.d/mlcl-lab.json

$(STAMP): pyproject.toml setup.py $(LABCONFIG)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[test]"
	mkdir -p $(VENV)/etc/jupyter/labconfig/default_setting_overrides.d
	cp $(LABCONFIG) $(VENV)/etc/jupyter/labconfig/default_setting_overrides.d/
	$(PY) -m ipykernel install --sys-prefix --name mlcl-lab --display-name "Python (mlcl-lab)" >/dev/null
	touch $(STAMP)

SYSTEM_STAMP := .cache/system-deps.done

$(SYSTEM_STAMP): scripts/install_system_deps.sh
	bash scripts/install_system_deps.sh
	mkdir -p .cache && touch $(SYSTEM_STAMP)

report: $(STAMP)
	$(VENV)/bin/mlcl-lab report $(REPORT_ARGS)

test: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)

# GPU acceptance check (benchmarks/gpu_check.py): on a CUDA machine, ≤ 8 minutes, one JSON of
# results (GPU_CHECK_OUT), exit 1 on any failure; without CUDA it says so and exits 0. Uses the
# project's .venv when there is one, else $(PYTHON) (e.g. a GPU machine's own torch install).
GPU_CHECK_OUT ?= gpu_check.json
GPU_CHECK_ARGS ?=
.PHONY: gpu-check
gpu-check:
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) benchmarks/gpu_check.py --out $(GPU_CHECK_OUT) $(GPU_CHECK_ARGS)
