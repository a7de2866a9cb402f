# The briefing pipeline as a DAG of real files: an unchanged rebuild does nothing, and a changed input rebuilds
# exactly what depends on it.  `make help` lists the targets.
#
#   data/<survey>/raw/ ─ validate ─┐   (per wave: the reported one and the one it is compared with)
#   data/<survey>/reference/ ──────┼─ notebooks (papermill) ─ change notebook ─ findings.json ─ narrative (Jinja) ─ render ─ _output/
#   params.yml, codebook ──────────┘                                                     (Quarto, or pandoc + Typst)
#
# Which steps run, for which waves and themes, and what each reads and writes is the build plan (src/briefing/plan.py),
# computed once from the codebook and the parameters: make includes it as build/plans/<key>.mk, the notebook runner
# reads its plan.json. `make report SURVEY=gp-partners-des` builds another survey (a folder of data/) into
# _output/<survey>/; `make report WAVE=2019` reports another wave (compared with the latest earlier one).

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
# in them, and those that recipes use unquoted must be plain words (letters, digits, `_ . - / +`); EDITIONS and its
# older name REGIONS (free text) are only ever used quoted. Checked before anything uses them.
WAVE_ARG := $(if $(filter command line,$(origin WAVE)),$(value WAVE))
SURVEY_ARG := $(if $(filter command line,$(origin SURVEY)),$(value SURVEY))
literal = $(if $(filter command line,$(origin $(1))),$(eval override $(1) := $$(value $(1))),$(if $(filter \
  environment,$(origin $(1))),$(eval $(1) := $$(value $(1)))))
WORDS_FROM_OUTSIDE := SURVEY WAVE ENGINE PARAMS VENV PYTHON BUILD OUT FRAME_YEAR NHS_DIGITAL SOURCE_DATE_EPOCH
$(foreach name,$(WORDS_FROM_OUTSIDE) EDITIONS REGIONS,$(call literal,$(name)))
WORD_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
  0 1 2 3 4 5 6 7 8 9 _ . - / +
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
not_a_word = $(and $(value $(1)),$(or $(filter-out 1,$(words $(value $(1)))),$(call without,$(value $(1)),$(WORD_CHARS))))
$(foreach name,$(WORDS_FROM_OUTSIDE),$(if $(call not_a_word,$(name)),$(error $(name)=$(value $(name)) is not a \
  plain word: use letters, digits and _ . - / + only)))
# A value in single quotes for the shell, whatever it holds (for free text such as EDITIONS).
quote = '$(subst ','\'',$(1))'

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV_READY := $(VENV)/.ready
PARAMS ?= params.yml
ENGINE ?= auto
$(if $(filter-out auto quarto pandoc,$(ENGINE)),$(error ENGINE=$(ENGINE): use auto, quarto or pandoc))
NHS_DIGITAL ?=
AXE_VERSION := 4.14.1
AXE_JS := build/axe/node_modules/axe-core/axe.min.js

# The build plan (briefing.plan): the survey, its build folder BUILD (build/<survey>/<params-id>/) and output folder
# OUT, the waves with their files and frames, and every step's inputs and outputs, each value a plain word (never
# free text such as the title). One plan per parameters file, SURVEY= and WAVE=, so none is ever silently reused.
PLANS := build/plans
PLAN_MK := $(PLANS)/$(subst /,+,$(PARAMS))$(if $(SURVEY_ARG),.survey-$(SURVEY_ARG))$(if $(WAVE_ARG),.wave-$(WAVE_ARG)).mk
NO_PARAMS_GOALS := help clean env reference lint test test-fast bench codebook
READS_INPUTS := $(filter-out $(NO_PARAMS_GOALS),$(or $(MAKECMDGOALS),help))
ifneq ($(READS_INPUTS),)
include $(PLAN_MK)
endif
# The build's one clock (reproducible builds): the user's SOURCE_DATE_EPOCH, else one derived from the inputs
# (params.yml's publication_date, else the wave's `briefing_date`, else `released`, in its .meta.yml). Dates the briefing and the PDF.
# (Only once the plan is read: an empty SOURCE_DATE_EPOCH breaks other tools, pip's wheel builds among them.)
ifdef PUBLICATION_EPOCH
SOURCE_DATE_EPOCH ?= $(PUBLICATION_EPOCH)
export SOURCE_DATE_EPOCH
endif

# Code by pipeline stage (src/briefing/<stage>/): inputs -> analysis -> narrative -> publication.
CORE_SRC := $(addprefix src/briefing/,__init__.py config.py yamlfile.py)
INPUTS_SRC := $(wildcard src/briefing/inputs/*.py)
ANALYSIS_SRC := $(CORE_SRC) src/briefing/plan.py $(INPUTS_SRC) $(wildcard src/briefing/analysis/*.py) src/briefing/narrative/prose.py src/briefing/publication/charts.py src/briefing/publication/fonts.py src/briefing/publication/theme_charts.py $(wildcard report/fonts/*.ttf report/fonts/*.otf report/fonts/*.woff2)
REPORT_SRC := _quarto.yml scripts/quarto_post_render.py report/briefing.qmd $(wildcard report/styles/* report/typst/* report/filters/* report/fonts/*)
REFERENCE_DOCX := build/reference.docx

.PHONY: help report compute test test-fast lint bench reference golden env clean codebook FORCE

help: ## List the targets
	@echo "Targets (parameters: $(PARAMS) and data/<survey>/params.yml; SURVEY=<folder of data/> builds another survey,"
	@echo "WAVE= another wave, ENGINE=auto|quarto|pandoc picks the renderer):"
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

report: $(OUTPUTS) ## Build the briefing (SURVEY=, WAVE=): _output/ (another survey: _output/<survey>/) briefing.html, .pdf, .docx, findings.json, changes.html
	@$(current)
	@echo "Briefing up to date: $(OUTPUTS) (wave $(WAVE)$(if $(COMPARE_WAVE), against $(COMPARE_WAVE))) from $(SURVEY_FOLDER)/"

compute: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) ## Run the notebooks and write the narrative (what `quarto render` needs; build/current links it)
	@$(current)

# build/current: the build a plain `quarto render` (and the render step) reads, a link to the last one computed.
current = ln -sfn $(patsubst build/%,%,$(BUILD)) build/current

# Two workers (pytest-xdist), each build made once for both (tests/conftest.py). Both tiers keep their bytecode
# (the package's, pytest's rewritten test modules: git-ignored __pycache__/), whatever PYTHONDONTWRITEBYTECODE says,
# so each worker does not compile every module again (about 3 s of each worker's collection).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n 2
test: $(ENV_READY) $(AXE_JS) ## Run the whole test suite: end-to-end builds (shared, one per survey and engine) and slow checks
	$(PYTEST)

test-fast: $(ENV_READY) ## The edit-test loop: every test but the end-to-end and slow ones (under a minute)
	$(PYTEST) -q -m "not e2e and not slow"

lint: $(ENV_READY) ## Check the code's format and lint it (ruff, configured in pyproject.toml)
	$(VENV)/bin/ruff format --check src tests scripts
	$(VENV)/bin/ruff check src tests scripts

# axe-core (pinned) for the accessibility test in a real browser; from the npm registry when npm is present.
$(AXE_JS):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix build/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: the browser accessibility check will skip"; fi

bench: $(ENV_READY) ## Time cold builds (each beside its floor, with a profile), no-op, one-input-changed and all-editions builds (medians)
	$(PY) scripts/bench.py

reference: $(ENV_READY) ## Build the survey's frame for FRAME_YEAR (default: the wave's) with its own builder, data/<survey>/frame.py
	$(PY) -m briefing.inputs.reference --params $(PARAMS) $(if $(SURVEY_ARG),--survey $(SURVEY_ARG)) $(if $(NHS_DIGITAL),--nhs-digital $(NHS_DIGITAL)) \
	  $(if $(FRAME_YEAR),--year $(FRAME_YEAR)) $(if $(WAVE_ARG),--wave $(WAVE_ARG))

codebook: $(ENV_READY) ## Draft data/<survey>/codebook.yml (SURVEY=, required) from its exports in raw/; a written one is kept (draft: codebook.draft.yml)
	$(PY) -m briefing.inputs.draft $(SURVEY_ARG)

golden: $(BUILD)/findings.json ## Accept the findings (without provenance) as the reviewed golden copy: run as `make golden WAVE=2019` (review its diff!)
	cp $(BUILD)/findings.json tests/golden/findings.json
	git --no-pager diff --stat -- tests/golden/findings.json || true

env: $(ENV_READY) ## Build the Python environment (.venv) from requirements.lock

clean: ## Remove build products (keeps .venv and the last _output/)
	rm -rf build

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
# all predate its build plan.
STAMPS := build/stamps
STAMPED := $(wildcard data/*/*.yml data/*/*/*.csv data/*/*/*.yml)
content = $(eval STAMPED += $(1))$(patsubst %,$(STAMPS)/%.sha256,$(1))
$(STAMPS)/%.sha256: ; $(error $*: input not found (or build/stamps/ could not be written))
$(STAMPS)/changed: ; @mkdir -p $(@D); touch $@

# The package's bytecode, compiled when its code changes (as pip compiles an installed package; ours is installed
# editable): a build's dozen Python processes, its workers among them, then load it rather than each compiling every
# module again, also where PYTHONDONTWRITEBYTECODE keeps Python itself from writing it. Before the plan, the build's
# first process; the package the environment imports (this tree's src/briefing/, its __pycache__/ git-ignored).
BYTECODE := build/bytecode.ok
compile_package = $(PY) -m compileall -q "$$($(PY) -c 'import importlib.util as u; \
  print(u.find_spec("briefing").submodule_search_locations[0])')"
$(BYTECODE): $(call content,$(wildcard src/briefing/*.py src/briefing/*/*.py)) $(ENV_READY)
	@mkdir -p $(@D)
	@$(compile_package)
	@touch $@

# The plan is remade when the parameters file, the survey's parameters, codebook or records change, or a file comes or
# goes in its raw/ or notebooks/ (the folders' times). What depends on the plan depends on PLAN_VALUES, which changes
# only when a value does: re-reading the parameters (a wave file added and removed again, a failed check) rebuilds
# nothing.
PLAN_VALUES := $(PLAN_MK:.mk=.values)
# (the build folder removed, and the parameters file the plan wrote there with it: the plan writes it again, before
# what reads it, the editions' plan among them)
$(if $(and $(PARAMETERS),$(filter-out $(wildcard $(PARAMETERS)),$(PARAMETERS))),$(eval $(PLAN_MK): FORCE))
$(if $(PARAMETERS),$(eval $(PARAMETERS): $(PLAN_MK) ;))
$(PLAN_MK): $(call content,$(PARAMS) $(wildcard $(PLAN_INPUTS)) src/briefing/config.py src/briefing/yamlfile.py \
  src/briefing/inputs/survey.py src/briefing/inputs/codebook.py src/briefing/plan.py) $(ENV_READY) notebooks \
  $(if $(SURVEY_FOLDER),$(wildcard $(SURVEY_FOLDER)/raw $(SURVEY_FOLDER)/templates)) | $(BYTECODE)
	@mkdir -p $(@D)
	@$(PY) -m briefing.plan --params $(PARAMS) $(if $(SURVEY_ARG),--survey $(SURVEY_ARG)) $(if $(WAVE_ARG),--wave $(WAVE_ARG)) --out $@
	@touch $@
	@echo "[1/6] plan: $(PARAMS) read$(if $(SURVEY_ARG), (survey $(SURVEY_ARG)))$(if $(WAVE_ARG), (wave $(WAVE_ARG)))"

# Remember values that are not files, so a change rebuilds what shows them: the waves chosen, the engine asked for
# (re-renders), the clock and the code's version (the commit and whether the tree has uncommitted changes, as the
# provenance appendix says it: not which files, so one more edit in a tree already changed re-renders nothing). Each file
# changes only when its value does; written while the Makefile is read, so `make -n` knows too. Written by make
# itself, not a shell: a value is data, whatever it holds.
same = $(and $(findstring x$(1),x$(2)),$(findstring x$(2),x$(1)))
remember = $(if $(wildcard $(dir $(BUILD)/$(1)).),,$(shell mkdir -p $(dir $(BUILD)/$(1))))$(if $(and $(wildcard \
  $(BUILD)/$(1)),$(call same,$(file <$(BUILD)/$(1)),$(2))),,$(file >$(BUILD)/$(1),$(2)))
ifneq ($(and $(WAVE),$(BUILD)),)  # (only once the plan names the build folder)
$(call remember,selection,$(WAVE) $(COMPARE_WAVE))
endif
ifdef PUBLICATION_EPOCH
$(call remember,engine,$(ENGINE))
$(call remember,build-context,$(SOURCE_DATE_EPOCH) $(shell git rev-parse --show-toplevel HEAD 2>/dev/null) $(if $(shell \
  git status --porcelain 2>/dev/null),uncommitted changes))
endif
$(BUILD)/engine $(BUILD)/build-context: ; @mkdir -p $(@D); touch $@

# --- compute: each wave on its own (its file, its frame), then the change between them ---------------------------
# The build's waves are checked first, by the runner before any notebook (briefing.inputs.check, every failing file
# named; in a process forked from the runner's while it makes the notebooks' shell on the other core): each against
# its frame (two columns: fails at once, even on a huge file), then against the codebook, which keeps the wave and
# its frame, typed, in
# TYPED_<wave> (inputs/validated.py): the raw files are read once, there; the notebooks and the quotes read that copy.
# What make keeps is each wave's inputs' record, RECORD_<wave>: their content stamps, rewritten only when they change
# (one target, VALIDATED_ALL, remade when any wave's inputs change). The runner validates each wave whose record
# differs from validated.ok, the record its last validation passed on, and on passing copies it there; the wave's
# notebooks follow validated.ok, so a changed wave is checked again and reruns its own notebooks only. One that fails
# keeps its last good validated.ok, so it is checked again next time, and a file put back as it was reruns nothing.
# Then the build's notebooks run in ONE call of briefing.analysis.run_notebooks (papermill, its notebooks run in
# worker processes, one per core, each in its own IPython shell): each step as soon as the steps
# whose outputs it reads are done, on the first worker free: each wave's disclosure plan (the two side by side), then
# its theme notebooks, shared out among the workers, and its merged findings; the change between the waves once both
# are merged; the reported wave's quotes where a worker would otherwise wait. Each executed copy is kept under build/ for audit.
# One call: the runner reruns only the steps older than their own inputs (the call's stamp and dates: below).
# What reads a wave's or a frame's bytes depends on the waves' validation,
# remade whenever their content changes. `make editions` adds every edition's analysis to the same call (mk/editions.mk).
validate_inputs = $(call content,$(WAVE_FILE_$(1)) $(FRAME_FILE_$(1)) $(CODEBOOK) $(call records_of,$(1)) \
  src/briefing/yamlfile.py src/briefing/inputs/check.py src/briefing/inputs/validate.py src/briefing/inputs/codebook.py \
  src/briefing/inputs/crosscheck.py) $(call analysis_of,$(1))
# A wave's own provenance records (its file's and its frame's .meta.yml), not every wave's: a new wave's arrival
# leaves the waves already analysed alone.
records_of = $(filter $(addsuffix .meta.yml,$(basename $(WAVE_FILE_$(1)) $(FRAME_FILE_$(1)))),$(PLAN_INPUTS))
# A wave's analysis record: the digest of what its notebooks depend on besides files (the parameters but the
# selection, its steps: briefing.plan.analysis_digest), the same whichever wave is reported. So another WAVE= changes
# the plan's values but not this, and the waves it shares with the last build are not analysed again.
analysis_of = $(BUILD)/waves/$(1)/analysis
ifneq ($(and $(WAVES),$(BUILD)),)
$(foreach wave,$(WAVES),$(call remember,waves/$(wave)/analysis,$(ANALYSIS_$(wave))))
endif
VALIDATED_ALL := $(BUILD)/waves/validated.ok
record_inputs = mkdir -p $(BUILD)/waves/$(1); cat $(call validate_inputs,$(1)) >$(RECORD_$(1)).new; \
  if cmp -s $(RECORD_$(1)).new $(RECORD_$(1)); then rm $(RECORD_$(1)).new; else mv $(RECORD_$(1)).new $(RECORD_$(1)); fi;
ifneq ($(WAVES),)
# (a typed copy or its validation record gone: the runner validates that wave again)
$(if $(filter-out $(wildcard $(TYPED) $(VALIDATED)),$(TYPED) $(VALIDATED)),$(eval $(VALIDATED_ALL): FORCE))
$(VALIDATED_ALL): $(sort $(foreach wave,$(WAVES),$(call validate_inputs,$(wave))))
	@$(foreach wave,$(WAVES),$(call record_inputs,$(wave)))
	@touch $@
endif

# `make editions` (read before the compute rule: every edition's analysis joins its runner call).
include mk/editions.mk

# The call is dated by COMPUTED_STAMP (one per plan: per selection of waves), which the briefing's findings it merges
# last depend on (and so the narrative, which also reads the quotes the call picked); each file the runner makes keeps
# the time it was last remade (it leaves the others alone), so a wave
# analysed for one selection is current for the next (a wave's analysis is dated by its validation, which holds its
# analysis record; each pair of waves compared has its own change). The plan's values call the runner, which finds
# what is stale, but date no step. One of the files missing calls the runner.
COMPUTED_STAMP := $(PLAN_MK:.mk=.computed)
COMPUTE_SHARED := $(call content,$(ANALYSIS_SRC) src/briefing/publication/change_charts.py)
$(if $(filter-out $(wildcard $(COMPUTED)),$(COMPUTED)),$(eval $(COMPUTED_STAMP): FORCE))
# The same call picks the reported wave's quotes (and each edition's) from its validated copy, beside the notebooks
# (in a worker, no notebook: narrative/quotes.py, checked and redacted), remade when the wave's
# validation, the quotes' code or what they read (the plan's QUOTE_INPUTS: the narrative's inputs but its templates)
# changes; the narrative then renders
# them without reading the wave or loading pandas, so a template change renders the templates alone.
NARRATIVE_CODE := $(wildcard src/briefing/narrative/*.py) src/briefing/analysis/suppression.py src/briefing/publication/pandoc.py \
  src/briefing/yamlfile.py
QUOTE_CODE := $(call content,$(NARRATIVE_CODE) $(INPUTS_SRC))
$(COMPUTED_STAMP) $(EDITIONS_STAMP) $(BUILD)/findings.json &: $(call content,$(NOTEBOOKS)) $(VALIDATED_ALL) $(COMPUTE_SHARED) $(QUOTE_CODE) \
  $(call content,$(QUOTE_INPUTS)) $(PLAN_VALUES) $(BUILD)/selection $(if $(EDITIONS_STAMP),$(EDITIONS_PLAN))
	@$(PY) -m briefing.analysis.run_notebooks --plan $(PLAN_JSON) $(EDITIONS_ANALYSIS) --shared $(COMPUTE_SHARED) \
	  --quote-code $(QUOTE_CODE)
	@touch $(COMPUTED_STAMP) $(EDITIONS_STAMP)

# ($(BUILD)/findings.json, the briefing's figures: the reported wave's notebook findings and the change, with the
# comparison resolved, merged by the same call at its end, in its own process: no Python started again for them. So
# they are remade whenever the call runs, a change of the selection of waves among its causes: $(BUILD)/selection,
# which every plan of the build folder shares, so a switch back to a selection whose call is current merges again.)

# The narrative: the templates, rendered from the findings and the quotes the runner picked (QUOTES, the reported
# wave's, kept beside its analysis, so another WAVE= never finds the last one's).
# (The waves' and frames' own bytes, which the provenance hashes: through their validation.)
$(BUILD)/narrative.stamp: $(BUILD)/findings.json $(VALIDATED_ALL) $(call content,$(NARRATIVE_INPUTS) \
  $(NARRATIVE_CODE)) $(PLAN_VALUES) $(BUILD)/engine $(BUILD)/build-context
	@printf '[5/6] '; $(PY) -m briefing.narrative.writer --params $(PARAMETERS) --wave $(WAVE) --findings $(BUILD)/findings.json \
	  --quotes $(QUOTES) --compiled build/templates.compiled --out $(BUILD)/narrative --engine $(ENGINE)
	@$(current)
	@touch $@

# --- render: staged, published to _output/ only when every format succeeded ----------------------------------
# render.py replaces _output/ files itself, atomically; make must never delete them after a failed render
# (.DELETE_ON_ERROR would otherwise remove the last good briefing).
.PRECIOUS: $(OUTPUTS)
# (The render step's own code: render.py and what it imports from the package.)
RENDER_CODE := $(addprefix src/briefing/publication/,render.py fonts.py pandoc.py changes.py inline_charts.py data_files.py publish.py docx.py)
$(OUTPUTS) &: $(BUILD)/narrative.stamp $(REFERENCE_DOCX) $(call content,$(REPORT_SRC) $(RENDER_CODE)) $(BUILD)/engine
	@$(current)
	@printf '[6/6] '; $(PY) -m briefing.publication.render --engine $(ENGINE) --out $(OUT) --findings $(BUILD)/findings.json

# The Word edition's house style: a reference document built from pandoc's default by the project's code.
$(REFERENCE_DOCX): $(call content,src/briefing/publication/docx.py) $(ENV_READY)
	$(PY) -m briefing.publication.docx --out $@

FORCE:

# Last, once every rule has named its inputs: refresh their content stamps (the list goes to the script in a file
# make writes itself, so no shell ever reads a file name as code).
ifneq ($(READS_INPUTS),)
$(if $(wildcard $(STAMPS)/.),,$(shell mkdir -p $(STAMPS)))
$(file >$(STAMPS)/files,$(subst $(space),$(newline),$(sort $(STAMPED))))
STAMPS_REFRESHED := $(shell $(SHELL) scripts/stamps.sh $(STAMPS))
endif
