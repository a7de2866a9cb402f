# --- editions: England and one briefing per NHS England region (src/briefing/publication/editions.py) -----------
# `make editions` (or `make -j2 editions`) builds each edition by running this Makefile's `report` in its own
# project folder, build/editions/<slug>/, publishing to _output/editions/<slug>/, then writes _output/index.html.
# REGIONS='North West|London' limits the regions (default: every region in the frame). A failed edition is named
# with its cause and keeps its last good copy; the others still publish, and make then exits with an error.
REGIONS ?=
EDITIONS_DIR := $(BUILD)/editions
EDITIONS_PLAN := $(EDITIONS_DIR)/editions.mk

ifneq ($(filter editions,$(MAKECMDGOALS)),)
include $(EDITIONS_PLAN)
endif

.PHONY: editions
editions: $(OUT)/index.html ## Build England and every region's briefing into _output/editions/, with _output/index.html

# The list of editions (rewritten only when it changes, so make does not restart for nothing).
$(EDITIONS_PLAN): $(FRAME_FILE) $(PARAMS_MK) src/briefing/publication/editions.py FORCE
	@$(PY) -m briefing.publication.editions plan --params $(PARAMS) --regions '$(REGIONS)'

# Each edition's own make decides what is out of date there; this rule always asks it.
$(EDITIONS_DIR)/%.status.json: $(EDITIONS_PLAN) FORCE
	@$(PY) -m briefing.publication.editions build $* --params $(PARAMS) --engine $(ENGINE) --out $(OUT) \
	  --total $(words $(EDITION_SLUGS)) --venv $(VENV) --wave $(WAVE)

.PRECIOUS: $(OUT)/index.html
$(OUT)/index.html: $(EDITION_SLUGS:%=$(EDITIONS_DIR)/%.status.json) report/editions/index.html.j2 FORCE
	@$(PY) -m briefing.publication.editions index --params $(PARAMS) --wave $(WAVE) --out $(OUT)
