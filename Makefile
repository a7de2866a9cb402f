# The briefing pipeline as a DAG of real files: an unchanged rebuild does nothing, and a changed input rebuilds
# exactly what depends on it.  `make help` lists the targets.
#
#   data/raw/*.csv ─ validate ─┐
#   data/reference/*.csv ──────┼─ notebooks (papermill) ─ findings.json ─ narrative (Jinja) ─ render ─ _output/
#   params.yml, codebook ──────┘                                                         (Quarto, or pandoc + Typst)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV_READY := $(VENV)/.ready
PARAMS ?= params.yml
ENGINE ?= auto
BUILD := build
OUT := _output
NHS_DIGITAL ?= data/raw/nhs-digital
AXE_VERSION := 4.14.1
AXE_JS := build/axe/node_modules/axe-core/axe.min.js

# The parameters (WAVE, SURVEY_PATH, CODEBOOK, FRAME_FILE, ...) come from params.yml, through the package's reader.
NO_PARAMS_GOALS := help clean env
ifneq ($(filter-out $(NO_PARAMS_GOALS),$(or $(MAKECMDGOALS),help)),)
include $(BUILD)/params.mk
endif
# The build's one clock (reproducible builds): the user's SOURCE_DATE_EPOCH, else one derived from the inputs
# (params.yml's publication_date, else the wave's `released` date in its .meta.yml). Dates the briefing and the PDF.
# (Only once params.mk is read: an empty SOURCE_DATE_EPOCH breaks other tools, pip's wheel builds among them.)
ifdef PUBLICATION_EPOCH
export SOURCE_DATE_EPOCH ?= $(PUBLICATION_EPOCH)
endif

# Code by pipeline stage (src/briefing/<stage>/): inputs -> analysis -> narrative -> publication.
CORE_SRC := $(addprefix src/briefing/,__init__.py config.py yamlfile.py)
INPUTS_SRC := $(wildcard src/briefing/inputs/*.py)
ANALYSIS_SRC := $(CORE_SRC) $(INPUTS_SRC) $(wildcard src/briefing/analysis/*.py) src/briefing/narrative/prose.py src/briefing/publication/charts.py src/briefing/publication/theme_charts.py $(wildcard report/fonts/*.ttf report/fonts/*.otf report/fonts/*.woff2)
NOTEBOOKS := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
FINDINGS := $(NOTEBOOKS:%=$(BUILD)/findings/%.json)
VALIDATED := $(BUILD)/validated/wave-$(WAVE).ok
TEMPLATES := $(wildcard report/templates/*.j2)
REPORT_SRC := _quarto.yml scripts/quarto_post_render.py report/briefing.qmd $(wildcard report/styles/* report/typst/* report/filters/* report/fonts/*)
OUTPUTS := $(OUT)/briefing.html $(OUT)/briefing.pdf $(OUT)/briefing.docx $(OUT)/findings.json
REFERENCE_DOCX := $(BUILD)/reference.docx

.PHONY: help report compute test bench reference golden env clean FORCE

help: ## List the targets
	@echo "Targets (parameters live in $(PARAMS); ENGINE=auto|quarto|pandoc picks the renderer):"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

report: $(OUTPUTS) ## Build the briefing: _output/briefing.html, briefing.pdf, briefing.docx, findings.json
	@echo "Briefing up to date: $(OUTPUTS)"

compute: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) ## Run the notebooks and write the narrative (what `quarto render` needs)

test: $(ENV_READY) $(AXE_JS) ## Run the test suite
	$(PY) -m pytest

# axe-core (pinned) for the accessibility test in a real browser; from the npm registry when npm is present.
$(AXE_JS):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(BUILD)/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: the browser accessibility check will skip"; fi

bench: $(ENV_READY) ## Time cold (beside its in-process floor), no-op, one-input-changed and all-editions builds (medians)
	$(PY) scripts/bench.py

reference: $(ENV_READY) ## Rebuild data/reference/ from official NHS Digital files in data/raw/nhs-digital/
	$(PY) -m briefing.inputs.frame --mapping $(NHS_DIGITAL)/MAPPING_NHS_GEOGRAPHIES_1920.csv \
	  --prevalence $(NHS_DIGITAL)/PREVALENCE_1920.csv --out $(FRAME_FILE)

golden: $(BUILD)/findings.json ## Accept the current findings (without provenance) as the reviewed golden copy (review its diff!)
	cp $(BUILD)/findings.json tests/golden/findings.json
	git --no-pager diff --stat -- tests/golden/findings.json || true

env: $(ENV_READY) ## Build the Python environment (.venv) from requirements.lock

clean: ## Remove build products (keeps .venv and the last _output/)
	rm -rf $(BUILD)

# --- environment: rebuilt when the lock or the package metadata changes --------------------------------------
$(ENV_READY): requirements.lock pyproject.toml
	@echo "env: building $(VENV) from requirements.lock"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(BUILD)/params.mk: $(PARAMS) src/briefing/config.py $(ENV_READY) $(wildcard data/raw/*.meta.yml)
	@mkdir -p $(@D)
	@$(PY) -m briefing.config --params $(PARAMS) > $@
	@echo "[1/6] parameters: $(PARAMS) read"

# Remember values that are not files, so a change rebuilds what shows them: the engine asked for (re-renders), the
# clock and the code's version (commit, uncommitted changes: the provenance appendix). Each file changes only when
# its value does; written while the Makefile is read, so `make -n` knows too.
remember = $(shell mkdir -p $(BUILD); echo '$(subst ','"'"',$(2))' | cmp -s - $(BUILD)/$(1) || echo '$(subst ','"'"',$(2))' > $(BUILD)/$(1))
ifdef PUBLICATION_EPOCH
$(call remember,engine,$(ENGINE))
$(call remember,build-context,$(SOURCE_DATE_EPOCH) $(shell git rev-parse --show-toplevel HEAD 2>/dev/null; git status --porcelain 2>/dev/null))
endif
$(BUILD)/engine $(BUILD)/build-context: ; @mkdir -p $(@D); touch $@

# --- compute ------------------------------------------------------------------------------------------------
# The wave against the frame first (two columns: fails at once, even on a huge file), then the wave on its own.
$(VALIDATED): $(SURVEY_PATH) $(CODEBOOK) $(FRAME_FILE) $(wildcard data/raw/*.meta.yml data/reference/*.meta.yml) $(BUILD)/params.mk \
  src/briefing/inputs/validate.py src/briefing/inputs/codebook.py src/briefing/inputs/crosscheck.py src/briefing/inputs/frame.py
	@$(PY) -m briefing.inputs.crosscheck --params $(PARAMS) >/dev/null  # errors go to stderr
	@printf '[2/6] '; $(PY) -m briefing.inputs.validate --params $(PARAMS)
	@mkdir -p $(@D); touch $@

# All stale notebooks run in ONE Jupyter kernel (briefing.analysis.run_notebooks: papermill's engine, handed a
# kernel started once); each still leaves its executed copy in $(BUILD)/executed/. The runner reruns only the
# notebooks whose findings are older than the notebook itself or a shared input.
NOTEBOOK_SHARED := $(VALIDATED) $(FRAME_FILE) $(ANALYSIS_SRC) $(BUILD)/params.mk $(WITHHELD_FILE)
$(FINDINGS) &: $(NOTEBOOKS:%=notebooks/%.ipynb) $(NOTEBOOK_SHARED)
	@printf '[3/6] '; $(PY) -m briefing.analysis.run_notebooks --params $(PARAMS) --wave $(WAVE) --survey-path $(SURVEY_PATH) \
	  --build $(BUILD) --shared $(NOTEBOOK_SHARED) -- $(filter %.ipynb,$^)

$(BUILD)/findings.json: $(FINDINGS) src/briefing/analysis/findings.py
	@printf '[4/6] '; $(PY) -m briefing.analysis.findings $(FINDINGS) --params $(PARAMS) --out $@

$(BUILD)/narrative.stamp: $(BUILD)/findings.json $(TEMPLATES) data/context/context_figures.yml data/quotes.yml $(CODEBOOK) $(SURVEY_PATH) $(FRAME_FILE) \
  $(wildcard data/*.meta.yml data/*/*.meta.yml) $(wildcard src/briefing/narrative/*.py) src/briefing/yamlfile.py \
  $(BUILD)/params.mk $(BUILD)/engine $(BUILD)/build-context
	@printf '[5/6] '; $(PY) -m briefing.narrative.writer --params $(PARAMS) --findings $(BUILD)/findings.json --out $(BUILD)/narrative --engine $(ENGINE)
	@touch $@

# --- render: staged, published to _output/ only when every format succeeded ----------------------------------
# render.py replaces _output/ files itself, atomically; make must never delete them after a failed render
# (.DELETE_ON_ERROR would otherwise remove the last good briefing).
.PRECIOUS: $(OUTPUTS)
$(OUTPUTS) &: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) $(REPORT_SRC) src/briefing/publication/render.py $(BUILD)/engine
	@printf '[6/6] '; $(PY) -m briefing.publication.render --engine $(ENGINE) --out $(OUT) --findings $(BUILD)/findings.json

# The Word edition's house style: a reference document built from pandoc's default by the project's code.
$(REFERENCE_DOCX): src/briefing/publication/docx.py $(ENV_READY)
	$(PY) -m briefing.publication.docx --out $@

FORCE:

include mk/editions.mk
