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


def publish_like(folder: Path, findings: dict, first: str, date: str = "1 May 2020") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "findings.json").write_text(json.dumps({"findings": findings}), encoding="utf-8")
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
        "1 finding(s) changed, 1 sentence(s) reworded, added or removed, 0 finding(s) appeared and 0 disappeared"
        in text
    )
    assert "plan_to_leave plan to leave 21.0% (16.3% to 26.7%) 22.6% (17.6% to 28.4%)" in text
    assert f"{FIRST} Over 1 in 5 clinical directors (23%) plan to leave." in text
    assert "pcn_count" not in text


def test_findings_that_appear_or_disappear_are_listed(tmp_path):
    published = publish_like(tmp_path / "out", BEFORE, FIRST)
    after = {"plan_to_leave": BEFORE["plan_to_leave"], "not_enough_time": finding(0.62, 0.56, 0.68, "lack time")}
    text = text_of(
        changes.write_review(published, publish_like(tmp_path / "stage", after, FIRST)).read_text(encoding="utf-8")
    )
    assert "Findings that appeared 1 finding(s) Finding Figure not_enough_time lack time 62.0% (56.0% to 68.0%)" in text
    assert "Findings that disappeared 1 finding(s) Finding Figure pcn_count PCNs 1,251" in text


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
