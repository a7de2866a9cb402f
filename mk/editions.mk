# --- editions: the whole survey and one briefing per value of the codebook's `editions: by:` question ------------
# (src/briefing/publication/editions.py)
# `make editions` computes every edition's analysis in the whole survey's one runner call
# (its workers, the editions shared out among them; each wave validated and its disclosure planned once; the whole
# survey's edition is that build itself, its analysis linked, not run again), then, per
# edition, only its findings, narrative and render (one call for every stale edition, each in a process of its own,
# one per core: editions.py `publish`), in its own project folder,
# $(BUILD)/editions/<slug>/, publishing to _output/editions/<wave>/<slug>/ (each wave's editions side by side:
# `make editions WAVE=2019` leaves the 2020 ones published), then writes _output/index.html, listing every wave.
# EDITIONS='North West|London' limits the editions (default: every answer of the editions' question; REGIONS= is
# its older name and still works). A failed edition is named
# with its cause and keeps its last good copy; the others still publish, and make then exits with an error.
# Only editions with something new to read are rebuilt, so an unchanged `make editions` starts no Python at all.
REGIONS ?=
EDITIONS ?= $(REGIONS)
EDITIONS_DIR := $(BUILD)/editions
EDITIONS_ARGS := --params $(PARAMETERS) --build $(BUILD) --wave $(WAVE)
EDITIONS_PLAN := $(EDITIONS_DIR)/editions.mk
EDITIONS_ANALYSIS :=
EDITIONS_STAMP :=

# (Once the parameters are known: the plan lists the editions of the survey's codebook, and their analysis.)
ifneq ($(and $(filter editions,$(MAKECMDGOALS)),$(WAVE),$(BUILD)),)
include $(EDITIONS_PLAN)
$(call remember,editions-chosen,$(EDITIONS))
# This run's count of finished editions, for the [n/N] lines, and the editions it found stale, for `publish` (both
# emptied again if make restarts, before any build).
EDITIONS_QUEUE := $(EDITIONS_DIR)/queue
$(shell mkdir -p $(EDITIONS_DIR); : > $(EDITIONS_DIR)/progress; : > $(EDITIONS_QUEUE))
# Every edition's analysis joins the whole survey's runner call (the Makefile's compute rule): its steps are in
# analysis.json, and the call is dated by EDITIONS_STAMP. An edition's analysed files keep the time they were last
# remade (the runner leaves the others alone), so make re-checks their times after the call (their empty rule) and
# renders again only the editions whose analysis changed. One missing (a new or failed edition) calls the runner.
EDITIONS_ANALYSIS := $(EDITIONS_DIR)/analysis.json
EDITIONS_STAMP := $(EDITIONS_DIR)/analysis.stamp
$(EDITIONS_COMPUTED): $(EDITIONS_STAMP) ;
$(if $(filter-out $(wildcard $(EDITIONS_COMPUTED)),$(EDITIONS_COMPUTED)),$(eval $(EDITIONS_STAMP): FORCE))
# What an edition's findings, narrative and render read besides its analysis and parameters: those of `make
# report` (the templates, the survey's records, the waves' bytes, the report's sources, the code; the engine, the
# clock and the code's version) and the house style.
EDITION_INPUTS := $(call content,$(NARRATIVE_INPUTS) $(REPORT_SRC) $(wildcard src/briefing/*.py \
  src/briefing/narrative/*.py src/briefing/publication/*.py) src/briefing/analysis/findings.py) $(VALIDATED_ALL) \
  $(PLAN_VALUES) $(BUILD)/selection $(BUILD)/engine $(BUILD)/build-context $(REFERENCE_DOCX)
$(foreach slug,$(EDITION_SLUGS),$(eval $(EDITIONS_DIR)/$(slug).status.json: $(EDITION_COMPUTED_$(slug)) \
  $(EDITION_PARAMETERS_$(slug))))
# Rebuilt whatever the times say: an edition that failed last time (retried) or whose published copy is incomplete.
edition_published = $(patsubst %,$(OUT)/editions/$(WAVE)/$(1)/%,$(notdir $(OUTPUTS)))
edition_missing = $(filter-out $(wildcard $(call edition_published,$(1))),$(call edition_published,$(1)))
edition_stale = $(or $(wildcard $(EDITIONS_DIR)/$(1).failed),$(call edition_missing,$(1)))
$(foreach slug,$(EDITION_SLUGS),$(if $(call edition_stale,$(slug)),$(eval $(EDITIONS_DIR)/$(slug).status.json: FORCE)))
endif

.PHONY: editions
editions: $(OUT)/index.html ## Build the whole survey's briefing and every edition's into _output/editions/<wave>/, with _output/index.html
	@echo "Editions up to date: $(OUT)/index.html ($(words $(EDITION_SLUGS)) editions, wave $(WAVE))"

# The editions, their project folders and plans, and their analysis for the runner, remade only when what they
# are made from changes (touched, so it is then newer than that): the codebook, the build's parameters and plan,
# the waves chosen ($(BUILD)/selection) and the editions asked for.
$(EDITIONS_PLAN): $(CODEBOOK) $(PARAMETERS) $(PLAN_JSON) $(PLAN_VALUES) $(BUILD)/selection $(BUILD)/editions-chosen \
  src/briefing/publication/editions.py src/briefing/plan.py
	@$(PY) -m briefing.publication.editions plan $(EDITIONS_ARGS) --plan $(PLAN_JSON) --editions $(call quote,$(EDITIONS))
	@touch $@

# A stale edition is queued, and the index's one call builds every edition queued, then the index: each edition in
# a process of its own, forked from that call's once it has loaded the narrative's and the render's code, so no
# edition pays for those imports again; as many at once as there are cores, with or without -j. Its status is
# removed as it is queued (so make sees it changed, and the index is remade; and an edition queued but never built,
# the call stopped, is still stale next time), then written by its build, dated when that began (editions.py), so
# anything changed since is newer.
$(EDITIONS_DIR)/%.status.json: $(EDITIONS_DIR)/%.edition $(EDITION_INPUTS)
	@rm -f $@$(file >>$(EDITIONS_QUEUE),$*)

.PRECIOUS: $(OUT)/index.html
$(OUT)/index.html: $(EDITION_SLUGS:%=$(EDITIONS_DIR)/%.status.json) $(EDITIONS_PLAN) report/editions/index.html.j2
	@$(PY) -m briefing.publication.editions publish $(EDITIONS_ARGS) --engine $(ENGINE) --out $(OUT) \
	  --queue $(EDITIONS_QUEUE) --total $(words $(EDITION_SLUGS))
