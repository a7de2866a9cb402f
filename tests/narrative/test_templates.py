"""Templates hold placeholders, never figures; a missing figure is an error, never a blank."""

import re

import jinja2
import pytest

from briefing import config
from briefing.narrative import writer as narrative
from tests.conftest import ROOT, copy_inputs

# the generic templates, every survey's own (beside its codebook) and the document
SOURCES = [
    *sorted((ROOT / "report" / "templates").glob("*.j2")),
    *sorted(ROOT.glob("data/**/templates/*.j2")),
    ROOT / "report" / "briefing.qmd",
]
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def literal_figures(text: str) -> list[str]:
    """Digits in prose: anything outside Jinja tags and comments."""
    prose = COMMENT.sub("", JINJA.sub("", text))
    return [line.strip() for line in prose.splitlines() if re.search(r"\d", line)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_literal_figures(path):
    assert literal_figures(path.read_text(encoding="utf-8")) == []


def test_the_check_catches_a_typed_figure():
    assert literal_figures("Almost a third ({{ f.x.value | percent }}) or 26% of them") == [
        "Almost a third () or 26% of them"
    ]
    assert literal_figures("{{ f.x.value | percent }} in {{ n }}") == []


def test_a_missing_finding_is_an_error_naming_the_template(tmp_path):
    copy_inputs(tmp_path)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "x.md.j2").write_text("{{ f.no_such_finding.value | percent }}")
    env = narrative.environment(templates)
    with pytest.raises(jinja2.UndefinedError, match="no_such_finding"):
        env.get_template("x.md.j2").render(f={}, p=config.load(tmp_path / "params.yml"))


@pytest.mark.parametrize("withheld", [None, "finding", "chart cell"])
def test_methods_explain_secondary_suppression_only_when_a_figure_is_withheld(withheld):
    import json

    from briefing.analysis import findings as findings_io
    from briefing.analysis.stats import SECONDARY

    findings = json.loads((ROOT / "tests" / "golden" / "findings.json").read_text(encoding="utf-8"))
    charts = [r for r in findings["findings"].values() if r.get("rows")]
    for record in charts:
        for row in record["rows"]:
            row["withheld"] = []  # the golden copy's charts withhold cells too: start from none
    if withheld == "finding":
        findings["findings"]["plan_to_leave"].update(suppressed=True, suppression_reason=SECONDARY)
    if withheld == "chart cell":
        charts[0]["rows"][0]["withheld"] = ["No"]
    params = findings_io.resolved_params(str(ROOT / "params.yml"), "2019", compared=False)
    ctx = narrative.context(findings, params, ROOT, {})
    text = (
        narrative.environment(ROOT / "report" / "templates", params.suppression_threshold)
        .get_template("methods.md.j2")
        .render(ctx)
    )
    assert ("secondary suppression" in text) is (withheld is not None)
