# The briefing pipeline as a DAG of real files: an unchanged rebuild does nothing, and a changed input rebuilds
# exactly what depends on it.  `make help` lists the targets.
#
#   data/raw/*.csv ─ validate ─┐   (per wave: the reported one and the one it is compared with)
#   data/reference/*.csv ──────┼─ notebooks (papermill) ─ change notebook ─ findings.json ─ narrative (Jinja) ─ render ─ _output/
#   params.yml, codebook ──────┘                                                         (Quarto, or pandoc + Typst)
#
# `make report WAVE=2019` reports another wave than params.yml's (and compares it with the latest earlier wave).

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

# The parameters (WAVE, COMPARE_WAVE, SURVEY_PATH, FRAME_FILE, ...) come from params.yml, with the waves resolved
# by the package (inputs/waves.py). WAVE on the command line reports another wave: it gets its own parameters file.
WAVE_ARG := $(if $(filter command line,$(origin WAVE)),$(WAVE))
PARAMS_MK := $(BUILD)/params$(if $(WAVE_ARG),-wave-$(WAVE_ARG)).mk
NO_PARAMS_GOALS := help clean env reference
ifneq ($(filter-out $(NO_PARAMS_GOALS),$(or $(MAKECMDGOALS),help)),)
include $(PARAMS_MK)
endif

# Code by pipeline stage (src/briefing/<stage>/): inputs -> analysis -> narrative -> publication.
CORE_SRC := $(addprefix src/briefing/,__init__.py config.py yamlfile.py)
INPUTS_SRC := $(wildcard src/briefing/inputs/*.py)
ANALYSIS_SRC := $(CORE_SRC) $(INPUTS_SRC) $(wildcard src/briefing/analysis/*.py) src/briefing/narrative/prose.py src/briefing/publication/charts.py $(wildcard report/fonts/*.ttf report/fonts/*.otf report/fonts/*.woff2)
NOTEBOOKS := $(filter-out change,$(sort $(basename $(notdir $(wildcard notebooks/*.ipynb)))))
wave_findings = $(NOTEBOOKS:%=$(BUILD)/waves/$(1)/findings/%.json)
FINDINGS := $(call wave_findings,$(WAVE))
CHANGE := $(if $(COMPARE_WAVE),$(BUILD)/change.json)
WAVE_FILES := $(wildcard $(subst {wave},*,$(SURVEY_FILE)) $(subst {wave},*,$(basename $(SURVEY_FILE))).meta.yml)
TEMPLATES := $(wildcard report/templates/*.j2)
REPORT_SRC := _quarto.yml report/briefing.qmd $(wildcard report/styles/* report/typst/* report/filters/* report/fonts/*)
OUTPUTS := $(OUT)/briefing.html $(OUT)/briefing.pdf $(OUT)/findings.json $(OUT)/changes.html

.PHONY: help report compute test bench reference golden env clean FORCE

help: ## List the targets
	@echo "Targets (parameters live in $(PARAMS); ENGINE=auto|quarto|pandoc picks the renderer):"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

report: $(OUTPUTS) ## Build the briefing (WAVE=2019: another wave): _output/briefing.html, .pdf, findings.json, changes.html
	@echo "Briefing up to date: $(OUTPUTS) (wave $(WAVE)$(if $(COMPARE_WAVE), against $(COMPARE_WAVE)))"

compute: $(BUILD)/narrative.stamp ## Run the notebooks and write the narrative (what `quarto render` needs)

test: $(ENV_READY) $(AXE_JS) ## Run the test suite
	$(PY) -m pytest

# axe-core (pinned) for the accessibility test in a real browser; from the npm registry when npm is present.
$(AXE_JS):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(BUILD)/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: the browser accessibility check will skip"; fi

bench: $(ENV_READY) ## Time cold, no-op and one-input-changed builds (medians per stage)
	$(PY) scripts/bench.py

reference: $(ENV_READY) ## Build the PCN frame for FRAME_YEAR (default: the wave's) from NHS Digital files in data/raw/nhs-digital/
	$(PY) -m briefing.inputs.frame --params $(PARAMS) --nhs-digital $(NHS_DIGITAL) \
	  $(if $(FRAME_YEAR),--year $(FRAME_YEAR)) $(if $(WAVE_ARG),--wave $(WAVE_ARG))

golden: $(OUTPUTS) ## Accept findings.json as the reviewed golden copy: run as `make golden WAVE=2019` (review its diff!)
	cp $(OUT)/findings.json tests/golden/findings.json
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

# Rebuilt when params.yml changes, or a wave file comes or goes (the folder's time) or its .meta.yml changes.
# What depends on the parameters depends on PARAMS_VALUES, which changes only when a value does: re-reading the
# parameters (a wave file added and removed again, a failed check) rebuilds nothing.
PARAMS_VALUES := $(PARAMS_MK:.mk=.values)
$(PARAMS_MK): $(PARAMS) src/briefing/config.py src/briefing/inputs/waves.py $(ENV_READY) $(dir $(SURVEY_FILE)) $(WAVE_FILES)
	@mkdir -p $(@D)
	$(PY) -m briefing.inputs.waves --params $(PARAMS) $(if $(WAVE_ARG),--wave $(WAVE_ARG)) > $@.tmp
	@cmp -s $@.tmp $(PARAMS_VALUES) || cp $@.tmp $(PARAMS_VALUES); mv $@.tmp $@

# The waves chosen, so a briefing for another wave is rebuilt: recorded as the Makefile is read, and the file only
# changes when the choice does (no FORCE, so `make -n` plans stay exact).
ifneq ($(WAVE),)
$(shell mkdir -p $(BUILD); echo '$(WAVE) $(COMPARE_WAVE)' | cmp -s - $(BUILD)/selection || echo '$(WAVE) $(COMPARE_WAVE)' > $(BUILD)/selection)
endif

# Remember the engine asked for, so changing ENGINE re-renders (the file only changes when the value does).
$(BUILD)/engine: FORCE
	@mkdir -p $(@D); echo '$(ENGINE)' | cmp -s - $@ || echo '$(ENGINE)' > $@

# --- compute: each wave on its own (its survey, its frame), then the change between them -------------------------
# wave_rules(wave, survey file, frame file): validation, the theme notebooks and the wave's merged findings.
define wave_rules
$(BUILD)/waves/$(1)/validated.ok: $(2) $(CODEBOOK) $(PARAMS_VALUES) src/briefing/inputs/validate.py src/briefing/inputs/codebook.py
	$(PY) -m briefing.inputs.validate --params $(PARAMS) --wave $(1)
	@mkdir -p $$(@D); touch $$@

$(BUILD)/waves/$(1)/findings/%.json: notebooks/%.ipynb $(BUILD)/waves/$(1)/validated.ok $(3) $(ANALYSIS_SRC) $(PARAMS_VALUES)
	@mkdir -p $$(@D) $(BUILD)/waves/$(1)/executed $(BUILD)/waves/$(1)/figures
	$(PY) -m papermill --cwd . --log-level WARNING $$< $(BUILD)/waves/$(1)/executed/$$*.ipynb \
	  -p params_path $(PARAMS) -r wave $(1) -r survey_path $(2) \
	  -r findings_path $$@ -r figures_dir $(BUILD)/waves/$(1)/figures

$(BUILD)/waves/$(1)/findings.json: $(call wave_findings,$(1)) src/briefing/analysis/findings.py
	$(PY) -m briefing.analysis.findings $(call wave_findings,$(1)) --params $(PARAMS) --wave $(1) --out $$@
endef
$(eval $(call wave_rules,$(WAVE),$(SURVEY_PATH),$(FRAME_FILE)))
ifneq ($(COMPARE_WAVE),)
$(eval $(call wave_rules,$(COMPARE_WAVE),$(COMPARE_SURVEY_PATH),$(COMPARE_FRAME_FILE)))
endif

$(BUILD)/change.json: notebooks/change.ipynb $(BUILD)/waves/$(WAVE)/findings.json $(BUILD)/waves/$(COMPARE_WAVE)/findings.json $(ANALYSIS_SRC) \
  src/briefing/publication/change_charts.py
	@mkdir -p $(BUILD)/executed $(BUILD)/figures
	$(PY) -m papermill --cwd . --log-level WARNING $< $(BUILD)/executed/change.ipynb -p params_path $(PARAMS) \
	  -r wave $(WAVE) -r compare_wave $(COMPARE_WAVE) -r current_path $(BUILD)/waves/$(WAVE)/findings.json \
	  -r previous_path $(BUILD)/waves/$(COMPARE_WAVE)/findings.json -r findings_path $@ -r figures_dir $(BUILD)/figures

$(BUILD)/findings.json: $(FINDINGS) $(CHANGE) $(BUILD)/selection src/briefing/analysis/findings.py
	$(PY) -m briefing.analysis.findings $(FINDINGS) $(CHANGE) --params $(PARAMS) --wave $(WAVE) --out $@

$(BUILD)/narrative.stamp: $(BUILD)/findings.json $(TEMPLATES) data/context/context_figures.yml $(wildcard data/raw/*.meta.yml data/reference/*.meta.yml) \
  $(wildcard src/briefing/narrative/*.py) src/briefing/yamlfile.py $(PARAMS_VALUES)
	$(PY) -m briefing.narrative.writer --params $(PARAMS) --wave $(WAVE) --findings $(BUILD)/findings.json --out $(BUILD)/narrative
	@touch $@

# --- render: staged, published to _output/ only when every format succeeded ----------------------------------
# render.py replaces _output/ files itself, atomically; make must never delete them after a failed render
# (.DELETE_ON_ERROR would otherwise remove the last good briefing).
.PRECIOUS: $(OUTPUTS)
$(OUTPUTS) &: $(BUILD)/narrative.stamp $(REPORT_SRC) src/briefing/publication/render.py src/briefing/publication/changes.py $(BUILD)/engine
	$(PY) -m briefing.publication.render --engine $(ENGINE) --out $(OUT) --findings $(BUILD)/findings.json

FORCE:
