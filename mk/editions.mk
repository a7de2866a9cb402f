# --- editions: the whole survey and one briefing per value of the codebook's `editions: by:` question ------------
# (src/briefing/publication/editions.py)
# `make editions` (or `make -j2 editions`) builds each edition by running this Makefile's `report` in its own
# project folder, build/editions/<slug>/, publishing to _output/editions/<wave>/<slug>/ (each wave's editions side by
# side: `make editions WAVE=2019` leaves the 2020 ones published), then writes _output/index.html, listing every wave.
# EDITIONS='North West|London' limits the editions (default: every answer of the editions' question; REGIONS= is
# its older name and still works). A failed edition is named
# with its cause and keeps its last good copy; the others still publish, and make then exits with an error.
# Only editions with something new to read are rebuilt, so an unchanged `make editions` starts no Python at all.
REGIONS ?=
EDITIONS ?= $(REGIONS)
EDITIONS_DIR := $(BUILD)/editions
EDITIONS_ARGS := --params $(PARAMETERS) --build $(BUILD) --wave $(WAVE)
EDITIONS_PLAN := $(EDITIONS_DIR)/editions.mk

# (Once the parameters are known: the plan lists the editions of the survey's codebook.)
ifneq ($(and $(filter editions,$(MAKECMDGOALS)),$(WAVE),$(BUILD)),)
include $(EDITIONS_PLAN)
$(call remember,editions-chosen,$(EDITIONS))
# This run's count of finished editions, for the [n/N] lines (emptied again if make restarts, before any build).
$(shell mkdir -p $(EDITIONS_DIR); : > $(EDITIONS_DIR)/progress)
# What an edition's build reads: every file and folder its project folder links or copies (a folder's time
# changes when a file in it comes or goes), the parameters and the values make remembers (the waves chosen; engine;
# clock and code version). Its own make then decides what to redo; this only decides whether to ask it.
# (Absolute paths, as the folder report/ is not the target `report`; none before the plan exists.)
EDITION_INPUTS := $(PARAMS) $(PLAN_VALUES) $(BUILD)/selection $(BUILD)/engine $(BUILD)/build-context $(if $(EDITION_TREES), \
  $(shell find $(foreach tree,$(EDITION_TREES),$(call quote,$(CURDIR)/$(tree))) \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -o -print))
# Rebuilt whatever the times say: an edition that failed last time (retried) or whose published copy is incomplete.
edition_published = $(patsubst %,$(OUT)/editions/$(WAVE)/$(1)/%,$(notdir $(OUTPUTS)))
edition_missing = $(filter-out $(wildcard $(call edition_published,$(1))),$(call edition_published,$(1)))
edition_stale = $(or $(wildcard $(EDITIONS_DIR)/$(1).failed),$(call edition_missing,$(1)))
$(foreach slug,$(EDITION_SLUGS),$(if $(call edition_stale,$(slug)),$(eval $(EDITIONS_DIR)/$(slug).status.json: FORCE)))
endif

.PHONY: editions
editions: $(OUT)/index.html ## Build the whole survey's briefing and every edition's into _output/editions/<wave>/, with _output/index.html
	@echo "Editions up to date: $(OUT)/index.html ($(words $(EDITION_SLUGS)) editions, wave $(WAVE))"

# The list of editions, remade only when what it is made from changes (touched, so it is then newer than that):
# the codebook's editions (the waves chosen: $(BUILD)/selection).
$(EDITIONS_PLAN): $(CODEBOOK) $(PLAN_VALUES) $(BUILD)/selection $(BUILD)/editions-chosen src/briefing/publication/editions.py
	@$(PY) -m briefing.publication.editions plan $(EDITIONS_ARGS) --editions $(call quote,$(EDITIONS))
	@touch $@

# The status is dated when the edition's build began (editions.py), so anything changed since is newer.
$(EDITIONS_DIR)/%.status.json: $(EDITIONS_DIR)/%.edition $(EDITION_INPUTS)
	@$(PY) -m briefing.publication.editions build $* $(EDITIONS_ARGS) --engine $(ENGINE) --out $(OUT) \
	  --total $(words $(EDITION_SLUGS)) --venv $(VENV)

.PRECIOUS: $(OUT)/index.html
$(OUT)/index.html: $(EDITION_SLUGS:%=$(EDITIONS_DIR)/%.status.json) $(EDITIONS_PLAN) report/editions/index.html.j2
	@$(PY) -m briefing.publication.editions index $(EDITIONS_ARGS) --out $(OUT)
