"""The editor's review page: the new build against the published one, escaped, and "No changes" when nothing did."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from briefing.publication import changes

PAGE = """<!DOCTYPE html><html lang="en-GB"><body>
<header id="title-block-header"><p class="date">{date}</p></header>
<nav id="TOC"><ul><li>Retention</li></ul></nav>
<main><h2>Retention</h2><p>{first} The share is up from 11% in 2019.</p>
<ul><li>Almost half of clinical directors (49%) describe workload as unmanageable.</li></ul>
<table><tr><td>21%</td></tr></table></main></body></html>"""


def finding(value: float, low: float, high: float, description: str = "plan to leave") -> dict:
    return {
        "kind": "proportion",
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "description": description,
        "suppressed": False,
    }


def build(wave: str = "2020", epoch: int = 1795392000, engine: str = "quarto", compare_wave: str | None = None) -> dict:
    """What findings.json records of the build that wrote it (its parameters and provenance)."""
    return {
        "parameters": {"survey": "pcn-clinical-directors", "wave": wave, "compare_wave": compare_wave},
        "provenance": {"source_date_epoch": epoch, "versions": {"renderer": {"engine": engine}}},
    }


def publish_like(folder: Path, findings: dict, first: str, date: str = "1 May 2020", made: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "findings.json").write_text(json.dumps({"findings": findings, **(made or {})}), encoding="utf-8")
    (folder / "briefing.html").write_text(PAGE.format(first=first, date=date), encoding="utf-8")
    return folder


def text_of(page: str) -> str:
    class Text(HTMLParser):
        parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.parts = []
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


BEFORE = {
    "plan_to_leave": finding(0.2103, 0.163, 0.267),
    "pcn_count": {"kind": "count", "value": 1251, "description": "PCNs"},
}
FIRST = "Over 1 in 5 clinical directors (21%) plan to leave."


def test_sentences_skip_the_masthead_contents_and_tables():
    found = changes.sentences(PAGE.format(first=FIRST, date="1 May 2020"))
    assert found == [
        "Retention",
        FIRST,
        "The share is up from 11% in 2019.",
        "Almost half of clinical directors (49%) describe workload as unmanageable.",
    ]


def test_the_same_data_again_gives_no_changes_even_on_another_day(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST)
    staging = publish_like(tmp_path / "stage", BEFORE, FIRST, date="2 May 2020")
    page = changes.write_review(published, staging).read_text(encoding="utf-8")
    assert "No changes: every finding and every sentence is the same" in text_of(page)
    assert "<table" not in page


def test_one_changed_value_shows_old_and_new_figure_and_sentence(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST)
    after = {**BEFORE, "plan_to_leave": finding(0.2256, 0.176, 0.284)}
    staging = publish_like(tmp_path / "stage", after, "Over 1 in 5 clinical directors (23%) plan to leave.")
    text = text_of(changes.write_review(published, staging).read_text(encoding="utf-8"))
    assert (
        "1 finding changed; 1 sentence reworded, added or removed; no finding appeared and no finding disappeared"
        in text
    )
    assert "Plan to leave 21.0% (16.3% to 26.7%) 22.6% (17.6% to 28.4%)" in text
    assert f"{FIRST} Over 1 in 5 clinical directors (23%) plan to leave." in text
    assert "pcn_count" not in text and "PCNs" not in text


def test_findings_that_appear_or_disappear_are_listed(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST)
    after = {"plan_to_leave": BEFORE["plan_to_leave"], "not_enough_time": finding(0.62, 0.56, 0.68, "lack time")}
    text = text_of(
        changes.write_review(published, publish_like(tmp_path / "stage", after, FIRST)).read_text(encoding="utf-8")
    )
    assert "Findings that appeared 1 finding Finding Figure Lack time 62.0% (56.0% to 68.0%)" in text
    assert "Findings that disappeared 1 finding Finding Figure PCNs 1,251" in text


def test_everything_shown_is_escaped(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST)
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    after = {**BEFORE, "plan_to_leave": finding(0.3, 0.2, 0.4, description=hostile)}
    staging = publish_like(tmp_path / "stage", after, "A sentence about &lt;script&gt; tags.")
    page = changes.write_review(published, staging).read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "A sentence about &lt;script&gt; tags." in page


def test_first_build_says_there_is_nothing_to_compare_with(tmp_path):
    staging = publish_like(tmp_path / "stage", BEFORE, FIRST)
    page = changes.write_review(tmp_path / "nothing-published-yet", staging).read_text(encoding="utf-8")
    assert "There is no previously published briefing to compare with" in text_of(page)
    assert '<html lang="en-GB">' in page and "<title>" in page and 'scope="col"' in page and "<caption>" in page
    assert "http" not in page.replace('lang="en-GB"', "")  # nothing fetched: works offline


# --- for an editor: which build, never another wave as a revision, plain names, one row and sentence per change


def test_the_page_names_the_build_it_compares_with(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST, made=build(epoch=1795392000, engine="quarto"))
    after = {**BEFORE, "plan_to_leave": finding(0.2256, 0.176, 0.284)}
    staging = publish_like(tmp_path / "stage", after, FIRST, made=build(epoch=1795478400, engine="pandoc"))
    text = text_of(changes.write_review(published, staging).read_text(encoding="utf-8"))
    assert (
        "This build (wave 2020, dated 24 November 2026, built with pandoc and Typst) is compared with the briefing "
        "published before it (wave 2020, dated 23 November 2026, built with Quarto)." in text
    )


def test_another_wave_is_refused_as_a_revision_and_the_change_between_waves_offered(tmp_path):
    """`make report WAVE=2019` after a 2020 build: the 2019 briefing is not a revision of the 2020 one."""
    published = publish_like(tmp_path / "out", BEFORE, FIRST, made=build(wave="2020", compare_wave="2019"))
    earlier = {**BEFORE, "plan_to_leave": finding(0.109, 0.076, 0.153)}
    staging = publish_like(tmp_path / "stage", earlier, "Over 1 in 10 plan to leave.", made=build(wave="2019"))
    page = changes.write_review(published, staging).read_text(encoding="utf-8")
    text = text_of(page)
    assert "This build (wave 2019, dated 23 November 2026, built with Quarto) is not compared with the briefing" in text
    assert "(wave 2020, dated 23 November 2026, built with Quarto): that is another wave" in text
    assert "the wave 2020 briefing's section \u201cChange since 2019\u201d" in text
    assert "<table" not in page and "finding changed" not in text
    back = publish_like(tmp_path / "again", BEFORE, FIRST, made=build(wave="2020", compare_wave="2019"))
    forward = text_of(changes.write_review(staging, back).read_text(encoding="utf-8"))  # 2020 after 2019
    assert "Change since 2019" in forward


def test_rows_only_for_what_the_page_shows_changed_with_plain_names_once(tmp_path):
    """A figure's title changing is one caption sentence, not a row naming fig_confidence_workforce with the title
    three times; a finding whose shown figure is the same (only its inputs moved) is no row at all."""
    chart = {
        "kind": "figure",
        "description": "Over two-thirds are not confident",
        "title": "Over two-thirds are not confident",
    }
    before = {**BEFORE, "fig_confidence_workforce": chart}
    after = {
        "plan_to_leave": {**BEFORE["plan_to_leave"], "inputs": ["data/new.csv"], "p_value": 0.0123},
        "pcn_count": BEFORE["pcn_count"],
        "fig_confidence_workforce": {**chart, "description": "Almost three-quarters", "title": "Almost three-quarters"},
    }
    published = publish_like(tmp_path / "out", before, FIRST, made=build())
    page = changes.write_review(published, publish_like(tmp_path / "stage", after, FIRST, made=build())).read_text(
        encoding="utf-8"
    )
    assert "fig_" not in page and "plan_to_leave" not in page and "<code>" not in page
    assert "Findings that changed" not in page
    assert text_of(page).count("Almost three-quarters") <= 1
