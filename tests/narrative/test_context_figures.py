"""Context figures from other sources: the data file loads, each figure is as published, and the bibliography
resolves every citation in pandoc's citeproc."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypandoc
import pytest
import yaml

from briefing.narrative import context_figures as context
from briefing.narrative import prose
from briefing.narrative.context_figures import ContextError, csl_items, load_context_figures, write_bibliography
from tests.conftest import ROOT, SURVEY  # noqa: E402

FIGURES_FILE = ROOT / "data" / SURVEY / context.DEFAULT_FILE


@pytest.fixture(scope="module")
def figures() -> dict[str, dict]:
    return load_context_figures(FIGURES_FILE)


# --- the real file --------------------------------------------------------------------------------------------


def test_real_file_loads_with_every_figure(figures):
    assert list(figures) == ["first_leadership_role", "des_signup", "partners_pcn_hours", "partners_would_leave_des"]
    assert {f["citation_key"] for f in figures.values()} == {
        "nhsconfed_cd_leadership",
        "nhse_des_signup",
        "cogora_state_primary_care",
        "pulse_des_survey",
    }
    for fig in figures.values():
        assert fig["cite"] == f"[@{fig['citation_key']}]"
        assert not re.search(r"\d", fig["citation_key"]), "templates may not hold digits outside {{ }}"


def test_first_leadership_role_is_approximate_as_stated(figures):
    fig = figures["first_leadership_role"]
    assert fig["value"] == 0.5 and fig["unit"] == "proportion"
    assert fig["approximate"] is True and fig["hedge"] == "around"
    assert "base" not in fig  # not stated by the source
    assert fig["source"]["organisation"] == "NHS Confederation"
    assert fig["source"]["date"] == "2020-07"
    assert fig["source"]["url_verified"] is False and fig["source"]["title_verified"] is False
    assert f"{fig['hedge']} {prose.proportion_words(fig['value'])}" == "around half"


def test_des_signup(figures):
    fig = figures["des_signup"]
    assert fig["value"] == 0.98 and fig["unit"] == "proportion" and not fig["approximate"]
    assert fig["hedge"] is None and "base" not in fig
    # cited from the page that carries NHS England's figure, by its real title (not a placeholder and a home page)
    assert fig["source"]["organisation"] == "Management in Practice" and "NHS England" in fig["source"]["verification"]
    assert fig["source"]["title"] == "Almost all GP practices sign up to primary care network DES"
    assert fig["source"]["date"].startswith("2020")
    assert fig["source"]["url_verified"] is True
    assert "2020/21" in fig["period"] and "Network Contract" in fig["measure"]
    assert prose.percent(fig["value"]) == "98%"


def test_partners_pcn_hours(figures):
    fig = figures["partners_pcn_hours"]
    assert fig["value"] == 0.26 and fig["base"] == 677 and fig["unit"] == "proportion"
    assert fig["source"]["organisation"] == "Cogora"
    assert fig["source"]["date"] == "2020-04"
    assert fig["source"]["url_verified"] is True and fig["source"]["accessed"]
    assert "10 hours or more" in fig["measure"] and fig["period"].startswith("2019")
    assert (prose.percent(fig["value"]), prose.count(fig["base"])) == ("26%", "677")


def test_partners_would_leave_des(figures):
    fig = figures["partners_would_leave_des"]
    assert fig["value"] == 0.82 and fig["base"] == 477  # as stated in the article ("just over 80%", 82%)
    assert fig["source"]["organisation"] == "Pulse"
    assert fig["source"]["csl_type"] == "article-newspaper"
    assert fig["source"]["url_verified"] is True
    assert prose.proportion_words(fig["value"]) == "over four-fifths"


def test_every_unverified_detail_is_flagged(figures):
    for fig in figures.values():
        src = fig["source"]
        if not src["url_verified"]:
            assert "accessed" not in src or src.get("verification")
        if not src["title_verified"]:
            assert src["title"].startswith("[") or fig.get("notes"), fig["id"]


# --- CSL-JSON and pandoc --------------------------------------------------------------------------------------


def test_csl_items_shape(figures):
    items = csl_items(figures)
    assert [item["id"] for item in items] == sorted(f["citation_key"] for f in figures.values())
    for item in items:
        assert item["type"] in context.CSL_TYPES
        assert item["title"] and item["publisher"]
        assert item["author"] == [{"literal": item["author"][0]["literal"]}]
        parts = item["issued"]["date-parts"]
        assert len(parts) == 1 and 1 <= len(parts[0]) <= 3 and all(isinstance(p, int) for p in parts[0])
    by_key = {item["id"]: item for item in items}
    assert by_key["cogora_state_primary_care"]["issued"] == {"date-parts": [[2020, 4]]}
    assert by_key["pulse_des_survey"]["container-title"] == '<span class="nocase">Pulse</span>'  # as typed
    assert by_key["nhsconfed_cd_leadership"]["author"] == [{"literal": "NHS Confederation"}]


def test_bibliography_is_byte_identical_and_order_independent(figures, tmp_path):
    first = write_bibliography(figures, tmp_path / "a" / "refs.json").read_bytes()
    second = write_bibliography(dict(reversed(list(figures.items()))), tmp_path / "b.json").read_bytes()
    assert first == second
    assert first.endswith(b"\n") and json.loads(first) == csl_items(figures)
    # unchanged content leaves the file alone (make sees no update)
    path = tmp_path / "a" / "refs.json"
    before = path.stat().st_mtime_ns
    write_bibliography(figures, path)
    assert path.stat().st_mtime_ns == before


def test_pandoc_citeproc_resolves_every_key(figures, tmp_path):
    bib = write_bibliography(figures, tmp_path / "references.json")
    cites = " ".join(f"Figure {i} {fig['cite']}." for i, fig in enumerate(figures.values()))
    text = pypandoc.convert_text(
        cites + "\n\n# References\n",
        "plain",
        format="markdown",
        extra_args=["--citeproc", f"--bibliography={bib}", "--wrap=none"],
    )
    body, _, references = text.partition("References")
    assert references, text
    for fig in figures.values():
        assert fig["citation_key"] not in text, f"unresolved citation {fig['citation_key']}:\n{text}"
        src = fig["source"]
        year = src["date"][:4]
        assert f"{src['organisation']} {year}" in body  # in-text (Organisation Year)
        entries = [line for line in references.splitlines() if line.startswith(f"{src['organisation']}.")]
        assert entries and year in entries[0], f"{src['organisation']} {year} not in the reference list:\n{references}"


def test_cli_writes_bibliography(tmp_path, capsys):
    out = tmp_path / "refs.json"
    assert context.main(["--figures", str(FIGURES_FILE), "--out", str(out)]) == 0
    assert json.loads(out.read_text())[0]["id"] == "cogora_state_primary_care"
    assert "4 context figure(s)" in capsys.readouterr().out


# --- errors name the file, the entry and the field ------------------------------------------------------------


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "context_figures.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(FIGURES_FILE.read_text(encoding="utf-8"))


def _load_error(tmp_path: Path, data: dict) -> str:
    path = _write(tmp_path, data)
    with pytest.raises(ContextError) as info:
        load_context_figures(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_missing_field_is_named(tmp_path, raw):
    del raw["figures"][1]["population"]
    message = _load_error(tmp_path, raw)
    assert "figure 'des_signup' (entry 2)" in message and "'population'" in message and "missing" in message


def test_missing_source_field_is_named(tmp_path, raw):
    del raw["figures"][2]["source"]["licence"]
    message = _load_error(tmp_path, raw)
    assert "figure 'partners_pcn_hours' (entry 3)" in message and "'source.licence'" in message


@pytest.mark.parametrize("value", [26, -0.1, 1.01, "26%", True, None])
def test_proportion_out_of_range_is_named(tmp_path, raw, value):
    raw["figures"][2]["value"] = value
    message = _load_error(tmp_path, raw)
    assert "figure 'partners_pcn_hours' (entry 3)" in message and "'value'" in message


def test_count_must_be_whole(tmp_path, raw):
    raw["figures"][0].update(unit="count", value=2.5)
    message = _load_error(tmp_path, raw)
    assert "'value'" in message and "whole number" in message


def test_duplicate_citation_key_is_named(tmp_path, raw):
    raw["figures"][3]["citation_key"] = raw["figures"][1]["citation_key"]
    message = _load_error(tmp_path, raw)
    assert "figure 'partners_would_leave_des' (entry 4)" in message and "'citation_key'" in message
    assert "nhse_des_signup" in message and "des_signup" in message


def test_duplicate_id_is_named(tmp_path, raw):
    raw["figures"][3]["id"] = "des_signup"
    message = _load_error(tmp_path, raw)
    assert "(entry 4)" in message and "'id'" in message and "more than once" in message


def test_citation_key_with_digits_is_refused(tmp_path, raw):
    raw["figures"][1]["citation_key"] = "nhse2020des"
    assert "'citation_key'" in _load_error(tmp_path, raw)


@pytest.mark.parametrize("date", ["July 2020", "2020-13", "2020/07"])
def test_bad_date_is_named(tmp_path, raw, date):
    raw["figures"][0]["source"]["date"] = date
    message = _load_error(tmp_path, raw)
    assert "figure 'first_leadership_role' (entry 1)" in message and "'source.date'" in message


def test_hedge_needs_approximate(tmp_path, raw):
    raw["figures"][0]["approximate"] = False
    assert "'hedge'" in _load_error(tmp_path, raw)


def test_verified_url_needs_accessed_date(tmp_path, raw):
    del raw["figures"][3]["source"]["accessed"]
    assert "'source.accessed'" in _load_error(tmp_path, raw)


def test_unknown_field_is_named(tmp_path, raw):
    raw["figures"][1]["vaule"] = 0.5
    message = _load_error(tmp_path, raw)
    assert "'vaule'" in message and "not a known field" in message


def test_missing_file(tmp_path):
    with pytest.raises(ContextError, match="not found"):
        load_context_figures(tmp_path / "nope.yml")


def test_a_figure_is_cited_only_with_its_real_title_and_page_and_not_after_the_fieldwork():
    import datetime as dt

    from briefing.inputs.survey import WaveDates
    from briefing.narrative.context_figures import available_by, fieldwork_end

    def dates(fieldwork=None, year=None):
        return WaveDates(briefing=None, released=None, fieldwork=fieldwork, year=year)

    figures = load_context_figures(Path("data/pcn-clinical-directors/context/context_figures.yml"))
    placeholder = figures["first_leadership_role"]  # "[...]" title, the organisation's publications page
    assert placeholder["source"]["title"].startswith("[") and "first_leadership_role" not in available_by(figures, None)
    assert "des_signup" in available_by(figures, None)  # cited from the page that carries it, by its title
    # the fieldwork's end decides: "2020-04" is out by 30 April 2020, not by 29 April; "2020" only after the year
    assert "partners_pcn_hours" in available_by(figures, dt.date(2020, 4, 30))
    assert "partners_pcn_hours" not in available_by(figures, dt.date(2020, 4, 29))
    assert "des_signup" not in available_by(figures, fieldwork_end(dates(("2020-10", "2020-11"))))
    assert available_by(figures, fieldwork_end(dates(("2019-10", "2019-11")))) == {}
    assert fieldwork_end(dates(("2019-10", "2019-11"))) == dt.date(2019, 11, 30)  # known to the month: its last day
    assert fieldwork_end(dates(("2020-01-13", "2020-02-07"))) == dt.date(2020, 2, 7)
    assert fieldwork_end(dates(year="2021")) == dt.date(2021, 12, 31)  # the documented fallback: the wave's year
    assert fieldwork_end(dates()) is None
