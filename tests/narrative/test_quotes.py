"""Quotes: verbatim from the wave, refused when they break a rule, redacted, and escaped for every output."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from briefing.analysis import findings as findings_io
from briefing.inputs.codebook import load_codebook
from briefing.narrative import escape, quotes
from briefing.narrative.quotes import QuoteError
from tests.conftest import ROOT

CODEBOOK = load_codebook(ROOT / "data" / "pcn-clinical-directors" / "codebook.yml")
PARAMS = SimpleNamespace(wave="2019", edition=None, suppression_threshold=8)
FRAME = pd.DataFrame({"pcn_name": ["West Merton PCN", "Central PCN", "North Star Primary Care Network"]})


def survey(comments: dict[str, str], lonely: str | None = None) -> pd.DataFrame:
    """Ten London respondents of small PCNs (a quotable cell), and optionally one alone in the South West."""
    ids = [f"R{i:02d}" for i in range(10)]
    rows = [{"respondent_id": i, "region": "London", "pcn_list_size": 30000, "comments": comments.get(i)} for i in ids]
    if lonely:
        rows.append(
            {"respondent_id": lonely, "region": "South West", "pcn_list_size": 70000, "comments": comments.get(lonely)}
        )
    return pd.DataFrame(rows)


def load(tmp_path: Path, yaml_text: str, comments: dict[str, str], lonely: str | None = None, synthetic=False):
    path = tmp_path / "quotes.yml"
    path.write_text(yaml_text, encoding="utf-8")
    return quotes.load_quotes(path, survey(comments, lonely), FRAME, CODEBOOK, PARAMS, synthetic)


def test_a_quote_is_the_respondents_own_words_under_its_theme(tmp_path):
    got = load(tmp_path, '"2019":\n  - {respondent: R01, theme: workload}\n', {"R01": "Too much  work,\nfar too much"})
    assert [q.respondent for q in got["workload"]] == ["R01"]
    assert got["workload"][0].text == r"Too much work\, far too much"
    # the codebook's respondent word, then the speaker's cell (quotes.attribution: the size partition, the region)
    assert got["workload"][0].attribution == r"Clinical director\, small PCNs\, London"
    assert got["workload"][0].cell == {"size": "small", "region": "London"}


def test_a_cut_prints_its_parts_in_order_with_an_ellipsis(tmp_path):
    text = "First we had no staff. Then the money came late. Now it works."
    got = load(
        tmp_path,
        '"2019":\n  - {respondent: R02, theme: workload, cut: "First we had no staff. … Now it works."}\n',
        {"R02": text},
    )
    assert got["workload"][0].text == r"First we had no staff\. … Now it works\."


def test_a_cut_that_is_not_in_the_text_fails_naming_the_file_entry_line_and_id(tmp_path):
    yaml_text = '"2019":\n  - {respondent: R01, theme: workload}\n  - respondent: R02\n    theme: workload\n    cut: "we were well funded"\n'
    with pytest.raises(
        QuoteError,
        match=r"quotes.yml: quote 2 \(line 3\): respondent R02: the cut 'we were well funded' is not in their comment",
    ):
        load(tmp_path, yaml_text, {"R01": "a", "R02": "we were never funded"})


def test_cut_parts_out_of_order_fail(tmp_path):
    with pytest.raises(QuoteError, match="R02: the cut 'First' is not in their comment"):
        load(
            tmp_path, '"2019":\n  - {respondent: R02, theme: workload, cut: "Then … First"}\n', {"R02": "First. Then."}
        )


def test_an_unknown_respondent_fails_naming_the_id(tmp_path):
    with pytest.raises(QuoteError, match=r"quote 1 \(line 2\): respondent R99 does not exist in wave 2019"):
        load(tmp_path, '"2019":\n  - {respondent: R99, theme: workload}\n', {})


def test_an_unknown_theme_fails_naming_the_id_and_the_themes(tmp_path):
    with pytest.raises(
        QuoteError, match=r"respondent R01: theme 'morale' does not exist \(themes: priorities, relationships"
    ):
        load(tmp_path, '"2019":\n  - {respondent: R01, theme: morale}\n', {"R01": "x"})


def test_a_respondent_without_a_comment_cannot_be_quoted(tmp_path):
    with pytest.raises(QuoteError, match="respondent R03 left no comment"):
        load(tmp_path, '"2019":\n  - {respondent: R03, theme: workload}\n', {})


def test_a_recognisable_respondent_is_refused(tmp_path):
    with pytest.raises(QuoteError, match="respondent LONE could be recognised: .* fewer than 8 respondents"):
        load(
            tmp_path,
            '"2019":\n  - {respondent: LONE, theme: workload}\n',
            {"LONE": "I am the only one here"},
            lonely="LONE",
        )


def test_other_waves_and_a_missing_file_give_no_quotes(tmp_path):
    assert load(tmp_path, '"2020":\n  - {respondent: R01, theme: workload}\n', {"R01": "x"}) == {}
    assert quotes.load_quotes(tmp_path / "none.yml", survey({}), FRAME, CODEBOOK, PARAMS, False) == {}


def test_a_quote_is_printed_redacted_then_escaped(tmp_path, monkeypatch):
    """The forms the issue found printed (tests/narrative/test_redaction.py holds every form); readability aside."""
    monkeypatch.setattr(quotes, "MAX_REDACTED_SHARE", 1.0)
    comment = "Ring (020) 7946 0958 or 943.476.5919; ask dr Jones or Doctor Patel about west merton pcn"
    got = load(tmp_path, '"2019":\n  - {respondent: R01, theme: workload}\n', {"R01": comment})
    assert (
        got["workload"][0].text
        == r"Ring \[redacted\] or \[redacted\]\; ask \[redacted\] or \[redacted\] about \[redacted\]"
    )


@pytest.mark.parametrize(
    "cut, kept",
    [
        ("Call 020 … today", "Call 020"),  # the rest of the number is cut: alone, "020" is no phone number
        ("7946 0958 or ask", "7946 0958 or ask"),
        ("Jones or", "Jones or"),  # the surname without its title
        ("Call … 0958 or ask", "0958 or ask"),
    ],
)
def test_a_cut_that_keeps_part_of_what_is_redacted_is_refused(tmp_path, cut, kept):
    comment = "Call 020 7946 0958 or ask Dr Jones or Dr Patel today"
    with pytest.raises(
        QuoteError, match=rf"respondent R01: the cut {re.escape(repr(kept))} keeps part of personal data"
    ):
        load(tmp_path, f'"2019":\n  - {{respondent: R01, theme: workload, cut: "{cut}"}}\n', {"R01": comment})


def test_a_cut_around_what_is_redacted_prints(tmp_path, monkeypatch):
    monkeypatch.setattr(quotes, "MAX_REDACTED_SHARE", 1.0)  # how a cut redacts; readability is tested below
    comment = "Call 020 7946 0958 or ask Dr Jones or Dr Patel today"
    got = load(
        tmp_path,
        '"2019":\n  - {respondent: R01, theme: workload, cut: "Call 020 7946 0958 … Dr Patel today"}\n',
        {"R01": comment},
    )
    assert got["workload"][0].text == r"Call \[redacted\] … \[redacted\] today"


HOSTILE = [
    "<script>alert(1)</script>",
    "#set page(width: 1cm)",
    '#read("/etc/passwd")',
    "{{ 7*7 }}",
    "{% raw %}",
    "[x](javascript:alert(1))",
    "```{=html}\n<b>raw</b>\n```",
    "```{=typst}\n#set page(width: 1cm)\n```",
    "{{< include /etc/passwd >}}",
    "::: {.callout-note}\n# Heading\n:::",
    "$x$ @fig-x <!-- c --> *a* _b_ `c` \\ | ~ ^",
]


@pytest.mark.parametrize("comment", HOSTILE)
def test_every_markup_character_is_escaped(comment):
    escaped = str(escape.markdown(comment))
    assert "\n" not in escaped
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == " ".join(comment.split())  # only escapes added
    assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c in "<>#{}[]()`*_$@:|~^!%")


def test_a_regional_edition_quotes_its_own_region_only_but_checks_every_pick(tmp_path):
    london = SimpleNamespace(**{**vars(PARAMS), "edition": "London"})
    path = tmp_path / "quotes.yml"
    path.write_text('"2019":\n  - {respondent: R01, theme: workload}\n', encoding="utf-8")
    assert [
        q.respondent for q in quotes.load_quotes(path, survey({"R01": "x"}), FRAME, CODEBOOK, london, False)["workload"]
    ] == ["R01"]
    north_west = SimpleNamespace(**{**vars(PARAMS), "edition": "North West"})
    assert quotes.load_quotes(path, survey({"R01": "x"}), FRAME, CODEBOOK, north_west, False) == {}
    path.write_text('"2019":\n  - {respondent: R99, theme: workload}\n', encoding="utf-8")
    with pytest.raises(QuoteError, match="R99 does not exist"):
        quotes.load_quotes(path, survey({"R01": "x"}), FRAME, CODEBOOK, north_west, False)


def test_a_pick_that_redaction_guts_is_refused_naming_the_file_and_the_quote(tmp_path):
    readable = "The workload is relentless and I finish paperwork every evening. Ring 020 7946 0958"  # under a fifth
    gutted = "Dr Jane Example and I set up West Merton PCN. Ring 020 7946 0958"  # most of it redacted
    assert quotes.redact(readable).share <= quotes.MAX_REDACTED_SHARE < quotes.redact(gutted).share
    got = load(tmp_path, '"2019":\n  - {respondent: R01, theme: workload}\n', {"R01": readable})
    assert "[redacted" in got["workload"][0].text.replace("\\", "")
    with pytest.raises(
        QuoteError, match=r"quotes\.yml: quote 1 \(line 2\): respondent R01: redaction removes \d+% of the quote"
    ):
        load(tmp_path, '"2019":\n  - {respondent: R01, theme: workload}\n', {"R01": gutted})


@pytest.mark.parametrize("wave, redacted", [("2019", 0), ("2020", 0)])  # the picks cut the personal data out
def test_the_committed_quotes_resolve_against_the_synthetic_wave(wave, redacted):
    from briefing.inputs.validate import read_survey

    params = findings_io.resolved_params(ROOT / "params.yml", wave)
    wave = read_survey(ROOT / params.survey_path, CODEBOOK, params.wave)
    frame = pd.read_csv(ROOT / params.frame_file, dtype=str)
    got = quotes.load_quotes(CODEBOOK.path.parent / quotes.QUOTES_FILE, wave, frame, CODEBOOK, params, synthetic=True)
    texts = [q.text for qs in got.values() for q in qs]
    assert len(texts) == 3 and sum("[redacted" in t.replace("\\", "") for t in texts) == redacted
    assert not any(s in t.replace("\\", "") for t in texts for s in ("West Merton", "Jane", "0123", "5919"))
    assert all(q.attribution.endswith(r"\(synthetic example comment\)") for qs in got.values() for q in qs)


def test_the_attribution_is_the_codebooks_words_and_the_speakers_cell(tmp_path):
    """Who answered and the attribution's parts come from the codebook (an answer by its label, a partition's part by
    its label); the cell they make (here the site x the sites partition) is what recognisability is judged on."""
    from tests.narrative.test_generic_narrative import CODEBOOK as WARDS

    (tmp_path / "codebook.yml").write_text(WARDS.replace("attribution: [site]", "attribution: [site, sites]"))
    book = load_codebook(tmp_path / "codebook.yml")
    rows = [{"rid": f"W{i}", "site": "N", "remarks": "Short of staff <b>again</b>"} for i in range(8)]
    rows.append({"rid": "ALONE", "site": "S", "remarks": "Only one here"})
    ward = pd.DataFrame(rows)
    path = tmp_path / "quotes.yml"
    path.write_text('"2019":\n  - {respondent: W3, theme: staffing}\n', encoding="utf-8")
    got = quotes.load_quotes(path, ward, None, book, PARAMS, synthetic=False)
    assert got["staffing"][0].attribution == r"Ward sister\, Northgate\, Northgate\'s ward sisters"
    assert got["staffing"][0].text == r"Short of staff \<b\>again\<\/b\>"
    path.write_text('"2019":\n  - {respondent: ALONE, theme: staffing}\n', encoding="utf-8")
    with pytest.raises(QuoteError, match="ALONE could be recognised: their site and sites group holds fewer than 8"):
        quotes.load_quotes(path, ward, None, book, PARAMS, synthetic=False)
