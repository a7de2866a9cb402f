"""Write the thin notebooks (parameters, a few package calls, the outputs), committed without outputs: one theme
notebook run once per codebook theme, the population notebook (surveys with a reference frame), the overview, the
disclosure plan and the change between waves. They name no survey: everything survey-specific is the codebook's.

Run after changing the notebook skeleton: `.venv/bin/python scripts/make_notebooks.py`. Notebooks may also be
edited in Jupyter directly; strip outputs before committing (tests/test_notebooks.py checks).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PARAMETERS = """\
# Parameters: papermill injects the build plan's values after this cell.
params_path = None  # None: the params.yml of this project
wave = None  # None: the wave named in the parameters
survey_path = None  # None: the wave's file, found from the survey's folder
findings_path = "build/findings/{name}.json"  # relative to the project root
figures_dir = "build/figures"
withheld_path = None  # the build's disclosure plan (<build>/waves/<wave>/withheld.json); None: nothing withheld
"""

THEME_PARAMETER = """\
theme = None  # the codebook theme this run computes (the build plan runs this notebook once per theme)
"""

SETUP = """\
from briefing.analysis import themes
from briefing.analysis import findings as findings_io

NOTEBOOK = "notebooks/{name}.ipynb"
ctx = themes.load_context(params_path, withheld_path, wave=wave, survey_path=survey_path)
"""


def theme_notebook():
    return [
        new_markdown_cell(
            "# One theme of the codebook\n\nThe findings of the theme named by the parameter `theme` (the "
            "codebook's `findings:` registry), its declared subgroup comparisons with their charts, and a chart of "
            "every question behind its findings. The build plan (`briefing.plan`) runs this notebook once per "
            "theme. Logic lives in `src/briefing/`."
        ),
        new_code_cell(PARAMETERS.format(name="theme") + THEME_PARAMETER, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP.format(name="theme")),
        new_code_cell(
            "results = themes.survey_findings(ctx, theme=theme, notebook=NOTEBOOK)\nthemes.as_table(results)"
        ),
        new_code_cell(
            "from briefing.publication import charts\n\n"
            "compared = charts.comparison_charts(ctx, results, figures_dir, NOTEBOOK)\n"
            "results += compared\n"
            '[c.extra["path"] for c in compared]'
        ),
        new_code_cell(CHARTS),
        new_code_cell("themes.write_findings(results, findings_path, ctx)"),
    ]


# Every question behind the theme's findings, as a chart of all its answers (publication/theme_charts.py).
CHARTS = """\
from briefing.publication import theme_charts

charts_made = theme_charts.theme_charts(ctx, results, figures_dir, NOTEBOOK)
results += charts_made
[c.extra["path"] for c in charts_made]"""


def overview_notebook():
    return [
        new_markdown_cell(
            "# Overview\n\nEvery headline finding with its confidence interval, in one chart. The "
            "findings are recomputed here (cheaply) so this notebook needs no other notebook's output; "
            "it writes only the chart."
        ),
        new_code_cell(PARAMETERS.format(name="overview"), metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP.format(name="overview")),
        new_code_cell(
            "from briefing.publication import theme_charts\n\n"
            "results = [f for theme in themes.survey_themes(ctx) for f in themes.survey_findings(ctx, theme, NOTEBOOK)]\n"
            'chart = theme_charts.overview(ctx, results, figures_dir, NOTEBOOK)\nchart.extra["path"]'
        ),
        new_code_cell("themes.write_findings([chart], findings_path, ctx)"),
    ]


def population_notebook():
    return [
        new_markdown_cell(
            "# The population\n\nWhat the survey's reference frame (the codebook's `population: frame:`) says of "
            "the units the respondents speak for: how many there are, the share in each published part of each "
            "partition, their median size where the frame maps one, the survey's response rate against it and how "
            "the estimates are weighted to it. Run only where the survey has a frame."
        ),
        new_code_cell(PARAMETERS.format(name="population"), metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP.format(name="population")),
        new_code_cell("results = themes.population_findings(ctx, notebook=NOTEBOOK)\nthemes.as_table(results)"),
        new_code_cell("themes.write_findings(results, findings_path, ctx)"),
    ]


DISCLOSURE_PARAMETERS = """\
# Parameters: papermill injects the Makefile's values after this cell.
params_path = None  # None: the params.yml of this project
wave = None  # None: the wave named in params.yml
survey_path = None  # None: params.yml's survey_file for the wave
withheld_path = "build/waves/{wave}/withheld.json"  # the plan this notebook writes
"""


def disclosure_notebook():
    return [
        new_markdown_cell(
            "# Disclosure control across editions\n\nWhich figures are withheld (secondary suppression) so "
            "that no suppressed figure can be worked out from published ones: an edition's area from the whole, "
            "one area from the others, one part of a partition from the overall figure, one answer from its row, "
            "and every published number of a question at once (an integer program that also reads what "
            "stands in a hidden cell's place). Planned from "
            "the whole wave, the whole survey and every edition's area, whichever edition this build is "
            "for: the briefing of the whole and every edition withhold the same figures "
            "(`briefing.analysis.disclosure`). The theme notebooks read the plan."
        ),
        new_code_cell(DISCLOSURE_PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from briefing.analysis import disclosure, themes\n\n"
            "whole = themes.load_context(params_path, whole=True, wave=wave, survey_path=survey_path)\n"
            "withheld = disclosure.plan(whole)\n"
            "disclosure.plan_table(withheld)"
        ),
        new_code_cell("disclosure.write_plan(withheld, withheld_path)"),
    ]


CHANGE_PARAMETERS = """\
# Parameters: papermill injects the Makefile's values after this cell.
params_path = None  # None: the params.yml of this project
wave = None  # the reported wave
compare_wave = None  # the wave it is compared with
survey_path = None  # unused here: the waves' findings are the inputs
current_path = "build/waves/{wave}/findings.json"  # the reported wave's findings
previous_path = "build/waves/{compare_wave}/findings.json"  # the comparison wave's findings
findings_path = "build/change.json"
figures_dir = "build/figures"
"""


def change_notebook():
    return [
        new_markdown_cell(
            "# Change since the comparison wave\n\nFor every survey finding in both waves: the change in "
            "percentage points, its interval and a test (`briefing.analysis.change`), and the chart of "
            "the findings in each wave. Run only when the parameters name a comparison wave."
        ),
        new_code_cell(CHANGE_PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from briefing.analysis import change, findings as findings_io, themes\n"
            "from briefing.publication import change_charts\n\n"
            'NOTEBOOK = "notebooks/change.ipynb"\n'
            "current, previous = change.load_pair(current_path, previous_path)"
        ),
        new_code_cell(
            "results = change.changes(current, previous, notebook=NOTEBOOK)\n"
            "results += [f for f in [change.frame_change(current, previous, NOTEBOOK)] if f]\n"
            "themes.as_table(results)"
        ),
        new_code_cell(
            "chart = change_charts.change_chart(results, figures_dir, NOTEBOOK,\n"
            "                                  change_charts.survey_source(params_path))\n"
            "results += [chart] if chart else []"
        ),
        new_code_cell("findings_io.write(results, findings_path)"),
    ]


def write(name: str, cells) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i}"  # stable ids keep diffs clean
    path = Path("notebooks") / f"{name}.ipynb"
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write("theme", theme_notebook())
    write("population", population_notebook())
    write("change", change_notebook())
    write("overview", overview_notebook())
    write("disclosure", disclosure_notebook())
