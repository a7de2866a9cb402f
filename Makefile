# The briefing pipeline as a DAG of real files: an unchanged rebuild does nothing, and a changed input rebuilds
# exactly what depends on it.  `make help` lists the targets.
#
#   data/raw/*.csv ─ validate ─┐   (per wave: the reported one and the one it is compared with)
#   data/reference/*.csv ──────┼─ notebooks (papermill) ─ change notebook ─ findings.json ─ narrative (Jinja) ─ render ─ _output/
#   params.yml, codebook ──────┘                                                         (Quarto, or pandoc + Typst)
#
# `make report WAVE=2019` reports another wave than params.yml's (and compares it with the latest earlier wave).

SHELL := /bin/bash
empty :=
space := $(empty) $(empty)
define newline


endef
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := help

# Values from outside (the command line, the environment) are data: taken literally, so make never expands a `$(...)`
# in them, and those that recipes use unquoted must be plain words (letters, digits, `_ . - / +`); REGIONS (free
# text) is only ever used quoted. Checked before anything uses them.
WAVE_ARG := $(if $(filter command line,$(origin WAVE)),$(value WAVE))
literal = $(if $(filter command line,$(origin $(1))),$(eval override $(1) := $$(value $(1))),$(if $(filter \
  environment,$(origin $(1))),$(eval $(1) := $$(value $(1)))))
WORDS_FROM_OUTSIDE := WAVE ENGINE PARAMS VENV PYTHON BUILD OUT FRAME_YEAR NHS_DIGITAL SOURCE_DATE_EPOCH
$(foreach name,$(WORDS_FROM_OUTSIDE) REGIONS,$(call literal,$(name)))
WORD_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
  0 1 2 3 4 5 6 7 8 9 _ . - / +
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
not_a_word = $(and $(value $(1)),$(or $(filter-out 1,$(words $(value $(1)))),$(call without,$(value $(1)),$(WORD_CHARS))))
$(foreach name,$(WORDS_FROM_OUTSIDE),$(if $(call not_a_word,$(name)),$(error $(name)=$(value $(name)) is not a \
  plain word: use letters, digits and _ . - / + only)))
# A value in single quotes for the shell, whatever it holds (for free text such as REGIONS).
quote = '$(subst ','\'',$(1))'

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV_READY := $(VENV)/.ready
PARAMS ?= params.yml
ENGINE ?= auto
$(if $(filter-out auto quarto pandoc,$(ENGINE)),$(error ENGINE=$(ENGINE): use auto, quarto or pandoc))
BUILD := build
OUT := _output
NHS_DIGITAL ?= data/raw/nhs-digital
AXE_VERSION := 4.14.1
AXE_JS := build/axe/node_modules/axe-core/axe.min.js

# The parameters make needs (WAVE, COMPARE_WAVE, SURVEY_PATH, FRAME_FILE, ...; never free text such as the title)
# come from params.yml, checked and with the waves resolved by the package (inputs/waves.py), each a plain word.
# WAVE on the command line reports another wave: it gets its own parameters file.
PARAMS_MK := $(BUILD)/params$(if $(WAVE_ARG),-wave-$(WAVE_ARG)).mk
NO_PARAMS_GOALS := help clean env reference
READS_INPUTS := $(filter-out $(NO_PARAMS_GOALS),$(or $(MAKECMDGOALS),help))
ifneq ($(READS_INPUTS),)
include $(PARAMS_MK)
endif
# The build's one clock (reproducible builds): the user's SOURCE_DATE_EPOCH, else one derived from the inputs
# (params.yml's publication_date, else the wave's `released` date in its .meta.yml). Dates the briefing and the PDF.
# (Only once params.mk is read: an empty SOURCE_DATE_EPOCH breaks other tools, pip's wheel builds among them.)
ifdef PUBLICATION_EPOCH
SOURCE_DATE_EPOCH ?= $(PUBLICATION_EPOCH)
export SOURCE_DATE_EPOCH
endif

# Code by pipeline stage (src/briefing/<stage>/): inputs -> analysis -> narrative -> publication.
CORE_SRC := $(addprefix src/briefing/,__init__.py config.py yamlfile.py)
INPUTS_SRC := $(wildcard src/briefing/inputs/*.py)
ANALYSIS_SRC := $(CORE_SRC) $(INPUTS_SRC) $(wildcard src/briefing/analysis/*.py) src/briefing/narrative/prose.py src/briefing/publication/charts.py src/briefing/publication/theme_charts.py $(wildcard report/fonts/*.ttf report/fonts/*.otf report/fonts/*.woff2)
NOTEBOOKS := $(filter-out change disclosure,$(sort $(basename $(notdir $(wildcard notebooks/*.ipynb)))))
FINDINGS := $(NOTEBOOKS:%=$(BUILD)/waves/$(WAVE)/findings/%.json)
CHANGE := $(if $(COMPARE_WAVE),$(BUILD)/findings/change.json)
WAVE_FILES := $(wildcard $(subst {wave},*,$(SURVEY_FILE)) $(subst {wave},*,$(basename $(SURVEY_FILE))).meta.yml)
# The generic section templates and the survey's own overrides (beside its codebook).
TEMPLATES := $(wildcard report/templates/*.j2 $(dir $(CODEBOOK))templates/*.j2)
REPORT_SRC := _quarto.yml scripts/quarto_post_render.py report/briefing.qmd $(wildcard report/styles/* report/typst/* report/filters/* report/fonts/*)
OUTPUTS := $(OUT)/briefing.html $(OUT)/briefing.pdf $(OUT)/briefing.docx $(OUT)/findings.json $(OUT)/changes.html
REFERENCE_DOCX := $(BUILD)/reference.docx

.PHONY: help report compute test bench reference golden env clean FORCE

help: ## List the targets
	@echo "Targets (parameters live in $(PARAMS); ENGINE=auto|quarto|pandoc picks the renderer):"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

report: $(OUTPUTS) ## Build the briefing (WAVE=2019: another wave): _output/briefing.html, .pdf, .docx, findings.json, changes.html
	@echo "Briefing up to date: $(OUTPUTS) (wave $(WAVE)$(if $(COMPARE_WAVE), against $(COMPARE_WAVE)))"

compute: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) ## Run the notebooks and write the narrative (what `quarto render` needs)

test: $(ENV_READY) $(AXE_JS) ## Run the test suite
	$(PY) -m pytest

# axe-core (pinned) for the accessibility test in a real browser; from the npm registry when npm is present.
$(AXE_JS):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(BUILD)/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: the browser accessibility check will skip"; fi

bench: $(ENV_READY) ## Time cold (beside its in-process floor), no-op, one-input-changed and all-editions builds (medians)
	$(PY) scripts/bench.py

reference: $(ENV_READY) ## Build the PCN frame for FRAME_YEAR (default: the wave's) from NHS Digital files in data/raw/nhs-digital/
	$(PY) -m briefing.inputs.frame --params $(PARAMS) --nhs-digital $(NHS_DIGITAL) \
	  $(if $(FRAME_YEAR),--year $(FRAME_YEAR)) $(if $(WAVE_ARG),--wave $(WAVE_ARG))

golden: $(BUILD)/findings.json ## Accept the findings (without provenance) as the reviewed golden copy: run as `make golden WAVE=2019` (review its diff!)
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

# --- content stamps: staleness by content, not by clock -------------------------------------------------------
# A file copied with an old time (cp -p, unzip, saved from e-mail, `git checkout` of an older commit, touch -d) is
# still new content. So rules depend on the content of their inputs: $(call content,FILES) names the stamps
# build/stamps/<file>.sha256, which scripts/stamps.sh rewrites as the Makefile is read (so `make -n` knows too), each
# only when its file's SHA-256 changes; it hashes only when a file's size, times or inode changed. Every file given
# to `content` is stamped. (Notebooks are not: the runner compares each notebook's own time with its output.)
# The data files are stamped from the first reading on, before the parameters are known, so a fresh build's stamps
# all predate its build/params.mk.
STAMPS := $(BUILD)/stamps
STAMPED := $(wildcard data/*.yml data/*/*.csv data/*/*.yml)
content = $(eval STAMPED += $(1))$(patsubst %,$(STAMPS)/%.sha256,$(1))
$(STAMPS)/%.sha256: ; $(error $*: input not found (or build/stamps/ could not be written))
$(STAMPS)/changed: ; @mkdir -p $(@D); touch $@

# Rebuilt when params.yml changes, or a wave file comes or goes (the folder's time) or its .meta.yml changes.
# What depends on the parameters depends on PARAMS_VALUES, which changes only when a value does: re-reading the
# parameters (a wave file added and removed again, a failed check) rebuilds nothing.
PARAMS_VALUES := $(PARAMS_MK:.mk=.values)
$(PARAMS_MK): $(call content,$(PARAMS) src/briefing/config.py src/briefing/yamlfile.py src/briefing/inputs/waves.py \
  $(WAVE_FILES)) $(ENV_READY) $(dir $(SURVEY_FILE))
	@mkdir -p $(@D)
	@$(PY) -m briefing.inputs.waves --params $(PARAMS) $(if $(WAVE_ARG),--wave $(WAVE_ARG)) > $@.tmp
	@cmp -s $@.tmp $(PARAMS_VALUES) || cp $@.tmp $(PARAMS_VALUES); mv $@.tmp $@
	@echo "[1/6] parameters: $(PARAMS) read$(if $(WAVE_ARG), (wave $(WAVE_ARG)))"

# Remember values that are not files, so a change rebuilds what shows them: the waves chosen, the engine asked for
# (re-renders), the clock and the code's version (commit, uncommitted changes: the provenance appendix). Each file
# changes only when its value does; written while the Makefile is read, so `make -n` knows too. Written by make
# itself, not a shell: a value is data, whatever it holds.
same = $(and $(findstring x$(1),x$(2)),$(findstring x$(2),x$(1)))
remember = $(if $(wildcard $(BUILD)/.),,$(shell mkdir -p $(BUILD)))$(if $(and $(wildcard $(BUILD)/$(1)),$(call \
  same,$(file <$(BUILD)/$(1)),$(2))),,$(file >$(BUILD)/$(1),$(2)))
ifneq ($(WAVE),)
$(call remember,selection,$(WAVE) $(COMPARE_WAVE))
endif
ifdef PUBLICATION_EPOCH
$(call remember,engine,$(ENGINE))
$(call remember,build-context,$(SOURCE_DATE_EPOCH) $(shell git rev-parse --show-toplevel HEAD 2>/dev/null; git status --porcelain 2>/dev/null))
endif
$(BUILD)/engine $(BUILD)/build-context: ; @mkdir -p $(@D); touch $@

# --- compute: each wave on its own (its survey, its frame), then the change between them -------------------------
# Each wave is checked first: against its frame (two columns: fails at once, even on a huge file), then against
# the codebook. Then every notebook of the build runs in ONE Jupyter kernel (briefing.analysis.run_notebooks:
# papermill's engine, handed a kernel started once): for each wave its disclosure plan, its theme notebooks and
# its merged findings; then the change between the waves. Each executed copy is kept under build/ for audit.
# One grouped target: the runner reruns only the steps older than their own inputs, then marks all of them
# current (so make's view stays exact). What reads a wave's or a frame's bytes depends on its validated.ok, remade
# whenever their content changes.
define wave_rules
$(BUILD)/waves/$(1)/validated.ok: $(call content,$(2) $(3) $(CODEBOOK) $(wildcard data/raw/*.meta.yml data/reference/*.meta.yml) \
  src/briefing/yamlfile.py src/briefing/inputs/check.py src/briefing/inputs/validate.py src/briefing/inputs/codebook.py \
  src/briefing/inputs/crosscheck.py src/briefing/inputs/frame.py) $(PARAMS_VALUES)
	@printf '[2/6] '; $(PY) -m briefing.inputs.check --params $(PARAMS) --wave $(1) --frame-file $(3)
	@mkdir -p $$(@D); touch $$@
endef
$(eval $(call wave_rules,$(WAVE),$(SURVEY_PATH),$(FRAME_FILE)))
ifneq ($(COMPARE_WAVE),)
$(eval $(call wave_rules,$(COMPARE_WAVE),$(COMPARE_SURVEY_PATH),$(COMPARE_FRAME_FILE)))
endif

BUILD_WAVES := $(WAVE) $(COMPARE_WAVE)
COMPUTED := $(BUILD_WAVES:%=$(BUILD)/waves/%/findings.json) $(CHANGE)
VALIDATED := $(BUILD_WAVES:%=$(BUILD)/waves/%/validated.ok)
COMPUTE_SHARED := $(call content,$(ANALYSIS_SRC) src/briefing/publication/change_charts.py) $(PARAMS_VALUES)
$(COMPUTED) &: $(wildcard notebooks/*.ipynb) $(VALIDATED) $(COMPUTE_SHARED)
	@$(PY) -m briefing.analysis.run_notebooks --params $(PARAMS) --build $(BUILD) --wave $(WAVE) $(SURVEY_PATH) $(FRAME_FILE) \
	  $(if $(COMPARE_WAVE),--wave $(COMPARE_WAVE) $(COMPARE_SURVEY_PATH) $(COMPARE_FRAME_FILE) --compare $(COMPARE_WAVE)) \
	  --shared $(COMPUTE_SHARED) -- $(wildcard notebooks/*.ipynb)

# The reported wave's notebook findings (and the change), with the comparison resolved: the briefing's figures.
$(BUILD)/findings.json: $(COMPUTED) $(BUILD)/selection $(call content,src/briefing/analysis/findings.py)
	@printf '[4/6] '; $(PY) -m briefing.analysis.findings $(FINDINGS) $(CHANGE) --params $(PARAMS) --wave $(WAVE) --out $@

# (The waves' and frames' own bytes, which the provenance hashes and the quotes read: through their validated.ok.)
$(BUILD)/narrative.stamp: $(BUILD)/findings.json $(VALIDATED) $(call content,$(TEMPLATES) data/context/context_figures.yml \
  data/quotes.yml $(CODEBOOK) $(wildcard data/*.meta.yml data/*/*.meta.yml) $(wildcard src/briefing/narrative/*.py) \
  src/briefing/yamlfile.py) $(PARAMS_VALUES) $(BUILD)/engine $(BUILD)/build-context
	@printf '[5/6] '; $(PY) -m briefing.narrative.writer --params $(PARAMS) --wave $(WAVE) --findings $(BUILD)/findings.json \
	  --out $(BUILD)/narrative --engine $(ENGINE)
	@touch $@

# --- render: staged, published to _output/ only when every format succeeded ----------------------------------
# render.py replaces _output/ files itself, atomically; make must never delete them after a failed render
# (.DELETE_ON_ERROR would otherwise remove the last good briefing).
.PRECIOUS: $(OUTPUTS)
$(OUTPUTS) &: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) $(call content,$(REPORT_SRC) src/briefing/publication/render.py \
  src/briefing/publication/changes.py) $(BUILD)/engine
	@printf '[6/6] '; $(PY) -m briefing.publication.render --engine $(ENGINE) --out $(OUT) --findings $(BUILD)/findings.json

# The Word edition's house style: a reference document built from pandoc's default by the project's code.
$(REFERENCE_DOCX): $(call content,src/briefing/publication/docx.py) $(ENV_READY)
	$(PY) -m briefing.publication.docx --out $@

FORCE:

include mk/editions.mk

# An edition is asked to build when any stamped input's content changed (its own make then redoes what is stale).
ifneq ($(filter editions,$(MAKECMDGOALS)),)
$(EDITION_SLUGS:%=$(EDITIONS_DIR)/%.status.json): $(STAMPS)/changed
endif

# Last, once every rule has named its inputs: refresh their content stamps (the list goes to the script in a file
# make writes itself, so no shell ever reads a file name as code).
ifneq ($(READS_INPUTS),)
$(if $(wildcard $(STAMPS)/.),,$(shell mkdir -p $(STAMPS)))
$(file >$(STAMPS)/files,$(subst $(space),$(newline),$(sort $(STAMPED))))
STAMPS_REFRESHED := $(shell $(SHELL) scripts/stamps.sh $(STAMPS))
endif
