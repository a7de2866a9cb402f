"""Write the thin theme notebooks (parameters, a few package calls, the outputs), committed without outputs.

Run after changing the notebook skeleton: `.venv/bin/python scripts/make_notebooks.py`. Notebooks may also be
edited in Jupyter directly; strip outputs before committing (tests/test_notebooks.py checks).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PARAMETERS = """\
# Parameters: papermill injects the Makefile's values (read from params.yml) after this cell.
params_path = None  # None: the params.yml of this project
wave = None  # None: the wave named in params.yml
survey_path = None  # None: params.yml's survey_file for the wave
findings_path = "build/findings/{name}.json"  # relative to the project root
figures_dir = "build/figures"
withheld_path = None  # the build's disclosure plan (build/waves/<wave>/withheld.json); None: nothing withheld
"""

SETUP = """\
from briefing.analysis import themes
from briefing.analysis import findings as findings_io

NOTEBOOK = "notebooks/{name}.ipynb"
ctx = themes.load_context(params_path, withheld_path, wave=wave, survey_path=survey_path)
"""

THEMES = {
    "retention": ("Retention", "Do clinical directors plan to stay in the role?", None),
    "workload": (
        "Workload",
        "How PCNs have affected practices' workload, and how manageable clinical directors find it, by PCN size.",
        """\
from briefing.publication import charts

chart = charts.unmanageable_by_size(ctx, {f.id: f for f in results}, figures_dir, NOTEBOOK)
results.append(chart)
chart.extra["path"]""",
    ),
    "workforce": (
        "Workforce and additional roles",
        "Confidence in the GP workforce and reimbursement of additional roles.",
        None,
    ),
    "relationships": (
        "Relationships and the partnership model",
        "Relationships with the wider system and the future of the partnership model.",
        None,
    ),
    "priorities": ("Priorities", "What clinical directors say PCNs need in order to succeed.", None),
}


def theme_notebook(name: str, title: str, purpose: str, extra: str | None):
    cells = [
        new_markdown_cell(
            f"# {title}\n\n{purpose}\n\nComputed from the survey wave named in `params.yml`; "
            "the findings registry is `data/codebook.yml`. Logic lives in `src/briefing/`."
        ),
        new_code_cell(PARAMETERS.format(name=name), metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP.format(name=name)),
        new_code_cell(
            f'results = themes.survey_findings(ctx, theme="{name}", notebook=NOTEBOOK)\nthemes.as_table(results)'
        ),
    ]
    if extra:
        cells.append(new_code_cell(extra))
    cells.append(new_code_cell(CHARTS))
    cells.append(new_code_cell("themes.write_findings(results, findings_path, ctx)"))
    return cells


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


def landscape_notebook():
    return [
        new_markdown_cell(
            "# The PCN landscape\n\nThe real size of every PCN in England, from NHS Digital's reference "
            "frame (`params.yml`: `frame_file`), and the survey's response rate against it."
        ),
        new_code_cell(PARAMETERS.format(name="landscape"), metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP.format(name="landscape")),
        new_code_cell("results = themes.landscape_findings(ctx, notebook=NOTEBOOK)\nthemes.as_table(results)"),
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
            "that no suppressed figure can be worked out from published ones: a region from England, one "
            "region from the others, one size band from the overall figure, one answer from its row, and "
            "every published number of a question at once (an integer program that also reads what "
            "stands in a hidden cell's place). Planned from "
            "the whole wave, England and every region in the frame, whichever edition this build is "
            "for: the England briefing and every regional edition withhold the same figures "
            "(`briefing.analysis.disclosure`). The theme notebooks read the plan."
        ),
        new_code_cell(DISCLOSURE_PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from briefing.analysis import disclosure, themes\n\n"
            "england = themes.load_context(params_path, england=True, wave=wave, survey_path=survey_path)\n"
            "withheld = disclosure.plan(england)\n"
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
            "the findings in each wave. Run only when `params.yml` names a comparison wave."
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
    for name, (title, purpose, extra) in THEMES.items():
        write(name, theme_notebook(name, title, purpose, extra))
    write("landscape", landscape_notebook())
    write("change", change_notebook())
    write("overview", overview_notebook())
    write("disclosure", disclosure_notebook())
